// The destination mesh's geometry options (swap.ts, GeometryOptions): depth in image pixels for
// the 3-D pose fit, no folded triangles, the inner block kept where the template's was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_GEOMETRY, DEFAULT_SWAP, destinationMesh } from '../src/engine/swap.ts';
import { FACE_OVAL, faceWidth } from '../src/engine/regions.ts';

const oval = new Set(FACE_OVAL);
/** A synthetic face in image pixels, true depth: the oval on a circle, inner points well inside it. */
const face = Array.from({ length: 468 }, (_, i) =>
  oval.has(i) ? [200 + 100 * Math.cos(i), 220 + 100 * Math.sin(i), 20 * Math.sin(3 * i)] : [200 + 40 * Math.cos(i * 2.4) * ((i % 7) / 7), 220 + 40 * Math.sin(i * 1.7) * ((i % 5) / 5), 30 + 25 * Math.cos(i)],
);
/** As Human reports it: z in the mesh model's crop units, the same whatever the face's size (here true z × 100 / (0.9 × face width)). */
const asHuman = (m: number[][]) => {
  const k = 100 / (0.9 * faceWidth(m));
  return m.map(([x, y, z]) => [x, y, z * k]);
};
const turn = (m: number[][], yaw: number, pitch: number, scale: number, dx: number, dy: number) => {
  const cy = Math.cos(yaw), sy = Math.sin(yaw), cp = Math.cos(pitch), sp = Math.sin(pitch);
  return m.map(([x, y, z]) => {
    const [x0, y0, z0] = [x - 200, y - 220, z];
    const [x1, z1] = [cy * x0 + sy * z0, -sy * x0 + cy * z0];
    const [y2, z2] = [cp * y0 - sp * z1, sp * y0 + cp * z1];
    return [scale * x1 + 200 + dx, scale * y2 + 220 + dy, scale * z2];
  });
};
const moved = (a: number[][] | [number, number][], b: number[][]) => Math.max(...a.map((p, i) => Math.hypot(p[0] - b[i]![0]!, p[1] - b[i]![1]!)));

test('geometry: all off is the old destination mesh', () => {
  assert.deepEqual(DEFAULT_SWAP.geometry, DEFAULT_GEOMETRY);
  const src = asHuman(turn(face, 0.3, 0.1, 0.5, 30, -20));
  const tpl = asHuman(face);
  const tri = [0, 1, 2, 3, 4, 5];
  // lipRings (on since stop 30) is the one knob here that is on; the rest are off by default.
  const off = { ...DEFAULT_GEOMETRY, lipRings: 0 };
  assert.deepEqual(destinationMesh(src, tpl, 0.7, off, tri), destinationMesh(src, tpl, 0.7, off));
});

test("geometry.depthScale: a turned, smaller copy of the template's face moves nothing once depth is in pixels", () => {
  // The source is the template's face turned 20° and 10° and at half the size: with Human's raw z
  // (crop units, so half the source's depth is missing against its width) the fit leaves pose behind.
  const tpl = asHuman(face);
  const src = asHuman(turn(face, 0.35, 0.17, 0.5, 30, -20));
  const raw = moved(destinationMesh(src, tpl, 1), tpl);
  const fixed = moved(destinationMesh(src, tpl, 1, { ...DEFAULT_GEOMETRY, depthScale: 0.9 }), tpl);
  assert.ok(raw > 1, `raw z leaves the pose (${raw} px)`);
  assert.ok(fixed < 1e-6, `in pixels nothing is left to move (${fixed} px)`);
});

test('geometry.unfold: no destination triangle flips; harmless moves stay', () => {
  const tpl = face.map((p) => [...p]);
  // A fan of triangles around inner point 1 over five of its neighbours (counter-clockwise in the template).
  const ring = [4, 5, 6, 7, 8];
  const c = tpl[1]!;
  ring.forEach((j, k) => {
    const a = (2 * Math.PI * k) / ring.length;
    tpl[j] = [c[0]! + 12 * Math.cos(a), c[1]! + 12 * Math.sin(a), c[2]!];
  });
  const tri = ring.flatMap((j, k) => [1, j, ring[(k + 1) % ring.length]!]);
  // The source has point 1 far outside its ring, and point 300 a little off (no triangle of it here).
  const src = tpl.map((p, i) => (i === 1 ? [p[0]! + 30, p[1]! + 4, p[2]!] : i === 300 ? [p[0]! + 3, p[1]!, p[2]!] : [...p]));
  const area = (m: ArrayLike<number>[], t: number) => (m[tri[t + 1]!]![0]! - m[tri[t]!]![0]!) * (m[tri[t + 2]!]![1]! - m[tri[t]!]![1]!) - (m[tri[t + 2]!]![0]! - m[tri[t]!]![0]!) * (m[tri[t + 1]!]![1]! - m[tri[t]!]![1]!);
  const flipped = (m: ArrayLike<number>[]) => tri.filter((_, t) => t % 3 === 0 && area(m, t) / area(tpl, t) < 0.1).length;
  const folded = destinationMesh(src, tpl, 1);
  assert.ok(flipped(folded) > 0, 'the plain mesh folds');
  const un = destinationMesh(src, tpl, 1, { ...DEFAULT_GEOMETRY, unfold: 1 }, tri);
  assert.equal(flipped(un), 0);
  assert.ok(Math.hypot(un[1]![0] - tpl[1]![0]!, un[1]![1] - tpl[1]![1]!) > 1, 'point 1 still moves toward the source');
  assert.deepEqual(un[300], folded[300], 'a point in no folded triangle keeps its move');
});

test("geometry.keepPlacement: the inner block stays where the template's was, its proportions the source's", () => {
  const tpl = asHuman(face);
  // The source's features sit 8 px lower in the face, and its eyes 6 px wider apart.
  const src = tpl.map((p, i) => (oval.has(i) ? [...p] : [p[0]! + (i === 33 ? -6 : i === 263 ? 6 : 0), p[1]! + 8, p[2]!]));
  const plain = destinationMesh(src, tpl, 1);
  const kept = destinationMesh(src, tpl, 1, { ...DEFAULT_GEOMETRY, keepPlacement: 1 });
  const meanDy = (m: [number, number][]) => m.reduce((s, p, i) => s + (oval.has(i) ? 0 : p[1] - tpl[i]![1]!), 0) / (468 - oval.size);
  assert.ok(Math.abs(meanDy(kept)) < 0.5 * Math.abs(meanDy(plain)), `mean vertical move ${meanDy(plain)} → ${meanDy(kept)}`);
  const eyes = (m: [number, number][]) => m[263]![0] - m[33]![0];
  assert.ok(Math.abs(eyes(kept) - eyes(plain)) < 1e-9, 'the eyes stay as far apart');
  for (const i of FACE_OVAL) assert.deepEqual(kept[i], [tpl[i]![0], tpl[i]![1]]);
});
