// Styling: a portrait template's make-up is part of its look. With style 'template' (the default)
// the user's lips take the template's lip colour (and, with `eyes` > 0, the eyelids its eye-shadow
// colour; off by default: it tinted eyes more often than it matched make-up), over the user's own
// shapes and texture; with 'source' the user's own make-up stays.
// Only means move (Lab, per region, feathered), so the features' detail, and identity, are the user's.
import { boxBlur, fillPolygon, growPolygon } from './raster.ts';
import { EYE_LEFT, EYE_RIGHT, LIPS_INNER, LIPS_OUTER, pick } from './regions.ts';
import type { Roi } from './warp.ts';

export type Style = 'template' | 'source';

export interface StyleOptions {
  style: Style;
  /** 0..1: how far the lips' mean colour moves to the template's. */
  lips: number;
  /** 0..1: the same for the eyelids (eye-shadow). */
  eyes: number;
}

export const DEFAULT_STYLE: StyleOptions = { style: 'template', lips: 0.85, eyes: 0 };

type Lab = [Float32Array, Float32Array, Float32Array];
type Pt = [number, number];

interface Region {
  /** Window in the ROI and its soft weights. */
  x0: number;
  y0: number;
  w: number;
  h: number;
  m: Float32Array;
}

/** A soft region: the polygon (minus `hole`), feathered by `r` pixels, on its own small window. */
function region(w: number, h: number, poly: Pt[], hole: Pt[] | undefined, r: number): Region {
  const rr = Math.max(1, Math.round(r));
  const xs = poly.map((p) => p[0]), ys = poly.map((p) => p[1]);
  const x0 = Math.max(0, Math.floor(Math.min(...xs)) - 2 * rr - 2), x1 = Math.min(w - 1, Math.ceil(Math.max(...xs)) + 2 * rr + 2);
  const y0 = Math.max(0, Math.floor(Math.min(...ys)) - 2 * rr - 2), y1 = Math.min(h - 1, Math.ceil(Math.max(...ys)) + 2 * rr + 2);
  const rw = Math.max(1, x1 - x0 + 1), rh = Math.max(1, y1 - y0 + 1);
  const shift = (pts: Pt[]) => pts.map(([x, y]) => [x - x0, y - y0] as Pt);
  const m = new Float32Array(rw * rh);
  fillPolygon(m, rw, rh, shift(poly), 1);
  if (hole) fillPolygon(m, rw, rh, shift(hole), 0);
  return { x0, y0, w: rw, h: rh, m: boxBlur(m, rw, rh, rr) };
}

/** Weighted means of the three planes over a region. */
function means(lab: Lab, cover: Uint8Array, w: number, r: Region): { mean: number[]; weight: number } {
  const mean = [0, 0, 0];
  let weight = 0;
  for (let y = 0; y < r.h; y++) {
    for (let x = 0; x < r.w; x++) {
      const k = r.m[y * r.w + x];
      const i = (r.y0 + y) * w + r.x0 + x;
      if (!(k > 0) || !cover[i]) continue;
      weight += k;
      for (let c = 0; c < 3; c++) mean[c] += k * lab[c][i];
    }
  }
  return { mean: mean.map((v) => (weight ? v / weight : 0)), weight };
}

/** The upper eyelid: the eye's contour lifted toward the brow, less the eye opening itself. */
function eyelid(mesh: ArrayLike<number>[], eye: number[], lift: number, x0: number, y0: number): { lid: Pt[]; eye: Pt[] } {
  const pts = pick(mesh, eye).map(([x, y]) => [x - x0, y - y0] as Pt);
  const cy = pts.reduce((s, p) => s + p[1], 0) / pts.length;
  // Points above the eye's centre line are moved up by `lift`: a band over the upper lid.
  const lid = pts.map(([x, y]) => [x, y < cy ? y - lift : y] as Pt);
  return { lid, eye: pts };
}

/**
 * In place on the source's Lab planes over the ROI (already colour-matched to the template).
 * `dst` is where the source's features lie in the template (the warp's destination mesh),
 * `tMesh` the template's own mesh.
 */
export function applyStyle(src: Lab, tgt: Lab, cover: Uint8Array, roi: Roi, dst: ArrayLike<number>[], tMesh: ArrayLike<number>[], faceW: number, opts: StyleOptions = DEFAULT_STYLE): void {
  if (opts.style !== 'template') return;
  const { w, h, x0, y0 } = roi;
  const local = (m: ArrayLike<number>[], ids: number[]) => pick(m, ids).map(([x, y]) => [x - x0, y - y0] as Pt);
  const jobs: { s: Region; t: Region; amount: number }[] = [];
  if (opts.lips > 0) {
    jobs.push({
      s: region(w, h, local(dst, LIPS_OUTER), local(dst, LIPS_INNER), 0.01 * faceW),
      t: region(w, h, growPolygon(local(tMesh, LIPS_OUTER), -0.01 * faceW), local(tMesh, LIPS_INNER), 0.005 * faceW),
      amount: opts.lips,
    });
  }
  if (opts.eyes > 0) {
    const lift = 0.06 * faceW;
    for (const eye of [EYE_LEFT, EYE_RIGHT]) {
      const s = eyelid(dst, eye, lift, x0, y0);
      const t = eyelid(tMesh, eye, lift, x0, y0);
      jobs.push({ s: region(w, h, s.lid, s.eye, 0.02 * faceW), t: region(w, h, t.lid, t.eye, 0.01 * faceW), amount: opts.eyes });
    }
  }
  for (const job of jobs) {
    const ms = means(src, cover, w, job.s);
    const mt = means(tgt, cover, w, job.t);
    if (ms.weight < 20 || mt.weight < 20) continue;
    // Lightness moves half as far: a dark lipstick onto pale lips must not read as a hole.
    const shift = [0, 1, 2].map((c) => (mt.mean[c] - ms.mean[c]) * job.amount * (c === 0 ? 0.5 : 1));
    const r = job.s;
    for (let y = 0; y < r.h; y++) {
      for (let x = 0; x < r.w; x++) {
        const k = r.m[y * r.w + x];
        const i = (r.y0 + y) * w + r.x0 + x;
        if (!(k > 0) || !cover[i]) continue;
        for (let c = 0; c < 3; c++) src[c][i] += k * shift[c];
      }
    }
  }
}
