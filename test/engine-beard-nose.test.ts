// mask.beardDark.nose: a bearded source's moustache grows up to its own nostrils; under a template
// whose nose reaches lower, the strip between them was guarded (the lower nose's hull and base of
// both meshes) and stayed the source's: a painted moustache under the nose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildMaskAt, DEFAULT_MASK, NOSE_LOW } from '../src/engine/mask.ts';
import { skinModel } from '../src/engine/skin.ts';
import { roiAround } from '../src/engine/warp.ts';
import { convexHull, fillPolygon } from '../src/engine/raster.ts';
import { FACE_OVAL, LIPS_OUTER } from '../src/engine/regions.ts';
import { decodeImage } from '../src/engine/image.ts';
import { faceB, useEngine } from './engine-fixtures.ts';

const engine = useEngine();

/**
 * faceB's mesh with synthetic Lab planes: a clean pale template whose lower nose sits 4 % of the
 * face width lower than the source's (a longer nose), and a brown-skinned source (L 55) — with
 * `beard`, a dark-brown moustache and beard (L 30, low chroma) from just under its own lower nose
 * (its hull) down, lips excluded.
 */
async function noseMasks(beard: boolean, nose: number) {
  const img = await decodeImage(await faceB());
  const m = (await engine().faceAnalyser.detect(img, { embedding: false }))[0].mesh.slice(0, 468);
  const fw = Math.hypot(m[454][0] - m[234][0], m[454][1] - m[234][1]);
  const drop = 0.04 * fw;
  const t = m.map((p, i) => (NOSE_LOW.includes(i) ? [p[0], p[1] + drop, p[2]] : p));
  const roi = roiAround(m, img.width, img.height, Math.round(0.08 * fw) + 4);
  const { w, h } = roi, n = w * h;
  const sh = (mesh: ArrayLike<number>[], ids: number[]) => ids.map((i) => [mesh[i][0] - roi.x0, mesh[i][1] - roi.y0] as [number, number]);
  const cover = new Uint8Array(n);
  fillPolygon(cover, w, h, sh(m, FACE_OVAL), 1);
  const lips = new Uint8Array(n), srcNose = new Uint8Array(n), tplNose = new Uint8Array(n);
  fillPolygon(lips, w, h, sh(m, LIPS_OUTER), 1);
  fillPolygon(srcNose, w, h, convexHull(sh(m, NOSE_LOW)), 1);
  fillPolygon(tplNose, w, h, convexHull(sh(t, NOSE_LOW)), 1);
  const tLab: [Float32Array, Float32Array, Float32Array] = [new Float32Array(n).fill(70), new Float32Array(n).fill(14), new Float32Array(n).fill(16)];
  const sLab: [Float32Array, Float32Array, Float32Array] = [new Float32Array(n).fill(55), new Float32Array(n).fill(12), new Float32Array(n).fill(18)];
  const nx = m[2][0] - roi.x0, ny = m[2][1] - roi.y0;
  // The strip under the source's nose that the template's lower nose covered: where the moustache stayed.
  const strip = new Uint8Array(n);
  // The source's own lower nose, away from its base: its nostrils and tip (off 1.00; on 0.94, the
  // kept moustache's feather reaching into its base).
  const ownNose = new Uint8Array(n);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const i = y * w + x;
    if (!cover[i]) continue;
    if (srcNose[i] && y < ny - 0.03 * fw) ownNose[i] = 1;
    if (lips[i] || srcNose[i] || y < ny - 0.03 * fw) continue;
    if (beard) { sLab[0][i] = 30 + (x % 3 === 0 ? 6 : 0); sLab[1][i] = 5; sLab[2][i] = 7; }
    if (y > ny + 0.005 * fw && y < ny + 0.5 * drop && Math.abs(x - nx) < 0.06 * fw && tplNose[i]) strip[i] = 1;
  }
  for (let i = 0; i < n; i++) if (!cover[i]) for (const p of [...tLab, ...sLab]) p[i] = 0;
  const opts = { ...DEFAULT_MASK, beardDark: { ...DEFAULT_MASK.beardDark, nose } };
  const radius = 0.02 * fw;
  const mask = buildMaskAt({ roi, cover, dstMesh: m, targetMesh: t, sourceMesh: m, targetLab: tLab, sourceLab: sLab, targetSkin: skinModel(tLab, w, h, t, roi.x0, roi.y0, radius), sourceSkin: skinModel(sLab, w, h, m, roi.x0, roi.y0, radius), faceW: fw, opts }, 1);
  return { alpha: mask.alpha, skin: mask.skin, strip, ownNose };
}

function mean(alpha: Float32Array, where: Uint8Array): { mean: number; count: number } {
  let c = 0, s = 0;
  for (let i = 0; i < alpha.length; i++) if (where[i]) { c++; s += alpha[i]; }
  return { mean: c ? s / c : NaN, count: c };
}

test('beardDark.nose: on by default', () => {
  assert.equal(DEFAULT_MASK.beardDark.nose, 1);
});

test('beardDark.nose: the source\'s moustache under its own nose, where the template\'s longer nose reaches, is the template\'s; its nostrils stay its own', async () => {
  const a = await noseMasks(true, 0);
  const b = await noseMasks(true, 1);
  const sa = mean(a.alpha, a.strip), sb = mean(b.alpha, b.strip);
  assert.ok(sa.count > 50, `strip: ${sa.count} px`);
  assert.ok(sa.mean > 0.5, `off: the moustache under the nose stayed the source's (mean alpha ${sa.mean.toFixed(2)})`);
  assert.ok(sb.mean < 0.15, `on: mean alpha ${sb.mean.toFixed(2)} over it`);
  const na = mean(a.alpha, a.ownNose), nb = mean(b.alpha, b.ownNose);
  assert.ok(na.count > 50 && nb.mean > 0.9, `the source's nose: off ${na.mean.toFixed(2)}, on ${nb.mean.toFixed(2)}`);
});

test('beardDark.nose: a clean-shaven source gets the very same mask', async () => {
  const a = await noseMasks(false, 0);
  const b = await noseMasks(false, 1);
  assert.deepEqual(b.alpha, a.alpha);
  assert.deepEqual(b.skin, a.skin);
});
