// mask.beardDark.moustache: a pale template's near-black moustache that does not join its beard at
// the jaw scored as skin (the template's skin model is wide in lightness, which counts for little),
// was under mask.beardDark.template's share of the whole zone, and failed the edge rule: the
// source's bare upper lip showed under the template's nose, inside its beard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_MASK, NOSE_LOW } from '../src/engine/mask.ts';
import { convexHull, fillPolygon } from '../src/engine/raster.ts';
import { LIPS_INNER, LIPS_OUTER } from '../src/engine/regions.ts';
import { noisy, faceBPlane, maskOnPlane, meanWhere, useEngine } from './engine-fixtures.ts';

const engine = useEngine();

type Lip = 'moustache' | 'shadow' | 'none';

/**
 * faceB's mesh (source and template alike) with synthetic Lab planes: a pale template (L 76,
 * textured, a bright and a shaded band so that its skin model is wide in lightness) and a pale,
 * clean-shaven source. `lip`: on the template's upper lip, from under its nose to its upper lip, a
 * near-black brown moustache across the philtrum (L 10) — an island: the cheeks beside it are bare —
 * or a shadow as dark on one side only (a side light).
 */
async function masks(lip: Lip, moustache: number) {
  const plane = await faceBPlane(engine());
  const { m, fw, roi, w, h, n, sh, cover } = plane;
  const lips = new Uint8Array(n), inner = new Uint8Array(n), nose = new Uint8Array(n);
  fillPolygon(lips, w, h, sh(LIPS_OUTER), 1);
  fillPolygon(inner, w, h, sh(LIPS_INNER), 1);
  fillPolygon(nose, w, h, convexHull(sh(NOSE_LOW)), 1);
  const grain = noisy(n, 6, 7, 0);
  const tLab: [Float32Array, Float32Array, Float32Array] = [new Float32Array(n), new Float32Array(n).fill(10), new Float32Array(n).fill(12)];
  const sLab: [Float32Array, Float32Array, Float32Array] = [new Float32Array(n), new Float32Array(n).fill(12), new Float32Array(n).fill(15)];
  const nx = m[2][0] - roi.x0, ny = m[2][1] - roi.y0, ly = Math.min(m[0][1], m[37][1], m[267][1]) - roi.y0;
  // The moustache's core (away from its edge), and the source's lips outside the mouth's opening.
  const core = new Uint8Array(n), srcLips = new Uint8Array(n);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const i = y * w + x;
    if (!cover[i]) continue;
    // A lit band over the forehead and a shaded one over the jaw: a wide skin model.
    tLab[0][i] = 76 + grain[i] + (y < 0.3 * h ? 12 : y > 0.85 * h ? -14 : 0);
    sLab[0][i] = 70 + 0.5 * grain[i];
    if (lips[i] && !inner[i]) srcLips[i] = 1;
    if (lips[i]) { tLab[1][i] = 30; sLab[1][i] = 30; }
    if (lips[i] || nose[i] || y < ny || y > ly) continue;
    const dx = x - nx;
    const on = lip === 'moustache' ? Math.abs(dx) < 0.12 * fw : lip === 'shadow' ? dx > 0.02 * fw && dx < 0.14 * fw : false;
    if (!on) continue;
    tLab[0][i] = 10 + 0.5 * grain[i];
    tLab[1][i] = 3;
    tLab[2][i] = 3;
    if (Math.abs(dx) < 0.08 * fw && y > ny + 0.015 * fw && y < ly - 0.01 * fw) core[i] = 1;
  }
  for (let i = 0; i < n; i++) if (!cover[i]) for (const p of [...tLab, ...sLab]) p[i] = 0;
  const opts = { ...DEFAULT_MASK, beardDark: { ...DEFAULT_MASK.beardDark, moustache } };
  const mask = maskOnPlane(plane, tLab, sLab, opts);
  return { alpha: mask.alpha, skin: mask.skin, core, srcLips };
}


test('beardDark.moustache: on (0.3) by default since stop 30', () => {
  assert.equal(DEFAULT_MASK.beardDark.moustache, 0.3);
});

test('beardDark.moustache: a template\'s near-black moustache, an island under its nose, stays the template\'s; the source\'s lips stay its own', async () => {
  const a = await masks('moustache', 0);
  const b = await masks('moustache', 0.3);
  const ca = meanWhere(a.alpha, a.core), cb = meanWhere(b.alpha, b.core);
  assert.ok(ca.count > 50, `core: ${ca.count} px`);
  assert.ok(ca.mean > 0.8, `off: the template's moustache was the source's bare lip (mean alpha ${ca.mean.toFixed(2)})`);
  assert.ok(cb.mean < 0.1, `on: mean alpha ${cb.mean.toFixed(2)} over the moustache`);
  const la = meanWhere(a.alpha, a.srcLips), lb = meanWhere(b.alpha, b.srcLips);
  assert.ok(la.count > 50 && Math.abs(lb.mean - la.mean) < 0.03, `the source's lips: off ${la.mean.toFixed(3)}, on ${lb.mean.toFixed(3)}`);
});

test('beardDark.moustache: a shadow on one side of the lip, or none, gives the very same mask', async () => {
  for (const lip of ['shadow', 'none'] as const) {
    const a = await masks(lip, 0);
    const b = await masks(lip, 0.3);
    assert.deepEqual(b.alpha, a.alpha, lip);
    assert.deepEqual(b.skin, a.skin, lip);
  }
});
