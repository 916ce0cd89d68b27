// Colour and lighting match in Lab. A flat mean/std transfer cannot move a shadow from one
// cheek to the other; matching *local* means (normalised blurs over plain skin, a fraction of the
// face wide) carries the template's lighting direction and skin tone onto the source face while
// keeping the source's finer detail (its identity).
import { boxBlur, downsample, downsampleWeighted, maskedBlur, upsample, upsampleAffine } from './raster.ts';
import { cellNormals, evalShading, fitShading } from './shading.ts';

export interface ColourOptions {
  /** Blur sigma for the lighting field, as a fraction of face width. Larger keeps more source shading. */
  lightingSigma: number;
  /** Blur sigma for the chroma (a, b) field, as a fraction of face width. */
  chromaSigma: number;
  /** 'ratio' scales by local template/source means (keeps dark and neutral features); 'shift' adds their difference. */
  mode: 'ratio' | 'shift';
  /** The same for the chroma planes (a, b); 'ratio' matches the local mean and scales deviations from it. */
  chromaMode: 'ratio' | 'shift';
  /** Bound of that chroma gain: deviations scale by at most this much, or 1/this. */
  chromaGainMax: number;
  /**
   * 0..1: a second, finer lightness ratio (σ = 0.07 face width) applied with this strength, so a
   * source lit hard from one side takes more of the template's shading. Costs some identity.
   */
  detailLighting: number;
  /** Most detailLighting given automatically to a source lit harder than the template (0 = never). */
  detailLightingAuto: number;
  /**
   * 0..1: the shape-following shading (spherical harmonics over the mesh normals, shading.ts): the
   * source's divided out, the template's put in, beyond what the local means already carry.
   */
  shading: number;
  /** Floor of the gain that shrinks the source's skin chroma deviations to the template's spread (1 = never shrink). */
  skinChromaMin: number;
  /** 0..1: how much of the source's specular hot spots on skin (bright, desaturated) is taken out. */
  highlights: number;
}

/** The face's geometry for the shading transfer: the layout in the ROI and each mesh's normals. */
export interface ShadingGeometry {
  /** Destination mesh points, ROI-local pixels. */
  pos: ArrayLike<number>[];
  tri: ArrayLike<number>;
  targetNormals: Float32Array;
  sourceNormals: Float32Array;
}

// Hard-lit = the robust spread (1.48 × MAD) over skin of log(fine / coarse lightness) of the source
// minus the template's. Measured on ../shared/faces: 14 sources' medians −0.026…0.042, the
// side-lit alex-lacamoire.png highest (up to 0.10). From HARD_LIT_FROM the automatic detail
// lighting starts; at HARD_LIT_FULL it is at full strength.
const HARD_LIT_FROM = 0.03;
const HARD_LIT_FULL = 0.07;

function spread(v: number[]): number {
  if (v.length < 8) return 0;
  // Typed arrays sort numerically in native code (a comparator sort of plain arrays cost ~60 ms a swap).
  const s = Float64Array.from(v).sort();
  const med = s[s.length >> 1]!;
  const dev = s.map((x) => Math.abs(x - med)).sort();
  return 1.48 * dev[dev.length >> 1]!;
}

export const DEFAULT_COLOUR: ColourOptions = { lightingSigma: 0.2, chromaSigma: 0.1, mode: 'ratio', chromaMode: 'ratio', chromaGainMax: 1.33, detailLighting: 0, detailLightingAuto: 0.7, shading: 0.5, skinChromaMin: 0.25, highlights: 0.7 };

/** Shifts the source planes in place by (local template mean − local source mean). */
export function matchColour(
  src: [Float32Array, Float32Array, Float32Array],
  tgt: [Float32Array, Float32Array, Float32Array],
  weight: Float32Array,
  w: number,
  h: number,
  faceW: number,
  opts: ColourOptions = DEFAULT_COLOUR,
  /** Weight for the lightness (L) statistics, when it differs from `weight` (shadowed skin). */
  lightWeight: Float32Array = weight,
  geometry?: ShadingGeometry,
): void {
  // The fields are smooth: compute them at ~1/100 of the face width per cell and upsample.
  // Normalised convolution: blur(value·weight) / blur(weight).
  const k = Math.max(1, Math.round(faceW / 100));
  const wk = downsample(weight, w, h, k);
  const wl = lightWeight === weight ? wk : downsample(lightWeight, w, h, k);
  // A plane's weighted means per cell, then local-mean fields of them at a blur of sigmaFw face widths.
  const cellsBy = (plane: Float32Array, wt: Float32Array, wd: Float32Array) => {
    const d = downsampleWeighted(plane, wt, w, h, k);
    for (let i = 0; i < d.length; i++) d[i] = wd[i] > 1e-4 ? d[i] / wd[i] : 0;
    return d;
  };
  const cells = (plane: Float32Array) => cellsBy(plane, weight, wk.data);
  const fieldBy = (d: Float32Array, sigmaFw: number, wd: Float32Array) => maskedBlur(d, wd, wk.w, wk.h, (sigmaFw * faceW) / k);
  const fieldOf = (d: Float32Array, sigmaFw: number) => fieldBy(d, sigmaFw, wk.data);
  const fieldL = (d: Float32Array, sigmaFw: number) => fieldBy(d, sigmaFw, wl.data);
  const cellsS = cellsBy(src[0], lightWeight, wl.data);
  const cellsT = cellsBy(tgt[0], lightWeight, wl.data);
  // How much finer than the lighting field the source's own shading is (a shadow down one side of
  // the face, a hot spot on a cheek), against the template's: a hard-lit source.
  const shading = (d: Float32Array) => {
    const f = fieldL(d, 0.07);
    const c = fieldL(d, opts.lightingSigma);
    const logs: number[] = [];
    for (let i = 0; i < f.length; i++) if (wl.data[i] > 0.5 && f[i] > 2 && c[i] > 2) logs.push(Math.log(f[i] / c[i]));
    return spread(logs);
  };
  const hardLit = shading(cellsS) - shading(cellsT);
  let skinMix: Float32Array | undefined;
  for (let c = 0; c < 3; c++) {
    const sigmaFw = c === 0 ? opts.lightingSigma : opts.chromaSigma;
    // Chroma means over the lightness cells too: a source's cheek under coloured light is not
    // skin-coloured, and left out of the means it would keep its cast.
    const cs = c === 0 ? cellsS : cellsBy(src[c], lightWeight, wl.data);
    const ct = c === 0 ? cellsT : cellsBy(tgt[c], lightWeight, wl.data);
    const ms = fieldL(cs, sigmaFw);
    const mt = fieldL(ct, sigmaFw);
    // Skin's own chroma varies little under one light; a source lit by two (a blue window on one
    // side, warm lamps on the other) varies a lot, and that cast must not survive the match.
    // Over skin, deviations from the local mean shrink to the template's spread of them.
    let skinGain = 1;
    if (c > 0) {
      const dev = (cells: Float32Array, m: Float32Array) => {
        const d: number[] = [];
        for (let i = 0; i < cells.length; i++) if (wl.data[i] > 0.5) d.push(cells[i] - m[i]);
        return spread(d);
      };
      const ds = dev(cs, ms);
      if (ds > 0.5) skinGain = Math.min(1, Math.max(opts.skinChromaMin, dev(ct, mt) / ds));
    }
    const meansS = skinGain < 1 ? Float32Array.from(ms) : undefined;
    const meansT = skinGain < 1 ? Float32Array.from(mt) : undefined;
    const before = skinGain < 1 ? Float32Array.from(src[c]) : undefined;
    const ratio = (c === 0 ? opts.mode : opts.chromaMode) === 'ratio';
    // Ratio mode: a gain where both local means are clearly positive (skin: L, a, b all are), so
    // dark pupils stay dark and eye whites stay neutral; a shift elsewhere.
    const gain = new Float32Array(ms.length);
    for (let i = 0; i < ms.length; i++) {
      if (ratio && c === 0 && ms[i] > 2 && mt[i] > 2) {
        gain[i] = Math.min(3, Math.max(1 / 3, mt[i] / ms[i]));
        mt[i] = 0;
      } else if (ratio && c > 0) {
        // Chroma: the local mean goes exactly to the template's and deviations from it (brows,
        // eyes) scale by a bounded, continuous gain. A pure ratio switched to a shift near neutral
        // means and left purple/green blotches; a pure shift turns dark brows blue on pale skin.
        const g = Math.min(opts.chromaGainMax, Math.max(1 / opts.chromaGainMax, (Math.abs(mt[i]) + 2) / (Math.abs(ms[i]) + 2)));
        gain[i] = g;
        mt[i] -= g * ms[i];
      } else {
        gain[i] = 1;
        mt[i] -= ms[i];
      }
    }
    // Most cells take a gain only: the shift plane is skipped when it is all zero.
    let anyShift = false;
    for (let i = 0; i < mt.length && !anyShift; i++) if (mt[i] !== 0) anyShift = true;
    upsampleAffine(src[c], gain, anyShift ? mt : undefined, wk.w, wk.h, k, w, h);
    if (before && meansS && meansT) {
      const g = new Float32Array(meansS.length).fill(skinGain);
      for (let i = 0; i < meansS.length; i++) meansT[i] -= skinGain * meansS[i];
      upsampleAffine(before, g, meansT, wk.w, wk.h, k, w, h);
      // Skin takes the compressed deviations, features (brows, eyes, lips) keep theirs.
      const mix = skinMix ??= boxBlur(lightWeight, w, h, Math.max(1, Math.round(0.01 * faceW)));
      const p = src[c];
      for (let i = 0; i < p.length; i++) p[i] += mix[i] * (before[i] - p[i]);
    }
  }
  if (opts.highlights > 0) tameHighlights(src, lightWeight, w, h, faceW, opts.highlights);
  if (geometry && opts.shading > 0) shade(src[0], cellsS, cellsT, wl.data, wk.w, wk.h, k, w, h, (opts.lightingSigma * faceW) / k, geometry, opts.shading);
  // Second pass on L only, after the coarse match: gain^detail at a finer scale (σ = 0.07 face
  // width). A hard-lit source gets it automatically, in proportion to how much harder lit it is
  // than the template (side-by-sides: a shadow down one side of alex-lacamoire's face no longer
  // lands on the template as a dark band; ID retrieval unchanged, BENCHMARKS.md).
  const auto = opts.detailLightingAuto * Math.min(1, Math.max(0, (hardLit - HARD_LIT_FROM) / (HARD_LIT_FULL - HARD_LIT_FROM)));
  const detail = Math.min(1, Math.max(0, opts.detailLighting ?? 0, auto));
  if (detail > 0) {
    const ms = fieldL(cellsBy(src[0], lightWeight, wl.data), 0.07); // the source after the coarse match
    const mt = fieldL(cellsT, 0.07);
    const gain = new Float32Array(ms.length);
    for (let i = 0; i < ms.length; i++) gain[i] = ms[i] > 2 && mt[i] > 2 ? Math.pow(Math.min(3, Math.max(1 / 3, mt[i] / ms[i])), detail) : 1;
    const g = upsample(gain, wk.w, wk.h, k, w, h);
    const L = src[0];
    for (let i = 0; i < L.length; i++) L[i] *= g[i];
  }
}

/**
 * Multiplies L by the template's shading over the source's (each fitted on its own skin cells,
 * before any match), less the part the local-mean match at `sigmaCells` already carried.
 */
function shade(L: Float32Array, cellsS: Float32Array, cellsT: Float32Array, wl: Float32Array, cw: number, ch: number, k: number, w: number, h: number, sigmaCells: number, g: ShadingGeometry, strength: number): void {
  const { a: nT, b: nS, has } = cellNormals(g.pos, g.tri, g.targetNormals, g.sourceNormals, cw, ch, k);
  const ct = fitShading(cellsT, wl, nT, has);
  const cs = fitShading(cellsS, wl, nS, has);
  if (!ct || !cs) return;
  const nc = cw * ch;
  const ratio = new Float32Array(nc).fill(1);
  const inMesh = new Float32Array(nc);
  for (let c = 0; c < nc; c++) {
    if (!has[c]) continue;
    inMesh[c] = 1;
    const st = evalShading(ct, nT, c);
    const ss = evalShading(cs, nS, c);
    ratio[c] = st > 2 && ss > 2 ? Math.min(2, Math.max(0.5, st / ss)) : 1;
  }
  const coarse = maskedBlur(ratio, inMesh, cw, ch, sigmaCells);
  // Bounded: a fit extrapolated to a normal it has few samples near (a nose tip lit on one face
  // only) must not burn a highlight in.
  for (let c = 0; c < nc; c++) ratio[c] = has[c] && coarse[c] > 0 ? Math.pow(Math.min(1.3, Math.max(0.75, ratio[c] / coarse[c])), strength) : 1;
  const gain = upsample(ratio, cw, ch, k, w, h);
  for (let i = 0; i < L.length; i++) L[i] *= gain[i];
}

/**
 * The source's specular hot spots (oily skin under a flash: bright, desaturated patches a few
 * percent of the face wide) belong to its light, not the template's; left in, they read as white
 * blotches. Over skin, lightness above the local mean (σ ≈ 4 % of the face width) by more than a
 * few units is compressed, and its chroma drawn back to the local skin colour.
 */
function tameHighlights(lab: [Float32Array, Float32Array, Float32Array], skin: Float32Array, w: number, h: number, faceW: number, strength: number): void {
  const r = Math.max(2, Math.round(0.04 * faceW));
  const [L, A, B] = lab;
  const mL = boxBlur(L, w, h, r), mA = boxBlur(A, w, h, r), mB = boxBlur(B, w, h, r);
  const soft = boxBlur(skin, w, h, Math.max(1, r >> 2));
  for (let i = 0; i < L.length; i++) {
    const e = L[i] - mL[i] - 4;
    if (!(e > 0) || !(soft[i] > 0)) continue;
    const k = strength * soft[i];
    const pull = k * Math.min(1, e / 15);
    L[i] -= 0.7 * k * e;
    A[i] += pull * (mA[i] - A[i]);
    B[i] += pull * (mB[i] - B[i]);
  }
}
