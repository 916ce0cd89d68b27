// "More beautiful" (the seed): a light, edge-aware skin smoothing plus an unsharp mask that
// restores the detail the warp's resampling softened. Works on the blended face only.
import { boxBlur } from './raster.ts';

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
  const tau = 12; // intensity difference (0..255) at which smoothing fades out
  const r = Math.max(1, Math.round(0.01 * faceW));
  const ch = new Float32Array(n);
  for (let k = 0; k < 3; k++) {
    for (let i = 0; i < n; i++) ch[i] = img[i * 3 + k];
    const blur = boxBlur(ch, w, h, r);
    for (let y = 1; y < h - 1; y++) {
      for (let x = 1; x < w - 1; x++) {
        const i = y * w + x;
        const wgt = where[i];
        if (!(wgt > 0)) continue;
        const c = ch[i];
        const d = blur[i] - c;
        const edge = Math.exp(-(d * d) / (2 * tau * tau));
        // Unsharp mask with a 3x3 Laplacian: restores what bilinear resampling softened.
        const lap = 4 * c - ch[i - 1] - ch[i + 1] - ch[i - w] - ch[i + w];
        img[i * 3 + k] = c + 0.6 * s * edge * wgt * d + 0.2 * s * wgt * lap;
      }
    }
  }
}
