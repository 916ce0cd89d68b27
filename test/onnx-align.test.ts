// Alignment maths of the ONNX engine: the ArcFace template, the similarity fit, warping a crop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ARCFACE_112,
  applyAffine,
  arcfaceTemplate,
  estimateNorm,
  estimateSimilarity,
  invertAffine,
  type Affine,
  type Landmarks5,
} from '../src/engine/onnx/align.ts';
import { warpAffine, type Raster } from '../src/engine/onnx/image.ts';
import { alignedCrop } from '../src/engine/onnx/infer.ts';

function near(actual: readonly number[], expected: readonly number[], tol = 1e-9, what = 'values') {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

test('the 128-px template is the 112-px one shifted +8 px in x; 224 doubles it', () => {
  const t128 = arcfaceTemplate(128);
  near(t128.flat(), ARCFACE_112.map(([x, y]) => [x + 8, y]).flat(), 1e-12, 't128');
  near(arcfaceTemplate(112).flat(), ARCFACE_112.flat(), 0, 't112');
  near(arcfaceTemplate(224).flat(), ARCFACE_112.map(([x, y]) => [2 * x, 2 * y]).flat(), 1e-12, 't224');
  // 256 (not a multiple of 112) scales by 2 and shifts 16.
  near(arcfaceTemplate(256)[0], [38.2946 * 2 + 16, 51.6963 * 2], 1e-12, 't256');
});

test('landmarks already on the template give the identity (112) and a pure +8 shift (128)', () => {
  near(estimateNorm(ARCFACE_112, 112), [1, 0, 0, 0, 1, 0], 1e-9, 'M112');
  near(estimateNorm(ARCFACE_112, 128), [1, 0, 8, 0, 1, 0], 1e-9, 'M128');
});

test('a face twice the template size at (100, 50) maps back with scale 0.5', () => {
  const lm = ARCFACE_112.map(([x, y]) => [2 * x + 100, 2 * y + 50] as const);
  // x' = 0.5·x − 50, y' = 0.5·y − 25
  near(estimateNorm(lm, 112), [0.5, 0, -50, 0, 0.5, -25], 1e-9, 'M');
});

test('a face turned 90° maps back with the opposite rotation', () => {
  const lm = ARCFACE_112.map(([x, y]) => [-y, x] as const); // rotated +90° about the origin
  // (x, y) → (y, −x)
  near(estimateNorm(lm, 112), [0, 1, 0, -1, 0, 0], 1e-9, 'M');
});

test('an inexact fit matches the least-squares solution computed by hand', () => {
  // src (0,0),(1,0),(0,1) → dst (0,0),(2,0),(0,1): centred sums give s·cosθ = 2/(4/3) = 1.5,
  // s·sinθ = (1/3)/(4/3) = 0.25, t = mean(dst) − sR·mean(src) = (0.25, −0.25).
  const m = estimateSimilarity([[0, 0], [1, 0], [0, 1]], [[0, 0], [2, 0], [0, 1]]);
  near(m, [1.5, -0.25, 0.25, 0.25, 1.5, -0.25], 1e-12, 'M');
});

test('realistic landmarks agree with the SVD (Umeyama) form of estimate_norm', () => {
  const lm: Landmarks5 = [[210.3, 250.1], [290.7, 245.9], [252.2, 300.4], [220.5, 350.2], [285.1, 347.3]];
  // Reference: Umeyama with SVD and reflection check, computed independently in float64.
  near(estimateNorm(lm, 128), [0.416950765797, -0.011228496952, -37.590514477486, 0.011228496952, 0.416950765797, -55.502656197433], 1e-9, 'M');
});

test('the fit is a least-squares minimum: nudging any parameter raises the error', () => {
  const lm: Landmarks5 = [[10, 20], [60, 18], [35, 45], [15, 70], [58, 72]];
  const dst = arcfaceTemplate(128);
  const m = estimateNorm(lm, 128);
  const err = (t: Affine) => lm.reduce((s, [x, y], i) => {
    const [u, v] = applyAffine(t, x, y);
    return s + (u - dst[i][0]) ** 2 + (v - dst[i][1]) ** 2;
  }, 0);
  const base = err(m);
  // Similarity parameters: a = s·cosθ, b = s·sinθ, tx, ty.
  const build = (a: number, b: number, tx: number, ty: number): Affine => [a, -b, tx, b, a, ty];
  const p = [m[0], m[3], m[2], m[5]];
  for (let i = 0; i < 4; i++) {
    for (const h of [1e-4, -1e-4]) {
      const q = [...p];
      q[i] += h;
      assert.ok(err(build(q[0], q[1], q[2], q[3])) > base, `parameter ${i} ${h > 0 ? '+' : '-'}`);
    }
  }
});

test('invertAffine undoes the transform', () => {
  const m: Affine = [0.41, -0.02, -37.5, 0.02, 0.41, -55.5];
  const im = invertAffine(m);
  for (const [x, y] of [[0, 0], [127, 0], [64, 100], [-5, 300]]) {
    const [u, v] = applyAffine(m, x, y);
    near(applyAffine(im, u, v), [x, y], 1e-9, 'roundtrip');
  }
  assert.throws(() => invertAffine([1, 2, 0, 2, 4, 0]), /singular/);
});

test('estimateSimilarity rejects degenerate input', () => {
  assert.throws(() => estimateNorm([[1, 1], [1, 1], [1, 1], [1, 1], [1, 1]], 112), /degenerate/);
  assert.throws(() => estimateNorm([[1, 1], [2, 2]], 112), /5 landmarks/);
});

/** A w×h RGB raster whose pixel (x, y) is (x, y, x + y) (values may exceed 255 in Float32). */
function ramp(w: number, h: number): Raster<Float32Array> {
  const d = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) d.set([x, y, x + y], (y * w + x) * 3);
  return { width: w, height: h, channels: 3, data: d };
}

test('the aligned crop samples the image through the inverse transform', () => {
  const img = ramp(400, 400);
  // A face twice the template size at (100, 50): crop pixel (u, v) ← image (2u + 100, 2v + 50).
  const lm = ARCFACE_112.map(([x, y]) => [2 * x + 100, 2 * y + 50] as const);
  const { crop, toCrop } = alignedCrop(img, lm, 112);
  near(toCrop, [0.5, 0, -50, 0, 0.5, -25], 1e-9, 'toCrop');
  for (const [u, v] of [[0, 0], [111, 0], [56, 71], [111, 111]]) {
    const o = (v * 112 + u) * 3;
    near(Array.from(crop.data.subarray(o, o + 3)), [2 * u + 100, 2 * v + 50, 2 * u + 2 * v + 150], 1e-3, `crop(${u},${v})`);
  }
  // For 128 the template is shifted 8 px: crop pixel (u, v) ← image (2(u − 8) + 100, 2v + 50).
  const c128 = alignedCrop(img, lm, 128).crop;
  const o = (20 * 128 + 40) * 3;
  near(Array.from(c128.data.subarray(o, o + 2)), [2 * 32 + 100, 2 * 20 + 50], 1e-3, 'crop128');
});

test('warpAffine interpolates bilinearly and reads zero outside the source', () => {
  const img = ramp(10, 10);
  const half: Affine = [1, 0, 0.5, 0, 1, 0.25]; // sample at (x + 0.5, y + 0.25)
  const out = warpAffine(img, half, 4, 4);
  near(Array.from(out.data.subarray(0, 3)), [0.5, 0.25, 0.75], 1e-6, 'bilinear');
  const outside = warpAffine(img, [1, 0, 50, 0, 1, 50], 2, 2);
  assert.ok(outside.data.every((v) => v === 0));
  // Half a pixel past the last column blends with the zero border.
  const edge = warpAffine(img, [1, 0, 9.5, 0, 1, 0], 1, 1);
  near([edge.data[0]], [4.5], 1e-6, 'edge'); // (9·0.5 + 0·0.5)
});
