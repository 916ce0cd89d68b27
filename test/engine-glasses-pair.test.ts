// glasses.pair: traced rims that fail the per-lens test (a patchy or light stretch of frame) still
// count as glasses when both lenses score at least `pair` and the bridge crosses the nose; without
// the bridge (wrinkles, brows) they do not. Synthetic lightness planes, the detector alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_GLASSES, glassesMask, type GlassesProbe } from '../src/engine/glasses.ts';
import { EYE_LEFT, EYE_RIGHT } from '../src/engine/regions.ts';

const W = 320, H = 200, RE = 12;
const EYES = [{ cx: 110, cy: 100 }, { cx: 210, cy: 100 }];

/** Skin at L 70 with two round rims (radius 2 eye radii, L 45, 3 px wide), a gap of `gap` (fraction of the turn, centred on top) in the right lens, and a bridge over `bridge` of the columns between the rims (from the left rim). */
function plane(gap: number, bridge: number): { L: Float32Array; mesh: number[][] } {
  const L = new Float32Array(W * H).fill(70);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      for (const [k, e] of EYES.entries()) {
        const d = Math.hypot(x - e.cx, y - e.cy);
        if (Math.abs(d - 2 * RE) > 1.5) continue;
        // Angle from the top of the lens (image y grows down).
        const t = Math.abs(Math.atan2(x - e.cx, -(y - e.cy))) / (2 * Math.PI);
        if (k === 1 && t < gap / 2) continue;
        L[y * W + x] = 45;
      }
      if (x > EYES[0].cx + 2 * RE - 1 && x < EYES[0].cx + 2 * RE + bridge * (EYES[1].cx - EYES[0].cx - 4 * RE) + 1 && Math.abs(y - 95) <= 1) L[y * W + x] = 45;
    }
  }
  const mesh: number[][] = Array.from({ length: 468 }, () => [W / 2, H - 5]);
  for (const [k, ids] of [EYE_LEFT, EYE_RIGHT].entries()) {
    const e = EYES[k];
    ids.forEach((id, j) => {
      const th = (2 * Math.PI * j) / ids.length;
      mesh[id] = [e.cx + RE * Math.cos(th), e.cy + 0.4 * RE * Math.sin(th)];
    });
  }
  return { L, mesh };
}

function found(gap: number, bridge: number, pair: number): { rims: boolean; probe: GlassesProbe } {
  const { L, mesh } = plane(gap, bridge);
  const probe: GlassesProbe = {};
  const rims = glassesMask(L, new Uint8Array(W * H).fill(1), W, H, mesh, 200, { ...DEFAULT_GLASSES, pair }, probe);
  return { rims: !!rims, probe };
}

test('glasses.pair: a lens with a light stretch is kept with the bridge across the nose, not with a partial one; off, not at all', () => {
  assert.equal(found(0, 1, 0).rims, true, 'whole rims: glasses either way');
  const gap = 0.3;
  const off = found(gap, 1, 0), on = found(gap, 1, 0.55);
  const score = (p: GlassesProbe) => p.lenses!.map((l) => +(l.dark - 4 * l.rough).toFixed(3));
  assert.equal(off.rims, false, `a lens with a ${gap} gap fails the per-lens test: ${JSON.stringify(score(off.probe))}`);
  assert.equal(on.rims, true, `pair keeps it: ${JSON.stringify(score(on.probe))}`);
  // A "bridge" over 70 % of the columns passes the band test (60 %) but not pair's (85 %): wrinkles
  // and brows that reach the trace cross 62–78 % of them.
  const part = found(gap, 0.7, 0.55);
  assert.ok(part.probe.lenses, 'the partial bridge reaches the trace');
  assert.equal(part.rims, false, 'a partial bridge: no glasses');
  assert.equal(found(gap, 0, 0.55).rims, false, 'no bridge, no glasses');
});
