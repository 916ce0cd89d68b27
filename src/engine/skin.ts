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
  const vals: number[][] = [[], [], []];
  const r = Math.max(1, Math.round(radius));
  for (const id of SKIN_SAMPLES) {
    const cx = Math.round(mesh[id][0] - x0);
    const cy = Math.round(mesh[id][1] - y0);
    for (let y = cy - r; y <= cy + r; y += Math.max(1, r >> 1)) {
      for (let x = cx - r; x <= cx + r; x += Math.max(1, r >> 1)) {
        if (x < 0 || y < 0 || x >= w || y >= h) continue;
        for (let c = 0; c < 3; c++) vals[c].push(lab[c][y * w + x]);
      }
    }
  }
  const first = robustStats(vals);
  if (!(trim > 0)) return first;
  const p = skinParams(first);
  const kept: number[][] = [[], [], []];
  for (let k = 0; k < vals[0].length; k++) {
    if (skinZ(p, vals[0][k]!, vals[1][k]!, vals[2][k]!) > trim) continue;
    for (let c = 0; c < 3; c++) kept[c].push(vals[c][k]!);
  }
  // Most samples off skin: the first model is all there is to go on.
  return kept[0].length * 3 >= vals[0].length ? robustStats(kept) : first;
}

function robustStats(vals: number[][]): SkinModel {
  const med = (a: number[]) => (a.length ? selectKth(Float64Array.from(a), a.length >> 1) : 0);
  const mean = vals.map(med) as [number, number, number];
  // MAD * 1.48 estimates sigma; floors keep flat-lit faces from flagging every pore.
  const floors = [6, 3, 3];
  const spread = vals.map((v, c) => Math.max(floors[c], 1.48 * med(v.map((x) => Math.abs(x - mean[c]))))) as [number, number, number];
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
