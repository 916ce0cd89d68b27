// mask.strands.fill: a lock of the source's hair along the face's side, dark but of the skin's hue
// (red or brown hair: the colour test scores it under its cut-off), whose edges and strands the
// texture test finds: its plain inside stays the template's too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { strandLocks, DEFAULT_STRANDS, DEFAULT_HAIR_EDGE } from '../src/engine/hair.ts';
import { buildMaskAt, DEFAULT_MASK } from '../src/engine/mask.ts';
import { skinModel } from '../src/engine/skin.ts';
import { roiAround } from '../src/engine/warp.ts';
import { convexHull, fillPolygon, growPolygon } from '../src/engine/raster.ts';
import { FACE_OVAL, FEATURES, pick } from '../src/engine/regions.ts';
import { decodeImage } from '../src/engine/image.ts';
import { faceB, useEngine } from './engine-fixtures.ts';

const engine = useEngine();

test('strandLocks: a dark area with strands that meets the edge is taken; a plain one, an inner one, a small one are not', () => {
  const w = 60, h = 40, n = w * h;
  const hard = new Float32Array(n), dark = new Uint8Array(n), strands = new Uint8Array(n);
  for (let y = 2; y < h - 2; y++) for (let x = 2; x < w - 2; x++) hard[y * w + x] = 1;
  const box = (x0: number, x1: number, y0: number, y1: number, st: boolean) => {
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) { dark[y * w + x] = 1; if (st && x % 4 === 0) strands[y * w + x] = 1; }
  };
  box(2, 10, 5, 30, true); // a lock at the edge, with strands
  box(50, 58, 5, 30, false); // a plain dark area at the edge (a shadow)
  box(20, 30, 10, 20, true); // strands inside the face, not at the edge
  box(2, 5, 34, 38, true); // a small lock
  const out = strandLocks(dark, strands, hard, w, h, 0.04, 20);
  assert.equal(out[15 * w + 6], 1);
  assert.equal(out[15 * w + 54], 0);
  assert.equal(out[15 * w + 25], 0);
  assert.equal(out[35 * w + 3], 0);
});

test('strands.fill: on by default (0.6 of the local skin lightness)', () => {
  assert.equal(DEFAULT_MASK.strands, DEFAULT_STRANDS);
  assert.equal(DEFAULT_STRANDS.fill, 0.6);
});

/**
 * The mask on a real mesh (faceB's) with synthetic Lab planes: a template and a source of even
 * skin (L 75, a 15, b 15) and, when `hair`, a lock of dark hair of the skin's hue (L 30, plain
 * but for a few fine vertical strands) along the image-right side of the face from the eye line to the mouth.
 */
async function maskOf(hair: boolean, fill: number) {
  const img = await decodeImage(await faceB());
  const m = (await engine().faceAnalyser.detect(img, { embedding: false }))[0].mesh.slice(0, 468);
  const fw = Math.hypot(m[454][0] - m[234][0], m[454][1] - m[234][1]);
  const roi = roiAround(m, img.width, img.height, Math.round(0.08 * fw) + 4);
  const { w, h } = roi, n = w * h;
  const cover = new Uint8Array(n);
  fillPolygon(cover, w, h, FACE_OVAL.map((i) => [m[i][0] - roi.x0, m[i][1] - roi.y0]), 1);
  const tLab: [Float32Array, Float32Array, Float32Array] = [new Float32Array(n).fill(72), new Float32Array(n).fill(14), new Float32Array(n).fill(16)];
  const sLab: [Float32Array, Float32Array, Float32Array] = [new Float32Array(n).fill(75), new Float32Array(n).fill(15), new Float32Array(n).fill(15)];
  const xr = m[454][0] - roi.x0, ye = (m[33][1] + m[263][1]) / 2 - roi.y0, ym = m[14][1] - roi.y0;
  const inStrip = (x: number, y: number) => y >= ye && y <= ym && x >= xr - 0.16 * fw;
  // Plain inside, a few strands (light, 2 px) near the face's edge.
  const x0 = Math.ceil(xr - 0.08 * fw);
  if (hair) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (inStrip(x, y)) sLab[0][y * w + x] = 30 + (x >= x0 && (x - x0) % 6 < 2 ? 10 : 0);
  for (let i = 0; i < n; i++) if (!cover[i]) tLab[0][i] = tLab[1][i] = tLab[2][i] = sLab[0][i] = sLab[1][i] = sLab[2][i] = 0;
  const opts = { ...DEFAULT_MASK, hairEdge: { ...DEFAULT_HAIR_EDGE, smooth: 0 }, strands: { ...DEFAULT_STRANDS, fill } };
  const radius = 0.02 * fw;
  const mask = buildMaskAt({ roi, cover, dstMesh: m, targetMesh: m, sourceMesh: m, targetLab: tLab, sourceLab: sLab, targetSkin: skinModel(tLab, w, h, m, roi.x0, roi.y0, radius), sourceSkin: skinModel(sLab, w, h, m, roi.x0, roi.y0, radius), faceW: fw, opts }, 1);
  const strip = new Uint8Array(n);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (inStrip(x, y)) strip[y * w + x] = 1;
  // Not the features' hull (grown 4 %, as the mask guards it; mask.strands.hull 1).
  const hull = new Uint8Array(n);
  fillPolygon(hull, w, h, growPolygon(convexHull(pick(m, FEATURES).map((p) => [p[0] - roi.x0, p[1] - roi.y0] as [number, number])), 0.06 * fw), 1);
  for (let i = 0; i < n; i++) if (hull[i]) strip[i] = 0;
  return { alpha: mask.alpha, strip };
}

test('strands.fill: a dark lock of the skin\'s hue is carried in without it, stays the template\'s with it', async () => {
  const a = await maskOf(true, 0);
  const b = await maskOf(true, 0.6);
  let cnt = 0, sum = 0;
  for (let i = 0; i < a.alpha.length; i++) if (a.strip[i] && a.alpha[i] > 0.5) { cnt++; sum += b.alpha[i]; }
  assert.ok(cnt > 200, `off: the lock is carried in (${cnt} px)`);
  assert.ok(sum / cnt < 0.2, `on: mean alpha ${(sum / cnt).toFixed(2)} over the lock`);
});

test('strands.fill: an even, clean source gets the very same mask', async () => {
  const a = await maskOf(false, 0);
  const b = await maskOf(false, 0.6);
  assert.deepEqual(b.alpha, a.alpha);
});
