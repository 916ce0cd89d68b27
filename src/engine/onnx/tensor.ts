// Interleaved RGB rasters to and from the planar float tensors the models take.
import type { Raster } from './image.ts';

/** [1,3,H,W] planar float32 holding (value − mean) / std for each RGB channel. */
export function toPlanar(r: Raster, mean: number, std: number): Float32Array {
  if (r.channels !== 3) throw new Error(`expected an RGB raster, got ${r.channels} channels`);
  const n = r.width * r.height;
  const out = new Float32Array(3 * n);
  const s = r.data;
  for (let i = 0; i < n; i++) {
    out[i] = (s[i * 3] - mean) / std;
    out[n + i] = (s[i * 3 + 1] - mean) / std;
    out[2 * n + i] = (s[i * 3 + 2] - mean) / std;
  }
  return out;
}

/** A [1,3,H,W] tensor in [0,1] back to an interleaved RGB raster in [0,255] (clipped). */
export function fromPlanarUnit(t: Float32Array, width: number, height: number): Raster<Float32Array> {
  const n = width * height;
  if (t.length !== 3 * n) throw new Error(`tensor has ${t.length} values, expected 3×${height}×${width}`);
  const out = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 3; k++) {
      const v = t[k * n + i] * 255;
      out[i * 3 + k] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return { width, height, channels: 3, data: out };
}
