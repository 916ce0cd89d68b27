// The nose's base (ColourOptions.nostrils): a source lit from above, or a small source whose dark
// nostril openings the warp enlarges, brings its whole nose underside — the openings, the
// columella and sills between and around them, the tip's shadow on them — as one dark patch that
// the colour match carries as a ratio of the source's own light (it is finer than every field of
// the match, and texture, blend and the match's statistics do not make it: docs/ENGINE.md, Colour).
// On a template whose nose base is lit it reads as a dark blotch at the nostrils.
//
// Here, over the nose base only (the hull of the nostrils, the alar base and the subnasale, grown a
// little, feathered), the matched source's lightness is mapped through its own darkness ranks onto
// the template's at its own nose base: a pixel at the source's p-quantile of (L + 16) relative to its
// nose-base surround takes the template's p-quantile there, only where that is lighter (less a
// tolerance: a nostril's own depth stays), by a bounded ratio. Monotone: the darkest pixels stay the
// darkest and the openings keep the source's shape; only how much of the base is dark, and how
// dark, follows the template's light. a and b scale with L + 16 (an exposure change in Lab).
import type { Roi } from './warp.ts';
import { convexHull, fillPolygon, gaussBlur, growPolygon } from './raster.ts';
import { LIPS_OUTER, NOSTRIL_LEFT, NOSTRIL_RIGHT, pick } from './regions.ts';

/** The nose base: both nostril outlines, the alar base and the subnasale. */
export const NOSE_BASE = [...NOSTRIL_RIGHT, ...NOSTRIL_LEFT, 64, 294, 98, 327, 240, 460, 2, 97, 326, 94, 19];
// The edited region is the base's hull grown by EDIT_GROW face widths, its edge blurred over
// EDIT_SOFT; the statistics are over the hull grown by STAT_GROW (the lit skin around: alae, tip's
// underside, upper lip), the lips (grown by LIPS_KEEP) left out of both.
const EDIT_GROW = 0.015;
const EDIT_SOFT = 0.012;
const STAT_GROW = 0.035;
const LIPS_KEEP = 0.005;
// Each face's reference level: this quantile of its (L + 16) over the statistics region.
const REF_Q = 0.8;
// σ of the smoothing of the lightening's log ratio, face widths.
const RATIO_SOFT = 0.008;

export interface NostrilOptions {
  /** 0..1 strength; 0 = off (nothing read or written). */
  strength: number;
  /** Bound of the lightening ratio of L + 16. */
  max: number;
  /** The first this much (a ratio) of the source's extra darkness stays. */
  tolerance: number;
}

/** Sorted (L + 16) of the covered pixels of `m` (> 0.5), and the covered count. */
function sortedLevels(L: Float32Array, m: Float32Array, cover: Uint8Array, bw: number, bh: number, w: number, x0: number, y0: number): Float32Array {
  const v: number[] = [];
  for (let y = 0; y < bh; y++) for (let x = 0; x < bw; x++) {
    const j = y * bw + x;
    const i = (y0 + y) * w + x0 + x;
    if (m[j] > 0.5 && cover[i]) v.push(L[i] + 16);
  }
  return Float32Array.from(v).sort();
}

/** The value at quantile p (0..1) of sorted `s`, linear between ranks. */
function quantile(s: Float32Array, p: number): number {
  const f = Math.min(s.length - 1, Math.max(0, p * (s.length - 1)));
  const i = Math.floor(f);
  const t = f - i;
  return i + 1 < s.length ? s[i] * (1 - t) + s[i + 1] * t : s[i];
}

/** Rank (0..1) of v in sorted `s` (binary search, linear between ranks). */
function rankOf(s: Float32Array, v: number): number {
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (s[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  if (lo <= 0) return 0;
  if (lo >= s.length) return 1;
  const a = s[lo - 1];
  const b = s[lo];
  const t = b > a ? (v - a) / (b - a) : 0;
  return (lo - 1 + t) / (s.length - 1);
}

/**
 * ColourOptions.nostrils, on the matched source's Lab planes (ROI-local, in place), against the
 * template's: `dst` is where the source's mesh lies in the template (image pixels), `tMesh` the
 * template's own. Touches only covered pixels of the feathered nose-base region.
 */
export function matchNostrils(
  sLab: [Float32Array, Float32Array, Float32Array],
  tLab: [Float32Array, Float32Array, Float32Array],
  cover: Uint8Array,
  roi: Roi,
  dst: ArrayLike<number>[],
  tMesh: ArrayLike<number>[],
  faceW: number,
  opts: NostrilOptions,
): void {
  const st = Math.min(1, opts.strength);
  if (!(st > 0)) return;
  const w = roi.w;
  const h = roi.h;
  const local = (mesh: ArrayLike<number>[], ids: number[]) => pick(mesh, ids).map(([x, y]) => [x - roi.x0, y - roi.y0] as [number, number]);
  const hullS = convexHull(local(dst, NOSE_BASE));
  const hullT = convexHull(local(tMesh, NOSE_BASE));
  const statS = growPolygon(hullS, STAT_GROW * faceW);
  const statT = growPolygon(hullT, STAT_GROW * faceW);
  const soft = Math.max(1, EDIT_SOFT * faceW);
  // One box holding both faces' statistics regions and the edit's feather.
  const all = [...statS, ...statT];
  const pad = Math.ceil(3 * soft) + 2;
  const x0 = Math.max(0, Math.floor(Math.min(...all.map((p) => p[0]))) - pad);
  const y0 = Math.max(0, Math.floor(Math.min(...all.map((p) => p[1]))) - pad);
  const x1 = Math.min(w, Math.ceil(Math.max(...all.map((p) => p[0]))) + pad);
  const y1 = Math.min(h, Math.ceil(Math.max(...all.map((p) => p[1]))) + pad);
  const bw = x1 - x0;
  const bh = y1 - y0;
  if (bw < 4 || bh < 4) return;
  const box = (poly: [number, number][]) => poly.map(([x, y]) => [x - x0, y - y0] as [number, number]);
  const plane = (poly: [number, number][], lipsOf: ArrayLike<number>[]) => {
    const m = new Float32Array(bw * bh);
    fillPolygon(m, bw, bh, box(poly), 1);
    fillPolygon(m, bw, bh, box(growPolygon(local(lipsOf, LIPS_OUTER), LIPS_KEEP * faceW)), 0);
    return m;
  };
  const ms = plane(statS, dst);
  const mt = plane(statT, tMesh);
  const sv = sortedLevels(sLab[0], ms, cover, bw, bh, w, x0, y0);
  const tv = sortedLevels(tLab[0], mt, cover, bw, bh, w, x0, y0);
  if (sv.length < 32 || tv.length < 32) return;
  const refS = quantile(sv, REF_Q);
  const refT = quantile(tv, REF_Q);
  if (!(refS > 1 && refT > 1)) return;
  const edit = plane(growPolygon(hullS, EDIT_GROW * faceW), dst);
  const wgt = gaussBlur(edit, bw, bh, soft);
  const [L, A, B] = sLab;
  const tol = Math.max(1, opts.tolerance);
  const max = Math.max(1, opts.max);
  // Per pixel the log ratio that takes it to the template's level at its rank (0 where none is
  // wanted), then smoothed over RATIO_SOFT: a per-pixel tone curve would stretch the source's dark
  // tones and with them its noise and JPEG blocks; a smooth gain keeps its detail as it is.
  const lr = new Float32Array(bw * bh);
  const lw = new Float32Array(bw * bh);
  for (let y = 0; y < bh; y++) for (let x = 0; x < bw; x++) {
    const j = y * bw + x;
    const i = (y0 + y) * w + x0 + x;
    if (!(ms[j] > 0.5) || !cover[i]) continue;
    const v = L[i] + 16;
    if (!(v > 0.5)) continue;
    const want = (quantile(tv, rankOf(sv, v)) / refT) * refS;
    lr[j] = want > tol * v ? Math.log(Math.min(max, want / (tol * v))) : 0;
    lw[j] = 1;
  }
  const rs = Math.max(0.7, RATIO_SOFT * faceW);
  const num = gaussBlur(lr, bw, bh, rs);
  const den = gaussBlur(lw, bw, bh, rs);
  for (let y = 0; y < bh; y++) for (let x = 0; x < bw; x++) {
    const j = y * bw + x;
    const g = st * Math.min(1, wgt[j]);
    const i = (y0 + y) * w + x0 + x;
    if (!(g > 0.002) || !cover[i] || !(den[j] > 0.05)) continue;
    const r = Math.exp((g * num[j]) / den[j]);
    if (!(r > 1)) continue;
    L[i] = (L[i] + 16) * r - 16;
    A[i] *= r;
    B[i] *= r;
  }
}
