// Hair found by texture, not colour: blonde or grey strands over pale skin are skin-coloured,
// but they are fine, parallel and high-contrast — a strong, coherent local orientation (the
// structure tensor), where skin is weakly textured and without one direction.
import { boxBlur } from './raster.ts';

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
  // Integrate over about a strand's width at portrait sizes.
  const r = Math.max(1, Math.round(0.008 * faceW));
  const jxx = boxBlur(xx, w, h, r), jyy = boxBlur(yy, w, h, r), jxy = boxBlur(xy, w, h, r);
  const ref: number[] = [];
  for (let i = 0; i < n; i += 3) if (skin[i]) ref.push(jxx[i] + jyy[i]);
  if (ref.length < 100) return out;
  ref.sort((a, b) => a - b);
  const lim = opts.energy * Math.max(0.5, ref[ref.length >> 1]);
  for (let i = 0; i < n; i++) {
    if (!cover[i]) continue;
    const e = jxx[i] + jyy[i];
    if (e <= lim) continue;
    const coh = Math.sqrt((jxx[i] - jyy[i]) ** 2 + 4 * jxy[i] * jxy[i]) / e;
    if (coh >= opts.coherence) out[i] = 1;
  }
  return out;
}
