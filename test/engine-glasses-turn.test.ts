// glasses.turn: a template turned ≈30° (celebbasis_id6/4) had its thin rectangular frames refused
// and the source's skin drawn over both lenses' rims. Its far lens leaves the face, the lenses'
// top and bottom rims run ~1.3 eye radii from the eyes, and the near lens's inner rim lies past
// the midpoint between the eyes (the lenses sit ahead of the eyes and shift toward the turn).
// Synthetic lightness planes with those proportions, the detector alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_GLASSES, glassesMask, type GlassesProbe } from '../src/engine/glasses.ts';
import { EYE_LEFT, EYE_RIGHT } from '../src/engine/regions.ts';

const W = 300, H = 200, RE = 12, CY = 100;

interface Lens { x0: number; x1: number }

/**
 * Skin at L 70, rectangular rims (L 45, 2 px wide, half-height 1.33 eye radii) of `lenses`, a
 * bridge between them, eyes (outline RE × 0.4 RE) at `eyes`, the nose's bridge (mesh point 6) at
 * `nose`; the face covers x < `edge`.
 */
function plane(eyes: number[], lenses: [Lens, Lens], nose: number, edge: number) {
  const L = new Float32Array(W * H).fill(70);
  const hh = Math.round(1.33 * RE);
  const rim = (x: number, y: number) => (L[y * W + x] = 45);
  for (const { x0, x1 } of lenses) {
    for (let x = x0; x <= x1; x++) for (const y of [CY - hh, CY - hh + 1, CY + hh - 1, CY + hh]) rim(x, y);
    for (let y = CY - hh; y <= CY + hh; y++) for (const x of [x0, x0 + 1, x1 - 1, x1]) rim(x, y);
  }
  for (let x = lenses[0].x1; x <= lenses[1].x0; x++) for (const y of [CY - 6, CY - 5]) rim(x, y);
  const mesh: number[][] = Array.from({ length: 468 }, () => [W / 2, H - 5]);
  for (const [k, ids] of [EYE_LEFT, EYE_RIGHT].entries()) {
    ids.forEach((id, j) => {
      const th = (2 * Math.PI * j) / ids.length;
      mesh[id] = [eyes[k] + RE * Math.cos(th), CY + 0.4 * RE * Math.sin(th)];
    });
  }
  mesh[6] = [nose, CY];
  const cover = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < Math.min(W, edge); x++) cover[y * W + x] = 1;
  return { L, mesh, cover };
}

/** Share of the lens's rim pixels inside the face that the mask keeps. */
function kept(mask: Uint8Array, { x0, x1 }: Lens, edge: number): number {
  const hh = Math.round(1.33 * RE);
  let on = 0, all = 0;
  for (let y = CY - hh; y <= CY + hh; y++) {
    for (let x = x0; x <= Math.min(x1, edge - 1); x++) {
      if (y !== CY - hh && y !== CY + hh && x !== x0 && x !== x1) continue;
      all++;
      on += mask[y * W + x];
    }
  }
  return on / all;
}

test('glasses.turn: a turned face\'s frames are found and the near lens\'s rims kept whole; off, refused', () => {
  // The near eye at 120, the far one 50 px on; the near lens from −1.1 to +2.85 eye radii (its
  // inner rim 9 px past the eyes' midpoint, 145), the far lens leaving the face 1.2 eye radii
  // beyond its eye.
  const near = { x0: 107, x1: 154 }, far = { x0: 160, x1: 192 }, edge = 184;
  const { L, mesh, cover } = plane([120, 170], [near, far], 157, edge);
  const off = glassesMask(L, cover, W, H, mesh, 200, { ...DEFAULT_GLASSES, turn: 0 });
  assert.equal(off, undefined, 'off: the frames are refused (the source is drawn over the rims)');
  const probe: GlassesProbe = {};
  const on = glassesMask(L, cover, W, H, mesh, 200, { ...DEFAULT_GLASSES, turn: 1 }, probe);
  assert.ok(on, 'turn 1: glasses');
  // The near lens's traced outline reaches its inner rim (the tracer stopped at the eyes' midpoint).
  const reach = Math.max(...probe.outlines![0].map(([x]) => x));
  assert.ok(reach >= near.x1 - 1.5, `the near lens's outline reaches its inner rim: ${reach.toFixed(1)} of ${near.x1}`);
  const share = kept(on!, near, edge);
  assert.ok(share > 0.95, `the near lens's rims kept whole: ${share.toFixed(3)}`);
  // Its inner side, past the eyes' midpoint where the tracer stopped.
  let inner = 0;
  for (let y = CY - 12; y <= CY + 12; y++) inner += on![y * W + near.x1];
  assert.ok(inner >= 24, `the inner rim past the midpoint kept: ${inner}/25`);
  assert.ok(kept(on!, far, edge) > 0.8, `the far lens's rims kept: ${kept(on!, far, edge).toFixed(3)}`);
});

test('glasses.turn: a frontal face\'s frames are found alike, and bare eyes stay bare', () => {
  const lenses: [Lens, Lens] = [{ x0: 95, x1: 145 }, { x0: 175, x1: 225 }];
  const { L, mesh, cover } = plane([120, 200], lenses, 160, W);
  const off = glassesMask(L, cover, W, H, mesh, 200, { ...DEFAULT_GLASSES, turn: 0 });
  const on = glassesMask(L, cover, W, H, mesh, 200, { ...DEFAULT_GLASSES, turn: 1 });
  assert.ok(off && on, 'glasses either way');
  assert.deepEqual(on, off, 'the same rims');
  const bare = plane([120, 200], lenses, 160, W);
  bare.L.fill(70);
  assert.equal(glassesMask(bare.L, bare.cover, W, H, bare.mesh, 200, { ...DEFAULT_GLASSES, turn: 1 }), undefined);
});
