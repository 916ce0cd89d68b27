// After the paste-back layer is built: the default engine's colour match, Poisson (membrane)
// blend and enhance stages, run on the layer's region, then the alpha composite. The layer's
// eroded/blurred mask is the alpha; the thin band of the crop's footprint where that mask is
// (near) zero gives the blend its edge samples, exactly as the default engine's coverage band does.
import { DEFAULT_COLOUR, matchColour, type ColourOptions } from '../colour.ts';
import { DEFAULT_BLEND, membrane, type BlendOptions } from '../blend.ts';
import { DEFAULT_ENHANCE, enhance, type EnhanceOptions } from '../enhance.ts';
import type { RgbImage } from '../image.ts';
import { labToRgb, rgbToLab } from '../raster.ts';
import type { PasteLayer } from './paste.ts';

export interface FinishOptions {
  colour: ColourOptions | false;
  blend: BlendOptions | false;
  enhance: EnhanceOptions | false;
  /** Mask values at or below this are blend edge samples, not face (the mask's Gaussian tail). */
  edge: number;
}

export const DEFAULT_FINISH: FinishOptions = {
  colour: DEFAULT_COLOUR,
  blend: DEFAULT_BLEND,
  enhance: DEFAULT_ENHANCE,
  edge: 0.02,
};

/**
 * Composites `layer` into a copy of `target` through the finishing stages and returns it with
 * per-stage times. `faceW` is the face's width in pixels (scales the stages' blurs). Pixels where
 * the layer's mask is zero are never written.
 */
export function finishLayer(
  target: RgbImage,
  layer: PasteLayer,
  faceW: number,
  opts: FinishOptions = DEFAULT_FINISH,
): { image: RgbImage; timings: Record<string, number> } {
  const timings: Record<string, number> = {};
  const { rect, mask, cover } = layer;
  const w = rect.x1 - rect.x0, h = rect.y1 - rect.y0, n = w * h;
  const src = layer.face.data.slice();
  const tgt = new Float32Array(n * 3);
  for (let y = 0; y < h; y++) {
    const s = ((rect.y0 + y) * target.width + rect.x0) * 3;
    for (let i = 0; i < w * 3; i++) tgt[y * w * 3 + i] = target.data[s + i];
  }
  // Alpha rescaled so it is exactly 0 on the edge band and continuous across it.
  const edge = Math.min(Math.max(opts.edge, 0), 0.5);
  const alpha = new Float32Array(n);
  const ring = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    alpha[i] = mask[i] > edge ? (mask[i] - edge) / (1 - edge) : 0;
    ring[i] = cover[i] && !(alpha[i] > 0) ? 1 : 0;
  }

  let t = performance.now();
  if (opts.colour) {
    const sLab = rgbToLab(src, n);
    const tLab = rgbToLab(tgt, n);
    matchColour(sLab, tLab, alpha, w, h, faceW, opts.colour);
    labToRgb(sLab[0], sLab[1], sLab[2], src);
  }
  timings.colour = performance.now() - t;

  t = performance.now();
  if (opts.blend) {
    const d = membrane(src, tgt, alpha, ring, w, h, faceW, opts.blend);
    for (let i = 0; i < n * 3; i++) src[i] += d[i];
  }
  timings.blend = performance.now() - t;

  t = performance.now();
  if (opts.enhance) enhance(src, alpha, w, h, faceW, opts.enhance);
  timings.enhance = performance.now() - t;

  t = performance.now();
  const out = new Uint8Array(target.data);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const a = alpha[i];
      if (!(a > 0)) continue;
      const o = ((rect.y0 + y) * target.width + rect.x0 + x) * 3;
      for (let k = 0; k < 3; k++) {
        const v = tgt[i * 3 + k] + a * (src[i * 3 + k] - tgt[i * 3 + k]);
        out[o + k] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
      }
    }
  }
  timings.composite = performance.now() - t;
  return { image: { ...target, data: out }, timings };
}
