// Paste-back of the swapped crop, as insightface's INSwapper.get does it: warp the crop and a white
// square back with the inverse transform, erode the square by a tenth of its size (so the crop's
// border never shows), blur it by a twentieth, and use it as the alpha of the blend. Everything
// is computed only inside the region the crop covers, grown by the erode and blur reach.
import { invertAffine, type Affine } from './align.ts';
import { boundsOf, warpAffine, type Raster, type Rect } from './image.ts';
import { erodeSquare, gaussianBlur } from './mask.ts';

export interface PasteLayer {
  /** Region of the full image that the layer covers. */
  rect: Rect;
  /** Swapped face warped back into image space, RGB floats in [0,255], rect-sized. */
  face: Raster<Float32Array>;
  /** Blend weight in [0,1], rect-sized, one channel. */
  mask: Float32Array;
  /** 1 where the crop fully covers the pixel (no interpolation with the outside), rect-sized. */
  cover: Uint8Array;
  /** Erode and blur kernel sizes used (px), for reporting and tests. */
  erode: number;
  blur: number;
}

/**
 * Builds the paste-back layer for a `crop` (RGB floats, size×size) produced from an image of
 * width×height through `toCrop` (image → crop, the alignment transform).
 */
export function pasteLayer(crop: Raster<Float32Array>, toCrop: Affine, width: number, height: number): PasteLayer {
  const size = crop.width;
  const toImage = invertAffine(toCrop);
  // Erode/blur sizes depend on the footprint, which is ~size × scale; bound the reach generously.
  const footprint = boundsOf(toImage, size, size, width, height, 1);
  const reach = Math.ceil(Math.max(footprint.x1 - footprint.x0, footprint.y1 - footprint.y0) / 10) + 12;
  const rect = boundsOf(toImage, size, size, width, height, reach);
  const w = rect.x1 - rect.x0, h = rect.y1 - rect.y0;
  if (w <= 0 || h <= 0) throw new Error('the face crop lies outside the image');

  const white: Raster<Float32Array> = { width: size, height: size, channels: 1, data: new Float32Array(size * size).fill(255) };
  const square = warpAffine(white, toCrop, w, h, rect.x0, rect.y0).data;

  // Threshold as insightface (img_white > 20 → 255) and measure the mask's extent.
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  const cover = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (square[i] > 254.5) cover[i] = 1;
      if (square[i] > 20) {
        square[i] = 1;
        if (x < minX) minX = x;
        if (x > maxX) maxX = x;
        if (y < minY) minY = y;
        if (y > maxY) maxY = y;
      } else square[i] = 0;
    }
  }
  if (maxX < 0) throw new Error('the face crop lies outside the image');
  const maskSize = Math.floor(Math.sqrt((maxX - minX) * (maxY - minY)));
  const erode = Math.max(Math.floor(maskSize / 10), 10);
  const blur = 2 * Math.max(Math.floor(maskSize / 20), 5) + 1;
  // Out-of-image pixels do not erode (cv2's border); pixels between the footprint and the rect's
  // edge are zero, and the reach keeps every erode/blur window that matters inside the rect.
  const full = gaussianBlur(erodeSquare(square, w, h, erode), w, h, blur);
  // Erosion and blur reach equally far, so the mask ends within the square: keep only its box.
  const box = { x0: rect.x0 + minX, y0: rect.y0 + minY, x1: rect.x0 + maxX + 1, y1: rect.y0 + maxY + 1 };
  const bw = maxX + 1 - minX, bh = maxY + 1 - minY;
  const mask = new Float32Array(bw * bh), coverBox = new Uint8Array(bw * bh);
  for (let y = 0; y < bh; y++) {
    const from = (y + minY) * w + minX;
    mask.set(full.subarray(from, from + bw), y * bw);
    coverBox.set(cover.subarray(from, from + bw), y * bw);
  }
  const face = warpAffine(crop, toCrop, bw, bh, box.x0, box.y0);
  return { rect: box, face, mask, cover: coverBox, erode, blur };
}

/** Alpha-blends a layer into an RGB image (8-bit, modified in place). */
export function blendLayer(image: Raster<Uint8Array>, layer: PasteLayer): void {
  const { rect, face, mask } = layer;
  const w = rect.x1 - rect.x0, c = image.channels;
  for (let y = rect.y0; y < rect.y1; y++) {
    for (let x = rect.x0; x < rect.x1; x++) {
      const li = (y - rect.y0) * w + (x - rect.x0);
      const a = mask[li];
      if (a <= 0) continue;
      const o = (y * image.width + x) * c;
      for (let k = 0; k < 3; k++) {
        const v = a * face.data[li * 3 + k] + (1 - a) * image.data[o + k];
        image.data[o + k] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
      }
    }
  }
}
