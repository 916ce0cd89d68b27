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
  const r = Math.max(2, Math.round(0.025 * faceW));
  const eyes = [EYE_LEFT, EYE_RIGHT].map((ids) => {
    const pts = pick(mesh, ids);
    const cx = pts.reduce((s, p) => s + p[0], 0) / pts.length;
    const cy = pts.reduce((s, p) => s + p[1], 0) / pts.length;
    const re = Math.max(2, ...pts.map(([x, y]) => Math.hypot(x - cx, y - cy)));
    // The box searched for a rim around this eye.
    const x0 = Math.max(0, Math.floor(cx - 2.8 * re)), x1 = Math.min(w - 1, Math.ceil(cx + 2.8 * re));
    const y0 = Math.max(0, Math.floor(cy - 2.8 * re)), y1 = Math.min(h - 1, Math.ceil(cy + 2.8 * re));
    return { pts, cx, cy, re, x0, x1, y0, y1 };
  });
  const [a, b] = eyes[0].cx < eyes[1].cx ? [eyes[0], eyes[1]] : [eyes[1], eyes[0]];
  // The bridge: the band between the two rings at eye height.
  const yc = (a.cy + b.cy) / 2, span = 1.2 * Math.max(a.re, b.re);
  // Everything below looks only inside the eye boxes and the bridge band (grown by 1 for the
  // final closing): the local mean is computed over that window only.
  const win = {
    x0: Math.max(0, Math.min(a.x0, b.x0, Math.floor(a.cx)) - 1),
    x1: Math.min(w - 1, Math.max(a.x1, b.x1, Math.ceil(b.cx)) + 1),
    y0: Math.max(0, Math.min(a.y0, b.y0, Math.floor(yc - span)) - 1),
    y1: Math.min(h - 1, Math.max(a.y1, b.y1, Math.ceil(yc + span)) + 1),
  };
  // Thin dark structure: how much darker a pixel is than its neighbourhood (a black-hat).
  const mean = windowMean(L, w, h, r, win);
  const inEyes = new Uint8Array(n);
  for (const e of eyes) fillPolygon(inEyes, w, h, growPolygon(e.pts, 0.015 * faceW), 1);
  const ring = new Uint8Array(n);
  const hits = eyes.map(() => new Uint8Array(SECTORS));
  for (let k = 0; k < eyes.length; k++) {
    const { cx, cy, re, x0, x1, y0, y1 } = eyes[k];
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const i = y * w + x;
        if (!cover[i] || inEyes[i]) continue;
        const rho = Math.hypot(x - cx, y - cy) / re;
        // Lashes and dark circles lie within ~1.4 eye radii; a lens's rim further out.
        if (rho < RIM_FROM || rho > RIM_TO) continue;
        ring[i] = 1;
        if (at(mean, x, y) - L[i] < opts.contrast) continue;
        const ang = Math.atan2(y - cy, x - cx);
        hits[k][Math.min(SECTORS - 1, Math.floor(((ang + Math.PI) / (2 * Math.PI)) * SECTORS))] = 1;
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
  // Glasses have a bridge — a thin dark line across most columns between the eyes; deep-set
  // eyes with dark brows do not.
  const bridge = (x: number, y: number) => x > a.cx && x < b.cx && Math.abs(y - yc) < span;
  const bx0 = Math.max(0, Math.ceil(a.cx + a.re)), bx1 = Math.min(w - 1, Math.floor(b.cx - b.re));
  if (bx1 > bx0) {
    let crossed = 0;
    for (let x = bx0; x <= bx1; x++) {
      for (let y = Math.max(0, Math.floor(yc - span)); y <= Math.min(h - 1, Math.ceil(yc + span)); y++) {
        const i = y * w + x;
        if (cover[i] && at(mean, x, y) - L[i] >= opts.contrast) {
          crossed++;
          break;
        }
      }
    }
    if (crossed < opts.coverage * (bx1 - bx0 + 1)) return undefined;
  }
  const out = new Uint8Array(n);
  for (let y = win.y0; y <= win.y1; y++) {
    for (let x = win.x0; x <= win.x1; x++) {
      const i = y * w + x;
      if (!cover[i] || inEyes[i] || !(ring[i] || bridge(x, y))) continue;
      if (at(mean, x, y) - L[i] >= 0.6 * opts.contrast) out[i] = 1;
    }
  }
  // Close the rims' antialiased edges (rims lie inside the window, less its 1-pixel margin).
  const grown = windowMean(Float32Array.from(out), w, h, 1, win);
  for (let y = win.y0; y <= win.y1; y++) {
    for (let x = win.x0; x <= win.x1; x++) {
      const i = y * w + x;
      out[i] = at(grown, x, y) > 0.2 && cover[i] && !inEyes[i] ? 1 : 0;
    }
  }
  return out;
}

/**
 * boxBlur(src, w, h, r) read at (x, y) inside `win` only: the window grown by r is blurred on its
 * own — inside the window the box sums never reach past it (or reach the image's edge, as the
 * full blur's do), so the values are the full blur's.
 */
function windowMean(src: Float32Array, w: number, h: number, r: number, win: { x0: number; y0: number; x1: number; y1: number }): WindowPlane {
  const x0 = Math.max(0, win.x0 - r), x1 = Math.min(w - 1, win.x1 + r);
  const y0 = Math.max(0, win.y0 - r), y1 = Math.min(h - 1, win.y1 + r);
  const cw = x1 - x0 + 1, ch = y1 - y0 + 1;
  const crop = new Float32Array(cw * ch);
  for (let y = 0; y < ch; y++) crop.set(src.subarray((y0 + y) * w + x0, (y0 + y) * w + x0 + cw), y * cw);
  return { data: boxBlur(crop, cw, ch, r), x0, y0, w: cw };
}

/** A plane over a window of the ROI: ROI pixel (x, y) is data[(y - y0) * w + x - x0]. */
interface WindowPlane {
  data: Float32Array;
  x0: number;
  y0: number;
  w: number;
}

const at = (p: WindowPlane, x: number, y: number) => p.data[(y - p.y0) * p.w + x - p.x0];
