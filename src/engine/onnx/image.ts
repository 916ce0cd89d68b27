// Raw interleaved images and the affine resampling used for cropping and pasting back.
import type { Affine } from './align.ts';

/** Interleaved pixels, row-major, `channels` values per pixel (3 = RGB, 1 = mask). */
export interface Raster<T extends Uint8Array | Float32Array = Uint8Array | Float32Array> {
  width: number;
  height: number;
  channels: number;
  data: T;
}

/** An axis-aligned pixel rectangle [x0, x1) × [y0, y1). */
export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * Fills an out.width×out.height raster whose pixel (x, y) stands at (x + ox, y + oy) in the output
 * space, sampling `src` bilinearly at `toSrc`·(x + ox, y + oy); outside `src` reads 0 (cv2's
 * warpAffine with a constant zero border, pixel centres on integer coordinates).
 */
export function warpAffine(
  src: Raster,
  toSrc: Affine,
  width: number,
  height: number,
  ox = 0,
  oy = 0,
): Raster<Float32Array> {
  const c = src.channels;
  const out = new Float32Array(width * height * c);
  const [a, b, tx, d, e, ty] = toSrc;
  const W = src.width, H = src.height, s = src.data;
  for (let y = 0; y < height; y++) {
    const gy = y + oy;
    for (let x = 0; x < width; x++) {
      const gx = x + ox;
      const sx = a * gx + b * gy + tx;
      const sy = d * gx + e * gy + ty;
      if (sx <= -1 || sy <= -1 || sx >= W || sy >= H) continue;
      const x0 = Math.floor(sx), y0 = Math.floor(sy);
      const fx = sx - x0, fy = sy - y0;
      const o = (y * width + x) * c;
      for (let k = 0; k < c; k++) {
        const p00 = x0 >= 0 && y0 >= 0 ? s[(y0 * W + x0) * c + k] : 0;
        const p10 = x0 + 1 < W && y0 >= 0 ? s[(y0 * W + x0 + 1) * c + k] : 0;
        const p01 = x0 >= 0 && y0 + 1 < H ? s[((y0 + 1) * W + x0) * c + k] : 0;
        const p11 = x0 + 1 < W && y0 + 1 < H ? s[((y0 + 1) * W + x0 + 1) * c + k] : 0;
        out[o + k] = (p00 * (1 - fx) + p10 * fx) * (1 - fy) + (p01 * (1 - fx) + p11 * fx) * fy;
      }
    }
  }
  return { width, height, channels: c, data: out };
}

/** The integer bounding box, clipped to width×height, of a w×h rectangle's image under `m`, grown by `pad`. */
export function boundsOf(m: Affine, w: number, h: number, width: number, height: number, pad = 0): Rect {
  const xs: number[] = [], ys: number[] = [];
  for (const [x, y] of [[0, 0], [w - 1, 0], [0, h - 1], [w - 1, h - 1]]) {
    xs.push(m[0] * x + m[1] * y + m[2]);
    ys.push(m[3] * x + m[4] * y + m[5]);
  }
  return {
    x0: Math.max(0, Math.floor(Math.min(...xs)) - pad),
    y0: Math.max(0, Math.floor(Math.min(...ys)) - pad),
    x1: Math.min(width, Math.ceil(Math.max(...xs)) + 1 + pad),
    y1: Math.min(height, Math.ceil(Math.max(...ys)) + 1 + pad),
  };
}
