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

/**
 * Separable Gaussian blur of a one-channel raster with an odd kernel size. Windows that hold one
 * constant 0 or 1 (most of a mask: deep inside or outside) are answered from prefix counts, so
 * the cost is in the feathered band only; the result is the same as the plain convolution.
 */
export function gaussianBlur(src: Float32Array, width: number, height: number, ksize: number): Float32Array {
  const k = gaussianKernel(ksize);
  const tmp = new Float32Array(width * height);
  blurLines(src, tmp, width, height, k);
  // Columns are blurred as rows of the transpose: strided access would thrash the cache.
  const cols = transpose(tmp, width, height);
  const blurred = new Float32Array(width * height);
  blurLines(cols, blurred, height, width, k);
  return transpose(blurred, height, width);
}

function transpose(src: Float32Array, width: number, height: number): Float32Array {
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[x * height + y] = src[y * width + x];
  return out;
}

/** 1-D convolution along each of `lines` rows of length `n`. */
function blurLines(src: Float32Array, dst: Float32Array, n: number, lines: number, k: Float32Array): void {
  const r = (k.length - 1) / 2;
  const zeros = new Int32Array(n + 1), ones = new Int32Array(n + 1);
  for (let l = 0; l < lines; l++) {
    const base = l * n;
    for (let i = 0; i < n; i++) {
      const v = src[base + i];
      zeros[i + 1] = zeros[i] + (v === 0 ? 1 : 0);
      ones[i + 1] = ones[i] + (v === 1 ? 1 : 0);
    }
    for (let x = 0; x < n; x++) {
      if (x - r >= 0 && x + r < n) {
        const z = zeros[x + r + 1] - zeros[x - r], o = ones[x + r + 1] - ones[x - r];
        if (z === k.length) continue; // dst starts at 0
        if (o === k.length) {
          dst[base + x] = 1;
          continue;
        }
        let acc = 0;
        for (let i = 0; i < k.length; i++) acc += k[i] * src[base + x - r + i];
        dst[base + x] = acc;
        continue;
      }
      let acc = 0;
      for (let i = -r; i <= r; i++) acc += k[i + r] * src[base + reflect101(x + i, n)];
      dst[base + x] = acc;
    }
  }
}
