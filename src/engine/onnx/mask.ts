// Mask operations for the paste-back: binary erosion with a square kernel and a Gaussian blur,
// matching OpenCV's erode (out-of-image pixels do not erode) and GaussianBlur (σ from the size,
// reflect-101 border) as insightface uses them.

/**
 * Erodes a binary mask (non-zero = in) with a k×k square of ones, anchored at its centre like
 * cv2.erode: output (x, y) is in iff every pixel of [x − ⌊k/2⌋, x − ⌊k/2⌋ + k) × (same in y) that
 * lies inside the raster is in. Uses an integral image of the "out" pixels, so O(pixels).
 */
export function erodeSquare(mask: Float32Array, width: number, height: number, k: number): Float32Array {
  const W1 = width + 1;
  const holes = new Uint32Array(W1 * (height + 1));
  for (let y = 0; y < height; y++) {
    let row = 0;
    for (let x = 0; x < width; x++) {
      row += mask[y * width + x] > 0 ? 0 : 1;
      holes[(y + 1) * W1 + x + 1] = holes[y * W1 + x + 1] + row;
    }
  }
  const before = Math.floor(k / 2), after = k - 1 - before;
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const ya = Math.max(0, y - before), yb = Math.min(height, y + after + 1);
    for (let x = 0; x < width; x++) {
      if (!(mask[y * width + x] > 0)) continue;
      const xa = Math.max(0, x - before), xb = Math.min(width, x + after + 1);
      const n = holes[yb * W1 + xb] - holes[ya * W1 + xb] - holes[yb * W1 + xa] + holes[ya * W1 + xa];
      if (n === 0) out[y * width + x] = mask[y * width + x];
    }
  }
  return out;
}

/** cv2.getGaussianKernel(ksize, 0): σ = 0.3·((ksize − 1)/2 − 1) + 0.8, normalised to sum 1. */
export function gaussianKernel(ksize: number): Float32Array {
  if (ksize < 1 || ksize % 2 === 0) throw new Error(`Gaussian kernel size must be odd, got ${ksize}`);
  const sigma = 0.3 * ((ksize - 1) * 0.5 - 1) + 0.8;
  const half = (ksize - 1) / 2;
  const k = new Float32Array(ksize);
  let sum = 0;
  for (let i = 0; i < ksize; i++) {
    k[i] = Math.exp(-((i - half) ** 2) / (2 * sigma * sigma));
    sum += k[i];
  }
  for (let i = 0; i < ksize; i++) k[i] /= sum;
  return k;
}

/** Index into [0, n) with reflect-101 (… 2 1 | 0 1 2 … n−2 n−1 | n−2 …). */
function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  while (i < 0 || i >= n) i = i < 0 ? -i : 2 * n - 2 - i;
  return i;
}

/** Separable Gaussian blur of a one-channel raster with an odd kernel size. */
export function gaussianBlur(src: Float32Array, width: number, height: number, ksize: number): Float32Array {
  const k = gaussianKernel(ksize);
  const r = (ksize - 1) / 2;
  const tmp = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      let acc = 0;
      for (let i = -r; i <= r; i++) acc += k[i + r] * src[row + reflect101(x + i, width)];
      tmp[row + x] = acc;
    }
  }
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let acc = 0;
      for (let i = -r; i <= r; i++) acc += k[i + r] * tmp[reflect101(y + i, height) * width + x];
      out[y * width + x] = acc;
    }
  }
  return out;
}
