// GeometryOptions.depthOrder: where the template's mesh folds over itself (a turned head), the
// warp and the shading grid both take the triangle nearest the camera.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SWAP, paintOrder } from '../src/engine/swap.ts';
import { warpTriangles } from '../src/engine/warp.ts';
import { cellNormals } from '../src/engine/shading.ts';
import type { RgbImage } from '../src/engine/image.ts';

// Two triangles over the same destination square: listed first the far one (z = +5, as the far
// cheek behind the nose), then the near one (z = −5). The source image is red on the left half,
// blue on the right: the far triangle samples the blue half, the near one the red half.
const W = 40, H = 20;
const src: RgbImage = { width: W, height: H, format: 'png', data: new Uint8Array(W * H * 3) };
for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) src.data.set(x < W / 2 ? [220, 20, 20] : [20, 20, 220], (y * W + x) * 3);
const sMesh = [[22, 1], [38, 1], [22, 18], [2, 1], [18, 1], [2, 18]];
const dst = [[0, 0], [16, 0], [0, 16], [0, 0], [16, 0], [0, 16]];
const tMesh = [[0, 0, 5], [16, 0, 5], [0, 16, 5], [0, 0, -5], [16, 0, -5], [0, 16, -5]];
const tri = [0, 1, 2, 3, 4, 5];
const roi = { x0: 0, y0: 0, w: 20, h: 20 };

test('depthOrder is on by default', () => {
  assert.equal(DEFAULT_SWAP.geometry.depthOrder, 1);
});

test('depthOrder 1: the warp draws the nearer of two overlapping triangles; 0 keeps list order', () => {
  const at = (draw: ArrayLike<number>) => {
    const w = warpTriangles(src, sMesh, dst, draw, roi);
    const i = (4 * roi.w + 4) * 3;
    return [w.rgb[i], w.rgb[i + 2]];
  };
  const [rOn, bOn] = at(paintOrder(tri, tMesh, 1).draw);
  assert.ok(rOn > 200 && bOn < 40, `near (red) expected, got r ${rOn} b ${bOn}`);
  const [rOff, bOff] = at(paintOrder(tri, tMesh, 0).draw);
  assert.ok(bOff > 200 && rOff < 40, `list order (far, blue) expected, got r ${rOff} b ${bOff}`);
});

test('depthOrder 1: the shading grid takes the nearer triangle\'s normals too', () => {
  const na = new Float32Array(6 * 3);
  for (let v = 0; v < 6; v++) na.set(v < 3 ? [1, 0, 0] : [0, 0, -1], v * 3);
  const cell = (shade: ArrayLike<number>) => cellNormals(dst, shade, na, na, 5, 5, 4);
  const on = cell(paintOrder(tri, tMesh, 1).shade);
  const c = 1 * 5 + 1;
  assert.equal(on.has[c], 1);
  assert.deepEqual([...on.a.slice(c * 3, c * 3 + 3)], [0, 0, -1]);
  // List order: the shading kept the last triangle (here the near one) while the warp kept the
  // first (the far one), so the two stages disagreed; depthOrder makes them agree on the near one.
  const flipped = [3, 4, 5, 0, 1, 2];
  const onFlipped = cell(paintOrder(flipped, tMesh, 1).shade);
  assert.deepEqual([...onFlipped.a.slice(c * 3, c * 3 + 3)], [0, 0, -1]);
  const offFlipped = cell(paintOrder(flipped, tMesh, 0).shade);
  assert.deepEqual([...offFlipped.a.slice(c * 3, c * 3 + 3)], [1, 0, 0]);
});
