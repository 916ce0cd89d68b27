// mask.visibility: a turned source's hidden far side filled from its near side, mirrored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyVisibility, DEFAULT_MASK, delaunay, MIRROR, sourceYaw, vertexVisibility, type MaskInput } from '../src/engine/mask.ts';
import { DEFAULT_SWAP, mergeSwapOptions } from '../src/engine/swap.ts';

test('MIRROR pairs the 468 points across the midline (an involution)', () => {
  assert.equal(MIRROR.length, 468);
  for (let i = 0; i < 468; i++) assert.equal(MIRROR[MIRROR[i]], i);
  for (const [a, b] of [[33, 263], [133, 362], [61, 291], [234, 454], [129, 358]]) assert.equal(MIRROR[a], b);
  for (const m of [1, 4, 10, 152, 168]) assert.equal(MIRROR[m], m);
});

test('delaunay: counter-clockwise triangles that tile the hull, repeated points left out', () => {
  const pts: [number, number][] = [];
  for (let y = 0; y < 6; y++) for (let x = 0; x < 7; x++) pts.push([x * 10, y * 10]);
  pts.push([20, 20]); // a repeat
  const { tris, twin } = delaunay(pts);
  assert.equal(twin[pts.length - 1], 2 * 7 + 2);
  let area = 0;
  for (let t = 0; t < tris.length; t += 3) {
    const [a, b, c] = [pts[tris[t]], pts[tris[t + 1]], pts[tris[t + 2]]];
    const cr = (b[0] - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (b[1] - a[1]);
    assert.ok(cr > 0);
    area += cr / 2;
  }
  assert.ok(Math.abs(area - 60 * 50) < 1e-6, `area ${area}`);
});

/** A synthetic symmetric face: the 468 points on a half-ellipsoid (x mirrored by MIRROR), turned by `yaw`. */
function face(yaw: number, cx = 100, cy = 100, r = 60): [number, number, number][] {
  const base: [number, number, number][] = new Array(468);
  let seed = 7;
  const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  for (let i = 0; i < 468; i++) {
    const j = MIRROR[i];
    if (j < i) continue;
    const y = rnd() * 1.6 - 0.8;
    const x = j === i ? 0 : (0.1 + rnd() * 0.85) * Math.sqrt(1 - y * y);
    const z = -Math.sqrt(Math.max(0, 1 - x * x - y * y));
    base[i] = [x, y, z];
    base[j] = [-x, y, z];
  }
  const c = Math.cos((yaw * Math.PI) / 180), s = Math.sin((yaw * Math.PI) / 180);
  return base.map(([x, y, z]) => [cx + r * (c * x + s * z), cy + r * y, r * (-s * x + c * z) * 0.5]);
}

function input(sMesh: [number, number, number][], dst: [number, number, number][], on: boolean): MaskInput {
  const w = 200, h = 200, n = w * h;
  const L = new Float32Array(n), A = new Float32Array(n), B = new Float32Array(n);
  // Image-left half dark, right half light: the mirror fill moves the far side's values to the near side's.
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) L[y * w + x] = x < 100 ? 30 : 70;
  const opts = mergeSwapOptions(DEFAULT_SWAP, { mask: { visibility: { mirror: on ? 1 : 0 } } }).mask;
  return {
    roi: { x0: 0, y0: 0, w, h }, cover: new Uint8Array(n).fill(1), dstMesh: dst, targetMesh: dst, sourceMesh: sMesh,
    targetLab: [L.slice(), A.slice(), B.slice()], sourceLab: [L, A, B], targetSkin: undefined as never, sourceSkin: undefined as never, faceW: 120, opts,
  };
}

test('vertexVisibility: a frontal face faces the camera, a turned one hides its far side', () => {
  const front = face(0);
  const { tris, twin } = delaunay(front);
  const v0 = vertexVisibility(front, tris, twin);
  const turned = face(40);
  const v1 = vertexVisibility(turned, tris, twin);
  let near = 0, far = 0, nn = 0, nf = 0;
  for (let i = 0; i < 468; i++) {
    assert.ok(v0[i] > 0);
    if (front[i][0] > 130) { near += v1[i]; nn++; }
    if (front[i][0] < 70) { far += v1[i]; nf++; }
  }
  assert.ok(far / nf < near / nn - 0.3, `far ${far / nf} near ${near / nn}`);
  assert.ok(Math.abs(sourceYaw(front)) < 1);
  assert.ok(Math.abs(sourceYaw(turned)) > 10);
});

test('mask.visibility: off by default, a frontal source untouched, a turned one filled from the near side', () => {
  assert.equal(DEFAULT_MASK.visibility.mirror, 0);
  const dst = face(0);
  // Frontal source: nothing changes, the same planes.
  const a = input(face(2), dst, true);
  const L0 = a.sourceLab[0].slice();
  assert.equal(applyVisibility(a), a);
  assert.deepEqual(a.sourceLab[0], L0);
  // Off: a turned source is untouched too.
  const b = input(face(40), dst, false);
  assert.equal(applyVisibility(b), b);
  assert.deepEqual(b.sourceLab[0], L0);
  // On: the far (image-left, dark) side takes the near side's lightness; the near side keeps its own.
  const c = input(face(40), dst, true);
  applyVisibility(c);
  let farMoved = 0, nearChanged = 0;
  for (let y = 60; y < 140; y++) {
    for (let x = 45; x < 60; x++) farMoved = Math.max(farMoved, c.sourceLab[0][y * 200 + x] - 30);
    for (let x = 140; x < 155; x++) nearChanged = Math.max(nearChanged, Math.abs(c.sourceLab[0][y * 200 + x] - 70));
  }
  assert.ok(farMoved > 20, `far side moved ${farMoved}`);
  assert.equal(nearChanged, 0);
});
