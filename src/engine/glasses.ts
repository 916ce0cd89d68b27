// The template's glasses: their rims cross the face, so a swap that replaces the face inside the
// features' hull cut them off where the face began (blind reviewers spot that at once). Rims are
// thin dark lines that ring both eyes; brows, lashes and wrinkles are thin and dark too, but do
// not ring the eye from below. When both eyes are ringed, the rims (and the bridge) stay the
// template's; the eyes behind the lenses are the user's.
import { boxBlur, fillPolygon, growPolygon } from './raster.ts';
import { EYE_LEFT, EYE_RIGHT, pick } from './regions.ts';

export interface GlassesOptions {
  /** Darkness below the local mean (L units) from which a thin line counts as a rim (0 = off). */
  contrast: number;
  /** Share of the angular sectors around each eye (lower half, and all) that must hold a rim. */
  coverage: number;
}

export const DEFAULT_GLASSES: GlassesOptions = { contrast: 9, coverage: 0.6 };

const SECTORS = 24;
/** The band (in eye radii: centre to corner) searched for a rim. */
const RIM_FROM = 1.45;
const RIM_TO = 2.6;

/**
 * 1 on the template's rims and bridge (ROI pixels), or undefined when the template wears no
 * glasses. `L` is the template's lightness over the ROI, `mesh` its 468 points in ROI pixels.
 */
export function glassesMask(L: Float32Array, cover: Uint8Array, w: number, h: number, mesh: ArrayLike<number>[], faceW: number, opts: GlassesOptions = DEFAULT_GLASSES): Uint8Array | undefined {
  if (!(opts.contrast > 0)) return undefined;
  const n = w * h;
  // Thin dark structure: how much darker a pixel is than its neighbourhood (a black-hat).
  const r = Math.max(2, Math.round(0.025 * faceW));
  const mean = boxBlur(L, w, h, r);
  const eyes = [EYE_LEFT, EYE_RIGHT].map((ids) => {
    const pts = pick(mesh, ids);
    const cx = pts.reduce((s, p) => s + p[0], 0) / pts.length;
    const cy = pts.reduce((s, p) => s + p[1], 0) / pts.length;
    const re = Math.max(2, ...pts.map(([x, y]) => Math.hypot(x - cx, y - cy)));
    return { pts, cx, cy, re };
  });
  const inEyes = new Uint8Array(n);
  for (const e of eyes) fillPolygon(inEyes, w, h, growPolygon(e.pts, 0.015 * faceW), 1);
  const ring = new Uint8Array(n);
  const hits = eyes.map(() => new Uint8Array(SECTORS));
  for (let k = 0; k < eyes.length; k++) {
    const { cx, cy, re } = eyes[k];
    const x0 = Math.max(0, Math.floor(cx - 2.8 * re)), x1 = Math.min(w - 1, Math.ceil(cx + 2.8 * re));
    const y0 = Math.max(0, Math.floor(cy - 2.8 * re)), y1 = Math.min(h - 1, Math.ceil(cy + 2.8 * re));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const i = y * w + x;
        if (!cover[i] || inEyes[i]) continue;
        const rho = Math.hypot(x - cx, y - cy) / re;
        // Lashes and dark circles lie within ~1.4 eye radii; a lens's rim further out.
        if (rho < RIM_FROM || rho > RIM_TO) continue;
        ring[i] = 1;
        if (mean[i] - L[i] < opts.contrast) continue;
        const a = Math.atan2(y - cy, x - cx);
        hits[k][Math.min(SECTORS - 1, Math.floor(((a + Math.PI) / (2 * Math.PI)) * SECTORS))] = 1;
      }
    }
  }
  // Sectors below the eye (image y grows down: angles 0..π) are where brows never are.
  const ringed = hits.every((hs) => {
    let all = 0, below = 0;
    for (let s = 0; s < SECTORS; s++) {
      all += hs[s];
      if (s >= SECTORS / 2) below += hs[s];
    }
    return all >= opts.coverage * SECTORS && below >= opts.coverage * (SECTORS / 2);
  });
  if (!ringed) return undefined;
  // The bridge: the band between the two rings at eye height. Glasses have one — a thin dark
  // line across most columns between the eyes; deep-set eyes with dark brows do not.
  const [a, b] = eyes[0].cx < eyes[1].cx ? [eyes[0], eyes[1]] : [eyes[1], eyes[0]];
  const bridge = (x: number, y: number) => x > a.cx && x < b.cx && Math.abs(y - (a.cy + b.cy) / 2) < 1.2 * Math.max(a.re, b.re);
  const bx0 = Math.max(0, Math.ceil(a.cx + a.re)), bx1 = Math.min(w - 1, Math.floor(b.cx - b.re));
  if (bx1 > bx0) {
    let crossed = 0;
    for (let x = bx0; x <= bx1; x++) {
      const yc = (a.cy + b.cy) / 2, span = 1.2 * Math.max(a.re, b.re);
      for (let y = Math.max(0, Math.floor(yc - span)); y <= Math.min(h - 1, Math.ceil(yc + span)); y++) {
        const i = y * w + x;
        if (cover[i] && mean[i] - L[i] >= opts.contrast) {
          crossed++;
          break;
        }
      }
    }
    if (crossed < opts.coverage * (bx1 - bx0 + 1)) return undefined;
  }
  const out = new Uint8Array(n);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (!cover[i] || inEyes[i] || !(ring[i] || bridge(x, y))) continue;
      if (mean[i] - L[i] >= 0.6 * opts.contrast) out[i] = 1;
    }
  }
  // Close the rims' antialiased edges.
  const grown = boxBlur(Float32Array.from(out), w, h, 1);
  for (let i = 0; i < n; i++) out[i] = grown[i] > 0.2 && cover[i] && !inEyes[i] ? 1 : 0;
  return out;
}
