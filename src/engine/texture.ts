// Texture match: the swapped face takes the template's sharpness and grain. A source photo that is
// softer (a small face scaled up, a smoothing filter) or cleaner (less sensor noise) than the
// template reads as pasted even when tone and edges match; one that is crisper reads the same way.
// Two luminance bands are measured on plain skin, in the result and in the template at the same
// pixels, and the result's bands are scaled toward the template's (bounded gains). What a gain
// cannot restore (a detail-less upscaled face) is filled with seeded noise of the template's level.
import { localMinMax, selectKth, setBox } from './raster.ts';
import { scratch } from './scratch.ts';

export interface TextureOptions {
  /** 0..1: how far each band's energy moves to the template's (0 = off). */
  strength: number;
  /** Bound of the band gains (and of their inverse). */
  maxGain: number;
  /** 0..1: how much of the remaining fine-band deficit is filled with noise. */
  grain: number;
  /**
   * 0..1: on plain skin (in both images), how much of the grain fill (the fine-band deficit) is the
   * template's own fine band at the same pixel — its pores, sensor noise and JPEG grain — instead of
   * seeded noise. The source's own band is kept either way.
   */
  templateGrain: number;
  /**
   * 0..1: on plain skin, the medium band (a few pixels: pores, stubble, the blotches of an enlarged
   * JPEG) is not amplified past the source's own (gain ≤ 1 there) and what it lacks is the
   * template's own medium band, scaled to the deficit: an enlarged small source's ×2.5 blotches read as dirt.
   */
  templateMedium: number;
  /**
   * 0..1: templateMedium for a soft, enlarged small source only (the eye crispness gate of
   * colour.softEyes, softEyesFrom / softEyesFull): the larger of the two is used. 0 = off.
   */
  softMedium: number;
  /**
   * 0 = off. Where the template's fine band is structure rather than grain (its lashes, eyeliner,
   * lid creases, wrinkles: local RMS over a few pixels above `grainStructure` × its median |·|),
   * the grain fill is seeded noise instead of the template's band (fading out to 1.5× that):
   * the template's eye contours stamped beside the source's read as ghosted, doubled eyes.
   */
  grainStructure: number;
  /**
   * 0 = off. Off plain skin (eyes, lids, brows, lips: weight 1 − skin), the band gains' change is
   * held within the result's own local min/max (over the medium band's box) ± this many grey
   * levels: the gains (up to maxGain, measured on skin) steepen a soft source's lid, lash and iris
   * edges instead of drawing bright and dark halos beside them (read as doubled, ghosted eyes).
   * The grain fill is added after, unclamped.
   */
  featureClamp: number;
  /**
   * 0..1: where the skin's band gains soften (a template smoother than the result), off plain skin
   * (eyes, lids, brows, lips: weight 1 − skin) they are measured there too (the template's features
   * against the result's at the same pixels) and this share takes that softening instead, between
   * the skin's and none: a retouched template (smooth skin, crisp eyes) no longer smudges a crisp
   * source's lashes and lids, a blurred one still softens them as its own. Gains above 1 (a soft
   * source) are the skin's. 0 = off.
   */
  keepFeatures: number;
  /**
   * 0 = off. On plain skin, the grain fill (noise and the template's band) follows where the
   * template has its texture instead of one level for the whole face: it is scaled by the local
   * fine-band deficit (the template's RMS over a box of 3 × the medium band's radius against the
   * result's after its gain) over that deficit's median on the skin samples, within [0, localGrain].
   * A template's stubbled jaw and upper lip (structure to grainStructure, so seeded noise at the
   * face's median level) were smeared beside its sharp hair and neck.
   */
  localGrain: number;
  /**
   * 0..1: off plain skin (eyes, lids, brows, lips), where the template's features are crisper than
   * the result's by more than the skin's gain says (their band energies, template against result
   * at the same pixels), this share of that larger gain (≤ maxGain) instead of the skin's; the
   * featureClamp range still holds it (steeper edges, no halo). 0 = off.
   */
  featureGain: number;
  /**
   * 0..1: inside the source's eyes and brows where the warp put them (their hulls from the
   * destination mesh, grown and feathered: the `eyes` plane matchTexture is given), this share of
   * the grain fill takes nothing from the template (no template band, no localGrain modulation by
   * the template's local texture): seeded noise at the face's level. The template's own lashes, lid
   * creases and brow hairs beside the source's read as a doubled eye. 0 = off.
   */
  eyeHull: number;
  /**
   * 0..1: inside the same hulls, this share of the band gains' amplification is taken back (a gain
   * above 1 → 1; a softening is left to keepFeatures): the
   * gains measured on plain skin (at maxGain for an enlarged small source) steepen every soft ramp of
   * its eyes and brows — the lash line, and beside it the lid crease, crow's feet and the
   * enlargement's ringing — into parallel contours (doubled lids). Only with an `eyes` plane. 0 = off.
   */
  eyeHullGain: number;
  /**
   * Grey levels (0 = off): inside the same hulls, the bands' amplification (skin gains above 1) is
   * cored by the result's local luma range R (max − min over the medium band's box, featureClamp's
   * range): scaled by R⁴ / (R⁴ + eyeCoring⁴). A strong contour (the lash line, the brow's edge:
   * R ≫ eyeCoring) keeps the whole gain; the weak ramps apart from it (a soft lid crease, lower-lid
   * lines, an enlarged 150-px source's JPEG ripples) are not amplified into parallel hard lines (the
   * doubled lids and brows of an enlarged small source). Only with an `eyes` plane.
   */
  eyeCoring: number;
  /**
   * Hair strands in the source's brows (./browhair.ts), on the finished RGB before the composite:
   * noise smeared along the hairs' direction (the brow's line, turned up 10–35° toward the
   * forehead) multiplies each hair pixel by 1 ± this × 0.5 × its darkness under the skin around
   * (RMS). An enlarged small source's brows have no hair left in them and read as painted. 0 = off.
   */
  browStrands: number;
  /** browStrands' strand length (face widths). */
  browStrandsLength: number;
}

export const DEFAULT_TEXTURE: TextureOptions = { strength: 1, maxGain: 2.5, grain: 1, templateGrain: 1, templateMedium: 0, softMedium: 0, grainStructure: 2, featureClamp: 4, keepFeatures: 1, localGrain: 3, featureGain: 0, eyeHull: 0, eyeHullGain: 0, eyeCoring: 0, browStrands: 0, browStrandsLength: 0.025 };

export interface TextureReport {
  /** Band gains applied (fine, medium); 1 = unchanged. */
  gains: [number, number];
  /** Noise standard deviation added (grey levels). */
  noise: number;
}

/** Summed-area table of the luma of interleaved RGB, (w+1)×(h+1) with a zero first row and column. */
function lumaTable(rgb: Float32Array, w: number, h: number, name: string): Float64Array {
  const W = w + 1;
  const sat = scratch.f64(name, W * (h + 1));
  for (let y = 0; y < h; y++) {
    let row = 0;
    for (let x = 0, i = y * w; x < w; x++, i++) {
      row += 0.299 * rgb[i * 3] + 0.587 * rgb[i * 3 + 1] + 0.114 * rgb[i * 3 + 2];
      sat[(y + 1) * W + x + 1] = sat[y * W + x + 1] + row;
    }
  }
  return sat;
}

/** Mean over the box of radius r around (x, y), clipped to the image (as boxBlur: edges by the in-bounds count). */
function boxMean(sat: Float64Array, w: number, h: number, x: number, y: number, r: number): number {
  const x0 = x - r < 0 ? 0 : x - r, x1 = x + r + 1 > w ? w : x + r + 1;
  const y0 = y - r < 0 ? 0 : y - r, y1 = y + r + 1 > h ? h : y + r + 1;
  const W = w + 1;
  return (sat[y1 * W + x1] - sat[y0 * W + x1] - sat[y1 * W + x0] + sat[y0 * W + x0]) / ((x1 - x0) * (y1 - y0));
}

/** Median of |band| over the sample pixels, the band being fine (Y − box r1) or medium (box r1 − box r2). */
function bandEnergy(sat: Float64Array, rgb: Float32Array, w: number, h: number, idx: Int32Array, r1: number, r2: number, fine: boolean): number {
  const a = new Float32Array(idx.length);
  if (fine) fineBandValues(sat, rgb, w, h, idx, r1, a);
  else mediumBandValues(sat, w, h, idx, r1, r2, a);
  return a.length ? selectKth(a, a.length >> 1) : 0;
}

// bandEnergy()'s |band| a sample pixel, into `a`: kernels (as bandEnergy's loop, it was optimised
// mid-way and deoptimised at the median after it), one a band (the medium band's second box mean
// had no type feedback when the fine band's calls had made the kernel hot).

function fineBandValues(sat: Float64Array, rgb: Float32Array, w: number, h: number, idx: Int32Array, r1: number, a: Float32Array): void {
  for (let j = 0; j < idx.length; j++) {
    const i = idx[j], x = i % w, y = (i / w) | 0;
    const b1 = boxMean(sat, w, h, x, y, r1);
    a[j] = Math.abs(0.299 * rgb[i * 3] + 0.587 * rgb[i * 3 + 1] + 0.114 * rgb[i * 3 + 2] - b1);
  }
}

function mediumBandValues(sat: Float64Array, w: number, h: number, idx: Int32Array, r1: number, r2: number, a: Float32Array): void {
  for (let j = 0; j < idx.length; j++) {
    const i = idx[j], x = i % w, y = (i / w) | 0;
    const b1 = boxMean(sat, w, h, x, y, r1);
    a[j] = Math.abs(b1 - boxMean(sat, w, h, x, y, r2));
  }
}

/** Median of |fine band| (v − its 3×3 box mean, clipped at the edges) of the noise field over the sample pixels. */
function fineEnergyOfNoise(seed: number, w: number, h: number, idx: Int32Array): number {
  const a = new Float32Array(idx.length);
  for (let j = 0; j < idx.length; j++) {
    const i = idx[j], x = i % w, y = (i / w) | 0;
    let s = 0, c = 0;
    for (let yy = Math.max(0, y - 1); yy <= Math.min(h - 1, y + 1); yy++) {
      for (let xx = Math.max(0, x - 1); xx <= Math.min(w - 1, x + 1); xx++) {
        s += noiseAt(yy * w + xx, seed);
        c++;
      }
    }
    a[j] = Math.abs(noiseAt(i, seed) - s / c);
  }
  return a.length ? selectKth(a, a.length >> 1) : 0;
}

/** 64 Ki standard normal samples (mulberry32 + Box–Muller, fixed seed), made once. */
const NORMALS = (() => {
  let s = 0x5eed;
  const rnd = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float32Array(1 << 16);
  for (let i = 0; i < out.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(Math.max(1e-9, rnd())));
    const v = 2 * Math.PI * rnd();
    out[i] = r * Math.cos(v);
    out[i + 1] = r * Math.sin(v);
  }
  return out;
})();

/**
 * Deterministic white noise: pixel i's sample, picked from NORMALS by a hash of (i, seed) — the
 * same input gives the same output, and only the pixels written pay for it.
 */
function noiseAt(i: number, seed: number): number {
  let h = Math.imul(i ^ seed, 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return NORMALS[h & 0xffff];
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
  /** eyeHull: 0..1 over the ROI, the source's eyes and brows (only read when opts.eyeHull > 0). */
  eyes?: Float32Array,
): TextureReport {
  const none: TextureReport = { gains: [1, 1], noise: 0 };
  if (!(opts.strength > 0)) return none;
  const n = w * h;
  const idx = samplePixels(alpha, skin, n, true, 400);
  if (!idx) return none;
  // Fine = pixel-level grain and pores; medium = a few pixels at 300 px face width (stubble, pores
  // on larger faces): its radius grows with the face. Box means come from summed-area tables, so
  // the bands are only evaluated where they are used (the samples, the face).
  const r2 = Math.max(2, Math.round(0.012 * faceW));
  const resSat = lumaTable(res, w, h, 'texture.result');
  const tgtSat = lumaTable(tgt, w, h, 'texture.template');
  const eT = [bandEnergy(tgtSat, tgt, w, h, idx, 1, r2, true), bandEnergy(tgtSat, tgt, w, h, idx, 1, r2, false)];
  const eR = [bandEnergy(resSat, res, w, h, idx, 1, r2, true), bandEnergy(resSat, res, w, h, idx, 1, r2, false)];
  const gain = (t: number, r: number) => {
    if (!(r > 1e-3)) return 1;
    const g = Math.min(opts.maxGain, Math.max(1 / opts.maxGain, t / r));
    return Math.pow(g, Math.min(1, opts.strength));
  };
  const g: [number, number] = [gain(eT[0], eR[0]), gain(eT[1], eR[1])];
  // What the fine gain could not reach: the result stays cleaner than the template there.
  const deficit = eT[0] * eT[0] - (g[0] * eR[0]) ** 2;
  let noiseSd = 0;
  const seed = 0x5eed ^ n;
  if (opts.grain > 0 && deficit > 0) {
    // The fine band of unit white noise under a 3×3 box has median |·| ≈ 0.64 (measured on the
    // field itself, so the level is exact for any ROI).
    const unit = fineEnergyOfNoise(seed, w, h, idx) || 1;
    noiseSd = (Math.sqrt(deficit) / unit) * Math.min(1, opts.grain);
  }
  // The template's band scaled to the deficit's level (its median |·| is eT[0]).
  const tg = deficit > 0 && opts.grain > 0 && eT[0] > 1e-3 ? Math.min(1, Math.max(0, opts.templateGrain)) : 0;
  const tk = tg > 0 ? (Math.sqrt(deficit) / eT[0]) * Math.min(1, opts.grain) : 0;
  // The medium band on plain skin: the source's at most as it is, the rest the template's.
  const tm = eT[1] > 1e-3 ? Math.min(1, Math.max(0, opts.templateMedium ?? 0)) : 0;
  const gm = Math.min(1, g[1]);
  const mk = tm > 0 ? Math.sqrt(Math.max(0, eT[1] * eT[1] - (gm * eR[1]) ** 2)) / eT[1] : 0;
  // localGrain: the fill scaled by the local deficit (boxes of LOCAL_BOX × r2) over its median.
  const lg = deficit > 0 && opts.grain > 0 && opts.localGrain > 0 ? opts.localGrain : 0;
  const struct = tg > 0 && opts.grainStructure > 0 ? structureTable(tgt, tgtSat, w, h) : undefined;
  const local = lg > 0 ? localGrain(tgt, tgtSat, res, resSat, w, h, idx, LOCAL_BOX * r2, g[0], lg, struct) : undefined;
  const sr = Math.max(2, Math.round(0.006 * faceW));
  const range = opts.featureClamp > 0 || (eyes && opts.eyeCoring > 0) ? localRange(res, alpha, w, h, r2) : undefined;
  // keepFeatures: off skin, the gains measured on the features themselves (share kf).
  const kf = Math.min(1, Math.max(0, opts.keepFeatures ?? 0));
  const fs = Math.min(1, Math.max(0, opts.featureGain ?? 0));
  const fg = (kf > 0 && (g[0] < 1 || g[1] < 1)) || (fs > 0 && (g[0] >= 1 || g[1] >= 1)) ? featureGains(res, resSat, tgt, tgtSat, alpha, skin, w, h, r2, gain, g, kf, fs) : undefined;
  const eh = eyes && (opts.eyeHull > 0 || opts.eyeHullGain > 0 || opts.eyeCoring > 0) ? { plane: eyes, share: Math.min(1, Math.max(0, opts.eyeHull)), gain: Math.min(1, Math.max(0, opts.eyeHullGain ?? 0)), coring: Math.max(0, opts.eyeCoring ?? 0) } : undefined;
  if (range || tg > 0 || tm > 0 || fg || local || eh) applyBandsFromTemplate(res, resSat, tgt, tgtSat, alpha, skin, w, h, r2, g[0] - 1, g[1] - 1, noiseSd, seed, tg, tk, tm, gm - 1, mk, tg > 0 && opts.grainStructure > 0 ? struct : undefined, sr, opts.grainStructure * eT[0], range, opts.featureClamp, fg, local, eh);
  else applyBands(res, resSat, alpha, w, h, r2, g[0] - 1, g[1] - 1, noiseSd, seed);
  return { gains: g, noise: noiseSd };
}

/**
 * keepFeatures: the band gains (minus 1) off plain skin: where the skin's `g` softens, the share kf
 * of the softening measured there (the template's fine and medium bands against the result's, over
 * the face's non-skin pixels, between g and 1); the skin's alone when too few such pixels.
 */
function featureGains(res: Float32Array, resSat: Float64Array, tgt: Float32Array, tgtSat: Float64Array, alpha: Float32Array, skin: Float32Array, w: number, h: number, r2: number, gain: (t: number, r: number) => number, g: [number, number], kf: number, fs = 0): [number, number] | undefined {
  const idx = samplePixels(alpha, skin, w * h, false, 200);
  if (!idx) return undefined;
  const f = [0, 1].map((b) => gain(bandEnergy(tgtSat, tgt, w, h, idx, 1, r2, b === 0), bandEnergy(resSat, res, w, h, idx, 1, r2, b === 0)));
  // A softening is revised (keepFeatures): at most to 1 (never sharper than the source), at least
  // the skin's. A sharpening (featureGain): up to the features' own, when larger.
  const k = (b: number) => (1 - kf) * g[b]! + kf * (g[b]! < 1 ? Math.min(1, Math.max(g[b]!, f[b]!)) : g[b]!) + (g[b]! >= 1 ? fs * Math.max(0, f[b]! - g[b]!) : 0);
  return [k(0) - 1, k(1) - 1];
}

/**
 * The face's pixels (alpha > 0.9) on plain skin (`onSkin`) or off it, every k-th for at most ≈ 20 000
 * (plenty for a median; sorting them all cost more than the stage's blurs); undefined under `min`.
 */
function samplePixels(alpha: Float32Array, skin: Float32Array, n: number, onSkin: boolean, min: number): Int32Array | undefined {
  let count = 0;
  for (let i = 0; i < n; i++) if ((skin[i] > 0) === onSkin && alpha[i] > 0.9) count++;
  if (count < min) return undefined;
  const step = Math.max(1, Math.floor(count / 20000));
  const idx = new Int32Array(Math.ceil(count / step));
  for (let i = 0, j = 0, m = 0; i < n; i++) {
    if (!((skin[i] > 0) === onSkin && alpha[i] > 0.9)) continue;
    if (j++ % step === 0) idx[m++] = i;
  }
  return idx;
}

/** Summed-area table of the template's (or `name`: another image's) squared fine band (Y − 3×3 box). */
function structureTable(tgt: Float32Array, tSat: Float64Array, w: number, h: number, name = 'texture.structure'): Float64Array {
  const W = w + 1;
  const sat = scratch.f64(name, W * (h + 1));
  for (let y = 0; y < h; y++) {
    let row = 0;
    for (let x = 0, i = y * w; x < w; x++, i++) {
      const f = 0.299 * tgt[i * 3] + 0.587 * tgt[i * 3 + 1] + 0.114 * tgt[i * 3 + 2] - boxMean(tSat, w, h, x, y, 1);
      row += f * f;
      sat[(y + 1) * W + x + 1] = sat[y * W + x + 1] + row;
    }
  }
  return sat;
}

/**
 * As applyBands, where plain skin takes the share `tg` of its grain fill from the template's fine
 * band (× tk) instead of the noise, and the share `tm` of its medium band as the source's at gain
 * 1 + gm (≤ 1) plus the template's medium band × mk. With `range` (featureClamp), off plain skin
 * the bands' change is held within the local luma range ± `over`; the fill is added after.
 */
function applyBandsFromTemplate(res: Float32Array, sat: Float64Array, tgt: Float32Array, tSat: Float64Array, alpha: Float32Array, skin: Float32Array, w: number, h: number, r2: number, g0: number, g1: number, noiseSd: number, seed: number, tg: number, tk: number, tm: number, gm: number, mk: number, struct?: Float64Array, sr = 2, structLevel = 0, range?: { lo: Float32Array; hi: Float32Array }, over = 0, featureGains?: [number, number], local?: LocalGrain, eyes?: { plane: Float32Array; share: number; gain: number; coring?: number }): void {
  const lo = range?.lo, hi = range?.hi;
  // keepFeatures: off plain skin, the band change with the features' gains instead of the skin's.
  const f0 = featureGains ? featureGains[0] : g0, f1 = featureGains ? featureGains[1] : g1;
  for (let y = 0; y < h; y++) {
    for (let x = 0, i = y * w; x < w; x++, i++) {
      if (!(alpha[i] > 0)) continue;
      const Y = 0.299 * res[i * 3] + 0.587 * res[i * 3 + 1] + 0.114 * res[i * 3 + 2];
      const b1 = boxMean(sat, w, h, x, y, 1);
      const fine = Y - b1;
      const medium = b1 - boxMean(sat, w, h, x, y, r2);
      const s = skin[i] > 0 ? Math.min(1, skin[i]) : 0;
      const noise = noiseSd > 0 ? noiseSd * noiseAt(i, seed) : 0;
      let band: number, fill: number;
      if (s > 0 && (tg > 0 || tm > 0)) {
        const tb1 = boxMean(tSat, w, h, x, y, 1);
        const tFine = 0.299 * tgt[i * 3] + 0.587 * tgt[i * 3 + 1] + 0.114 * tgt[i * 3 + 2] - tb1;
        // eyeHull: inside the source's eyes and brows, nothing of the template's in the fill.
        const e = eyes ? 1 - eyes.share * eyes.plane[i] : 1;
        let t = tg * s * e;
        const m = tm * s;
        if (struct && t > 0) {
          // Local RMS of the template's fine band; pure grain's RMS is ≈ 1.5 × its median |·|.
          const rms = Math.sqrt(Math.max(0, boxMean(struct, w, h, x, y, sr)));
          const u = (rms - structLevel) / (0.5 * structLevel);
          if (u >= 1) t = 0;
          else if (u > 0) t *= 1 - u * u * (3 - 2 * u);
        }
        fill = (1 - t) * noise + t * tk * tFine;
        if (local) fill *= 1 + s * e * (localFill(local, w, h, x, y, LOCAL_BOX * r2) - 1);
        band = m > 0 ? g0 * fine + (1 - m) * g1 * medium + m * (gm * medium + mk * (tb1 - boxMean(tSat, w, h, x, y, r2))) : g0 * fine + g1 * medium;
      } else {
        fill = local && s > 0 ? noise * (1 + s * (eyes ? 1 - eyes.share * eyes.plane[i] : 1) * (localFill(local, w, h, x, y, LOCAL_BOX * r2) - 1)) : noise;
        band = g0 * fine + g1 * medium;
      }
      // eyeHullGain: inside the source's eyes and brows, the amplification (skin gains above 1) taken back.
      if (eyes && eyes.gain > 0 && (g0 > 0 || g1 > 0)) band -= eyes.gain * eyes.plane[i] * ((g0 > 0 ? g0 : 0) * fine + (g1 > 0 ? g1 : 0) * medium);
      // eyeCoring: there, the amplification taken back where the local luma range R is small: × T⁴/(R⁴ + T⁴).
      if (eyes && eyes.coring && lo && hi && (g0 > 0 || g1 > 0) && eyes.plane[i]! > 0) {
        const r = hi[i]! - lo[i]!, r4 = r * r * r * r, t4 = eyes.coring ** 4;
        band -= eyes.plane[i]! * (1 - eyes.gain) * (t4 / (r4 + t4)) * ((g0 > 0 ? g0 : 0) * fine + (g1 > 0 ? g1 : 0) * medium);
      }
      const c = 1 - s;
      if (featureGains && c > 0) band += c * ((f0 - g0) * fine + (f1 - g1) * medium);
      // featureClamp: off plain skin, the bands' change stays within the local range ± over.
      if (lo && hi && over > 0 && c > 0) {
        const v = Y + band;
        const held = (v > hi[i] + over ? hi[i] + over : v < lo[i] - over ? lo[i] - over : v) - Y;
        band += c * (held - band);
      }
      const d = band + fill;
      res[i * 3] += d;
      res[i * 3 + 1] += d;
      res[i * 3 + 2] += d;
    }
  }
}

interface LocalGrain {
  /** Summed-area tables of the template's and the result's squared fine band. */
  t: Float64Array;
  r: Float64Array;
  /** The result's fine-band gain. */
  gain: number;
  /** The local deficit's median over the skin samples (where the fill is the face's own). */
  level: number;
  max: number;
}

/**
 * localGrain: the template's and the result's squared fine band as summed-area tables (the
 * template's reused from grainStructure), and the median local RMS deficit over the skin samples:
 * the fill is moved to where the template has its texture, its level over the face kept.
 */
/**
 * localGrain's box radius in medium-band radii (3 × 1.2 % of the face width): the fill follows the
 * template's regional texture (a stubbled jaw, a smooth forehead) more than its single lines (a
 * wrinkle, a lid crease); at 1 × (cap 2) the tune split lost a face-api pair more (docs/ENGINE.md).
 */
const LOCAL_BOX = 3;

function localGrain(tgt: Float32Array, tgtSat: Float64Array, res: Float32Array, resSat: Float64Array, w: number, h: number, idx: Int32Array, r: number, gain: number, max: number, struct?: Float64Array): LocalGrain | undefined {
  const l: LocalGrain = { t: struct ?? structureTable(tgt, tgtSat, w, h), r: structureTable(res, resSat, w, h, 'texture.resStructure'), gain, level: 1, max: Infinity };
  const a = new Float32Array(idx.length);
  for (let j = 0; j < idx.length; j++) a[j] = localFill(l, w, h, idx[j]! % w, (idx[j]! / w) | 0, r);
  const m = selectKth(a, a.length >> 1);
  if (!(m > 1e-3)) return undefined;
  l.level = m;
  l.max = max;
  return l;
}

/** localGrain: the local fine-band RMS deficit (template against the result after its gain) over the face's, within [0, max]. */
function localFill(l: LocalGrain, w: number, h: number, x: number, y: number, r: number): number {
  const t = boxMean(l.t, w, h, x, y, r), q = l.gain * l.gain * boxMean(l.r, w, h, x, y, r);
  const d = t > q ? Math.sqrt(t - q) / l.level : 0;
  return d < l.max ? d : l.max;
}

/** res += (g0·fine + g1·medium + noise) on every channel where alpha > 0 (its own function: a loop inside matchTexture never stayed optimised). */
function applyBands(res: Float32Array, sat: Float64Array, alpha: Float32Array, w: number, h: number, r2: number, g0: number, g1: number, noiseSd: number, seed: number): void {
  for (let y = 0; y < h; y++) {
    for (let x = 0, i = y * w; x < w; x++, i++) {
      if (!(alpha[i] > 0)) continue;
      const b1 = boxMean(sat, w, h, x, y, 1);
      const fine = 0.299 * res[i * 3] + 0.587 * res[i * 3 + 1] + 0.114 * res[i * 3 + 2] - b1;
      const d = g0 * fine + g1 * (b1 - boxMean(sat, w, h, x, y, r2)) + (noiseSd > 0 ? noiseSd * noiseAt(i, seed) : 0);
      res[i * 3] += d;
      res[i * 3 + 1] += d;
      res[i * 3 + 2] += d;
    }
  }
}

/**
 * Min and max of the result's luma over the (2r+1)² box around each pixel (clipped at the ROI's
 * edges), separably, on the bounding box of alpha > 0 grown by r (elsewhere unused).
 */
function localRange(res: Float32Array, alpha: Float32Array, w: number, h: number, r: number): { lo: Float32Array; hi: Float32Array } {
  const n = w * h;
  const Y = scratch.f32Dirty('texture.rangeY', n), rlo = scratch.f32Dirty('texture.rangeRlo', n), rhi = scratch.f32Dirty('texture.rangeRhi', n);
  const lo = scratch.f32Dirty('texture.rangeLo', n), hi = scratch.f32Dirty('texture.rangeHi', n);
  // alpha is never negative: its set pixels are those > 0.
  const box = setBox(alpha, w, h);
  if (!box) return { lo, hi };
  const { x0: bx0, y0: by0, x1: bx1, y1: by1 } = box;
  const x0 = Math.max(0, bx0 - r), x1 = Math.min(w - 1, bx1 + r), y0 = Math.max(0, by0 - r), y1 = Math.min(h - 1, by1 + r);
  // A kernel: this loop made localRange hot, and the call after it (no feedback yet) deoptimised it.
  lumaRect(res, Y, w, x0, y0, x1, y1);
  localMinMax(Y, w, r, bx0, by0, bx1, by1, x0, y0, x1, y1, lo, hi, rlo, rhi);
  return { lo, hi };
}

/** Luminance of the packed RGB `res` into Y over x0..x1, y0..y1 (inclusive) of a w-wide plane. */
function lumaRect(res: Float32Array, Y: Float32Array, w: number, x0: number, y0: number, x1: number, y1: number): void {
  for (let y = y0; y <= y1; y++) for (let x = x0, i = y * w + x0; x <= x1; x++, i++) Y[i] = 0.299 * res[i * 3] + 0.587 * res[i * 3 + 1] + 0.114 * res[i * 3 + 2];
}
