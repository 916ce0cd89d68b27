// "More beautiful" (the seed): a light, edge-aware skin smoothing plus an unsharp mask that
// restores the detail the warp's resampling softened. Works on the blended face only.
import { gaussBlur } from './raster.ts';

export interface EnhanceOptions {
  /** 0 = off, 1 = strong. Scales both smoothing and sharpening. */
  strength: number;
}

export const DEFAULT_ENHANCE: EnhanceOptions = { strength: 0.4 };

/**
 * In place on interleaved RGB `img` (ROI floats), weighted by `where` (0..1, e.g. the skin mask).
 * Smoothing is a cheap bilateral: blend toward the blur only where the blur is close (pores,
 * blotches), not across edges (eyes, lips, brows).
 */
export function enhance(img: Float32Array, where: Float32Array, w: number, h: number, faceW: number, opts: EnhanceOptions = DEFAULT_ENHANCE): void {
  const s = Math.min(1, Math.max(0, opts.strength));
  if (s <= 0) return;
  const n = w * h;
  const smoothSigma = Math.max(1, 0.012 * faceW);
  const tau = 12; // intensity difference (0..255) at which smoothing fades out
  for (let k = 0; k < 3; k++) {
    const ch = new Float32Array(n);
    for (let i = 0; i < n; i++) ch[i] = img[i * 3 + k];
    const blur = gaussBlur(ch, w, h, smoothSigma);
    const fine = gaussBlur(ch, w, h, 1);
    for (let i = 0; i < n; i++) {
      const wgt = where[i];
      if (!(wgt > 0)) continue;
      const d = blur[i] - ch[i];
      const edge = Math.exp(-(d * d) / (2 * tau * tau));
      let v = ch[i] + 0.6 * s * edge * wgt * d;
      v += 0.8 * s * wgt * (ch[i] - fine[i]);
      img[i * 3 + k] = v;
    }
  }
}
