// Dense piecewise-affine warp over the mesh triangulation: every destination pixel inside a
// triangle samples the source through that triangle's inverse affine map (bilinear).
import type { RgbImage } from './image.ts';

export interface Roi {
  x0: number;
  y0: number;
  w: number;
  h: number;
}

export interface Warped {
  /** Interleaved RGB floats over the ROI. */
  rgb: Float32Array;
  /** 1 where some triangle covered the pixel. */
  cover: Uint8Array;
  /** Per pixel: how much its triangle was enlarged, relative to the median triangle (1 = typical). */
  stretch: Float32Array;
}

/**
 * Warps `src` so that srcPts land on dstPts (both image pixels; dst in the output frame).
 * `tris` is a flat list of index triples into the point arrays.
 */
export function warpTriangles(src: RgbImage, srcPts: ArrayLike<number>[], dstPts: ArrayLike<number>[], tris: ArrayLike<number>, roi: Roi, into?: Warped): Warped {
  const { w, h, x0, y0 } = roi;
  // `into`: zeroed planes of the ROI's size to write into.
  const rgb = into?.rgb ?? new Float32Array(w * h * 3);
  const cover = into?.cover ?? new Uint8Array(w * h);
  const stretch = into?.stretch ?? new Float32Array(w * h);
  // Area ratio dst/src per triangle, normalised by the median: a turned source face shows its far
  // side foreshortened, and those triangles get stretched (smeared) in a frontal template.
  const ratios: number[] = [];
  const area = (p: ArrayLike<number>, q: ArrayLike<number>, r: ArrayLike<number>) => Math.abs((q[0] - p[0]) * (r[1] - p[1]) - (r[0] - p[0]) * (q[1] - p[1]));
  for (let t = 0; t + 2 < tris.length; t += 3) {
    const sa = area(srcPts[tris[t]], srcPts[tris[t + 1]], srcPts[tris[t + 2]]);
    const da = area(dstPts[tris[t]], dstPts[tris[t + 1]], dstPts[tris[t + 2]]);
    ratios.push(da / Math.max(sa, 1e-3));
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  const med = sorted[sorted.length >> 1] || 1;
  const sw = src.width;
  const sh = src.height;
  const sd = src.data;
  for (let t = 0; t + 2 < tris.length; t += 3) {
    const a = dstPts[tris[t]];
    const b = dstPts[tris[t + 1]];
    const c = dstPts[tris[t + 2]];
    const ax = a[0] - x0, ay = a[1] - y0, bx = b[0] - x0, by = b[1] - y0, cx = c[0] - x0, cy = c[1] - y0;
    const det = (bx - ax) * (cy - ay) - (cx - ax) * (by - ay);
    if (Math.abs(det) < 1e-6) continue;
    const sa = srcPts[tris[t]];
    const sb = srcPts[tris[t + 1]];
    const sc = srcPts[tris[t + 2]];
    const st = ratios[t / 3] / med;
    warpTriangle(sd, sw, sh, rgb, cover, stretch, w, h, ax, ay, bx, by, cx, cy, det, sa[0], sa[1], sb[0], sb[1], sc[0], sc[1], st);
  }
  return { rgb, cover, stretch };
}

/**
 * One triangle of warpTriangles(): dst corners (ax, ay)…(cx, cy) in the ROI, det their determinant,
 * source corners sa, sb, sc. Its own function, called once a triangle, so that V8 compiles it once
 * with complete feedback: as the body of the triangle loop it was optimised mid-loop (OSR) and
 * deoptimised on the branches the first triangles had not taken.
 */
function warpTriangle(
  sd: Uint8Array, sw: number, sh: number, rgb: Float32Array, cover: Uint8Array, stretch: Float32Array, w: number, h: number,
  ax: number, ay: number, bx: number, by: number, cx: number, cy: number, det: number,
  sa0: number, sa1: number, sb0: number, sb1: number, sc0: number, sc1: number, st: number,
): void {
  // Barycentrics l1, l2 (and l0 = 1 − l1 − l2) and the source position are affine in the pixel
  // centre (px, py): each row's span inside the triangle is solved for, then walked with steps.
  const id = 1 / det;
  const a1 = (cy - ay) * id, b1 = -(cx - ax) * id, c1 = (-ax * (cy - ay) + (cx - ax) * ay) * id;
  const a2 = -(by - ay) * id, b2 = (bx - ax) * id, c2 = (-(bx - ax) * ay + ax * (by - ay)) * id;
  const a0 = -a1 - a2, b0 = -b1 - b2, c0 = 1 - c1 - c2;
  const ux = sb0 - sa0, vx = sc0 - sa0, uy = sb1 - sa1, vy = sc1 - sa1;
  const minX = Math.max(0, Math.floor(Math.min(ax, bx, cx)));
  const maxX = Math.min(w - 1, Math.ceil(Math.max(ax, bx, cx)));
  const minY = Math.max(0, Math.floor(Math.min(ay, by, cy)));
  const maxY = Math.min(h - 1, Math.ceil(Math.max(ay, by, cy)));
  for (let y = minY; y <= maxY; y++) {
    const py = y + 0.5;
    // Pixel centres px with α·px + β ≥ EPS for each barycentric.
    let lo = minX + 0.5, hi = maxX + 0.5;
    for (let q = 0; q < 3; q++) {
      const al = q === 0 ? a0 : q === 1 ? a1 : a2;
      const be = (q === 0 ? b0 : q === 1 ? b1 : b2) * py + (q === 0 ? c0 : q === 1 ? c1 : c2);
      // Compared on every pass (not only when al is 0, which few triangles meet): a compare that
      // has never run has no type feedback, and the optimised kernel was deoptimised on it.
      const outside = be < EPS;
      if (al > 0) lo = Math.max(lo, (EPS - be) / al);
      else if (al < 0) hi = Math.min(hi, (EPS - be) / al);
      else if (outside) hi = -1; // an empty row (xe < 0 ≤ xs); -Infinity made floor() below a double and deoptimised the kernel
    }
    const xs = Math.max(minX, Math.ceil(lo - 0.5));
    const xe = Math.min(maxX, Math.floor(hi - 0.5));
    if (xs > xe) continue;
    let px = xs + 0.5;
    for (let x = xs, i = y * w + xs; x <= xe; x++, i++, px++) {
      if (cover[i]) continue;
      const l1 = a1 * px + b1 * py + c1;
      const l2 = a2 * px + b2 * py + c2;
      const sx = sa0 + l1 * ux + l2 * vx - 0.5;
      const sy = sa1 + l1 * uy + l2 * vy - 0.5;
      // Bilinear sample, clamped at the borders.
      const fx = Math.min(sw - 1, Math.max(0, sx));
      const fy = Math.min(sh - 1, Math.max(0, sy));
      const ix = Math.min(sw - 2, Math.floor(fx));
      const iy = Math.min(sh - 2, Math.floor(fy));
      const dx = fx - ix;
      const dy = fy - iy;
      const p00 = (iy * sw + ix) * 3;
      const p10 = p00 + 3;
      const p01 = p00 + sw * 3;
      const p11 = p01 + 3;
      const w00 = (1 - dx) * (1 - dy), w10 = dx * (1 - dy), w01 = (1 - dx) * dy, w11 = dx * dy;
      rgb[i * 3] = sd[p00] * w00 + sd[p10] * w10 + sd[p01] * w01 + sd[p11] * w11;
      rgb[i * 3 + 1] = sd[p00 + 1] * w00 + sd[p10 + 1] * w10 + sd[p01 + 1] * w01 + sd[p11 + 1] * w11;
      rgb[i * 3 + 2] = sd[p00 + 2] * w00 + sd[p10 + 2] * w10 + sd[p01 + 2] * w01 + sd[p11 + 2] * w11;
      cover[i] = 1;
      stretch[i] = st;
    }
  }
}

/** Tolerance of the inside test: neighbouring triangles overlap a hair, so no pixel on a shared edge is missed. */
const EPS = -1e-4;

/** Bounding box of the points, padded and clamped to the image. */
export function roiAround(pts: ArrayLike<number>[], width: number, height: number, pad: number): Roi {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const p of pts) {
    minX = Math.min(minX, p[0]);
    minY = Math.min(minY, p[1]);
    maxX = Math.max(maxX, p[0]);
    maxY = Math.max(maxY, p[1]);
  }
  const x0 = Math.max(0, Math.floor(minX - pad));
  const y0 = Math.max(0, Math.floor(minY - pad));
  const x1 = Math.min(width, Math.ceil(maxX + pad));
  const y1 = Math.min(height, Math.ceil(maxY + pad));
  return { x0, y0, w: Math.max(1, x1 - x0), h: Math.max(1, y1 - y0) };
}

/** Copies an RGB image's ROI into interleaved floats. */
export function cropFloat(img: RgbImage, roi: Roi, out: Float32Array = new Float32Array(roi.w * roi.h * 3)): Float32Array {
  for (let y = 0; y < roi.h; y++) {
    const s = ((roi.y0 + y) * img.width + roi.x0) * 3;
    for (let i = 0; i < roi.w * 3; i++) out[y * roi.w * 3 + i] = img.data[s + i];
  }
  return out;
}

/** The lips' two middle rings (Human's mesh): between LIPS_OUTER and LIPS_INNER, inside the lips' body. */
export const LIPS_MID = [76, 77, 90, 180, 85, 16, 315, 404, 320, 307, 306, 408, 304, 303, 302, 11, 72, 73, 74, 184, 62, 96, 89, 179, 86, 15, 316, 403, 319, 325, 292, 407, 272, 271, 268, 12, 38, 41, 42, 183];

/**
 * Per triangle of `tris`: the affine map from srcPts onto dstPts as its singular values over the
 * median triangle's linear scale (sqrt of the median area ratio): `hi` the larger, `lo` the smaller
 * (a triangle flipped by the map gets a negative `lo`).
 */
export function triangleStretch(srcPts: ArrayLike<number>[], dstPts: ArrayLike<number>[], tris: ArrayLike<number>): { hi: Float32Array; lo: Float32Array } {
  const n = Math.floor(tris.length / 3);
  const hi = new Float32Array(n), lo = new Float32Array(n);
  const ratios: number[] = [];
  for (let t = 0; t < n; t++) {
    const a = srcPts[tris[t * 3]], b = srcPts[tris[t * 3 + 1]], c = srcPts[tris[t * 3 + 2]];
    const p = dstPts[tris[t * 3]], q = dstPts[tris[t * 3 + 1]], r = dstPts[tris[t * 3 + 2]];
    const s00 = b[0] - a[0], s01 = c[0] - a[0], s10 = b[1] - a[1], s11 = c[1] - a[1];
    const d00 = q[0] - p[0], d01 = r[0] - p[0], d10 = q[1] - p[1], d11 = r[1] - p[1];
    const sdet = s00 * s11 - s01 * s10;
    if (Math.abs(sdet) < 1e-6) continue;
    // A = D·S⁻¹
    const i00 = s11 / sdet, i01 = -s01 / sdet, i10 = -s10 / sdet, i11 = s00 / sdet;
    const A = d00 * i00 + d01 * i10, B = d00 * i01 + d01 * i11, C = d10 * i00 + d11 * i10, D = d10 * i01 + d11 * i11;
    const det = A * D - B * C;
    const fro = A * A + B * B + C * C + D * D;
    const disc = Math.sqrt(Math.max(0, fro * fro - 4 * det * det));
    const s1 = Math.sqrt((fro + disc) / 2);
    const s2 = s1 > 0 ? Math.abs(det) / s1 : 0;
    hi[t] = s1;
    lo[t] = det >= 0 ? s2 : -s2;
    ratios.push(Math.abs(det));
  }
  ratios.sort((x, y) => x - y);
  const m = Math.sqrt(ratios[ratios.length >> 1] || 1);
  for (let t = 0; t < n; t++) {
    hi[t] /= m;
    lo[t] /= m;
  }
  return { hi, lo };
}
