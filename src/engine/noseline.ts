// The nose's outline (ColourOptions.noseLine): a crisp source (a retouched, sharpened or shiny studio
// photo) draws the lower contour of its nose — round the tip, the alae and into the nostrils — as a
// thin dark line, one to three pixels wide and far darker than the skin either side. Under its own
// flat light that line is the nose's only contour; on a template whose nose is shaped by soft side
// light and broad shadows it reads as a hard drawn outline round a flat cut-out nose. The colour
// match carries it as a ratio of the source's own light (it is finer than every field of the
// match), and the texture stage's band gains steepen it further.
//
// Here, over the lower nose only (the hull of the tip, alae and nose base, grown a little,
// feathered), thin dark structure is measured on each face the same way: the log (L + 16) of a
// grey-level closing (a max then a min filter over a square of `noseLineRadius` face widths) over
// the pixel's own, which is zero on skin and on dark areas wider than the square (a nostril
// opening, a shadow), and large only on dark lines and pits narrower than it. The template's
// depth of such lines at its own lower nose (a high quantile) is what the source's may keep (at least `noseLineFloor`), times
// `noseLineTolerance`; the source's excess over that is lifted by `noseLine` (a and b by the
// square root of L + 16's ratio: the full ratio turned the lifted line red, none left it grey). The
// nostril openings are left out. The nose keeps its shape and its openings; only its outline
// is no deeper than the template's own.
import type { Roi } from './warp.ts';
import { convexHull, fillPolygon, gaussBlur, growPolygon, localMinMax } from './raster.ts';
import { LIPS_OUTER, NOSTRIL_LEFT, NOSTRIL_RIGHT, pick } from './regions.ts';
import { NOSE_BASE } from './nostrils.ts';

/** The lower nose: the nose base (nostrils, alar base, subnasale), the tip and the alae. */
export const NOSE_LOWER = [...NOSE_BASE, 1, 4, 5, 45, 275, 129, 358, 48, 278, 49, 279, 102, 331, 219, 439];
// The region (edited and measured) is the lower nose's hull grown by GROW face widths; the edit's
// edge blurred over SOFT; the lips (grown by LIPS_KEEP) are left out of both.
const GROW = 0.02;
const SOFT = 0.01;
const LIPS_KEEP = 0.005;
// … and the nostril openings' hulls grown by NOSTRIL_GROW (their depth is the nose's, not a drawn line).
const NOSTRIL_GROW = 0.004;
// The template's allowance: this quantile of its line depth over its lower nose.
const REF_Q = 0.97;
// σ (pixels) of the smoothing of the lift's log ratio.
const LIFT_SOFT = 0;

export interface NoseLineOptions {
  /** 0..1: share of the source's excess line depth lifted; 0 = off (nothing read or written). */
  strength: number;
  /** Half-side of the closing's square, face widths (lines narrower than twice it count). */
  radius: number;
  /** Multiple of the template's line depth the source keeps. */
  tolerance: number;
  /** Line depth (log of L + 16) the source always keeps, whatever the template's. */
  floor: number;
}

/** Line depth (log of the closing's L + 16 over the pixel's) over the box, from ROI plane L. */
function lineDepth(L: Float32Array, w: number, x0: number, y0: number, bw: number, bh: number, r: number): Float32Array {
  const v = new Float32Array(bw * bh);
  for (let y = 0; y < bh; y++) logRow(L, v, (y0 + y) * w + x0, y * bw, bw);
  const n = bw * bh;
  const close = new Float32Array(n), hi = new Float32Array(n), rlo = new Float32Array(n), rhi = new Float32Array(n);
  // The grey-level closing: the (2r+1)² max, then the min of that (the pass's other half unused).
  localMinMax(v, bw, r, 0, 0, bw - 1, bh - 1, 0, 0, bw - 1, bh - 1, close, hi, rlo, rhi);
  localMinMax(hi, bw, r, 0, 0, bw - 1, bh - 1, 0, 0, bw - 1, bh - 1, close, hi, rlo, rhi);
  for (let j = 0; j < n; j++) close[j] -= v[j];
  return close;
}

function logRow(L: Float32Array, v: Float32Array, i: number, j: number, n: number): void {
  for (let x = 0; x < n; x++) v[j + x] = Math.log(Math.max(0.5, L[i + x] + 16));
}

/** The value at quantile p of the depths where `m` > 0.5 and covered (0 when too few). */
function depthQuantile(d: Float32Array, m: Float32Array, cover: Uint8Array, bw: number, bh: number, w: number, x0: number, y0: number, p: number): number {
  const v: number[] = [];
  for (let y = 0; y < bh; y++) for (let x = 0; x < bw; x++) {
    const j = y * bw + x;
    if (m[j] > 0.5 && cover[(y0 + y) * w + x0 + x]) v.push(d[j]);
  }
  if (v.length < 32) return -1;
  v.sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.floor(p * (v.length - 1)))];
}

/**
 * ColourOptions.noseLine, on the matched source's Lab planes (ROI-local, in place), against the
 * template's: `dst` is where the source's mesh lies in the template (image pixels), `tMesh` the
 * template's own. Touches only covered pixels of the feathered lower-nose region.
 */
export function matchNoseLine(
  sLab: [Float32Array, Float32Array, Float32Array],
  tLab: [Float32Array, Float32Array, Float32Array],
  cover: Uint8Array,
  roi: Roi,
  dst: ArrayLike<number>[],
  tMesh: ArrayLike<number>[],
  faceW: number,
  opts: NoseLineOptions,
): void {
  const st = Math.min(1, opts.strength);
  if (!(st > 0)) return;
  const w = roi.w;
  const h = roi.h;
  const r = Math.max(1, Math.round(opts.radius * faceW));
  const local = (mesh: ArrayLike<number>[], ids: number[]) => pick(mesh, ids).map(([x, y]) => [x - roi.x0, y - roi.y0] as [number, number]);
  const regS = growPolygon(convexHull(local(dst, NOSE_LOWER)), GROW * faceW);
  const regT = growPolygon(convexHull(local(tMesh, NOSE_LOWER)), GROW * faceW);
  const soft = Math.max(1, SOFT * faceW);
  const all = [...regS, ...regT];
  const pad = Math.ceil(3 * soft) + r + 2;
  const x0 = Math.max(0, Math.floor(Math.min(...all.map((p) => p[0]))) - pad);
  const y0 = Math.max(0, Math.floor(Math.min(...all.map((p) => p[1]))) - pad);
  const x1 = Math.min(w, Math.ceil(Math.max(...all.map((p) => p[0]))) + pad);
  const y1 = Math.min(h, Math.ceil(Math.max(...all.map((p) => p[1]))) + pad);
  const bw = x1 - x0;
  const bh = y1 - y0;
  if (bw < 4 * r + 4 || bh < 4 * r + 4) return;
  const box = (poly: [number, number][]) => poly.map(([x, y]) => [x - x0, y - y0] as [number, number]);
  const plane = (poly: [number, number][], lipsOf: ArrayLike<number>[]) => {
    const m = new Float32Array(bw * bh);
    fillPolygon(m, bw, bh, box(poly), 1);
    fillPolygon(m, bw, bh, box(growPolygon(local(lipsOf, LIPS_OUTER), LIPS_KEEP * faceW)), 0);
    for (const ids of [NOSTRIL_RIGHT, NOSTRIL_LEFT]) fillPolygon(m, bw, bh, box(growPolygon(convexHull(local(lipsOf, ids)), NOSTRIL_GROW * faceW)), 0);
    return m;
  };
  const ms = plane(regS, dst);
  const mt = plane(regT, tMesh);
  const dS = lineDepth(sLab[0], w, x0, y0, bw, bh, r);
  const dT = lineDepth(tLab[0], w, x0, y0, bw, bh, r);
  const qT = depthQuantile(dT, mt, cover, bw, bh, w, x0, y0, REF_Q);
  if (!(qT >= 0)) return;
  const allow = Math.max(Math.max(0, opts.floor), qT * Math.max(0, opts.tolerance));
  const wgt = gaussBlur(ms, bw, bh, soft);
  const lift = new Float32Array(bw * bh);
  for (let j = 0; j < bw * bh; j++) lift[j] = dS[j] > allow ? st * Math.min(1, wgt[j]) * (dS[j] - allow) : 0;
  const ls = gaussBlur(lift, bw, bh, LIFT_SOFT);
  const [L, A, B] = sLab;
  for (let y = 0; y < bh; y++) liftRow(L, A, B, ls, cover, (y0 + y) * w + x0, y * bw, bw);
}

function liftRow(L: Float32Array, A: Float32Array, B: Float32Array, ls: Float32Array, cover: Uint8Array, i0: number, j0: number, n: number): void {
  for (let x = 0; x < n; x++) {
    const lr = ls[j0 + x];
    const i = i0 + x;
    if (!(lr > 1e-4) || !cover[i]) continue;
    const g = Math.exp(lr);
    L[i] = (L[i] + 16) * g - 16;
    const c = Math.sqrt(g);
    A[i] *= c;
    B[i] *= c;
  }
}
