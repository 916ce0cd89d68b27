// colour.nostrils (nostrils.ts): the nose's base takes the template's darkness there. On a real
// face's mesh with synthetic Lab planes: a dark nose underside is lifted, the openings stay the
// darkest, nothing away from the nose's base moves; and through the whole swap, off is the
// default's output and on changes pixels only about the nose's base.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { decodeImage } from '../src/engine/image.ts';
import { matchNostrils, NOSE_BASE } from '../src/engine/nostrils.ts';
import { NOSTRIL_LEFT, NOSTRIL_RIGHT, faceWidth, pick } from '../src/engine/regions.ts';
import { convexHull, fillPolygon, growPolygon } from '../src/engine/raster.ts';
import { DEFAULT_SWAP, mergeSwapOptions } from '../src/engine/swap.ts';
import { faceA, faceB, useEngine } from './engine-fixtures.ts';

const engine = useEngine();

/** Distance from (x, y) to the convex hull of the nose base (0 inside). */
function distToBase(mesh: ArrayLike<number>[], x: number, y: number): number {
  const hull = convexHull(pick(mesh as number[][], NOSE_BASE));
  let d = Infinity, pos = 0, neg = 0;
  for (let i = 0; i < hull.length; i++) {
    const [ax, ay] = hull[i];
    const [bx, by] = hull[(i + 1) % hull.length];
    const cross = (bx - ax) * (y - ay) - (by - ay) * (x - ax);
    if (cross > 0) pos++;
    else if (cross < 0) neg++;
    const t = Math.max(0, Math.min(1, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2 || 1)));
    d = Math.min(d, Math.hypot(x - ax - t * (bx - ax), y - ay - t * (by - ay)));
  }
  // Inside when every edge sees the point on the same side (either winding).
  return pos === 0 || neg === 0 ? 0 : d;
}

test('nostrils: a dark nose underside is lifted toward the template\'s, the openings stay darkest, the rest untouched', async () => {
  const img = await decodeImage(await faceA());
  const [face] = await engine().faceAnalyser.detect(img, { embedding: false });
  const mesh = face.mesh.slice(0, 468);
  const w = img.width, h = img.height, n = w * h, fw = faceWidth(mesh);
  const base = convexHull(pick(mesh, NOSE_BASE));
  const plane = (v: number) => new Float32Array(n).fill(v);
  // Source: skin at 70 with its whole nose base in shadow (25) and its openings darker (8).
  const src: [Float32Array, Float32Array, Float32Array] = [plane(70), plane(12), plane(16)];
  const shadow = new Float32Array(n);
  fillPolygon(shadow, w, h, base, 1);
  const holes = new Float32Array(n);
  for (const ids of [NOSTRIL_RIGHT, NOSTRIL_LEFT]) fillPolygon(holes, w, h, growPolygon(convexHull(pick(mesh, ids)), -0.004 * fw), 1);
  for (let i = 0; i < n; i++) {
    if (shadow[i]) src[0][i] = 25;
    if (holes[i]) src[0][i] = 8;
  }
  // Template: the same skin, only its openings dark.
  const tgt: [Float32Array, Float32Array, Float32Array] = [plane(70), plane(12), plane(16)];
  for (let i = 0; i < n; i++) if (holes[i]) tgt[0][i] = 8;
  const before = src.map((p) => Float32Array.from(p));
  const roi = { x0: 0, y0: 0, w, h };
  const cover = new Uint8Array(n).fill(1);
  // Off: nothing written.
  matchNostrils(src, tgt, cover, roi, mesh, mesh, fw, { strength: 0, max: 2.5, tolerance: 1.1 });
  for (let c = 0; c < 3; c++) assert.deepEqual(src[c], before[c]);
  matchNostrils(src, tgt, cover, roi, mesh, mesh, fw, { strength: 1, max: 2.5, tolerance: 1.1 });
  let shadowBefore = 0, shadowAfter = 0, ns = 0, holesAfter = 0, nh = 0, far = 0;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const i = y * w + x;
    if (shadow[i] && !holes[i] && distToBase(mesh, x, y) === 0) {
      shadowBefore += before[0][i];
      shadowAfter += src[0][i];
      ns++;
    }
    if (holes[i]) {
      holesAfter += src[0][i];
      nh++;
    }
    // Beyond the edited band (grown 0.015, feathered σ 0.012 face widths): as before.
    if (distToBase(mesh, x, y) > 0.06 * fw) for (let c = 0; c < 3; c++) if (src[c][i] !== before[c][i]) far++;
  }
  shadowBefore /= ns;
  shadowAfter /= ns;
  holesAfter /= nh;
  assert.ok(shadowAfter > shadowBefore + 8, `the shadow lifted: ${shadowBefore.toFixed(1)} → ${shadowAfter.toFixed(1)}`);
  assert.ok(shadowAfter < 70, `not past the skin: ${shadowAfter.toFixed(1)}`);
  assert.ok(holesAfter < shadowAfter - 5, `openings stay darker: ${holesAfter.toFixed(1)} vs ${shadowAfter.toFixed(1)}`);
  assert.equal(far, 0, 'pixels away from the nose base changed');
});

test('nostrils: through the swap, off is the default output and on changes pixels only about the nose base', async () => {
  const [s, t] = await Promise.all([faceA(), faceB()]);
  const run = async (nostrils: number | undefined) => {
    const e = engine() as unknown as { swapOpts: unknown };
    e.swapOpts = nostrils === undefined ? DEFAULT_SWAP : mergeSwapOptions(DEFAULT_SWAP, { colour: { nostrils } });
    return (await engine().swapDetailed({ source: s, target: t } as never)).raw;
  };
  const def = await run(undefined);
  const off = await run(0);
  const on = await run(1);
  (engine() as unknown as { swapOpts: unknown }).swapOpts = DEFAULT_SWAP;
  assert.ok(Buffer.from(off.data).equals(Buffer.from(def.data)), 'nostrils 0 is the default output');
  const tImg = await decodeImage(t);
  const [tf] = await engine().faceAnalyser.detect(tImg, { embedding: false });
  const fw = faceWidth(tf.mesh);
  let changed = 0, near = 0, maxFar = 0;
  for (let y = 0; y < on.height; y++) for (let x = 0; x < on.width; x++) {
    const i = (y * on.width + x) * 3;
    const d = Math.max(...[0, 1, 2].map((c) => Math.abs(on.data[i + c] - def.data[i + c])));
    if (!d) continue;
    changed++;
    // The destination mesh moves the source's nose toward its own layout: allow 0.12 face widths.
    if (distToBase(tf.mesh, x, y) <= 0.12 * fw) near++;
    else maxFar = Math.max(maxFar, d);
  }
  assert.ok(changed > 0, 'the knob changed nothing on a real pair');
  // Away from the nose base only the texture stage's face-wide band gains can move (by a level at most).
  assert.ok(maxFar <= 1, `pixels far from the nose base moved by up to ${maxFar}`);
  assert.ok(near / changed > 0.5, `most changes by the nose: ${near} of ${changed}`);
});
