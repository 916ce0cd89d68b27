// Styling: a portrait template's make-up is part of its look. With style 'template' (the default)
// the user's lips take the template's lip colour and the eyelids the template's eye-shadow colour,
// over the user's own lip and eye shapes and texture; with 'source' the user's own make-up stays.
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

/** A soft region: the polygon (minus `hole`), feathered by `r` pixels. */
function region(w: number, h: number, poly: Pt[], hole: Pt[] | undefined, r: number): Float32Array {
  const m = new Float32Array(w * h);
  fillPolygon(m, w, h, poly, 1);
  if (hole) fillPolygon(m, w, h, hole, 0);
  return boxBlur(m, w, h, Math.max(1, Math.round(r)));
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
  const jobs: { s: Float32Array; t: Float32Array; amount: number }[] = [];
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
    // Weighted means of each plane over the region, in the source and in the template.
    const ms = [0, 0, 0], mt = [0, 0, 0];
    let ws = 0, wt = 0;
    for (let i = 0; i < w * h; i++) {
      if (!cover[i]) continue;
      const a = job.s[i], b = job.t[i];
      ws += a;
      wt += b;
      for (let c = 0; c < 3; c++) {
        ms[c] += a * src[c][i];
        mt[c] += b * tgt[c][i];
      }
    }
    if (ws < 20 || wt < 20) continue;
    // Lightness moves half as far: a dark lipstick onto pale lips must not read as a hole.
    const shift = [0, 1, 2].map((c) => (mt[c] / wt - ms[c] / ws) * job.amount * (c === 0 ? 0.5 : 1));
    for (let i = 0; i < w * h; i++) {
      const k = job.s[i];
      if (!(k > 0) || !cover[i]) continue;
      for (let c = 0; c < 3; c++) src[c][i] += k * shift[c];
    }
  }
}
