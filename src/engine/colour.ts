// Colour and lighting match in Lab. A flat mean/std transfer cannot move a shadow from one
// cheek to the other; matching *local* means (normalised blurs over plain skin, a fraction of the
// face wide) carries the template's lighting direction and skin tone onto the source face while
// keeping the source's finer detail (its identity).
import { bilinearTaps, boxBlur, fillPolygon, gaussBlur, growPolygon, maskedBlur, selectKth } from './raster.ts';
import { LIPS_OUTER, pick } from './regions.ts';
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
  /**
   * 0..1: the lower face (below the nose, around the lips, down to the jaw) takes the template's
   * chroma at a fine scale (`lowerFaceSigma`), over every covered pixel there, skin or not: the
   * source's blue-grey shaved-beard shadow or a grey chin no longer make the face greyer or redder
   * than the template's neck. The lips keep the main match. Off (0) by default: at 1 (chroma only)
   * the tone step to the neck fell 4.50 → 4.07 ΔE on the tune split (150 pairs, identity kept) and
   * 4.87 → 4.47 on the report split, where face-api retrieval lost 4 pairs (90.7 → 88.0 %).
   */
  lowerFace: number;
  /**
   * Share of that fine match given to lightness (× lowerFace). 0: the chin's and jaw's shading
   * carry identity (tune split, 40 pairs: at 0.5 faceres retrieval fell 80 → 72.5 %, at 1 to
   * 67.5 %; 150 pairs: face-api 92.7 % at 0, 91.3 % at 0.25 for a tone step to the neck of 4.07
   * vs 3.75 ΔE, 4.50 off).
   */
  lowerFaceLight: number;
  /** σ of that fine match, fraction of the face width. */
  lowerFaceSigma: number;
  /**
   * 0..1: a source without colour (a greyscale photo, or one nearly so) takes its chroma from the
   * template's own face under it: the template's a/b at σ = `greySigma` over plain skin, with a
   * chroma-lightness coupling fitted on the template applied to the source's lightness detail.
   * Weighted by the source's chroma poverty (median skin chroma 6 → 2), so colour sources are
   * untouched (0 = off; default 1).
   */
  greySource: number;
  /** σ of the template's chroma field for grey sources, fraction of the face width. */
  greySigma: number;
  /** 0..1: share of the template's fitted chroma-lightness coupling given to the grey source's lightness detail. */
  greyCouple: number;
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

// Chroma poverty of the source: the median chroma (√(a² + b²)) of its skin cells. Colour photos on
// the tune split: 8.9 (a desaturated one) to 38; greyscale crops (bbt_*): 0.00. Full weight from
// GREY_FULL down, none from GREY_NONE up.
const GREY_FULL = 2;
const GREY_NONE = 6;
// Template skin this much brighter than its local mean (relative) is shine: from 1× to 2× it
// leaves the grey source's chroma field.
const GREY_SHINE = 0.08;

function spread(v: number[]): number {
  if (v.length < 8) return 0;
  // Selected, not sorted (raster.ts selectKth): the same medians in linear time.
  const s = Float64Array.from(v);
  const med = selectKth(s, s.length >> 1);
  const dev = s.map((x) => Math.abs(x - med));
  return 1.48 * selectKth(dev, dev.length >> 1);
}

export const DEFAULT_COLOUR: ColourOptions = { lightingSigma: 0.2, chromaSigma: 0.1, mode: 'ratio', chromaMode: 'ratio', chromaGainMax: 1.33, detailLighting: 0, detailLightingAuto: 0.7, shading: 0.5, skinChromaMin: 0.25, highlights: 0.7, lowerFace: 0, lowerFaceLight: 0, lowerFaceSigma: 0.04, greySource: 1, greySigma: 0.03, greyCouple: 1 };

/**
 * Matches the source planes (Lab, in place) to the template's local means, shading and highlights.
 * Every field is computed on a grid of cells ~1/100 of the face wide (they are smooth) and all of
 * them are applied in one pass over the pixels: per channel an affine map v·gain + shift, then the
 * hot-spot compression.
 */
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
  /** Pixels to write (the warped face's cover); all when omitted. */
  only?: Uint8Array,
): void {
  const k = Math.max(1, Math.round(faceW / 100));
  const grid = cellMeans(src, tgt, lightWeight, w, h, k, only);
  const { cw, ch, wl } = grid;
  const nc = cw * ch;
  // Normalised convolution on the grid: blur(value·weight) / blur(weight), the weight's blur made
  // once per scale.
  const weightBlurs = new Map<number, Float32Array>();
  const fieldL = (d: Float32Array, sigmaFw: number) => {
    const sigma = (sigmaFw * faceW) / k;
    let b = weightBlurs.get(sigma);
    if (!b) weightBlurs.set(sigma, (b = gaussBlur(wl, cw, ch, sigma)));
    return normalisedBlur(d, wl, b, cw, ch, sigma);
  };
  const cellsS = grid.src[0];
  const cellsT = grid.tgt[0];
  const lightS = fieldL(cellsS, opts.lightingSigma);
  const lightT = fieldL(cellsT, opts.lightingSigma);
  // How much finer than the lighting field the source's own shading is (a shadow down one side of
  // the face, a hot spot on a cheek), against the template's: a hard-lit source.
  const shading = (d: Float32Array, c: Float32Array) => {
    const f = fieldL(d, 0.07);
    const logs: number[] = [];
    for (let i = 0; i < f.length; i++) if (wl[i] > 0.5 && f[i] > 2 && c[i] > 2) logs.push(Math.log(f[i] / c[i]));
    return spread(logs);
  };
  const hardLit = shading(cellsS, lightS) - shading(cellsT, lightT);
  const gains: Float32Array[] = [];
  const shifts: Float32Array[] = [];
  for (let c = 0; c < 3; c++) {
    const sigmaFw = c === 0 ? opts.lightingSigma : opts.chromaSigma;
    // Chroma means over the lightness cells too: a source's cheek under coloured light is not
    // skin-coloured, and left out of the means it would keep its cast.
    const cs = grid.src[c];
    const ct = grid.tgt[c];
    const ms = c === 0 && sigmaFw === opts.lightingSigma ? lightS : fieldL(cs, sigmaFw);
    const mt = c === 0 && sigmaFw === opts.lightingSigma ? lightT : fieldL(ct, sigmaFw);
    // Skin's own chroma varies little under one light; a source lit by two (a blue window on one
    // side, warm lamps on the other) varies a lot, and that cast must not survive the match.
    // Over skin, deviations from the local mean shrink to the template's spread of them.
    let skinGain = 1;
    if (c > 0) {
      const dev = (cells: Float32Array, m: Float32Array) => {
        const d: number[] = [];
        for (let i = 0; i < cells.length; i++) if (wl[i] > 0.5) d.push(cells[i] - m[i]);
        return spread(d);
      };
      const ds = dev(cs, ms);
      if (ds > 0.5) skinGain = Math.min(1, Math.max(opts.skinChromaMin, dev(ct, mt) / ds));
    }
    const ratio = (c === 0 ? opts.mode : opts.chromaMode) === 'ratio';
    // Ratio mode: a gain where both local means are clearly positive (skin: L, a, b all are), so
    // dark pupils stay dark and eye whites stay neutral; a shift elsewhere.
    const gain = new Float32Array(nc);
    const shift = new Float32Array(nc);
    for (let i = 0; i < nc; i++) {
      if (ratio && c === 0 && ms[i] > 2 && mt[i] > 2) {
        gain[i] = Math.min(3, Math.max(1 / 3, mt[i] / ms[i]));
      } else if (ratio && c > 0) {
        // Chroma: the local mean goes exactly to the template's and deviations from it (brows,
        // eyes) scale by a bounded, continuous gain. A pure ratio switched to a shift near neutral
        // means and left purple/green blotches; a pure shift turns dark brows blue on pale skin.
        gain[i] = Math.min(opts.chromaGainMax, Math.max(1 / opts.chromaGainMax, (Math.abs(mt[i]) + 2) / (Math.abs(ms[i]) + 2)));
        shift[i] = mt[i] - gain[i] * ms[i];
      } else {
        gain[i] = 1;
        shift[i] = mt[i] - ms[i];
      }
      // Skin takes the compressed deviations, features (brows, eyes, lips) keep theirs: a mix, by
      // the cell's share of skin, of the match above and of (v − ms)·skinGain + mt.
      if (skinGain < 1) {
        const mix = wl[i];
        gain[i] += mix * (skinGain - gain[i]);
        shift[i] += mix * (mt[i] - skinGain * ms[i] - shift[i]);
      }
    }
    gains.push(gain);
    shifts.push(shift);
  }
  if (geometry && opts.shading > 0) {
    const r = shadeRatio(cellsS, cellsT, wl, cw, ch, k, (opts.lightingSigma * faceW) / k, geometry, opts.shading);
    if (r) scaleAffine(gains[0], shifts[0], r);
  }
  // Second pass on L only, after the coarse match: gain^detail at a finer scale (σ = 0.07 face
  // width). A hard-lit source gets it automatically, in proportion to how much harder lit it is
  // than the template (side-by-sides: a shadow down one side of alex-lacamoire's face no longer
  // lands on the template as a dark band; ID retrieval unchanged, BENCHMARKS.md).
  const auto = opts.detailLightingAuto * Math.min(1, Math.max(0, (hardLit - HARD_LIT_FROM) / (HARD_LIT_FULL - HARD_LIT_FROM)));
  const detail = Math.min(1, Math.max(0, opts.detailLighting ?? 0, auto));
  if (detail > 0) {
    // The source's cells after the coarse match: the affine map is near constant over a cell.
    const matched = new Float32Array(nc);
    for (let i = 0; i < nc; i++) matched[i] = cellsS[i] * gains[0][i] + shifts[0][i];
    const ms = fieldL(matched, 0.07);
    const mt = fieldL(cellsT, 0.07);
    const g = new Float32Array(nc);
    for (let i = 0; i < nc; i++) g[i] = ms[i] > 2 && mt[i] > 2 ? Math.pow(Math.min(3, Math.max(1 / 3, mt[i] / ms[i])), detail) : 1;
    scaleAffine(gains[0], shifts[0], g);
  }
  if (geometry && opts.lowerFace > 0) lowerFaceMatch(coveredMeans(src, tgt, w, h, k, only), gains, shifts, geometry, faceW, k, opts.lowerFace, opts.lowerFaceLight, opts.lowerFaceSigma);
  // A source without colour: its chroma from the template's face under it (greyChroma()).
  const grey = opts.greySource > 0 ? Math.min(1, opts.greySource) * greyWeight(grid.src, wl) : 0;
  const cross = grey > 0 ? greyChroma(tgt, weight, w, h, k, only, grid, gains, shifts, faceW, grey, opts) : undefined;
  let hot: Highlights | undefined;
  if (opts.highlights > 0) {
    // Local means (a box ≈ 4 % of the face wide) of the planes after the match, from the cells'
    // plain means through the same affine maps.
    const r = Math.max(1, Math.round(Math.max(2, Math.round(0.04 * faceW)) / k));
    const means = [0, 1, 2].map((c) => {
      const m = new Float32Array(nc);
      for (let i = 0; i < nc; i++) m[i] = grid.plain[c][i] * gains[c][i] + shifts[c][i];
      if (cross && c > 0) for (let i = 0; i < nc; i++) m[i] += cross[c - 1][i] * (grid.plain[0][i] * gains[0][i] + shifts[0][i]);
      return boxBlur(m, cw, ch, r);
    }) as Highlights['means'];
    hot = { means, soft: wl, strength: opts.highlights };
  }
  applyFields(src, gains, shifts, hot, cw, ch, k, w, h, only, cross);
}

/** 0..1: how colourless the source's skin is (median chroma of its skin cells, GREY_NONE → GREY_FULL). */
function greyWeight(cells: Float32Array[], wl: Float32Array): number {
  const c: number[] = [];
  for (let i = 0; i < wl.length; i++) if (wl[i] > 0.5) c.push(Math.hypot(cells[1][i], cells[2][i]));
  if (c.length < 8) return 0;
  const med = selectKth(Float64Array.from(c), c.length >> 1);
  return Math.min(1, Math.max(0, (GREY_NONE - med) / (GREY_NONE - GREY_FULL)));
}

/**
 * The chroma of a colourless source (ColourOptions.greySource), folded into the per-cell maps with
 * weight `g`. The template's chroma over plain skin (skin in both faces: neither face's features)
 * is first freed of its own light: per channel, its relative deviation from the local mean at the
 * chroma σ is fitted on the relative lightness deviation (β; shiny skin is paler, shadows less
 * yellow) and divided out, so a template's specular highlight does not land as a grey patch on the
 * source's matte skin. That diffuse chroma, blurred at σ = greySigma, then takes the source's light:
 * a = f·(1 + β·(l / Lc − 1)), with l the matched lightness and Lc its local skin mean. The last
 * term is linear in l: a per-cell factor (the cross term) that applyFields() multiplies by each
 * pixel's matched lightness. a = (1 − g)·(the match so far) + g·that.
 */
function greyChroma(
  tgt: Float32Array[],
  weight: Float32Array,
  w: number,
  h: number,
  k: number,
  only: Uint8Array | undefined,
  grid: { cw: number; ch: number; src: Float32Array[]; wl: Float32Array },
  gains: Float32Array[],
  shifts: Float32Array[],
  faceW: number,
  g: number,
  opts: ColourOptions,
): [Float32Array, Float32Array] {
  const { cw, ch, wl } = grid;
  const nc = cw * ch;
  const t = skinCells(tgt, weight, w, h, k, cw, ch, only);
  const sc = (opts.chromaSigma * faceW) / k;
  const sf = (opts.greySigma * faceW) / k;
  const wbc = gaussBlur(t.wt, cw, ch, sc);
  // The template's relative lightness deviation per cell, from its skin mean at the chroma σ.
  const tlc = normalisedBlur(t.cells[0], t.wt, wbc, cw, ch, sc);
  const xt = new Float32Array(nc);
  for (let i = 0; i < nc; i++) xt[i] = tlc[i] > 5 && t.wt[i] > 0 ? t.cells[0][i] / tlc[i] - 1 : 0;
  // Its shine (cells ≥ GREY_SHINE brighter than that mean) is left out of the fine field, which
  // fills it from the skin around: a highlight's pale chroma belongs to the template's light.
  const wf = new Float32Array(nc);
  for (let i = 0; i < nc; i++) wf[i] = t.wt[i] * Math.min(1, Math.max(0, (GREY_SHINE - xt[i]) / GREY_SHINE + 1));
  const wbf = gaussBlur(wf, cw, ch, sf);
  // The source's matched lightness: its skin mean at the chroma σ.
  const ms = new Float32Array(nc);
  for (let i = 0; i < nc; i++) ms[i] = grid.src[0][i] * gains[0][i] + shifts[0][i];
  const wlb = gaussBlur(wl, cw, ch, sc);
  const lc = normalisedBlur(ms, wl, wlb, cw, ch, sc);
  const cross: [Float32Array, Float32Array] = [new Float32Array(nc), new Float32Array(nc)];
  for (let c = 1; c < 3; c++) {
    const tc = normalisedBlur(t.cells[c], t.wt, wbc, cw, ch, sc);
    const beta = opts.greyCouple * coupling(t.cells[c], tc, xt, t.wt);
    const diffuse = new Float32Array(nc);
    for (let i = 0; i < nc; i++) diffuse[i] = t.cells[c][i] / Math.min(1.5, Math.max(0.5, 1 + beta * xt[i]));
    const f = normalisedBlur(diffuse, wf, wbf, cw, ch, sf);
    greyMaps(gains[c], shifts[c], cross[c - 1], f, wbf, lc, t.wt, g, beta);
  }
  return cross;
}

/**
 * β of one chroma plane: least squares of the skin cells' relative deviation from the local mean
 * (v / m − 1) on their relative lightness deviation x, bounded to [−1, 0.5].
 */
function coupling(v: Float32Array, m: Float32Array, x: Float32Array, wt: Float32Array): number {
  let sxy = 0, sxx = 0;
  for (let i = 0; i < v.length; i++) {
    if (!(wt[i] > 0.5) || Math.abs(m[i]) < 2 || Math.abs(x[i]) > 0.5) continue;
    sxy += wt[i] * x[i] * (v[i] / m[i] - 1);
    sxx += wt[i] * x[i] * x[i];
  }
  return sxx > 0 ? Math.min(0.5, Math.max(-1, sxy / sxx)) : 0;
}

/** One chroma plane's maps: (1 − g')·(gain, shift) + g'·(f·(1 − β'), cross f·β'/lc), g' faded where the template has no skin near, β' over features. */
function greyMaps(gain: Float32Array, shift: Float32Array, cross: Float32Array, f: Float32Array, wb: Float32Array, lc: Float32Array, wt: Float32Array, g: number, beta: number): void {
  for (let i = 0; i < gain.length; i++) {
    const gi = g * Math.min(1, wb[i] / 0.1);
    const b = lc[i] > 5 ? beta * Math.min(1, 2 * wt[i]) : 0;
    gain[i] *= 1 - gi;
    shift[i] = (1 - gi) * shift[i] + gi * f[i] * (1 - b);
    cross[i] = b !== 0 ? (gi * f[i] * b) / lc[i] : 0;
  }
}

/** Per cell of side k: the weight's mean and each plane's weighted mean. */
function skinCells(planes: Float32Array[], weight: Float32Array, w: number, h: number, k: number, cw: number, ch: number, only?: Uint8Array) {
  const nc = cw * ch;
  const cnt = new Float32Array(nc);
  const wt = new Float32Array(nc);
  const cells = [new Float32Array(nc), new Float32Array(nc), new Float32Array(nc)];
  const [p0, p1, p2] = planes;
  const [c0, c1, c2] = cells;
  const col = new Int32Array(w);
  for (let x = 0; x < w; x++) col[x] = (x / k) | 0;
  for (let y = 0; y < h; y++) {
    const row = ((y / k) | 0) * cw;
    for (let x = 0, i = y * w; x < w; x++, i++) {
      const c = row + col[x];
      cnt[c]++;
      const v = weight[i];
      if (!(v > 0) || (only && !only[i])) continue;
      wt[c] += v;
      c0[c] += v * p0[i];
      c1[c] += v * p1[i];
      c2[c] += v * p2[i];
    }
  }
  for (let c = 0; c < nc; c++) {
    if (wt[c] > 0) for (let q = 0; q < 3; q++) cells[q][c] /= wt[c];
    wt[c] /= cnt[c] || 1;
  }
  return { wt, cells };
}

/** Per cell of side k: the mean weight, the weighted means of each plane of both faces, the plain means of the source's. */
function cellMeans(src: Float32Array[], tgt: Float32Array[], weight: Float32Array, w: number, h: number, k: number, only?: Uint8Array) {
  const cw = Math.ceil(w / k);
  const ch = Math.ceil(h / k);
  const nc = cw * ch;
  const cnt = new Float32Array(nc);
  const sw = new Float32Array(nc);
  const [sL, sA, sB, tL, tA, tB, pL, pA, pB] = Array.from({ length: 9 }, () => new Float32Array(nc));
  const [s0, s1, s2] = src;
  const [t0, t1, t2] = tgt;
  const col = new Int32Array(w);
  for (let x = 0; x < w; x++) col[x] = (x / k) | 0;
  for (let y = 0; y < h; y++) {
    const row = ((y / k) | 0) * cw;
    for (let x = 0, i = y * w; x < w; x++, i++) {
      const c = row + col[x];
      cnt[c]++;
      if (only && !only[i]) {
        // Outside the cover both faces' planes are 0: only the weight adds up.
        if (weight[i] > 0) sw[c] += weight[i];
        continue;
      }
      const l = s0[i], a = s1[i], b = s2[i];
      pL[c] += l;
      pA[c] += a;
      pB[c] += b;
      const wt = weight[i];
      if (!(wt > 0)) continue;
      sw[c] += wt;
      sL[c] += wt * l;
      sA[c] += wt * a;
      sB[c] += wt * b;
      tL[c] += wt * t0[i];
      tA[c] += wt * t1[i];
      tB[c] += wt * t2[i];
    }
  }
  const s = [sL, sA, sB];
  const t = [tL, tA, tB];
  const plain = [pL, pA, pB];
  for (let c = 0; c < nc; c++) {
    const n = cnt[c] || 1;
    const has = sw[c] / n > 1e-4;
    for (let q = 0; q < 3; q++) {
      s[q][c] = has ? s[q][c] / sw[c] : 0;
      t[q][c] = has ? t[q][c] / sw[c] : 0;
      plain[q][c] /= n;
    }
    sw[c] /= n;
  }
  return { cw, ch, wl: sw, src: s, tgt: t, plain };
}

/**
 * Per cell of side k, for lowerFaceMatch() only (a pass of its own, not paid with the knob off):
 * both faces' means over the covered pixels (`only`), and the covered share of the cell (`cov`).
 */
function coveredMeans(src: Float32Array[], tgt: Float32Array[], w: number, h: number, k: number, only?: Uint8Array) {
  const cw = Math.ceil(w / k);
  const ch = Math.ceil(h / k);
  const nc = cw * ch;
  const cnt = new Float32Array(nc);
  const cov = new Float32Array(nc);
  const covS = [new Float32Array(nc), new Float32Array(nc), new Float32Array(nc)];
  const covT = [new Float32Array(nc), new Float32Array(nc), new Float32Array(nc)];
  for (let q = 0; q < 3; q++) coveredSums(src[q]!, tgt[q]!, covS[q]!, covT[q]!, q === 0 ? cnt : undefined, q === 0 ? cov : undefined, w, h, k, cw, only);
  for (let c = 0; c < nc; c++) {
    const m = cov[c] || 1;
    for (let q = 0; q < 3; q++) {
      covS[q]![c]! /= m;
      covT[q]![c]! /= m;
    }
    cov[c] /= cnt[c] || 1;
  }
  return { cw, ch, covS, covT, cov };
}

/** Sums of one plane of each face over the covered pixels of each cell (and, when given, the cells' pixel and covered counts). */
function coveredSums(s: Float32Array, t: Float32Array, sSum: Float32Array, tSum: Float32Array, cnt: Float32Array | undefined, cov: Float32Array | undefined, w: number, h: number, k: number, cw: number, only?: Uint8Array): void {
  for (let y = 0; y < h; y++) {
    const row = ((y / k) | 0) * cw;
    for (let x = 0, i = y * w; x < w; x++, i++) {
      const c = row + ((x / k) | 0);
      if (cnt) cnt[c]++;
      if (only && !only[i]) continue;
      if (cov) cov[c]++;
      sSum[c] += s[i]!;
      tSum[c] += t[i]!;
    }
  }
}

/** blur(v·weight) / blur(weight), given the weight's blur. */
function normalisedBlur(v: Float32Array, weight: Float32Array, weightBlur: Float32Array, w: number, h: number, sigma: number): Float32Array {
  const vw = new Float32Array(v.length);
  for (let i = 0; i < vw.length; i++) vw[i] = v[i] * weight[i];
  const a = gaussBlur(vw, w, h, sigma);
  for (let i = 0; i < a.length; i++) a[i] = weightBlur[i] > 1e-4 ? a[i] / weightBlur[i] : 0;
  return a;
}

/** (v·gain + shift)·r for every cell. */
function scaleAffine(gain: Float32Array, shift: Float32Array, r: Float32Array): void {
  for (let i = 0; i < gain.length; i++) {
    gain[i] *= r[i];
    shift[i] *= r[i];
  }
}

interface Highlights {
  means: [Float32Array, Float32Array, Float32Array];
  soft: Float32Array;
  strength: number;
}

/**
 * The one full-resolution pass: each plane through its affine map (bilinear from the cell
 * centres), then the hot-spot compression. The grids are interpolated down each row once, so a
 * pixel costs one lerp per field.
 */
function applyFields(lab: Float32Array[], gains: Float32Array[], shifts: Float32Array[], hot: Highlights | undefined, cw: number, ch: number, k: number, w: number, h: number, only?: Uint8Array, cross?: [Float32Array, Float32Array]): void {
  // The grey source's cross terms (a += cA·l, b += cB·l) come last: rows xo and xo + cw.
  const fields = [...gains, ...shifts, ...(hot ? [...hot.means, hot.soft] : []), ...(cross ?? [])];
  const xo = cross ? (fields.length - 2) * cw : -1;
  const nf = fields.length;
  // Row f of the interpolated grids sits at [f·cw, (f+1)·cw).
  const rows = new Float32Array(nf * cw);
  const { i0: cx0, i1: cx1, t: ctx } = bilinearTaps(w, cw, k);
  const { i0: ry0, i1: ry1, t: rty } = bilinearTaps(h, ch, k);
  const [L, A, B] = lab;
  const strength = hot?.strength ?? 0;
  for (let y = 0; y < h; y++) {
    const r0 = ry0[y] * cw;
    const r1 = ry1[y] * cw;
    const ty = rty[y];
    for (let f = 0; f < nf; f++) {
      const g = fields[f];
      for (let x = 0, o = f * cw; x < cw; x++) rows[o + x] = g[r0 + x] + (g[r1 + x] - g[r0 + x]) * ty;
    }
    for (let x = 0, i = y * w; x < w; x++, i++) {
      if (only && !only[i]) continue;
      // Inlined lerps (a closure made per pixel costs more than the pass: tsx names every one).
      const j0 = cx0[x], d = cx1[x] - j0, t = ctx[x];
      const l = L[i] * (rows[j0] + (rows[j0 + d] - rows[j0]) * t) + (rows[3 * cw + j0] + (rows[3 * cw + j0 + d] - rows[3 * cw + j0]) * t);
      let a = A[i] * (rows[cw + j0] + (rows[cw + j0 + d] - rows[cw + j0]) * t) + (rows[4 * cw + j0] + (rows[4 * cw + j0 + d] - rows[4 * cw + j0]) * t);
      let b = B[i] * (rows[2 * cw + j0] + (rows[2 * cw + j0 + d] - rows[2 * cw + j0]) * t) + (rows[5 * cw + j0] + (rows[5 * cw + j0 + d] - rows[5 * cw + j0]) * t);
      if (xo >= 0) {
        const xa = xo + j0, xb = xa + cw;
        a += l * (rows[xa] + (rows[xa + d] - rows[xa]) * t);
        b += l * (rows[xb] + (rows[xb + d] - rows[xb]) * t);
      }
      L[i] = l;
      A[i] = a;
      B[i] = b;
      if (!hot) continue;
      // The source's specular hot spots (oily skin under a flash: bright, desaturated patches a few
      // percent of the face wide) belong to its light, not the template's; left in, they read as
      // white blotches. Over skin, lightness above the local mean by more than a few units is
      // compressed, and its chroma drawn back to the local skin colour.
      const m = 6 * cw + j0;
      const e = l - (rows[m] + (rows[m + d] - rows[m]) * t) - 4;
      if (!(e > 0)) continue;
      const q = 9 * cw + j0;
      const soft = rows[q] + (rows[q + d] - rows[q]) * t;
      if (!(soft > 0)) continue;
      const s = strength * soft;
      const pull = s * Math.min(1, e / 15);
      L[i] = l - 0.7 * s * e;
      const ma = m + cw, mb = m + 2 * cw;
      A[i] = a + pull * (rows[ma] + (rows[ma + d] - rows[ma]) * t - a);
      B[i] = b + pull * (rows[mb] + (rows[mb + d] - rows[mb]) * t - b);
    }
  }
}

/**
 * The template's shading over the source's (each fitted on its own skin cells, before any match),
 * less the part the local-mean match at `sigmaCells` already carried: a gain per cell.
 */
function shadeRatio(cellsS: Float32Array, cellsT: Float32Array, wl: Float32Array, cw: number, ch: number, k: number, sigmaCells: number, g: ShadingGeometry, strength: number): Float32Array | undefined {
  const { a: nT, b: nS, has } = cellNormals(g.pos, g.tri, g.targetNormals, g.sourceNormals, cw, ch, k);
  const ct = fitShading(cellsT, wl, nT, has);
  const cs = fitShading(cellsS, wl, nS, has);
  if (!ct || !cs) return undefined;
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
  return ratio;
}

/**
 * The lower face's fine tone match (ColourOptions.lowerFace): below the nose tip (a smoothstep from
 * 0.02 to 0.08 face width under it, along the chin → forehead axis) and outside the lips, each
 * plane's local mean at σ = `sigmaFw` over every covered pixel (skin, stubble, shadow alike) of the
 * source after the match so far goes to the template's, by a shift folded into the affine maps.
 * The source's detail (pores, its own stubble's grain) is kept; its low-frequency patches are not.
 */
function lowerFaceMatch(
  grid: { cw: number; ch: number; covS: Float32Array[]; covT: Float32Array[]; cov: Float32Array },
  gains: Float32Array[],
  shifts: Float32Array[],
  g: ShadingGeometry,
  faceW: number,
  k: number,
  strength: number,
  lightShare: number,
  sigmaFw: number,
): void {
  const { cw, ch, cov } = grid;
  const nc = cw * ch;
  const pos = g.pos;
  // The mesh in cell units (cell c spans [c, c + 1)).
  const cell = (i: number): [number, number] => [pos[i][0] / k, pos[i][1] / k];
  const top = cell(10), chin = cell(152), tip = cell(1);
  let ux = chin[0] - top[0], uy = chin[1] - top[1];
  const ul = Math.hypot(ux, uy) || 1;
  ux /= ul;
  uy /= ul;
  const fwc = faceW / k;
  // The lips (both the destination's and, grown, wherever the template's may be) keep the main match.
  const lipsPts = pick(pos, LIPS_OUTER).map(([x, y]) => [x / k, y / k] as [number, number]);
  const lipsHard = new Float32Array(nc);
  fillPolygon(lipsHard, cw, ch, growPolygon(lipsPts, 0.015 * fwc), 1);
  const lipsSoft = new Float32Array(nc);
  fillPolygon(lipsSoft, cw, ch, growPolygon(lipsPts, 0.02 * fwc), 1);
  const lipsBlur = gaussBlur(lipsSoft, cw, ch, Math.max(1, 0.01 * fwc));
  const statW = new Float32Array(nc);
  const apply = new Float32Array(nc);
  zoneWeights(cov, lipsHard, lipsBlur, cw, ch, tip[0], tip[1], ux, uy, fwc, strength, statW, apply);
  const sigma = Math.max(1, sigmaFw * fwc);
  const wb = gaussBlur(statW, cw, ch, sigma);
  for (let c = 0; c < 3; c++) {
    const matched = new Float32Array(nc);
    affineCells(grid.covS[c], gains[c], shifts[c], matched);
    const ms = normalisedBlur(matched, statW, wb, cw, ch, sigma);
    const mt = normalisedBlur(grid.covT[c], statW, wb, cw, ch, sigma);
    addShift(shifts[c], apply, wb, ms, mt, c === 0 ? lightShare : 1);
  }
}

/** v·gain + shift per cell. */
function affineCells(v: Float32Array, gain: Float32Array, shift: Float32Array, out: Float32Array): void {
  for (let i = 0; i < v.length; i++) out[i] = v[i] * gain[i] + shift[i];
}

/** shift += s·apply·(mt − ms) where the statistics' weight is not vanishing (its blur ≥ 0.02). */
function addShift(shift: Float32Array, apply: Float32Array, wb: Float32Array, ms: Float32Array, mt: Float32Array, s: number): void {
  for (let i = 0; i < shift.length; i++) if (apply[i] > 0 && wb[i] > 0.02) shift[i] += s * apply[i] * Math.min(1, wb[i] / 0.1) * (mt[i] - ms[i]);
}

/**
 * lowerFaceMatch()'s weights per cell: statistics (covered share, below the nose tip by 0.02 face
 * width, outside the lips) and application (smoothstep 0.02 → 0.08 face width below the tip, less
 * the blurred lips, × strength).
 */
function zoneWeights(cov: Float32Array, lipsHard: Float32Array, lipsBlur: Float32Array, cw: number, ch: number, tx: number, ty: number, ux: number, uy: number, fwc: number, strength: number, statW: Float32Array, apply: Float32Array): void {
  for (let cy = 0; cy < ch; cy++) {
    for (let cx = 0; cx < cw; cx++) {
      const i = cy * cw + cx;
      if (!(cov[i] > 0)) continue;
      const d = ((cx + 0.5 - tx) * ux + (cy + 0.5 - ty) * uy) / fwc;
      if (d <= 0.02) continue;
      if (!lipsHard[i]) statW[i] = cov[i];
      const t = Math.min(1, (d - 0.02) / 0.06);
      apply[i] = strength * t * t * (3 - 2 * t) * Math.max(0, 1 - lipsBlur[i]);
    }
  }
}
