// Paste-back of the ONNX engine: erode/blur as OpenCV does them, and where the swapped crop lands.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ARCFACE_112, estimateNorm } from '../src/engine/onnx/align.ts';
import type { Raster } from '../src/engine/onnx/image.ts';
import { erodeSquare, gaussianBlur, gaussianKernel } from '../src/engine/onnx/mask.ts';
import { blendLayer, pasteLayer } from '../src/engine/onnx/paste.ts';

function grid(rows: string[]): { data: Float32Array; w: number; h: number } {
  const h = rows.length, w = rows[0].length;
  const data = new Float32Array(w * h);
  rows.forEach((r, y) => [...r].forEach((c, x) => (data[y * w + x] = c === '#' ? 1 : 0)));
  return { data, w, h };
}
function show(data: Float32Array, w: number): string[] {
  const rows: string[] = [];
  for (let y = 0; y < data.length / w; y++) rows.push([...data.subarray(y * w, (y + 1) * w)].map((v) => (v > 0 ? '#' : '.')).join(''));
  return rows;
}

test('erosion: a hole grows by the kernel, the raster edge does not erode', () => {
  const g = grid(['.####', '#####', '#####', '#####', '#####']);
  assert.deepEqual(show(erodeSquare(g.data, g.w, g.h, 3), g.w), ['..###', '..###', '#####', '#####', '#####']);
  const full = grid(['####', '####', '####']);
  assert.deepEqual(show(erodeSquare(full.data, full.w, full.h, 3), full.w), ['####', '####', '####']);
  // Even sizes anchor at k/2 like OpenCV: the window is [x − 1, x] for k = 2, so a hole spreads right/down.
  const hole = grid(['#####', '#####', '##.##', '#####', '#####']);
  assert.deepEqual(show(erodeSquare(hole.data, hole.w, hole.h, 2), hole.w), ['#####', '#####', '##..#', '##..#', '#####']);
});

test('the Gaussian kernel follows OpenCV’s σ-from-size rule', () => {
  // ksize 11 → σ = 0.3·(5 − 1) + 0.8 = 2: weights ∝ exp(−i²/8), i = −5..5.
  const k = gaussianKernel(11);
  const raw = Array.from({ length: 11 }, (_, i) => Math.exp(-((i - 5) ** 2) / 8));
  const sum = raw.reduce((a, b) => a + b, 0);
  raw.forEach((v, i) => assert.ok(Math.abs(k[i] - v / sum) < 1e-7));
  assert.throws(() => gaussianKernel(4), /odd/);
  // A constant image stays constant (reflect-101 border); an impulse spreads into the kernel.
  const flat = gaussianBlur(new Float32Array(7 * 5).fill(3), 7, 5, 5);
  assert.ok(flat.every((v) => Math.abs(v - 3) < 1e-5));
  const imp = new Float32Array(11 * 11);
  imp[5 * 11 + 5] = 1;
  const b = gaussianBlur(imp, 11, 11, 11);
  assert.ok(Math.abs(b[5 * 11 + 5] - k[5] * k[5]) < 1e-7);
  assert.ok(Math.abs(b[5 * 11 + 1] - k[5] * k[9]) < 1e-7);
  // At the edge, reflect-101 folds the tail back in: x = 0 sees the impulse at offsets ±5.
  assert.ok(Math.abs(b[5 * 11 + 0] - k[5] * (k[0] + k[10])) < 1e-7);
});

test('the blur’s constant-window shortcut gives the plain convolution', () => {
  // A binary disc plus a patch of fractional values, so both paths run.
  const w = 61, h = 47, ks = 13, r = 6;
  const src = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) src[y * w + x] = Math.hypot(x - 30, y - 22) < 15 ? 1 : 0;
  for (let y = 2; y < 8; y++) for (let x = 40; x < 55; x++) src[y * w + x] = ((x * 7 + y * 3) % 10) / 10;
  const k = gaussianKernel(ks);
  const refl = (i: number, n: number) => (i < 0 ? -i : i >= n ? 2 * n - 2 - i : i);
  const tmp = new Float32Array(w * h), ref = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let a = 0;
    for (let i = -r; i <= r; i++) a += k[i + r] * src[y * w + refl(x + i, w)];
    tmp[y * w + x] = a;
  }
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let a = 0;
    for (let i = -r; i <= r; i++) a += k[i + r] * tmp[refl(y + i, h) * w + x];
    ref[y * w + x] = a;
  }
  const got = gaussianBlur(src, w, h, ks);
  let worst = 0;
  for (let i = 0; i < w * h; i++) worst = Math.max(worst, Math.abs(got[i] - ref[i]));
  assert.ok(worst < 1e-5, `max difference ${worst}`);
});

// A face twice the template size whose template origin is (100, 50): for the 128 crop the
// transform is u = 0.5·x − 42, v = 0.5·y − 25, so crop pixel (u, v) lands on image (2u + 84, 2v + 50)
// and the 128-px crop covers x ∈ [84, 338], y ∈ [50, 304] (one more pixel each side reads half
// the zero border, over the > 20 threshold, as in OpenCV).
const W = 420, H = 360;
const toCrop = estimateNorm(ARCFACE_112.map(([x, y]) => [2 * x + 100, 2 * y + 50] as const), 128);

function solidCrop(r: number, g: number, b: number): Raster<Float32Array> {
  const d = new Float32Array(128 * 128 * 3);
  for (let i = 0; i < 128 * 128; i++) d.set([r, g, b], i * 3);
  return { width: 128, height: 128, channels: 3, data: d };
}

test('the paste-back layer sits on the crop footprint, with insightface’s erode and blur sizes', () => {
  const crop = solidCrop(200, 100, 50);
  crop.data.set([0, 255, 0], (10 * 128 + 100) * 3); // a marker at crop (100, 10)
  const layer = pasteLayer(crop, toCrop, W, H);
  // Footprint 255 × 255 px → mask size 254: erode max(254/10, 10) = 25, blur 2·max(254/20, 5) + 1 = 25.
  assert.equal(layer.erode, 25);
  assert.equal(layer.blur, 25);
  const { rect, mask, face } = layer;
  const w = rect.x1 - rect.x0;
  const at = (x: number, y: number) => mask[(y - rect.y0) * w + (x - rect.x0)];
  const rgb = (x: number, y: number) => Array.from(face.data.subarray(((y - rect.y0) * w + (x - rect.x0)) * 3, ((y - rect.y0) * w + (x - rect.x0)) * 3 + 3));
  // The marker lands at (2·100 + 84, 2·10 + 50) = (284, 70).
  assert.deepEqual(rgb(284, 70).map(Math.round), [0, 255, 0]);
  assert.deepEqual(rgb(211, 177).map(Math.round), [200, 100, 50]);
  // Full weight in the middle, none outside the footprint, and the footprint's rim is eroded away.
  assert.ok(at(211, 177) > 0.999, `centre ${at(211, 177)}`);
  // The layer is cut to the footprint's box (83..339 × 49..305); beyond it nothing is written.
  assert.deepEqual(rect, { x0: 83, y0: 49, x1: 340, y1: 306 });
  for (const [x, y] of [[83, 120], [339, 120], [120, 49], [120, 305]]) assert.ok(at(x, y) < 0.01, `edge (${x},${y}) = ${at(x, y)}`);
  for (const [x, y] of [[84, 177], [338, 177], [211, 50], [211, 304]]) assert.ok(at(x, y) < 0.01, `rim (${x},${y}) = ${at(x, y)}`);
  // The weight rises monotonically from the rim towards the centre along a row.
  for (let x = 84; x < 211; x++) assert.ok(at(x + 1, 177) >= at(x, 177) - 1e-6, `monotone at ${x}`);
});

test('blending changes the footprint only, and the centre takes the swapped face', () => {
  const image: Raster<Uint8Array> = { width: W, height: H, channels: 3, data: new Uint8Array(W * H * 3).fill(30) };
  const before = image.data.slice();
  const layer = pasteLayer(solidCrop(200, 100, 50), toCrop, W, H);
  blendLayer(image, layer);
  const px = (x: number, y: number) => Array.from(image.data.subarray((y * W + x) * 3, (y * W + x) * 3 + 3));
  assert.deepEqual(px(211, 177), [200, 100, 50]);
  let changedOutside = 0, changedInside = 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = (y * W + x) * 3;
      const changed = image.data[i] !== before[i];
      const inFootprint = x >= 83 && x <= 339 && y >= 49 && y <= 305;
      if (changed && !inFootprint) changedOutside++;
      if (changed && inFootprint) changedInside++;
    }
  }
  assert.equal(changedOutside, 0);
  assert.ok(changedInside > 150 * 150, `changed ${changedInside}`);
});

test('a face near the image corner is pasted without reading or writing outside the image', () => {
  // Template origin at (−60, −40): the footprint hangs over the top-left corner.
  const m = estimateNorm(ARCFACE_112.map(([x, y]) => [2 * x - 60, 2 * y - 40] as const), 128);
  const layer = pasteLayer(solidCrop(255, 255, 255), m, 200, 180);
  assert.equal(layer.rect.x0, 0);
  assert.equal(layer.rect.y0, 0);
  assert.ok(layer.rect.x1 <= 200 && layer.rect.y1 <= 180);
  const image: Raster<Uint8Array> = { width: 200, height: 180, channels: 3, data: new Uint8Array(200 * 180 * 3) };
  blendLayer(image, layer);
  // The image edge does not erode: the corner region inside the footprint is fully replaced.
  assert.deepEqual(Array.from(image.data.subarray(0, 3)), [255, 255, 255]);
  assert.throws(() => pasteLayer(solidCrop(1, 1, 1), estimateNorm(ARCFACE_112.map(([x, y]) => [x + 5000, y] as const), 128), 200, 180), /outside the image/);
});

test('the mask matches insightface’s OpenCV procedure on a turned face', () => {
  // Reference: insightface's paste-back steps run with OpenCV 4.6 (warpAffine of a white 128²
  // square through the inverse transform, > 20 → 255, erode, GaussianBlur, / 255) for these
  // landmarks on a 420×360 image; mask values sampled in the feathered band.
  const lm = [[171.3, 160.2], [233.9, 151.7], [205.1, 192.8], [180.4, 231.5], [231.2, 224.9]] as const;
  const layer = pasteLayer(solidCrop(1, 2, 3), estimateNorm(lm, 128), 420, 360);
  assert.equal(layer.erode, 24);
  assert.equal(layer.blur, 25);
  const w = layer.rect.x1 - layer.rect.x0;
  const opencv: [number, number, number][] = [
    [134, 83, 0.7398], [209, 280, 0.5056], [225, 276, 0.7567], [122, 79, 0.294],
    [101, 79, 0.1802], [226, 73, 0.4464], [305, 211, 0.7571], [160, 277, 0.9465],
  ];
  for (const [x, y, v] of opencv) {
    const got = layer.mask[(y - layer.rect.y0) * w + (x - layer.rect.x0)];
    // OpenCV quantises warp coordinates to 1/32 px; the difference stays well under 0.01.
    assert.ok(Math.abs(got - v) < 0.005, `(${x},${y}): ${got} vs OpenCV ${v}`);
  }
});
