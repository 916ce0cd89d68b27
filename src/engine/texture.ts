// Texture match: the swapped face takes the template's sharpness and grain. A source photo that is
// softer (a small face scaled up, a smoothing filter) or cleaner (less sensor noise) than the
// template reads as pasted even when tone and edges match; one that is crisper reads the same way.
// Two luminance bands are measured on plain skin, in the result and in the template at the same
// pixels, and the result's bands are scaled toward the template's (bounded gains). What a gain
// cannot restore (a detail-less upscaled face) is filled with seeded noise of the template's level.
import { boxBlur } from './raster.ts';

export interface TextureOptions {
  /** 0..1: how far each band's energy moves to the template's (0 = off). */
  strength: number;
  /** Bound of the band gains (and of their inverse). */
  maxGain: number;
  /** 0..1: how much of the remaining fine-band deficit is filled with noise. */
  grain: number;
}

export const DEFAULT_TEXTURE: TextureOptions = { strength: 1, maxGain: 2.5, grain: 1 };

export interface TextureReport {
  /** Band gains applied (fine, medium); 1 = unchanged. */
  gains: [number, number];
  /** Noise standard deviation added (grey levels). */
  noise: number;
}

const luma = (rgb: Float32Array, n: number) => {
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) y[i] = 0.299 * rgb[i * 3] + 0.587 * rgb[i * 3 + 1] + 0.114 * rgb[i * 3 + 2];
  return y;
};

/** Median of |v| over the sample indices (a robust band energy: edges do not dominate it). */
function medianAbs(v: Float32Array, idx: Int32Array): number {
  const a = new Float32Array(idx.length);
  for (let j = 0; j < idx.length; j++) a[j] = Math.abs(v[idx[j]]);
  a.sort();
  return a[a.length >> 1] ?? 0;
}

/** Two band-pass planes: fine (Y − blur r1) and medium (blur r1 − blur r2). */
function bands(y: Float32Array, w: number, h: number, r1: number, r2: number): [Float32Array, Float32Array] {
  const b1 = boxBlur(y, w, h, r1);
  const b2 = boxBlur(y, w, h, r2);
  const fine = new Float32Array(y.length);
  const mid = new Float32Array(y.length);
  for (let i = 0; i < y.length; i++) {
    fine[i] = y[i] - b1[i];
    mid[i] = b1[i] - b2[i];
  }
  return [fine, mid];
}

/** Deterministic standard normal samples (mulberry32 + Box–Muller): same input, same output. */
function gaussianNoise(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const rnd = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = Math.max(1e-9, rnd());
    const v = rnd();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/**
 * In place on the result `res` (interleaved RGB floats over the ROI), where `alpha` > 0.
 * `tgt` is the template over the same ROI; `skin` marks plain skin in both images (the samples).
 */
export function matchTexture(
  res: Float32Array,
  tgt: Float32Array,
  alpha: Float32Array,
  skin: Float32Array,
  w: number,
  h: number,
  faceW: number,
  opts: TextureOptions = DEFAULT_TEXTURE,
): TextureReport {
  const none: TextureReport = { gains: [1, 1], noise: 0 };
  if (!(opts.strength > 0)) return none;
  const n = w * h;
  let count = 0;
  for (let i = 0; i < n; i++) if (skin[i] > 0 && alpha[i] > 0.9) count++;
  if (count < 400) return none;
  // Every k-th sample is plenty for a median (sorting them all cost more than the stage's blurs).
  const step = Math.max(1, Math.floor(count / 20000));
  const idx = new Int32Array(Math.ceil(count / step));
  for (let i = 0, j = 0, m = 0; i < n; i++) {
    if (!(skin[i] > 0 && alpha[i] > 0.9)) continue;
    if (j++ % step === 0) idx[m++] = i;
  }
  // Fine = pixel-level grain and pores; medium = a few pixels at 300 px face width (stubble, pores
  // on larger faces): its radius grows with the face.
  const r2 = Math.max(2, Math.round(0.012 * faceW));
  const [rf, rm] = bands(luma(res, n), w, h, 1, r2);
  const [tf, tm] = bands(luma(tgt, n), w, h, 1, r2);
  const eT = [medianAbs(tf, idx), medianAbs(tm, idx)];
  const eR = [medianAbs(rf, idx), medianAbs(rm, idx)];
  const gain = (t: number, r: number) => {
    if (!(r > 1e-3)) return 1;
    const g = Math.min(opts.maxGain, Math.max(1 / opts.maxGain, t / r));
    return Math.pow(g, Math.min(1, opts.strength));
  };
  const g: [number, number] = [gain(eT[0], eR[0]), gain(eT[1], eR[1])];
  // What the fine gain could not reach: the result stays cleaner than the template there.
  const deficit = eT[0] * eT[0] - (g[0] * eR[0]) ** 2;
  let noiseSd = 0;
  let noise: Float32Array | undefined;
  if (opts.grain > 0 && deficit > 0) {
    noise = gaussianNoise(n, 0x5eed ^ n);
    // The fine band of unit white noise under a 3×3 box has median |·| ≈ 0.64 (measured below on
    // the field itself, so the level is exact for any ROI).
    const [nf] = bands(noise, w, h, 1, r2);
    const unit = medianAbs(nf, idx) || 1;
    noiseSd = (Math.sqrt(deficit) / unit) * Math.min(1, opts.grain);
  }
  for (let i = 0; i < n; i++) {
    if (!(alpha[i] > 0)) continue;
    const d = (g[0] - 1) * rf[i] + (g[1] - 1) * rm[i] + (noise ? noiseSd * noise[i] : 0);
    res[i * 3] += d;
    res[i * 3 + 1] += d;
    res[i * 3 + 2] += d;
  }
  return { gains: g, noise: noiseSd };
}
