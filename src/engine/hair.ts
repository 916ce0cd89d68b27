// Hair found by texture, not colour: blonde or grey strands over pale skin are skin-coloured,
// but they are fine, parallel and high-contrast — a strong, coherent local orientation (the
// structure tensor), where skin is weakly textured and without one direction.
import { boxBlur, selectKth } from './raster.ts';

export interface StrandOptions {
  /** Structure-tensor energy, in multiples of the median over plain skin, from which a pixel may be hair (0 = off). */
  energy: number;
  /** Coherence (0..1) from which the texture counts as strands. */
  coherence: number;
}

export const DEFAULT_STRANDS: StrandOptions = { energy: 8, coherence: 0.55 };

/** 1 where the lightness plane `L` looks like strands of hair (only where `cover`); `skin` gives the reference energy. */
export function strandMap(L: Float32Array, cover: Uint8Array, skin: Uint8Array, w: number, h: number, faceW: number, opts: StrandOptions = DEFAULT_STRANDS): Uint8Array {
  const n = w * h;
  const out = new Uint8Array(n);
  if (!(opts.energy > 0)) return out;
  const xx = new Float32Array(n), yy = new Float32Array(n), xy = new Float32Array(n);
  gradientProducts(L, cover, w, h, xx, yy, xy);
  // Integrate over about a strand's width at portrait sizes.
  const r = Math.max(1, Math.round(0.008 * faceW));
  const jxx = boxBlur(xx, w, h, r), jyy = boxBlur(yy, w, h, r), jxy = boxBlur(xy, w, h, r);
  const ref = skinEnergies(jxx, jyy, skin);
  if (ref.length < 100) return out;
  const lim = opts.energy * Math.max(0.5, selectKth(ref, ref.length >> 1));
  coherent(jxx, jyy, jxy, cover, lim, opts.coherence, out);
  return out;
}

// The loops below are separate small functions: each is optimised on its own, early, and stays so.

/** Products of the central-difference gradient, where the pixel and its 4 neighbours are covered. */
function gradientProducts(L: Float32Array, cover: Uint8Array, w: number, h: number, xx: Float32Array, yy: Float32Array, xy: Float32Array): void {
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      if (!cover[i] || !cover[i - 1] || !cover[i + 1] || !cover[i - w] || !cover[i + w]) continue;
      const gx = (L[i + 1] - L[i - 1]) / 2;
      const gy = (L[i + w] - L[i - w]) / 2;
      xx[i] = gx * gx;
      yy[i] = gy * gy;
      xy[i] = gx * gy;
    }
  }
}

/** Tensor energy at every third pixel that is plain skin (the reference), unsorted. */
function skinEnergies(jxx: Float32Array, jyy: Float32Array, skin: Uint8Array): Float64Array {
  let m = 0;
  for (let i = 0; i < skin.length; i += 3) if (skin[i]) m++;
  const ref = new Float64Array(m);
  for (let i = 0, j = 0; i < skin.length; i += 3) if (skin[i]) ref[j++] = jxx[i] + jyy[i];
  return ref;
}

/** out = 1 where covered, energy above `lim` and coherence at least `coherence`. */
function coherent(jxx: Float32Array, jyy: Float32Array, jxy: Float32Array, cover: Uint8Array, lim: number, coherence: number, out: Uint8Array): void {
  for (let i = 0; i < out.length; i++) {
    if (!cover[i]) continue;
    const e = jxx[i] + jyy[i];
    if (e <= lim) continue;
    const coh = Math.sqrt((jxx[i] - jyy[i]) ** 2 + 4 * jxy[i] * jxy[i]) / e;
    if (coh >= coherence) out[i] = 1;
  }
}
