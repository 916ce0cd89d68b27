// geometry.lipRings (swap.ts destinationMesh): the lips' middle rings move with the mouth as a
// whole, so a closed smile (thin, wide lips) warped into a pout (thick, short lips) keeps the
// template's lip body instead of folding its triangles across each other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_GEOMETRY, DEFAULT_SWAP, destinationMesh, lipAnisotropy } from '../src/engine/swap.ts';
import { FACE_OVAL, LIPS_INNER, LIPS_OUTER } from '../src/engine/regions.ts';
import { LIPS_MID } from '../src/engine/warp.ts';

const oval = new Set(FACE_OVAL);
/** A synthetic face: the oval on a circle, inner points well inside it, the lips on ellipses round (200, 250). */
const face = (lipW: number, lipH: number) => {
  const m = Array.from({ length: 468 }, (_, i) =>
    oval.has(i) ? [200 + 100 * Math.cos(i), 220 + 100 * Math.sin(i), 20 * Math.sin(3 * i)] : [200 + 40 * Math.cos(i * 2.4) * ((i % 7) / 7), 200 + 30 * Math.sin(i * 1.7) * ((i % 5) / 5), 30 + 25 * Math.cos(i)],
  );
  const ring = (ids: number[], k: number) =>
    ids.forEach((id, j) => {
      const a = (2 * Math.PI * j) / ids.length;
      m[id] = [200 + k * lipW * Math.cos(a), 250 + k * lipH * Math.sin(a), 40];
    });
  ring(LIPS_OUTER, 1);
  ring(LIPS_MID.slice(0, 20), 0.75);
  ring(LIPS_MID.slice(20), 0.45);
  ring(LIPS_INNER, 0.15);
  return m;
};
const pout = face(24, 16); // the template: short, thick lips
const smile = face(40, 6); // the source: wide, thin lips
const body = [...LIPS_OUTER, ...LIPS_MID, ...LIPS_INNER];
/** The lips' body triangulated ring to ring (outer, two middle rings, inner), as Human's mesh does. */
const rings = [LIPS_OUTER, LIPS_MID.slice(0, 20), LIPS_MID.slice(20), LIPS_INNER];
const tri = rings.slice(1).flatMap((inner, r) => inner.flatMap((b, j) => {
  const a = rings[r]!, k = (j + 1) % 20;
  return [a[j]!, a[k]!, b, b, a[k]!, inner[k]!];
}));
/** Largest difference between the lip body's moves from the template (0 = moved as one piece). */
const spread = (dst: [number, number][]) => {
  const d = body.map((i) => [dst[i]![0] - pout[i]![0]!, dst[i]![1] - pout[i]![1]!]);
  return Math.max(...d.map(([x, y]) => Math.hypot(x! - d[0]![0]!, y! - d[0]![1]!)));
};

test('geometry.lipRings is on (1) by default since stop 30; a closed gate is the same mesh as 0', () => {
  assert.equal(DEFAULT_SWAP.geometry.lipRings, 1);
  assert.deepEqual(destinationMesh(smile, pout, 0.7, { ...DEFAULT_GEOMETRY, lipRings: 0 }, tri), destinationMesh(smile, pout, 0.7, { ...DEFAULT_GEOMETRY, lipRings: 1, lipRingsFrom: 1e9 }, tri));
});

test("geometry.lipRingsFrom: the gate on the lip body's anisotropy (with the triangulation)", () => {
  const old = destinationMesh(smile, pout, 0.7, { ...DEFAULT_GEOMETRY, lipRings: 0 }, tri);
  const whole = destinationMesh(smile, pout, 0.7, { ...DEFAULT_GEOMETRY, lipRings: 1, lipRingsFrom: 0 }, tri);
  const r = lipAnisotropy(smile, old, tri) / lipAnisotropy(smile, whole, tri);
  assert.ok(spread(whole) < 1e-9);
  // Below the gate's start: the old mesh; from 1.2 × it: all of lipRings; between: a share.
  assert.deepEqual(destinationMesh(smile, pout, 0.7, { ...DEFAULT_GEOMETRY, lipRings: 1, lipRingsFrom: r * 1.01 }, tri), old);
  assert.deepEqual(destinationMesh(smile, pout, 0.7, { ...DEFAULT_GEOMETRY, lipRings: 1, lipRingsFrom: r / 1.21 }, tri), whole);
  const part = destinationMesh(smile, pout, 0.7, { ...DEFAULT_GEOMETRY, lipRings: 1, lipRingsFrom: r / 1.1 }, tri);
  const s = spread(part);
  assert.ok(s > 0.1 * spread(old) && s < 0.9 * spread(old), `a share (spread ${s} of ${spread(old)})`);
});

test("geometry.lipRings: a thin smile into a pout keeps the template's lip body, moved as a whole", () => {
  // Without the triangulation the gate is not measured: all of lipRings.
  const old = destinationMesh(smile, pout, 0.7, { ...DEFAULT_GEOMETRY, lipRings: 0 });
  const on = destinationMesh(smile, pout, 0.7, { ...DEFAULT_GEOMETRY, lipRings: 1 });
  assert.ok(spread(on) < 1e-9, `the lips' body is the template's, translated (spread ${spread(on)} px)`);
  assert.ok(spread(old) > 2, `without it the middle rings take the source's layout (spread ${spread(old)} px)`);
  // The mouth's placement (identity) is the same; the rest of the face is untouched.
  assert.deepEqual(on[LIPS_OUTER[0]!], old[LIPS_OUTER[0]!]);
  const mid = new Set(LIPS_MID);
  for (let i = 0; i < 468; i++) if (!mid.has(i)) assert.deepEqual(on[i], old[i]);
  // Halfway: the middle rings halfway between.
  const half = destinationMesh(smile, pout, 0.7, { ...DEFAULT_GEOMETRY, lipRings: 0.5 });
  for (const i of LIPS_MID) for (const k of [0, 1]) assert.ok(Math.abs(half[i]![k]! - (on[i]![k]! + old[i]![k]!) / 2) < 1e-9);
});
