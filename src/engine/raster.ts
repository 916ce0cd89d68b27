// Small raster primitives over Float32 planes: blurs, polygon fill, colour space conversion.
// Planes are row-major, one value a pixel; RGB buffers interleave 3 values a pixel.
import { scratch } from './scratch.ts';

/** Separable box blur with radius r (window 2r+1), edges normalised by the in-bounds count. */
export function boxBlur(src: Float32Array, w: number, h: number, r: number): Float32Array {
  return boxBlurInto(src, new Float32Array(w * h), w, h, r);
}

/** boxBlur into `out` (not `src`); the row pass's plane is this thread's scratch. */
function boxBlurInto(src: Float32Array, out: Float32Array, w: number, h: number, r: number): Float32Array {
  r = Math.max(0, Math.round(r));
  if (r === 0) {
    out.set(src.subarray(0, w * h));
    return out;
  }
  const tmp = scratch.f32Dirty('boxBlur.rows', w * h); // every element written by the row pass
  for (let y = 0; y < h; y++) boxRow(src, tmp, y * w, w, r);
  // Vertical pass, also row by row (running column sums): memory is walked in order.
  const col = scratch.f64('boxBlur.cols', w);
  let n = 0;
  for (let y = 0; y <= Math.min(r, h - 1); y++) {
    addRow(col, tmp, y * w, w);
    n++;
  }
  for (let y = 0; y < h; y++) {
    const add = y + r + 1 < h ? (y + r + 1) * w : -1;
    const sub = y - r >= 0 ? (y - r) * w : -1;
    boxColumnsRow(out, col, tmp, y * w, add, sub, w, 1 / n);
    if (add >= 0) n++;
    if (sub >= 0) n--;
  }
  return out;
}

/** One row's running sum: the edges (window cut by the row's ends) apart from the inside, where no test is needed. */
function boxRow(src: Float32Array, tmp: Float32Array, row: number, w: number, r: number): void {
  let sum = 0;
  let n = 0;
  for (let x = 0; x <= Math.min(r, w - 1); x++) {
    sum += src[row + x];
    n++;
  }
  let x = 0;
  for (; x < Math.min(r, w); x++) {
    tmp[row + x] = sum / n;
    if (x + r + 1 < w) {
      sum += src[row + x + r + 1];
      n++;
    }
  }
  for (; x + r + 1 < w; x++) {
    tmp[row + x] = sum / n;
    sum += src[row + x + r + 1];
    sum -= src[row + x - r];
  }
  for (; x < w; x++) {
    tmp[row + x] = sum / n;
    sum -= src[row + x - r];
    n--;
  }
}

function addRow(col: Float64Array, tmp: Float32Array, row: number, w: number): void {
  for (let x = 0; x < w; x++) col[x] += tmp[row + x];
}

/** Writes one output row from the column sums, then moves the sums a row down (add/sub: row offsets, -1 for none). */
function boxColumnsRow(out: Float32Array, col: Float64Array, tmp: Float32Array, row: number, add: number, sub: number, w: number, inv: number): void {
  if (add >= 0 && sub >= 0) {
    for (let x = 0; x < w; x++) {
      const c = col[x];
      out[row + x] = c * inv;
      col[x] = c + tmp[add + x] - tmp[sub + x];
    }
  } else if (add >= 0) {
    for (let x = 0; x < w; x++) {
      const c = col[x];
      out[row + x] = c * inv;
      col[x] = c + tmp[add + x];
    }
  } else if (sub >= 0) {
    for (let x = 0; x < w; x++) {
      const c = col[x];
      out[row + x] = c * inv;
      col[x] = c - tmp[sub + x];
    }
  } else {
    for (let x = 0; x < w; x++) out[row + x] = col[x] * inv;
  }
}

/** Gaussian approximated by three box blurs. */
export function gaussBlur(src: Float32Array, w: number, h: number, sigma: number): Float32Array {
  if (sigma < 0.5) return src.slice();
  // Three boxes of radius r give variance 3 * ((2r+1)^2 - 1) / 12.
  const r = Math.max(1, Math.round((Math.sqrt(4 * sigma * sigma + 1) - 1) / 2));
  const n = w * h;
  const a = boxBlurInto(src, scratch.f32Dirty('gaussBlur.a', n), w, h, r);
  const b = boxBlurInto(a, scratch.f32Dirty('gaussBlur.b', n), w, h, r);
  return boxBlurInto(b, new Float32Array(n), w, h, r);
}

/** Blur of `values` that only averages where `weight` > 0 (normalised convolution). */
export function maskedBlur(values: Float32Array, weight: Float32Array, w: number, h: number, sigma: number): Float32Array {
  const vw = new Float32Array(values.length);
  productInto(vw, values, weight);
  const a = gaussBlur(vw, w, h, sigma);
  const b = gaussBlur(weight, w, h, sigma);
  divideByWeight(a, b);
  return a;
}

// The loops of the normalised blurs, as kernels of their own: in the blur's function the first loop
// was optimised mid-loop (OSR) and deoptimised at the blur's call after it, up to 30 times a run.

/** out[i] = a[i] · b[i]. */
export function productInto(out: Float32Array, a: Float32Array, b: Float32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i] * b[i];
}

/** a[i] /= wb[i] where wb[i] > 1e-4, else 0. */
export function divideByWeight(a: Float32Array, wb: Float32Array): void {
  for (let i = 0; i < a.length; i++) a[i] = wb[i] > 1e-4 ? a[i] / wb[i] : 0;
}

/**
 * Fills a polygon (even-odd rule, pixel centres) into `plane` with `value`. The points are copied
 * into one Float64Array and the spans found and filled by kernels that each see one array kind: the
 * points come as number pairs, Float32Arrays and tuples and the planes as Float32Array and
 * Uint8Array, and a single loop over them all was deoptimised ("wrong map") and compiled again.
 */
export function fillPolygon(plane: Float32Array | Uint8Array, w: number, h: number, pts: ArrayLike<number>[], value: number): void {
  const n = pts.length;
  if (n < 3) return;
  const xy = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const p = pts[i];
    xy[2 * i] = p[0];
    xy[2 * i + 1] = p[1];
  }
  let minY = Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    minY = Math.min(minY, xy[2 * i + 1]);
    maxY = Math.max(maxY, xy[2 * i + 1]);
  }
  const y0 = Math.max(0, Math.floor(minY));
  const y1 = Math.min(h - 1, Math.ceil(maxY));
  const xs = new Float64Array(n);
  if (plane instanceof Float32Array) fillPolygonF32(plane, w, y0, y1, xy, n, xs, value);
  else fillPolygonU8(plane, w, y0, y1, xy, n, xs, value);
}

/** The x of the polygon's edges' crossings of the line y = cy into `xs`, ascending; returns their count. */
function rowCrossings(xy: Float64Array, n: number, cy: number, xs: Float64Array): number {
  let c = 0;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = xy[2 * i], yi = xy[2 * i + 1];
    const xj = xy[2 * j], yj = xy[2 * j + 1];
    if (yi > cy !== yj > cy) {
      // Insertion in ascending order (stable, as the sort it replaced).
      const v = xi + ((cy - yi) * (xj - xi)) / (yj - yi);
      let k = c++;
      while (k > 0 && xs[k - 1] > v) {
        xs[k] = xs[k - 1];
        k--;
      }
      xs[k] = v;
    }
  }
  return c;
}

function fillPolygonF32(plane: Float32Array, w: number, y0: number, y1: number, xy: Float64Array, n: number, xs: Float64Array, value: number): void {
  for (let y = y0; y <= y1; y++) {
    const c = rowCrossings(xy, n, y + 0.5, xs);
    for (let k = 0; k + 1 < c; k += 2) {
      const x0 = Math.max(0, Math.ceil(xs[k] - 0.5));
      const x1 = Math.min(w - 1, Math.floor(xs[k + 1] - 0.5));
      for (let x = x0; x <= x1; x++) plane[y * w + x] = value;
    }
  }
}

function fillPolygonU8(plane: Uint8Array, w: number, y0: number, y1: number, xy: Float64Array, n: number, xs: Float64Array, value: number): void {
  for (let y = y0; y <= y1; y++) {
    const c = rowCrossings(xy, n, y + 0.5, xs);
    for (let k = 0; k + 1 < c; k += 2) {
      const x0 = Math.max(0, Math.ceil(xs[k] - 0.5));
      const x1 = Math.min(w - 1, Math.floor(xs[k + 1] - 0.5));
      for (let x = x0; x <= x1; x++) plane[y * w + x] = value;
    }
  }
}

/** Convex hull (monotone chain) of 2-D points. */
export function convexHull(points: ArrayLike<number>[]): [number, number][] {
  const p = points.map((q) => [q[0], q[1]] as [number, number]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (p.length < 3) return p;
  const cross = (o: number[], a: number[], b: number[]) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: [number, number][] = [];
  for (const q of p) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], q) <= 0) lower.pop();
    lower.push(q);
  }
  const upper: [number, number][] = [];
  for (let i = p.length - 1; i >= 0; i--) {
    const q = p[i];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], q) <= 0) upper.pop();
    upper.push(q);
  }
  upper.pop();
  lower.pop();
  return lower.concat(upper);
}

/** Grows a polygon away from its centroid by `px` pixels. */
export function growPolygon(poly: [number, number][], px: number): [number, number][] {
  let cx = 0;
  let cy = 0;
  for (const [x, y] of poly) {
    cx += x;
    cy += y;
  }
  cx /= poly.length;
  cy /= poly.length;
  return poly.map(([x, y]) => {
    const d = Math.hypot(x - cx, y - cy) || 1;
    return [x + ((x - cx) / d) * px, y + ((y - cy) / d) * px];
  });
}

// sRGB <-> CIE Lab (D65). Inputs and outputs are 0..255 RGB floats.
// Linear -> sRGB through a LUT on sqrt(c): the curve is steep near 0, sqrt spreads those entries.
const GAMMA_N = 8192;
const GAM = new Float32Array(GAMMA_N + 2);
for (let i = 0; i <= GAMMA_N + 1; i++) {
  const c = Math.min(1, (i / GAMMA_N) ** 2);
  GAM[i] = 255 * (c <= 0.0031308 ? 12.92 * c : 1.055 * Math.pow(c, 1 / 2.4) - 0.055);
}
function fromLinear(c: number): number {
  if (!(c > 0)) return 0;
  if (c >= 1) return 255;
  const t = Math.sqrt(c) * GAMMA_N;
  const i = Math.floor(t);
  return GAM[i] + (GAM[i + 1] - GAM[i]) * (t - i);
}
const XN = 0.95047;
const ZN = 1.08883;
const fLab = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
const fInv = (t: number) => (t > 0.206893 ? t * t * t : (t - 16 / 116) / 7.787);
// fLab through a LUT over 0..F_MAX (linear taps; error < 1e-5 L units): Math.cbrt per channel was
// a third of the conversion.
const F_N = 16384;
const F_MAX = 1.25;
const F_LUT = new Float32Array(F_N + 2);
for (let i = 0; i <= F_N + 1; i++) F_LUT[i] = fLab((i / F_N) * F_MAX);
function fLabFast(t: number): number {
  const u = (t * F_N) / F_MAX;
  if (!(u > 0)) return 16 / 116 + 7.787 * t;
  if (u >= F_N) return Math.cbrt(t);
  const i = u | 0;
  return F_LUT[i] + (F_LUT[i + 1] - F_LUT[i]) * (u - i);
}

// sRGB → XYZ contributions of each 8-bit channel value, one table per (channel, axis): a pixel's
// X, Y, Z are three sums of table reads. Inputs are rounded to whole levels first — the same
// levels the result is stored in.
const XYZ8 = (() => {
  const m = [
    [0.4124564 / XN, 0.3575761 / XN, 0.1804375 / XN],
    [0.2126729, 0.7151522, 0.072175],
    [0.0193339 / ZN, 0.119192 / ZN, 0.9503041 / ZN],
  ];
  const t = new Float32Array(9 * 256);
  for (let v = 0; v < 256; v++) {
    const c = v / 255;
    const lin = c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    for (let axis = 0; axis < 3; axis++) for (let ch = 0; ch < 3; ch++) t[(axis * 3 + ch) * 256 + v] = m[axis][ch] * lin;
  }
  return t;
})();

/** Interleaved RGB (0..255) to three planes L, a, b (only where `only` is set, when given; 0 elsewhere), into `out` when given. */
export function rgbToLab(rgb: Float32Array, n: number, only?: Uint8Array, out?: [Float32Array, Float32Array, Float32Array]): [Float32Array, Float32Array, Float32Array] {
  const [L, A, B] = out ?? [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  // Kernels with and without `only`: one loop testing an `only` that is sometimes undefined was
  // optimised for one case and deoptimised by the other.
  if (only) rgbToLabOnly(rgb, n, only, L, A, B);
  else rgbToLabAll(rgb, n, L, A, B);
  return [L, A, B];
}

function rgbToLabAll(rgb: Float32Array, n: number, L: Float32Array, A: Float32Array, B: Float32Array): void {
  for (let i = 0; i < n; i++) labOfPixel(rgb, i, L, A, B);
}

function rgbToLabOnly(rgb: Float32Array, n: number, only: Uint8Array, L: Float32Array, A: Float32Array, B: Float32Array): void {
  for (let i = 0; i < n; i++) {
    if (!only[i]) {
      L[i] = A[i] = B[i] = 0;
      continue;
    }
    labOfPixel(rgb, i, L, A, B);
  }
}

function labOfPixel(rgb: Float32Array, i: number, L: Float32Array, A: Float32Array, B: Float32Array): void {
  const T = XYZ8;
  const r = level(rgb[i * 3]);
  const g = 256 + level(rgb[i * 3 + 1]);
  const b = 512 + level(rgb[i * 3 + 2]);
  const fx = fLabFast(T[r] + T[g] + T[b]);
  const fy = fLabFast(T[768 + r] + T[768 + g] + T[768 + b]);
  const fz = fLabFast(T[1536 + r] + T[1536 + g] + T[1536 + b]);
  L[i] = 116 * fy - 16;
  A[i] = 500 * (fx - fy);
  B[i] = 200 * (fy - fz);
}

/** A 0..255 float to its nearest whole level. */
function level(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : (v + 0.5) | 0;
}

/** Three planes L, a, b back to interleaved RGB (0..255, clamped). */
export function labToRgb(L: Float32Array, A: Float32Array, B: Float32Array, out: Float32Array, only?: Uint8Array): Float32Array {
  // As rgbToLab: a kernel with and one without `only`.
  if (only) labToRgbOnly(L, A, B, out, only);
  else labToRgbAll(L, A, B, out);
  return out;
}

function labToRgbAll(L: Float32Array, A: Float32Array, B: Float32Array, out: Float32Array): void {
  for (let i = 0; i < L.length; i++) rgbOfLab(L, A, B, out, i);
}

function labToRgbOnly(L: Float32Array, A: Float32Array, B: Float32Array, out: Float32Array, only: Uint8Array): void {
  for (let i = 0; i < L.length; i++) if (only[i]) rgbOfLab(L, A, B, out, i);
}

function rgbOfLab(L: Float32Array, A: Float32Array, B: Float32Array, out: Float32Array, i: number): void {
  const fy = (L[i] + 16) / 116;
  const x = XN * fInv(fy + A[i] / 500);
  const y = fInv(fy);
  const z = ZN * fInv(fy - B[i] / 200);
  out[i * 3] = fromLinear(3.2404542 * x - 1.5371385 * y - 0.4985314 * z);
  out[i * 3 + 1] = fromLinear(-0.969266 * x + 1.8760108 * y + 0.041556 * z);
  out[i * 3 + 2] = fromLinear(0.0556434 * x - 0.2040259 * y + 1.0572252 * z);
}

/** Bilinear taps from cell centres along one axis: for each of n pixels, its two cells and the weight of the second. */
export function bilinearTaps(n: number, cells: number, k: number): { i0: Int32Array; i1: Int32Array; t: Float64Array } {
  const i0 = new Int32Array(n);
  const i1 = new Int32Array(n);
  const t = new Float64Array(n);
  for (let x = 0; x < n; x++) {
    const g = Math.min(cells - 1, Math.max(0, (x + 0.5) / k - 0.5));
    i0[x] = Math.floor(g);
    i1[x] = Math.min(cells - 1, i0[x] + 1);
    t[x] = g - i0[x];
  }
  return { i0, i1, t };
}

/** selectKth()'s partition ends (one thread runs it at a time). */
const IJ = new Int32Array(2);

/**
 * The k-th smallest value of `a` (0-based), as `a.sort()[k]` would give, in linear expected time
 * (Hoare's selection): medians of a few hundred thousand samples were sorted whole. Reorders `a`.
 */
export function selectKth(a: Float32Array | Float64Array, k: number): number {
  // One kernel per array kind: a loop that saw both was deoptimised ("wrong map") and compiled again.
  return a instanceof Float32Array ? selectKth32(a, k) : selectKth64(a, k);
}

function selectKth32(a: Float32Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    // Median of three as the pivot: sorted or constant runs stay linear.
    const mid = (lo + hi) >> 1;
    partition32(a, lo, hi, median3(a[lo]!, a[mid]!, a[hi]!), IJ);
    const i = IJ[0]!, j = IJ[1]!;
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

/** Hoare's partition of a[lo..hi] around p: its final i, j into ij (stored as it goes, so that no code after the loop lacks type feedback when the loop is optimised mid-way). */
function partition32(a: Float32Array, lo: number, hi: number, p: number, ij: Int32Array): void {
  let i = lo;
  let j = hi;
  ij[0] = i;
  ij[1] = j;
  while (i <= j) {
    while (a[i]! < p) i++;
    while (a[j]! > p) j--;
    if (i <= j) {
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
      i++;
      j--;
    }
    ij[0] = i;
    ij[1] = j;
  }
}

function selectKth64(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    // Median of three as the pivot: sorted or constant runs stay linear.
    const mid = (lo + hi) >> 1;
    partition64(a, lo, hi, median3(a[lo]!, a[mid]!, a[hi]!), IJ);
    const i = IJ[0]!, j = IJ[1]!;
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

/** Hoare's partition of a[lo..hi] around p: its final i, j into ij (stored as it goes, so that no code after the loop lacks type feedback when the loop is optimised mid-way). */
function partition64(a: Float64Array, lo: number, hi: number, p: number, ij: Int32Array): void {
  let i = lo;
  let j = hi;
  ij[0] = i;
  ij[1] = j;
  while (i <= j) {
    while (a[i]! < p) i++;
    while (a[j]! > p) j--;
    if (i <= j) {
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
      i++;
      j--;
    }
    ij[0] = i;
    ij[1] = j;
  }
}

function median3(a: number, b: number, c: number): number {
  return a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
}

/** Solves the small dense system A x = b (n×n, row-major; Gaussian elimination with partial pivoting); null if singular. */
export function solve(A: Float64Array, b: Float64Array, n: number): Float64Array | null {
  const M = Float64Array.from(A);
  const x = Float64Array.from(b);
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(M[r * n + col]) > Math.abs(M[piv * n + col])) piv = r;
    if (Math.abs(M[piv * n + col]) < 1e-12) return null;
    if (piv !== col) {
      for (let k = 0; k < n; k++) [M[col * n + k], M[piv * n + k]] = [M[piv * n + k], M[col * n + k]];
      [x[col], x[piv]] = [x[piv], x[col]];
    }
    for (let r = col + 1; r < n; r++) {
      const f = M[r * n + col] / M[col * n + col];
      if (!f) continue;
      for (let k = col; k < n; k++) M[r * n + k] -= f * M[col * n + k];
      x[r] -= f * x[col];
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r];
    for (let k = r + 1; k < n; k++) s -= M[r * n + k] * x[k];
    x[r] = s / M[r * n + r];
  }
  return x;
}

/** setBox()'s result: x0, y0, x1, y1 (x1 = -1: none set). */
const SET_BOX = new Int32Array(4);

/** The bounding box (inclusive ends) of a plane's set pixels; undefined when none is set. */
export function setBox(plane: ArrayLike<number>, w: number, h: number): { x0: number; y0: number; x1: number; y1: number } | undefined {
  // One kernel per plane kind (Uint8Array masks, Float32Array alphas): one loop over both was
  // deoptimised ("wrong map") and compiled again.
  const b = SET_BOX;
  if (plane instanceof Uint8Array) setBoxU8(plane, w, h, b);
  else if (plane instanceof Float32Array) setBoxF32(plane, w, h, b);
  else setBoxAny(plane, w, h, b);
  const x0 = b[0]!, y0 = b[1]!, x1 = b[2]!, y1 = b[3]!;
  return x1 < 0 ? undefined : { x0, y0, x1, y1 };
}

function setBoxU8(plane: Uint8Array, w: number, h: number, out: Int32Array): void {
  let x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0, i = y * w; x < w; x++, i++) {
      if (!plane[i]) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  out[0] = x0;
  out[1] = y0;
  out[2] = x1;
  out[3] = y1;
}

function setBoxF32(plane: Float32Array, w: number, h: number, out: Int32Array): void {
  let x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0, i = y * w; x < w; x++, i++) {
      if (!plane[i]) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  out[0] = x0;
  out[1] = y0;
  out[2] = x1;
  out[3] = y1;
}

function setBoxAny(plane: ArrayLike<number>, w: number, h: number, out: Int32Array): void {
  let x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0, i = y * w; x < w; x++, i++) {
      if (!plane[i]) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  out[0] = x0;
  out[1] = y0;
  out[2] = x1;
  out[3] = y1;
}


/**
 * Min and max of `v` (row length w) over the (2r+1)² box around each pixel of [x0, x1] × [y0, y1]
 * (inclusive), the box clipped to [cx0, cx1] × [cy0, cy1], separably: into `lo` and `hi`, through
 * the row pass's planes `rlo` and `rhi`; other pixels are left as they are. Each pass is van Herk /
 * Gil-Werman's: a few comparisons a pixel whatever r (a window of 2r + 1 compared pixel by pixel
 * cost ≈ 50 ms a 1 MP swap at r = 6).
 */
export function localMinMax(v: Float32Array, w: number, r: number, x0: number, y0: number, x1: number, y1: number, cx0: number, cy0: number, cx1: number, cy1: number, lo: Float32Array, hi: Float32Array, rlo: Float32Array, rhi: Float32Array): void {
  const len = Math.max(cx1 - cx0, cy1 - cy0) + 1 + 2 * r;
  const t = [scratch.f32Dirty('minmax.gLo', len), scratch.f32Dirty('minmax.hLo', len), scratch.f32Dirty('minmax.gHi', len), scratch.f32Dirty('minmax.hHi', len)] as const;
  for (let y = cy0; y <= cy1; y++) {
    const row = y * w;
    windowMinMax(v, v, row + cx0, 1, cx1 - cx0 + 1, r, x0 - cx0, x1 - cx0, rlo, rhi, row + cx0, 1, t);
  }
  for (let x = x0; x <= x1; x++) windowMinMax(rlo, rhi, cy0 * w + x, w, cy1 - cy0 + 1, r, y0 - cy0, y1 - cy0, lo, hi, cy0 * w + x, w, t);
}

/**
 * Along one line of n samples (a[off + k·stride], k < n; the min read from `a`, the max from `b`),
 * the min and max over [k − r, k + r] ∩ [0, n), for k in [k0, k1], written at out·[outOff + k·stride].
 * The line is padded with r samples of ±∞ each side and cut into blocks of 2r + 1: a window is the
 * suffix of one block and the prefix of the next (van Herk / Gil-Werman).
 */
function windowMinMax(a: Float32Array, b: Float32Array, off: number, stride: number, n: number, r: number, k0: number, k1: number, outLo: Float32Array, outHi: Float32Array, outOff: number, outStride: number, t: readonly [Float32Array, Float32Array, Float32Array, Float32Array]): void {
  const [gLo, hLo, gHi, hHi] = t;
  const size = 2 * r + 1, m = n + 2 * r;
  // Prefix min/max within each block (g), over padded index j = k + r.
  for (let j = 0; j < m; j++) {
    const k = j - r;
    const inside = k >= 0 && k < n;
    const lv = inside ? a[off + k * stride] : Infinity, hv = inside ? b[off + k * stride] : -Infinity;
    if (j % size === 0) {
      gLo[j] = lv;
      gHi[j] = hv;
    } else {
      gLo[j] = lv < gLo[j - 1] ? lv : gLo[j - 1];
      gHi[j] = hv > gHi[j - 1] ? hv : gHi[j - 1];
    }
  }
  // Suffix min/max within each block (h).
  for (let j = m - 1; j >= 0; j--) {
    const k = j - r;
    const inside = k >= 0 && k < n;
    const lv = inside ? a[off + k * stride] : Infinity, hv = inside ? b[off + k * stride] : -Infinity;
    if (j === m - 1 || (j + 1) % size === 0) {
      hLo[j] = lv;
      hHi[j] = hv;
    } else {
      hLo[j] = lv < hLo[j + 1] ? lv : hLo[j + 1];
      hHi[j] = hv > hHi[j + 1] ? hv : hHi[j + 1];
    }
  }
  // The window of sample k is padded [k, k + 2r].
  for (let k = k0; k <= k1; k++) {
    const e = k + size - 1;
    const o = outOff + k * outStride;
    outLo[o] = hLo[k] < gLo[e] ? hLo[k] : gLo[e];
    outHi[o] = hHi[k] > gHi[e] ? hHi[k] : gHi[e];
  }
}
