// A per-face skin colour model in Lab, sampled at plain-skin mesh points. Pixels far from it
// (hair, hands, glasses rims, teeth) are what the mask keeps from the template.
import { selectKth } from './raster.ts';
import { SKIN_SAMPLES } from './regions.ts';

export interface SkinModel {
  mean: [number, number, number];
  spread: [number, number, number];
}

/**
 * Robust (median / MAD) Lab statistics over small patches around the skin sample points.
 * `trim` > 0 (mask.skinTrim): a second pass without the samples that the first model already puts
 * further than `trim` from skin. A template's fringe over its forehead points (or hair at the
 * cheeks' edge) otherwise widens the spread until its hair passes for skin and is painted over.
 */
export function skinModel(lab: [Float32Array, Float32Array, Float32Array], w: number, h: number, mesh: ArrayLike<number>[], x0: number, y0: number, radius: number, trim = 0): SkinModel {
  const r = Math.max(1, Math.round(radius));
  // The samples in Float64Arrays, gathered and trimmed by kernels: pushed onto [] arrays (small
  // integers, then doubles) in skinModel itself, with robustStats and skinParams inlined, it was
  // deoptimised ("wrong map") and compiled again. Same values in the same order: same medians.
  const step = Math.max(1, r >> 1), side = Math.floor((2 * r) / step) + 1;
  const cap = SKIN_SAMPLES.length * side * side;
  const v0 = new Float64Array(cap), v1 = new Float64Array(cap), v2 = new Float64Array(cap);
  let n = 0;
  for (const id of SKIN_SAMPLES) {
    const cx = Math.round(mesh[id][0] - x0);
    const cy = Math.round(mesh[id][1] - y0);
    n = patchSamples(lab[0], lab[1], lab[2], w, h, cx, cy, r, v0, v1, v2, n);
  }
  const first = robustStats(v0, v1, v2, n);
  if (!(trim > 0)) return first;
  const p = skinParams(first);
  const k0 = new Float64Array(n), k1 = new Float64Array(n), k2 = new Float64Array(n);
  const kept = trimSamples(p, v0, v1, v2, n, trim, k0, k1, k2);
  // Most samples off skin: the first model is all there is to go on.
  return kept * 3 >= n ? robustStats(k0, k1, k2, kept) : first;
}

/** skinModel's patch around (cx, cy): its in-image pixels' L, a, b appended to o0..o2 from n; the new count. */
function patchSamples(L: Float32Array, A: Float32Array, B: Float32Array, w: number, h: number, cx: number, cy: number, r: number, o0: Float64Array, o1: Float64Array, o2: Float64Array, n: number): number {
  for (let y = cy - r; y <= cy + r; y += Math.max(1, r >> 1)) {
    for (let x = cx - r; x <= cx + r; x += Math.max(1, r >> 1)) {
      if (x < 0 || y < 0 || x >= w || y >= h) continue;
      const i = y * w + x;
      o0[n] = L[i]!;
      o1[n] = A[i]!;
      o2[n] = B[i]!;
      n++;
    }
  }
  return n;
}

/** The first n samples that the model p puts no further than `trim` from skin, into k0..k2; their count. */
function trimSamples(p: Float64Array, v0: Float64Array, v1: Float64Array, v2: Float64Array, n: number, trim: number, k0: Float64Array, k1: Float64Array, k2: Float64Array): number {
  let m = 0;
  for (let k = 0; k < n; k++) {
    if (skinZ(p, v0[k]!, v1[k]!, v2[k]!) > trim) continue;
    k0[m] = v0[k]!;
    k1[m] = v1[k]!;
    k2[m] = v2[k]!;
    m++;
  }
  return m;
}

/** The upper median of the first n values (selected from a copy). */
function medOf(v: Float64Array, n: number): number {
  return n ? selectKth(v.slice(0, n), n >> 1) : 0;
}

/** The first n values' absolute deviations from m, into out. */
function absDev(v: Float64Array, n: number, m: number, out: Float64Array): Float64Array {
  for (let k = 0; k < n; k++) out[k] = Math.abs(v[k]! - m);
  return out;
}

function robustStats(v0: Float64Array, v1: Float64Array, v2: Float64Array, n: number): SkinModel {
  const mean: [number, number, number] = [medOf(v0, n), medOf(v1, n), medOf(v2, n)];
  // MAD * 1.48 estimates sigma; floors keep flat-lit faces from flagging every pore.
  const dev = new Float64Array(n);
  const spread: [number, number, number] = [
    Math.max(6, 1.48 * medOf(absDev(v0, n, mean[0], dev), n)),
    Math.max(3, 1.48 * medOf(absDev(v1, n, mean[1], dev), n)),
    Math.max(3, 1.48 * medOf(absDev(v2, n, mean[2], dev), n)),
  ];
  return { mean, spread };
}

/**
 * A model as six numbers (mean L, a, b, then spread L, a, b) for pixel loops: one typed array
 * whatever the values, where the model's arrays change hidden class with their element kinds.
 */
export function skinParams(m: SkinModel): Float64Array {
  return Float64Array.of(m.mean[0], m.mean[1], m.mean[2], m.spread[0], m.spread[1], m.spread[2]);
}

/**
 * How un-skin-like a pixel is (about a z-score), for a model as skinParams(). Lightness counts for
 * less (shadows and highlights are still skin); being much darker than the skin (hair) counts fully.
 */
export function skinZ(p: Float64Array, L: number, a: number, b: number): number {
  const da = (a - p[1]) / p[4];
  const db = (b - p[2]) / p[5];
  const dl = (L - p[0]) / p[3];
  const dL = dl < 0 ? dl / 2.5 : dl / 4;
  return Math.sqrt(da * da + db * db + dL * dL);
}

/**
 * skinZ for a pixel that may lie in shadow: chroma is compared after scaling it back to the skin's
 * lightness (a shadow darkens L, a and b together; hair is darker *and* of another chroma), and
 * darkness itself counts for little. Used to pick the pixels that carry the lighting, so a
 * template's shadowed cheek feeds the lighting field instead of being extrapolated over.
 */
export function shadedSkinZ(p: Float64Array, L: number, a: number, b: number): number {
  // Lab chroma falls more slowly than L in a shadow: the square root of the ratio (side-lit faces
  // of pale and dark skin alike).
  const k = L < p[0] && L > 1 ? Math.sqrt(p[0] / L) : 1;
  const da = (a * k - p[1]) / p[4];
  const db = (b * k - p[2]) / p[5];
  const dl = (L - p[0]) / p[3];
  const dL = dl < 0 ? dl / 8 : dl / 4;
  return Math.sqrt(da * da + db * db + dL * dL);
}
