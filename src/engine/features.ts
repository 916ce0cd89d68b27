// Eyes and brows of an enlarged small source: an unsharp mask on luminance, limited to a soft
// region around each eye and brow (from the mesh) and bounded so it never overshoots the local
// range (no halos). A soft 150-px source enlarged 3× before the warp has eyes and brows as blurred
// blobs; the rest of the face keeps its own look. Everything runs on the region's bounding box.
import type { RgbImage } from './image.ts';
import { BROW_LEFT, BROW_RIGHT, EYE_LEFT, EYE_RIGHT, faceWidth, pick } from './regions.ts';
import { boxBlur, convexHull, fillPolygon, gaussBlur, growPolygon, localMinMax } from './raster.ts';

export interface FeatureSharpenOptions {
  /** Unsharp-mask gain (0 = off). */
  amount: number;
  /** Blur radius (σ) of the unsharp mask, in pixels of the source before enlargement. */
  sigma: number;
  /** Overshoot allowed past the local min/max (grey levels). */
  overshoot: number;
}

interface Box {
  x0: number;
  y0: number;
  w: number;
  h: number;
}

/** Per side, the hull of the eye and its brow grown by `grow` face widths (polygons in image pixels). */
function featureHulls(mesh: ArrayLike<number>[], grow: number, brows = true): [number, number][][] {
  const fw = faceWidth(mesh);
  const sides = brows ? [[...EYE_RIGHT, ...BROW_RIGHT], [...EYE_LEFT, ...BROW_LEFT]] : [EYE_RIGHT, EYE_LEFT];
  return sides.map((ids) => growPolygon(convexHull(pick(mesh, ids)), grow * fw));
}

/** Bounding box of the polygons grown by `pad` px, clamped to the image. */
function boxOf(polys: [number, number][][], pad: number, w: number, h: number): Box | undefined {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const p of polys) for (const [x, y] of p) {
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  }
  const bx0 = Math.max(0, Math.floor(x0 - pad)), by0 = Math.max(0, Math.floor(y0 - pad));
  const bx1 = Math.min(w, Math.ceil(x1 + pad)), by1 = Math.min(h, Math.ceil(y1 + pad));
  return bx1 - bx0 < 3 || by1 - by0 < 3 ? undefined : { x0: bx0, y0: by0, w: bx1 - bx0, h: by1 - by0 };
}

/** The polygons filled with 1 on a plane over `box`. */
function regionOver(polys: [number, number][][], box: Box): Float32Array {
  const plane = new Float32Array(box.w * box.h);
  for (const p of polys) fillPolygon(plane, box.w, box.h, p.map(([x, y]) => [x - box.x0, y - box.y0]), 1);
  return plane;
}

/** Luminance of `img` over `box`. */
function lumaOver(img: RgbImage, box: Box): Float32Array {
  const Y = new Float32Array(box.w * box.h);
  for (let y = 0; y < box.h; y++) {
    for (let x = 0, o = ((y + box.y0) * img.width + box.x0) * 3; x < box.w; x++, o += 3) {
      Y[y * box.w + x] = 0.299 * img.data[o] + 0.587 * img.data[o + 1] + 0.114 * img.data[o + 2];
    }
  }
  return Y;
}

/**
 * How crisp the eyes and brows of a source are, at its own resolution: RMS of the fine band
 * (Y − 3×3 box) over RMS of the next band (3×3 box − 7×7 box) inside the eye/brow hulls (grown 2 %
 * of the face width). Sharp 150-px crops measure 0.65–1.1, soft, upscaled-then-recompressed ones
 * (most john_* photos) 0.35–0.55.
 */
export function featureCrispness(img: RgbImage, mesh: ArrayLike<number>[]): number {
  const polys = featureHulls(mesh, 0.02);
  const box = boxOf(polys, 4, img.width, img.height);
  if (!box) return Infinity;
  const region = regionOver(polys, box);
  const Y = lumaOver(img, box);
  const b1 = boxBlur(Y, box.w, box.h, 1);
  const b3 = boxBlur(Y, box.w, box.h, 3);
  // The sums in a kernel (acc: f2, m2): a loop here made featureCrispness hot, and it was
  // deoptimised in the inlined regionOver's points ("wrong map").
  const acc = new Float64Array(2);
  crispSums(region, Y, b1, b3, acc);
  const f2 = acc[0]!, m2 = acc[1]!;
  return m2 > 0 ? Math.sqrt(f2 / m2) : Infinity;
}

/**
 * In place on `img` (packed RGB, the enlarged source), `k` the enlargement it went through,
 * `mesh` in its pixels. Region: per side, the hull of the eye and brow grown by 3 % of the face
 * width, feathered (σ 1.5 %). Luminance gets Y + amount·(Y − blur σ·k), held within the local
 * (radius k) min/max ± overshoot; the same change goes to R, G and B.
 */
export function sharpenFeatures(img: RgbImage, mesh: ArrayLike<number>[], k: number, opts: FeatureSharpenOptions): void {
  if (!(opts.amount > 0)) return;
  const fw = faceWidth(mesh);
  const feather = Math.max(1, 0.015 * fw);
  const sigma = Math.max(0.5, opts.sigma * k);
  const polys = featureHulls(mesh, 0.03);
  // Margin: the feather's reach plus the blur's, so the box's clamped edges stay out of the result.
  const box = boxOf(polys, Math.ceil(3 * Math.max(feather, sigma)) + 2, img.width, img.height);
  if (!box) return;
  const { w, h } = box;
  const soft = gaussBlur(regionOver(polys, box), w, h, feather);
  const Y = lumaOver(img, box);
  const blur = gaussBlur(Y, w, h, sigma);
  const r = Math.max(1, Math.round(k));
  const { lo, hi } = localRange(Y, w, h, r);
  const delta = new Float64Array(w * h);
  // A kernel: the loop here made sharpenFeatures hot, and the code after it (no feedback yet) and
  // the inlined regionOver deoptimised it, 3 times a thread.
  sharpenDelta(soft, Y, blur, lo, hi, opts.amount, opts.overshoot, delta);
  addToRgb(img, box, delta);
}

/** featureCrispness' sums over the region: acc[0] += (Y − b1)², acc[1] += (b1 − b3)². */
function crispSums(region: Float32Array, Y: Float32Array, b1: Float32Array, b3: Float32Array, acc: Float64Array): void {
  let f2 = 0, m2 = 0;
  for (let i = 0; i < Y.length; i++) {
    if (!region[i]) continue;
    f2 += (Y[i] - b1[i]) ** 2;
    m2 += (b1[i] - b3[i]) ** 2;
  }
  acc[0] = f2;
  acc[1] = m2;
}

/** sharpenFeatures' change of lightness: Y + amount·(Y − blur) held within lo, hi ± overshoot, × the soft region. */
function sharpenDelta(soft: Float32Array, Y: Float32Array, blur: Float32Array, lo: Float32Array, hi: Float32Array, amount: number, overshoot: number, delta: Float64Array): void {
  for (let i = 0; i < delta.length; i++) {
    const m = soft[i];
    if (!(m > 1e-3)) continue;
    const target = Y[i] + amount * (Y[i] - blur[i]);
    delta[i] = m * (Math.min(hi[i] + overshoot, Math.max(lo[i] - overshoot, target)) - Y[i]);
  }
}

/** Adds a lightness change over `box` (0 where nothing changes) to each RGB channel, rounded and clamped. */
function addToRgb(img: RgbImage, box: Box, delta: Float64Array): void {
  const data = img.data;
  for (let y = 0; y < box.h; y++) {
    for (let x = 0; x < box.w; x++) {
      const d = delta[y * box.w + x];
      if (d === 0) continue;
      const o = ((y + box.y0) * img.width + x + box.x0) * 3;
      for (let c = 0; c < 3; c++) {
        const v = data[o + c] + d;
        data[o + c] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
      }
    }
  }
}

/** Min and max of `v` over the (2r+1)² box around each pixel (clipped at the edges). */
function localRange(v: Float32Array, w: number, h: number, r: number): { lo: Float32Array; hi: Float32Array } {
  const n = w * h;
  const lo = new Float32Array(n), hi = new Float32Array(n);
  localMinMax(v, w, r, 0, 0, w - 1, h - 1, 0, 0, w - 1, h - 1, lo, hi, new Float32Array(n), new Float32Array(n));
  return { lo, hi };
}

export interface FeatureShockOptions {
  /** Share of the shock-filtered luminance taken (0 = off). */
  amount: number;
  /** Iterations per unit of enlargement (a ramp k px wide needs ≈ k steps to close). */
  steps: number;
}

/**
 * A shock filter (Osher–Rudin) on the luminance of an enlarged source's eyes and brows, in place:
 * Y ← Y − ½·sign(ΔG)·|∇Y| (upwind, minmod), ΔG the Laplacian of Y smoothed by σ = k/2, for
 * round(steps·k) iterations. Every soft ramp the enlargement drew (a lid, lash line, iris rim, brow
 * edge k px wide) becomes one step at its inflexion, with no overshoot (the filter keeps every value
 * within its neighbours' range): single crisp contours where an unsharp mask, or a later band gain,
 * draws a bright and a dark band beside each edge (read as doubled lids and lashes). Region and
 * feather as sharpenFeatures; the change is blended by `amount` and the same for R, G and B.
 */
export function shockFeatures(img: RgbImage, mesh: ArrayLike<number>[], k: number, opts: FeatureShockOptions): void {
  const iters = Math.round(opts.steps * k);
  if (!(opts.amount > 0) || iters < 1) return;
  const fw = faceWidth(mesh);
  const feather = Math.max(1, 0.015 * fw);
  const polys = featureHulls(mesh, 0.03);
  const box = boxOf(polys, Math.ceil(3 * feather) + iters + 2, img.width, img.height);
  if (!box) return;
  const { w, h } = box;
  const soft = gaussBlur(regionOver(polys, box), w, h, feather);
  const Y0 = lumaOver(img, box);
  let Y = Float32Array.from(Y0);
  let next = new Float32Array(w * h);
  const sigma = Math.max(0.5, 0.5 * k);
  const minmod = (a: number, b: number) => (a * b <= 0 ? 0 : Math.abs(a) < Math.abs(b) ? a : b);
  for (let it = 0; it < iters; it++) {
    const G = gaussBlur(Y, w, h, sigma);
    for (let y = 0; y < h; y++) {
      const ym = y > 0 ? y - 1 : 0, yp = y < h - 1 ? y + 1 : h - 1;
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        const xm = x > 0 ? x - 1 : 0, xp = x < w - 1 ? x + 1 : w - 1;
        const lap = G[y * w + xm] + G[y * w + xp] + G[ym * w + x] + G[yp * w + x] - 4 * G[i];
        const gx = minmod(Y[y * w + xp] - Y[i], Y[i] - Y[y * w + xm]);
        const gy = minmod(Y[yp * w + x] - Y[i], Y[i] - Y[ym * w + x]);
        const mag = Math.sqrt(gx * gx + gy * gy);
        next[i] = Y[i] - 0.5 * (lap > 0 ? 1 : lap < 0 ? -1 : 0) * mag;
      }
    }
    [Y, next] = [next, Y];
  }
  const data = img.data;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const m = soft[i];
      if (!(m > 1e-3)) continue;
      const d = m * opts.amount * (Y[i] - Y0[i]);
      const o = ((y + box.y0) * img.width + x + box.x0) * 3;
      for (let c = 0; c < 3; c++) {
        const v = data[o + c] + d;
        data[o + c] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
      }
    }
  }
}

export interface FeatureDeblurOptions {
  /** Share of the deconvolved luminance taken (0 = off). */
  amount: number;
  /** σ of the Gaussian blur undone, in the source's own pixels. */
  sigma: number;
  /** Richardson–Lucy iterations. */
  iters: number;
  /** Grey levels the result may leave the local (radius ⌈2σ⌉) min/max by. */
  overshoot: number;
}

/**
 * Richardson–Lucy deconvolution of the luminance of a small source's eyes, at its OWN
 * resolution (before the enlargement), in place: u ← u · (G ⊗ (Y / (G ⊗ u))), G a Gaussian of σ
 * source pixels. A 150-px face that was itself enlarged and recompressed (the soft `john_*` crops)
 * has its lids, lash line and iris rim as ramps 2–3 px wide; Lanczos keeps them, the unsharp mask
 * after it (sharpenFeatures, bounded to a 1-source-pixel range) only steepens their middle, and the
 * texture stage's grain over that blur reads as a smeared, ghosted eye. The deconvolution narrows
 * the ramps themselves (multiplicative, so no negative lobes), held within the local min/max over
 * ⌈2σ⌉ px ± overshoot (no halo); region: each eye's hull grown 4 % of the face width, feathered
 * 1.5 %; the same change goes to R, G and B.
 */
export function deblurFeatures(img: RgbImage, mesh: ArrayLike<number>[], opts: FeatureDeblurOptions): void {
  if (!(opts.amount > 0) || !(opts.iters >= 1) || !(opts.sigma > 0)) return;
  const fw = faceWidth(mesh);
  const feather = Math.max(1, 0.015 * fw);
  // The eyes only (lids, lash line, crease: the hull grown 4 % of the face width): a brow's hairs are
  // not in such a source, and the deconvolution turned its 8×8 JPEG blocks into blotches.
  const polys = featureHulls(mesh, 0.04, false);
  const box = boxOf(polys, Math.ceil(3 * feather + 3 * opts.sigma) + 2, img.width, img.height);
  if (!box) return;
  const { w, h } = box;
  const n = w * h;
  const soft = gaussBlur(regionOver(polys, box), w, h, feather);
  const Y = lumaOver(img, box);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = Y[i] + 1;
  const u = Float32Array.from(d);
  const kern = gaussKernel(opts.sigma);
  const ratio = new Float32Array(n), c = new Float32Array(n), tmp = new Float32Array(n);
  for (let it = 0; it < opts.iters; it++) {
    gaussConv(u, w, h, kern, tmp, c);
    for (let i = 0; i < n; i++) ratio[i] = d[i] / Math.max(1e-3, c[i]);
    gaussConv(ratio, w, h, kern, tmp, c);
    for (let i = 0; i < n; i++) u[i] *= c[i];
  }
  const { lo, hi } = localRange(Y, w, h, Math.max(1, Math.ceil(2 * opts.sigma)));
  const delta = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const m = soft[i];
    if (!(m > 1e-3)) continue;
    const target = Math.min(hi[i] + opts.overshoot, Math.max(lo[i] - opts.overshoot, u[i] - 1));
    delta[i] = m * opts.amount * (target - Y[i]);
  }
  addToRgb(img, box, delta);
}

/** Normalised 1-D Gaussian taps of σ (radius ⌈3σ⌉). */
function gaussKernel(sigma: number): Float32Array {
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float32Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) sum += k[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/** Separable convolution of `src` with the taps `k` (edges clamped), into `out` (`tmp` a w·h scratch). */
function gaussConv(src: Float32Array, w: number, h: number, k: Float32Array, tmp: Float32Array, out: Float32Array): Float32Array {
  const r = (k.length - 1) >> 1;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      let s = 0;
      if (x >= r && x < w - r) for (let j = -r, o = row + x - r; j <= r; j++, o++) s += k[j + r] * src[o];
      else for (let j = -r; j <= r; j++) s += k[j + r] * src[row + (x + j < 0 ? 0 : x + j >= w ? w - 1 : x + j)];
      tmp[row + x] = s;
    }
  }
  for (let y = 0; y < h; y++) {
    const inner = y >= r && y < h - r;
    for (let x = 0; x < w; x++) {
      let s = 0;
      if (inner) for (let j = -r, o = (y - r) * w + x; j <= r; j++, o += w) s += k[j + r] * tmp[o];
      else for (let j = -r; j <= r; j++) s += k[j + r] * tmp[(y + j < 0 ? 0 : y + j >= h ? h - 1 : y + j) * w + x];
      out[y * w + x] = s;
    }
  }
  return out;
}
