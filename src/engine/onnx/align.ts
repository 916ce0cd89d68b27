// Face alignment for inswapper-class models: the ArcFace 5-point template and the least-squares
// similarity transform (Umeyama, no reflection) that maps detected landmarks onto it.

/** A 2-D affine map as the top two rows of a 3×3 matrix: x' = a·x + b·y + c, y' = d·x + e·y + f. */
export type Affine = readonly [number, number, number, number, number, number];

/** Five landmarks in image pixels: eye centres (image-left, image-right), nose tip, mouth corners (left, right). */
export type Landmarks5 = ReadonlyArray<readonly [number, number]>;

/** The ArcFace template for a 112×112 crop. */
export const ARCFACE_112: Landmarks5 = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];

/**
 * The template for a square crop of `size` px. Sizes that are multiples of 112 scale the template;
 * others (128 for inswapper) scale by size/128 and shift +8·ratio px in x, as insightface does.
 */
export function arcfaceTemplate(size: number): [number, number][] {
  const [ratio, dx] = size % 112 === 0 ? [size / 112, 0] : [size / 128, 8 * (size / 128)];
  return ARCFACE_112.map(([x, y]) => [x * ratio + dx, y * ratio]);
}

/**
 * Least-squares similarity transform (rotation, uniform scale, translation) taking `src` onto `dst`.
 * In 2-D Umeyama's SVD solution with the reflection excluded reduces to a complex-number fit:
 * with centred points z (src) and w (dst), scale·e^{iθ} = Σ conj(z)·w / Σ |z|².
 */
export function estimateSimilarity(src: Landmarks5, dst: Landmarks5): Affine {
  if (src.length !== dst.length || src.length < 2) throw new Error('estimateSimilarity: need ≥2 matching points');
  const n = src.length;
  let sx = 0, sy = 0, dxm = 0, dym = 0;
  for (let i = 0; i < n; i++) {
    sx += src[i][0]; sy += src[i][1]; dxm += dst[i][0]; dym += dst[i][1];
  }
  sx /= n; sy /= n; dxm /= n; dym /= n;
  let re = 0, im = 0, norm = 0;
  for (let i = 0; i < n; i++) {
    const zx = src[i][0] - sx, zy = src[i][1] - sy;
    const wx = dst[i][0] - dxm, wy = dst[i][1] - dym;
    // conj(z)·w = (zx − i·zy)(wx + i·wy)
    re += zx * wx + zy * wy;
    im += zx * wy - zy * wx;
    norm += zx * zx + zy * zy;
  }
  if (norm === 0) throw new Error('estimateSimilarity: degenerate landmarks (all points equal)');
  const a = re / norm, b = im / norm; // a = s·cosθ, b = s·sinθ
  return [a, -b, dxm - (a * sx - b * sy), b, a, dym - (b * sx + a * sy)];
}

/** The transform that maps image landmarks onto the template of a `size`-px crop (insightface estimate_norm). */
export function estimateNorm(landmarks: Landmarks5, size: number): Affine {
  if (landmarks.length !== 5) throw new Error(`estimateNorm: expected 5 landmarks, got ${landmarks.length}`);
  return estimateSimilarity(landmarks, arcfaceTemplate(size));
}

export function invertAffine(m: Affine): Affine {
  const [a, b, c, d, e, f] = m;
  const det = a * e - b * d;
  if (det === 0) throw new Error('invertAffine: singular transform');
  const ia = e / det, ib = -b / det, id = -d / det, ie = a / det;
  return [ia, ib, -(ia * c + ib * f), id, ie, -(id * c + ie * f)];
}

export function applyAffine(m: Affine, x: number, y: number): [number, number] {
  return [m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]];
}

/** Uniform scale of a similarity transform. */
export function affineScale(m: Affine): number {
  return Math.sqrt(Math.abs(m[0] * m[4] - m[1] * m[3]));
}
