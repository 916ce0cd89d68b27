// mask.beardDark.underLip: a template's light grey-brown stubble under its lower lip passes the colour
// test (skin distance ≈ 1 against an occluder threshold of 5.5) and beardDark's (not dark enough, not
// greyer than its skin), and is under beardDark.template's share: the source's chin showed there, a
// lighter blotch in the template's beard. Its texture (mask.stubble's fine-band energy) tells it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_MASK } from '../src/engine/mask.ts';
import { fillPolygon } from '../src/engine/raster.ts';
import { LIPS_OUTER } from '../src/engine/regions.ts';
import { noisy, faceBPlane, maskOnPlane, meanWhere, useEngine } from './engine-fixtures.ts';

const engine = useEngine();

/**
 * faceB's mesh (source and template alike) with synthetic Lab planes: a pale template, finely
 * grained, and a clean-shaven source. `stubble`: from under the template's lower lip to its chin,
 * between its mouth's corners, a dense field of fine dark and light dots of the skin's own mean
 * lightness and colour (light stubble).
 */
async function masks(stubble: boolean, underLip: number) {
  const plane = await faceBPlane(engine());
  const { m, roi, w, h, n, sh, cover } = plane;
  const lips = new Uint8Array(n);
  fillPolygon(lips, w, h, sh(LIPS_OUTER), 1);
  const grain = noisy(n, 4, 7, 0), dots = noisy(n, 30, 11, 0);
  const tLab: [Float32Array, Float32Array, Float32Array] = [new Float32Array(n), new Float32Array(n).fill(10), new Float32Array(n).fill(12)];
  const sLab: [Float32Array, Float32Array, Float32Array] = [new Float32Array(n), new Float32Array(n).fill(12), new Float32Array(n).fill(15)];
  const top = m[17][1] - roi.y0, chin = m[152][1] - roi.y0, left = m[61][0] - roi.x0, right = m[291][0] - roi.x0;
  const band = new Uint8Array(n);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const i = y * w + x;
    if (!cover[i]) continue;
    tLab[0][i] = 72 + grain[i];
    sLab[0][i] = 70 + 0.5 * grain[i];
    if (lips[i]) { tLab[1][i] = 30; sLab[1][i] = 30; continue; }
    if (y <= top || y >= top + 0.6 * (chin - top) || x < left || x > right) continue;
    if (stubble) tLab[0][i] = 72 + dots[i];
    if (y > top + 0.08 * (chin - top) && y < top + 0.35 * (chin - top) && x > left + 0.15 * (right - left) && x < right - 0.15 * (right - left)) band[i] = 1;
  }
  for (let i = 0; i < n; i++) if (!cover[i]) for (const p of [...tLab, ...sLab]) p[i] = 0;
  const opts = { ...DEFAULT_MASK, beardDark: { ...DEFAULT_MASK.beardDark, underLip } };
  const mask = maskOnPlane(plane, tLab, sLab, opts);
  return { alpha: mask.alpha, skin: mask.skin, band };
}


test('beardDark.underLip: on (5) by default since stop 31', () => {
  assert.equal(DEFAULT_MASK.beardDark.underLip, 5);
});

test('beardDark.underLip: a template\'s light stubble under its lower lip stays the template\'s', async () => {
  const a = await masks(true, 0);
  const b = await masks(true, 5);
  const ca = meanWhere(a.alpha, a.band), cb = meanWhere(b.alpha, b.band);
  assert.ok(ca.count > 50, `band: ${ca.count} px`);
  assert.ok(ca.mean > 0.8, `off: the template's stubble was the source's chin (mean alpha ${ca.mean.toFixed(2)})`);
  assert.ok(cb.mean < 0.2, `on: mean alpha ${cb.mean.toFixed(2)} under the lip`);
});

test('beardDark.underLip: a bare chin gives the very same mask', async () => {
  const a = await masks(false, 0);
  const b = await masks(false, 5);
  assert.deepEqual(b.alpha, a.alpha);
  assert.deepEqual(b.skin, a.skin);
});
