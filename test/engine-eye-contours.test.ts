// Eyes of an enlarged small source with single contours: the shock filter on the enlarged source's
// eyes and brows (features.ts shockFeatures, upscale.shockFeatures) and no template detail in the
// grain fill inside the source's eye and brow hulls (texture.eyeHull). Faces from
// @vladmandic/human's assets, one shrunk to a 150-px source.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { shockFeatures } from '../src/engine/features.ts';
import { matchTexture, DEFAULT_TEXTURE } from '../src/engine/texture.ts';
import { createDefaultEngine, type DefaultEngineOptions } from '../src/engine/index.ts';
import { decodeImage, type RgbImage } from '../src/engine/image.ts';
import { BROW_LEFT, BROW_RIGHT, EYE_LEFT, EYE_RIGHT, faceWidth } from '../src/engine/regions.ts';
import { boxBlur } from '../src/engine/raster.ts';
import { faceA, faceB, noisy, useEngine } from './engine-fixtures.ts';

const engine = useEngine();

const luma = (img: RgbImage) => Float32Array.from({ length: img.width * img.height }, (_, i) => 0.299 * img.data[i * 3] + 0.587 * img.data[i * 3 + 1] + 0.114 * img.data[i * 3 + 2]);
const EYES_BROWS = [...EYE_RIGHT, ...BROW_RIGHT, ...EYE_LEFT, ...BROW_LEFT];
const distTo = (mesh: ArrayLike<number>[], ids: number[], x: number, y: number) => Math.min(...ids.map((i) => Math.hypot(mesh[i][0] - x, mesh[i][1] - y)));
const sha = (b: Uint8Array) => createHash('sha1').update(b).digest('hex');

test('shockFeatures: crisper eyes and brows of an enlarged face, nothing far from them, no value past its neighbourhood', async () => {
  const small = await sharp(await faceA()).resize(147, 147, { kernel: 'lanczos3' }).png().toBuffer();
  const img = await decodeImage(await sharp(small).resize(440, 440, { kernel: 'lanczos3' }).png().toBuffer());
  const [face] = await engine().faceAnalyser.detect(img, { embedding: false });
  const { mesh } = face;
  const w = img.width, h = img.height, fw = faceWidth(mesh), k = 3;
  const before = luma(img);
  const out: RgbImage = { ...img, data: Uint8Array.from(img.data) };
  shockFeatures(out, mesh, k, { amount: 1, steps: 1 });
  const after = luma(out);
  // Fine-band RMS within 2 % of the face width of the eye and brow points: the ramps became steps.
  const fineRms = (y: Float32Array) => {
    const b = boxBlur(y, w, h, 1);
    let s = 0, n = 0;
    for (let yy = 0; yy < h; yy++) for (let x = 0; x < w; x++) {
      if (distTo(mesh, EYES_BROWS, x, yy) > 0.02 * fw) continue;
      s += (y[yy * w + x] - b[yy * w + x]) ** 2;
      n++;
    }
    return Math.sqrt(s / n);
  };
  assert.ok(fineRms(after) > 1.3 * fineRms(before), `fine band ${fineRms(before).toFixed(2)} → ${fineRms(after).toFixed(2)}`);
  // Far from the eyes and brows: untouched; changed values within the input's range over the
  // filter's reach (3 iterations of 1 px) + rounding.
  let changed = 0, far = 0, worst = 0;
  const r = 3;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const o = (y * w + x) * 3;
    if (out.data[o] === img.data[o] && out.data[o + 1] === img.data[o + 1] && out.data[o + 2] === img.data[o + 2]) continue;
    changed++;
    if (distTo(mesh, EYES_BROWS, x, y) > 0.15 * fw) far++;
    let lo = Infinity, hi = -Infinity;
    for (let yy = Math.max(0, y - r); yy <= Math.min(h - 1, y + r); yy++) for (let xx = Math.max(0, x - r); xx <= Math.min(w - 1, x + r); xx++) {
      lo = Math.min(lo, before[yy * w + xx]);
      hi = Math.max(hi, before[yy * w + xx]);
    }
    worst = Math.max(worst, lo - after[y * w + x], after[y * w + x] - hi);
  }
  assert.ok(changed > 500, `changed ${changed}`);
  assert.equal(far, 0);
  assert.ok(worst <= 1.5, `worst excursion past the neighbourhood ${worst.toFixed(2)}`);
  // amount 0: nothing.
  const none: RgbImage = { ...img, data: Uint8Array.from(img.data) };
  shockFeatures(none, mesh, k, { amount: 0, steps: 1 });
  assert.equal(sha(none.data), sha(img.data));
});

test('texture.eyeHull: inside the hull the fill takes none of the template band; outside it is unchanged; 0 is the option absent', () => {
  const w = 120, h = 120, n = w * h, faceW = 300;
  const tgtY = noisy(n, 12, 7);
  const resY = boxBlur(noisy(n, 12, 9), w, h, 2);
  const rgbOf = (y: Float32Array) => Float32Array.from({ length: y.length * 3 }, (_, i) => y[(i / 3) | 0]);
  const alpha = new Float32Array(n).fill(1), skin = new Float32Array(n).fill(1);
  const eyes = Float32Array.from({ length: n }, (_, i) => (i % w < w / 2 ? 1 : 0)); // left half: the hull
  const run = (tgt: Float32Array, eyeHull: number, plane?: Float32Array) => {
    const res = rgbOf(resY);
    matchTexture(res, rgbOf(tgt), alpha, skin, w, h, faceW, { ...DEFAULT_TEXTURE, eyeHull }, plane);
    return res;
  };
  // A template with another grain pattern of the same level: inside the hull the result must not move.
  const tgt2 = noisy(n, 12, 11);
  const a = run(tgtY, 1, eyes), b = run(tgt2, 1, eyes);
  const a0 = run(tgtY, 0, eyes), b0 = run(tgt2, 0, eyes);
  let inMax = 0, in0 = 0, outDiff = 0;
  for (let y = 8; y < h - 8; y++) for (let x = 8; x < w - 8; x++) {
    const i = (y * w + x) * 3;
    if (x < w / 2 - 12) {
      inMax = Math.max(inMax, Math.abs(a[i] - b[i]));
      in0 = Math.max(in0, Math.abs(a0[i] - b0[i]));
    } else if (x > w / 2 + 12) outDiff = Math.max(outDiff, Math.abs(a[i] - a0[i]));
  }
  assert.ok(in0 > 3, `knob 0: the template's band reaches the hull (${in0.toFixed(2)})`);
  assert.ok(inMax < 0.5, `knob 1: template-independent in the hull (${inMax.toFixed(3)})`);
  assert.ok(outDiff < 1e-4, `outside the hull unchanged (${outDiff})`);
  // Knob 0, with or without the plane: the same as the option absent.
  const { eyeHull: _, ...absent } = DEFAULT_TEXTURE;
  const res = rgbOf(resY);
  matchTexture(res, rgbOf(tgtY), alpha, skin, w, h, faceW, absent as typeof DEFAULT_TEXTURE);
  assert.deepEqual(run(tgtY, 0), res);
  assert.deepEqual(a0, res);
});

test('texture.eyeHullGain: inside the hull a soft source keeps its own bands (no amplification); a softening is untouched', () => {
  const w = 120, h = 120, n = w * h, faceW = 300;
  const rgbOf = (y: Float32Array) => Float32Array.from({ length: y.length * 3 }, (_, i) => y[(i / 3) | 0]);
  const soft = boxBlur(noisy(n, 12, 9), w, h, 2);
  const line = boxBlur(Float32Array.from({ length: n }, (_, i) => (Math.abs(((i / w) | 0) - 60) <= 1 ? -60 : 0)), w, h, 3);
  const resY = Float32Array.from(soft, (v, i) => v + line[i]);
  const alpha = new Float32Array(n).fill(1), skin = new Float32Array(n).fill(1);
  const eyes = Float32Array.from({ length: n }, (_, i) => (i % w < w / 2 ? 1 : 0));
  const run = (tgt: Float32Array, eyeHullGain: number) => {
    const res = rgbOf(resY);
    const rep = matchTexture(res, rgbOf(tgt), alpha, skin, w, h, faceW, { ...DEFAULT_TEXTURE, grain: 0, eyeHullGain }, eyes);
    return { res, rep };
  };
  // A grainy template: gains above 1. Inside the hull (left, away from the border) the source as it was.
  const grainy = run(noisy(n, 14, 7), 1), grainy0 = run(noisy(n, 14, 7), 0);
  assert.ok(grainy.rep.gains[0] > 1.5, `fine gain ${grainy.rep.gains[0]}`);
  let inside = 0, inside0 = 0, outside = 0;
  for (let y = 4; y < h - 4; y++) for (let x = 4; x < w - 4; x++) {
    const i = y * w + x;
    if (x < w / 2 - 4) {
      inside = Math.max(inside, Math.abs(grainy.res[i * 3] - resY[i]));
      inside0 = Math.max(inside0, Math.abs(grainy0.res[i * 3] - resY[i]));
    } else if (x >= w / 2) outside = Math.max(outside, Math.abs(grainy.res[i * 3] - grainy0.res[i * 3]));
  }
  assert.ok(inside0 > 5, `knob 0 amplifies (${inside0.toFixed(2)})`);
  assert.ok(inside < 1e-3, `knob 1: unchanged in the hull (${inside})`);
  assert.ok(outside < 1e-4, `outside the hull the same (${outside})`);
  // A smoother template (gains below 1): the knob changes nothing.
  const smooth = boxBlur(noisy(n, 2, 7), w, h, 3);
  assert.deepEqual(run(smooth, 1).res, run(smooth, 0).res);
});

test('engine: on a 150-px source the knobs change the eyes (eyeCoring too); off (0) is bit-identical to the defaults', async () => {
  const source = await sharp(await faceA()).resize(150, 150, { kernel: 'lanczos3' }).png().toBuffer();
  // A grainy template (its skin's fine band above the enlarged source's: the fill acts).
  const tb = await sharp(await faceB('png')).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const grain = noisy(tb.data.length, 8, 5, 0);
  const target = await sharp(Buffer.from(tb.data.map((v, i) => Math.max(0, Math.min(255, Math.round(v + grain[i]))))), { raw: { width: tb.info.width, height: tb.info.height, channels: 3 } }).png().toBuffer();
  const run = async (opts: DefaultEngineOptions) => {
    const e = createDefaultEngine({ warmup: false, ...opts });
    await e.init();
    try {
      return await e.swapDetailed({ source, target });
    } finally {
      await e.close();
    }
  };
  const plain = await engine().swapDetailed({ source, target });
  assert.ok(plain.swap.texture.noise > 0, 'a grain deficit');
  const off = await run({ upscale: { shockFeatures: 0 }, swap: { texture: { eyeHull: 0, eyeHullGain: 0, eyeCoring: 0 } } });
  assert.equal(sha(off.raw.data), sha(plain.raw.data));
  for (const [opts, least] of [[{ upscale: { shockFeatures: 0.5 } }, 0.2], [{ swap: { texture: { eyeHull: 1 } } }, 0.2], [{ swap: { texture: { eyeHullGain: 1 } } }, 0.2], [{ swap: { texture: { eyeCoring: 16 } } }, 0.1]] as [DefaultEngineOptions, number][]) {
    const on = await run(opts);
    const { width: w } = on.raw;
    const m = on.target.mesh, fw = faceWidth(m);
    let near = 0, nearN = 0, rest = 0, restN = 0;
    for (let p = 0; p < w * on.raw.height; p++) {
      const d = Math.abs(on.raw.data[p * 3] - plain.raw.data[p * 3]) + Math.abs(on.raw.data[p * 3 + 1] - plain.raw.data[p * 3 + 1]);
      if (distTo(m, EYES_BROWS, p % w, (p / w) | 0) < 0.08 * fw) { near += d; nearN++; } else { rest += d; restN++; }
    }
    assert.ok(near / nearN > least, `${JSON.stringify(opts)}: mean change near the eyes ${(near / nearN).toFixed(3)}`);
    assert.ok(near / nearN > 3 * (rest / restN), `${JSON.stringify(opts)}: near ${(near / nearN).toFixed(3)}, rest ${(rest / restN).toFixed(4)}`);
  }
});

test('texture.eyeCoring: inside the hull a strong contour keeps its amplification, a weak parallel line beside it is not amplified; 0 is the option absent', () => {
  const w = 120, h = 120, n = w * h, faceW = 300;
  const rgbOf = (y: Float32Array) => Float32Array.from({ length: y.length * 3 }, (_, i) => y[(i / 3) | 0]);
  // A soft lash line (−60) and, below it, a soft weak line (−6: a lid crease, a ringing echo).
  const lines = boxBlur(Float32Array.from({ length: n }, (_, i) => { const y = (i / w) | 0; return Math.abs(y - 40) <= 1 ? -60 : Math.abs(y - 76) <= 1 ? -6 : 0; }), w, h, 3);
  const resY = Float32Array.from(lines, (v, i) => 128 + v + boxBlur(noisy(n, 4, 9), w, h, 2)[i]);
  const alpha = new Float32Array(n).fill(1), skin = new Float32Array(n).fill(1);
  const eyes = Float32Array.from({ length: n }, (_, i) => (i % w < w / 2 ? 1 : 0)); // left half: the hull
  const tgt = rgbOf(Float32Array.from(noisy(n, 14, 7), (v) => 128 + v));
  const run = (eyeCoring: number, plane: Float32Array | undefined = eyes) => {
    const res = rgbOf(resY);
    const rep = matchTexture(res, tgt, alpha, skin, w, h, faceW, { ...DEFAULT_TEXTURE, grain: 0, eyeCoring }, plane);
    return { res, rep };
  };
  // Depth of the line at row `at` below rows ±9 away, mean over the columns [x0, x1).
  const depth = (v: Float32Array, at: number, x0: number, x1: number) => {
    let s = 0;
    for (let x = x0; x < x1; x++) s += (v[((at - 9) * w + x) * 3] + v[((at + 9) * w + x) * 3]) / 2 - v[(at * w + x) * 3];
    return s / (x1 - x0);
  };
  const src = rgbOf(resY);
  const off = run(0), on = run(12);
  assert.ok(off.rep.gains[1] > 1.5, `medium gain ${off.rep.gains[1]}`);
  const [s0, w0] = [depth(src, 40, 8, 50), depth(src, 76, 8, 50)];
  const [sOff, wOff] = [depth(off.res, 40, 8, 50), depth(off.res, 76, 8, 50)];
  const [sOn, wOn] = [depth(on.res, 40, 8, 50), depth(on.res, 76, 8, 50)];
  // Knob 0: both lines amplified (the doubled contour); knob 12: the strong one still (≥ 80 % of its
  // amplification), the weak one not.
  assert.ok(wOff > 1.25 * w0, `knob 0: weak line ${w0.toFixed(2)} → ${wOff.toFixed(2)}`);
  assert.ok(wOn < 1.05 * w0, `knob 12: weak line ${w0.toFixed(2)} → ${wOn.toFixed(2)}`);
  assert.ok(sOn - s0 > 0.8 * (sOff - s0), `knob 12: strong line ${s0.toFixed(1)} → ${sOn.toFixed(1)} (knob 0: ${sOff.toFixed(1)})`);
  // Outside the hull: unchanged.
  let outside = 0;
  for (let y = 4; y < h - 4; y++) for (let x = w / 2; x < w - 4; x++) outside = Math.max(outside, Math.abs(on.res[(y * w + x) * 3] - off.res[(y * w + x) * 3]));
  assert.ok(outside < 1e-4, `outside the hull the same (${outside})`);
  // Knob 0, with or without the plane: the option absent.
  const { eyeCoring: _, ...absent } = DEFAULT_TEXTURE;
  const res = rgbOf(resY);
  matchTexture(res, tgt, alpha, skin, w, h, faceW, { ...(absent as typeof DEFAULT_TEXTURE), grain: 0 });
  assert.deepEqual(run(0, undefined).res, res);
  assert.deepEqual(off.res, res);
});
