// Eyes of small sources: the unsharp mask on an enlarged source's eyes and brows (features.ts,
// upscale.sharpenFeatures) and the grain fill that skips the template's structure
// (texture.grainStructure). Real faces from @vladmandic/human's assets and synthetic planes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { featureCrispness, sharpenFeatures } from '../src/engine/features.ts';
import { matchTexture, DEFAULT_TEXTURE, type TextureOptions } from '../src/engine/texture.ts';
import { createDefaultEngine } from '../src/engine/index.ts';
import { decodeImage, type RgbImage } from '../src/engine/image.ts';
import { BROW_LEFT, BROW_RIGHT, EYE_LEFT, EYE_RIGHT, LIPS_OUTER, faceWidth } from '../src/engine/regions.ts';
import { boxBlur } from '../src/engine/raster.ts';
import { faceA, faceB, noisy, useEngine } from './engine-fixtures.ts';

const engine = useEngine();

const luma = (img: RgbImage) => Float32Array.from({ length: img.width * img.height }, (_, i) => 0.299 * img.data[i * 3] + 0.587 * img.data[i * 3 + 1] + 0.114 * img.data[i * 3 + 2]);
const EYES_BROWS = [...EYE_RIGHT, ...BROW_RIGHT, ...EYE_LEFT, ...BROW_LEFT];
/** Distance from (x, y) to the nearest of the mesh points `ids`. */
const distTo = (mesh: ArrayLike<number>[], ids: number[], x: number, y: number) => Math.min(...ids.map((i) => Math.hypot(mesh[i][0] - x, mesh[i][1] - y)));

/** Face A shrunk 3× and enlarged back with Lanczos: the soft eyes of an enlarged small source. */
async function softFaceA(): Promise<RgbImage> {
  const small = await sharp(await faceA()).resize(147, 147, { kernel: 'lanczos3' }).png().toBuffer();
  return decodeImage(await sharp(small).resize(440, 440, { kernel: 'lanczos3' }).png().toBuffer());
}

test('features: a crisp face measures crisper than the same face blurred', async () => {
  const crisp = await decodeImage(await faceA());
  const [face] = await engine().faceAnalyser.detect(crisp, { embedding: false });
  const soft = await decodeImage(await sharp(await faceA()).blur(2).png().toBuffer());
  const c = featureCrispness(crisp, face.mesh), s = featureCrispness(soft, face.mesh);
  assert.ok(Number.isFinite(c) && c > 1.2 * s, `crisp ${c.toFixed(3)}, blurred ${s.toFixed(3)}`);
});

test('features: sharpening lifts the eyes and brows of a soft face, leaves the rest bit-identical, never overshoots', async () => {
  const img = await softFaceA();
  const [face] = await engine().faceAnalyser.detect(img, { embedding: false });
  const { mesh } = face;
  const w = img.width, h = img.height, fw = faceWidth(mesh);
  const k = 3, overshoot = 4;
  const before = luma(img);
  const out: RgbImage = { ...img, data: Uint8Array.from(img.data) };
  sharpenFeatures(out, mesh, k, { amount: 3, sigma: 1, overshoot });
  const after = luma(out);
  // Fine-band RMS near the eyes and brows (within 2 % of the face width of their points).
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
  const f0 = fineRms(before), f1 = fineRms(after);
  assert.ok(f1 > 1.3 * f0, `fine band ${f0.toFixed(2)} → ${f1.toFixed(2)}`);
  // Far from the eyes and brows (the mouth, the corners, anything past 15 % of the face width): untouched.
  let changed = 0, farChanged = 0;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const o = (y * w + x) * 3;
    if (out.data[o] === img.data[o] && out.data[o + 1] === img.data[o + 1] && out.data[o + 2] === img.data[o + 2]) continue;
    changed++;
    if (distTo(mesh, EYES_BROWS, x, y) > 0.15 * fw) farChanged++;
  }
  assert.ok(changed > 500, `changed ${changed}`);
  assert.equal(farChanged, 0);
  for (const [x, y] of [[0, 0], [w - 1, 0], [0, h - 1], [w - 1, h - 1], ...LIPS_OUTER.map((i) => [Math.round(mesh[i][0]), Math.round(mesh[i][1])])]) {
    const o = (y * w + x) * 3;
    assert.deepEqual([...out.data.subarray(o, o + 3)], [...img.data.subarray(o, o + 3)], `pixel ${x},${y}`);
  }
  // Within the local (radius k) range of the input ± overshoot (+ half a level of rounding).
  let worst = -Infinity, nearBound = 0;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let lo = Infinity, hi = -Infinity;
    for (let yy = Math.max(0, y - k); yy <= Math.min(h - 1, y + k); yy++) for (let xx = Math.max(0, x - k); xx <= Math.min(w - 1, x + k); xx++) {
      lo = Math.min(lo, before[yy * w + xx]);
      hi = Math.max(hi, before[yy * w + xx]);
    }
    const v = after[y * w + x];
    const excess = Math.max(lo - v, v - hi);
    worst = Math.max(worst, excess);
    if (excess > overshoot - 1) nearBound++;
  }
  assert.ok(worst <= overshoot + 0.5 + 1e-3, `worst overshoot ${worst.toFixed(2)}`);
  // The bound is reached (the gain alone would go past it): the clamp is what holds it.
  assert.ok(nearBound > 20, `pixels at the bound ${nearBound}`);
});

test('features: on a small source, sharpening is on by default, gated by crispness, and changes only the face', async () => {
  const source = await sharp(await faceA()).resize(150, 150, { kernel: 'lanczos3' }).png().toBuffer();
  const target = await faceB('png');
  const plain = await engine().swapDetailed({ source, target });
  const make = async (knob: number) => {
    // Crispness gating off (0 / 0): full gain whatever the source measures.
    const e = createDefaultEngine({ warmup: false, upscale: { sharpenFeatures: knob, sharpenCrispFrom: 0, sharpenCrispFull: 0 } });
    await e.init();
    try {
      return await e.swapDetailed({ source, target });
    } finally {
      await e.close();
    }
  };
  const off = await make(0), on = await make(1);
  // The default (knob 1, gated): this 150-px source measures ≈ 0.74, near the gate's top (0.8), so
  // it is sharpened, but less than at full gain.
  const meanDiff = (a: Uint8Array, b: Uint8Array) => a.reduce((t, v, i) => t + Math.abs(v - b[i]!), 0) / a.length;
  const dDefault = meanDiff(plain.raw.data, off.raw.data), dFull = meanDiff(on.raw.data, off.raw.data);
  assert.ok(dDefault > 0 && dDefault < dFull, `default ${dDefault.toFixed(4)}, full gain ${dFull.toFixed(4)}`);
  const { width: w } = on.raw;
  const { roi, alpha } = on.swap;
  const m = on.target.mesh, fw = faceWidth(m);
  // Every changed value lies where the swap writes; the eyes and brows change most (second-order
  // changes elsewhere: colour statistics, the occlusion estimate).
  let diff = 0, outside = 0;
  const sum = [0, 0], cnt = [0, 0];
  for (let i = 0; i < on.raw.data.length; i++) {
    const p = (i / 3) | 0, x = p % w, y = (p / w) | 0;
    const inRoi = x >= roi.x0 && y >= roi.y0 && x < roi.x0 + roi.w && y < roi.y0 + roi.h;
    const inFace = inRoi && alpha[(y - roi.y0) * roi.w + x - roi.x0] > 0;
    const d = Math.abs(on.raw.data[i] - off.raw.data[i]);
    if (d) diff++;
    if (d && !inFace) outside++;
    if (!inFace) continue;
    const near = distTo(m, EYES_BROWS, x, y) < 0.1 * fw ? 0 : 1;
    sum[near] += d;
    cnt[near]++;
  }
  assert.ok(diff > 300, `changed values ${diff}`);
  assert.equal(outside, 0);
  const nearMean = sum[0] / cnt[0], restMean = sum[1] / cnt[1];
  assert.ok(nearMean > 2 * restMean, `mean |change| near the eyes and brows ${nearMean.toFixed(2)}, rest of the face ${restMean.toFixed(3)}`);
});

const rgbOf = (y: Float32Array) => Float32Array.from({ length: y.length * 3 }, (_, i) => y[(i / 3) | 0]);

test('texture: grainStructure keeps the template grain in the fill but not its thin dark line; 0 is the option absent', () => {
  const w = 160, h = 160, n = w * h, faceW = 300;
  const grainY = noisy(n, 12, 7);
  const resY = boxBlur(noisy(n, 12, 9), w, h, 2); // soft: a large grain deficit
  const alpha = new Float32Array(n).fill(1), skin = new Float32Array(n).fill(1);
  const run = (tgtY: Float32Array, opts: TextureOptions) => {
    const res = rgbOf(resY);
    matchTexture(res, rgbOf(tgtY), alpha, skin, w, h, faceW, opts);
    return res;
  };
  // Plain grain: the same fill with the knob as without (grain's local RMS stays under 2× its median).
  const g0 = run(grainY, { ...DEFAULT_TEXTURE, grainStructure: 0 }), g2 = run(grainY, { ...DEFAULT_TEXTURE, grainStructure: 2 });
  let maxD = 0;
  for (let i = 0; i < g0.length; i++) maxD = Math.max(maxD, Math.abs(g0[i] - g2[i]));
  assert.ok(maxD < 1e-3, `grain: max difference ${maxD}`);
  // A 1-px dark line across row 80 (lashes, an eyeliner): structure.
  const row = 80;
  const lineY = Float32Array.from(grainY, (v, i) => ((i / w) | 0) === row ? v - 60 : v);
  const l0 = run(lineY, { ...DEFAULT_TEXTURE, grainStructure: 0 }), l2 = run(lineY, { ...DEFAULT_TEXTURE, grainStructure: 2 });
  // Mean change along the line minus the mean change two rows away (off the line's reach).
  const dip = (res: Float32Array) => {
    let on = 0, off = 0;
    for (let x = 4; x < w - 4; x++) {
      const a = row * w + x, b = (row + 6) * w + x;
      on += res[a * 3] - resY[a];
      off += res[b * 3] - resY[b];
    }
    return (on - off) / (w - 8);
  };
  assert.ok(dip(l0) < -15, `knob 0: the line stamped, ${dip(l0).toFixed(1)}`);
  assert.ok(Math.abs(dip(l2)) < 3, `knob 2: ${dip(l2).toFixed(1)} along the line`);
  // Key absent ≡ 0, bit for bit.
  const { grainStructure: _, ...absent } = DEFAULT_TEXTURE;
  assert.deepEqual(run(lineY, absent as TextureOptions), l0);
});

test('texture: featureClamp holds the band gains within the local range off skin (no halo beside a soft lid line); skin keeps its gain; 0 is the option absent', () => {
  const w = 160, h = 160, n = w * h, faceW = 300;
  const tgtY = noisy(n, 12, 7); // grainy template: gains at maxGain
  // A soft source: grain blurred, plus a soft dark line (an enlarged lid) across row 80.
  const base = boxBlur(noisy(n, 12, 9), w, h, 2);
  const line = boxBlur(Float32Array.from({ length: n }, (_, i) => (Math.abs(((i / w) | 0) - 80) <= 1 ? -70 : 0)), w, h, 3);
  const resY = Float32Array.from(base, (v, i) => v + line[i]);
  const alpha = new Float32Array(n).fill(1);
  // Left half plain skin, right half a feature (not skin).
  const skin = Float32Array.from({ length: n }, (_, i) => (i % w < w / 2 ? 1 : 0));
  const run = (opts: TextureOptions) => {
    const res = rgbOf(resY);
    matchTexture(res, rgbOf(tgtY), alpha, skin, w, h, faceW, { ...opts, grain: 0 });
    return res;
  };
  const r2 = Math.max(2, Math.round(0.012 * faceW));
  // Largest excursion past the input's local min/max (radius r2) over the feature half, near the line.
  const overshoot = (res: Float32Array) => {
    let worst = 0;
    for (let y = 60; y < 100; y++) {
      for (let x = w / 2 + 8; x < w - 8; x++) {
        let lo = Infinity, hi = -Infinity;
        for (let yy = y - r2; yy <= y + r2; yy++) for (let xx = x - r2; xx <= x + r2; xx++) {
          lo = Math.min(lo, resY[yy * w + xx]);
          hi = Math.max(hi, resY[yy * w + xx]);
        }
        const v = res[(y * w + x) * 3];
        worst = Math.max(worst, v - hi, lo - v);
      }
    }
    return worst;
  };
  const off = run({ ...DEFAULT_TEXTURE, featureClamp: 0 }), on = run({ ...DEFAULT_TEXTURE, featureClamp: 2 });
  assert.ok(overshoot(off) > 8, `off: overshoot ${overshoot(off).toFixed(1)}`);
  assert.ok(overshoot(on) <= 2 + 1e-3, `on: overshoot ${overshoot(on).toFixed(2)}`);
  // Plain skin (away from the skin/feature border) keeps its band gains.
  let maxD = 0;
  for (let y = 4; y < h - 4; y++) for (let x = 4; x < w / 2 - 4; x++) maxD = Math.max(maxD, Math.abs(off[(y * w + x) * 3] - on[(y * w + x) * 3]));
  assert.ok(maxD < 1e-3, `skin: max difference ${maxD}`);
  // Key absent ≡ 0, bit for bit.
  const { featureClamp: _, ...absent } = DEFAULT_TEXTURE;
  assert.deepEqual(run(absent as TextureOptions), off);
});

test('texture: keepFeatures measures the gains on the features too: a retouched template (smooth skin, crisp eyes) no longer smudges a crisp source\'s features; skin unchanged; 0 is the option absent', () => {
  const w = 120, h = 120, n = w * h, faceW = 300;
  const resY = noisy(n, 12, 3); // crisp result
  const alpha = new Float32Array(n).fill(1);
  const skin = Float32Array.from({ length: n }, (_, i) => (i % w < w / 2 ? 1 : 0));
  // Retouched: the skin half blurred, the feature half as crisp as the result.
  const smooth = boxBlur(noisy(n, 12, 5), w, h, 2), crisp = noisy(n, 12, 5);
  const retouched = Float32Array.from({ length: n }, (_, i) => (i % w < w / 2 ? smooth[i] : crisp[i]));
  const run = (tgtY: Float32Array, opts: TextureOptions) => {
    const res = rgbOf(resY);
    const rep = matchTexture(res, rgbOf(tgtY), alpha, skin, w, h, faceW, { ...opts, grain: 0 });
    return { res, gains: rep.gains };
  };
  // Mean |change| from the input over the feature half (x ≥ 68) and the skin half (x < 52).
  const change = (res: Float32Array, x0: number, x1: number) => {
    let s = 0, c = 0;
    for (let y = 8; y < h - 8; y++) for (let x = x0; x < x1; x++) {
      s += Math.abs(res[(y * w + x) * 3] - resY[y * w + x]);
      c++;
    }
    return s / c;
  };
  const off = run(retouched, { ...DEFAULT_TEXTURE, keepFeatures: 0 }), on = run(retouched, { ...DEFAULT_TEXTURE, keepFeatures: 1 });
  assert.ok(off.gains[0] < 0.9, `the smooth skin softens: fine gain ${off.gains[0]}`);
  const fOff = change(off.res, 68, w - 8), fOn = change(on.res, 68, w - 8);
  assert.ok(fOff > 2, `off: features softened by ${fOff.toFixed(2)}`);
  assert.ok(fOn < 0.3 * fOff, `on: features nearly kept (${fOn.toFixed(2)} against ${fOff.toFixed(2)})`);
  assert.ok(Math.abs(change(on.res, 8, 52) - change(off.res, 8, 52)) < 1e-3, 'skin softened as before');
  // On by default; the key absent ≡ 0, bit for bit.
  assert.deepEqual(run(retouched, DEFAULT_TEXTURE).res, on.res);
  const { keepFeatures: _, ...absent } = DEFAULT_TEXTURE;
  assert.deepEqual(run(retouched, absent as TextureOptions).res, off.res);
});
