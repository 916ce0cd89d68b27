// The source's brows as hair, not paint. A small source enlarged 2–3× onto a large template carries
// its brows as soft blobs; the colour match then moves the skin around them to the template's
// chroma while the brows keep theirs (a cool-lit template: the skin's chroma 33 → 21, the hair's
// stays 31–36, its hue ~20° warmer than the skin's), and nothing in them has a hair's texture.
// ColourOptions.browChroma holds the hair's chroma to what real brows have relative to the skin
// around them (in Lab, on the matched source); TextureOptions.browStrands draws thin strands along
// the brow's direction into the hair (on the finished RGB, before the composite). Both keep every
// pixel's lightness on average: the brows' position, shape and darkness stay the source's.
import { BROW_LEFT, BROW_RIGHT, EYE_LEFT, EYE_RIGHT, pick } from './regions.ts';
import { convexHull, fillPolygon, gaussBlur, growPolygon, labToRgb, rgbToLab, selectKth } from './raster.ts';
import type { Roi } from './warp.ts';

/** Upper contour of each brow, outer → inner (regions.ts's BROW_* start with it), and its eye. */
const BROWS = [
  { ids: BROW_RIGHT, upper: [70, 63, 105, 66, 107], lower: [46, 53, 52, 65, 55], eye: EYE_RIGHT },
  { ids: BROW_LEFT, upper: [300, 293, 334, 296, 336], lower: [276, 283, 282, 295, 285], eye: EYE_LEFT },
];

/** Hair: darker than the skin around by this share of its L (none) … this (all). */
const HAIR_FROM = 0.04;
const HAIR_FULL = 0.15;

interface BrowZone {
  /** Bounding box in ROI pixels. */
  x0: number;
  y0: number;
  w: number;
  h: number;
  /** 0..1 over the box: the brow's hull grown 2.2 % of the face width (a blurred source's brow spreads past its mesh), feathered (σ 0.6 %). */
  zone: Float32Array;
  /** The skin ring around it (hull grown 3–5.5 %, the eye grown 2 % left out), 0/1. */
  ring: Uint8Array;
  /** The brow's centre line (mid-points of its upper and lower contour), outer → inner, box pixels. */
  line: [number, number][];
}

function browZones(dst: ArrayLike<number>[], roi: Roi, fw: number): BrowZone[] {
  const out: BrowZone[] = [];
  for (const b of BROWS) {
    const hull = convexHull(pick(dst, b.ids).map(([x, y]) => [x - roi.x0, y - roi.y0] as [number, number]));
    const outer = growPolygon(hull, 0.055 * fw);
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const [x, y] of outer) {
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x);
      y1 = Math.max(y1, y);
    }
    x0 = Math.max(0, Math.floor(x0));
    y0 = Math.max(0, Math.floor(y0));
    x1 = Math.min(roi.w, Math.ceil(x1) + 1);
    y1 = Math.min(roi.h, Math.ceil(y1) + 1);
    const w = x1 - x0, h = y1 - y0;
    if (w < 4 || h < 4) continue;
    const sh = (p: [number, number][]) => p.map(([x, y]) => [x - x0, y - y0] as [number, number]);
    const zone = new Float32Array(w * h);
    fillPolygon(zone, w, h, sh(growPolygon(hull, 0.022 * fw)), 1);
    const ring = new Uint8Array(w * h);
    fillPolygon(ring, w, h, sh(outer), 1);
    fillPolygon(ring, w, h, sh(growPolygon(hull, 0.03 * fw)), 0);
    fillPolygon(ring, w, h, sh(growPolygon(convexHull(pick(dst, b.eye).map(([x, y]) => [x - roi.x0, y - roi.y0] as [number, number])), 0.02 * fw)), 0);
    const line = b.upper.map((u, k) => {
      const l = b.lower[k]!;
      return [(dst[u]![0] + dst[l]![0]) / 2 - roi.x0 - x0, (dst[u]![1] + dst[l]![1]) / 2 - roi.y0 - y0] as [number, number];
    });
    out.push({ x0, y0, w, h, zone: gaussBlur(zone, w, h, Math.max(0.7, 0.006 * fw)), ring, line });
  }
  return out;
}

/** Median of `v` (a plane over the zone's box) over its ring where covered (NaN: too few). */
function ringMedian(v: Float32Array, cov: Uint8Array, z: BrowZone): number {
  const vals: number[] = [];
  for (let j = 0; j < z.w * z.h; j++) if (z.ring[j] && cov[j]) vals.push(v[j]!);
  if (vals.length < 12) return NaN;
  const a = Float32Array.from(vals);
  return selectKth(a, a.length >> 1);
}

const smooth = (v: number, a: number, b: number) => {
  const u = Math.min(1, Math.max(0, (v - a) / (b - a)));
  return u * u * (3 - 2 * u);
};

/**
 * ColourOptions.browChroma, in place on the finished source RGB over the ROI (after the blend's
 * edge correction and the texture stage, before the composite: the skin it is held against is the
 * skin the result shows). Per brow, the skin around it (the ring's median L, a, b) sets the most
 * chroma a hair pixel may keep: C_skin × min(1, ratio × L / L_skin) (real brows on 34 large photos:
 * chroma over the skin's divided by lightness over the skin's, quartiles 1.2 / 1.6 / 2.1). A hair
 * pixel (darker than the skin by 4 → 15 % of its L, inside the brow's feathered hull) is moved toward
 * the skin's hue at its own chroma or that bound, whichever is less, by `strength` × its hair
 * weight (an enlarged JPEG's olive chroma blotches inside a brow go too). Lightness is kept.
 * Returns the pixels changed.
 */
export function holdBrowChroma(rgb: Float32Array, cover: Uint8Array, roi: Roi, dst: ArrayLike<number>[], fw: number, strength: number, ratio: number): number {
  if (!(strength > 0)) return 0;
  const s = Math.min(1, strength);
  let changed = 0;
  for (const z of browZones(dst, roi, fw)) {
    const n = z.w * z.h;
    const box = new Float32Array(n * 3);
    const cov = new Uint8Array(n);
    boxIn(rgb, cover, z.x0, z.y0, z.w, z.h, roi.w, box, cov);
    const [L, A, B] = rgbToLab(box, n, cov);
    const sl = ringMedian(L, cov, z), sa = ringMedian(A, cov, z), sb = ringMedian(B, cov, z);
    if (!(sl > 5)) continue;
    const moved = new Uint8Array(n);
    const c = chromaKernel(L, A, B, cov, z.zone, n, sl, sa, sb, s, ratio, moved);
    if (!c) continue;
    changed += c;
    labToRgb(L, A, B, box, moved);
    boxOut(rgb, moved, z.x0, z.y0, z.w, z.h, roi.w, box);
  }
  return changed;
}

function boxIn(rgb: Float32Array, cover: Uint8Array, x0: number, y0: number, w: number, h: number, roiW: number, box: Float32Array, cov: Uint8Array): void {
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y + y0) * roiW + x + x0, j = y * w + x;
      cov[j] = cover[i]!;
      for (let k = 0; k < 3; k++) box[j * 3 + k] = rgb[i * 3 + k]!;
    }
  }
}

/** Back into the ROI where `moved` (the Lab round trip elsewhere left alone). */
function boxOut(rgb: Float32Array, moved: Uint8Array, x0: number, y0: number, w: number, h: number, roiW: number, box: Float32Array): void {
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const j = y * w + x;
      if (!moved[j]) continue;
      const i = (y + y0) * roiW + x + x0;
      for (let k = 0; k < 3; k++) rgb[i * 3 + k] = box[j * 3 + k]!;
    }
  }
}

function chromaKernel(L: Float32Array, A: Float32Array, B: Float32Array, cov: Uint8Array, zone: Float32Array, n: number, sl: number, sa: number, sb: number, s: number, ratio: number, moved: Uint8Array): number {
  const sc = Math.hypot(sa, sb);
  let changed = 0;
  for (let i = 0; i < n; i++) {
    const z = zone[i]!;
    if (!(z > 0.002) || !cov[i]) continue;
    const l = L[i]!;
    const wt = s * z * smooth((sl - l) / sl, HAIR_FROM, HAIR_FULL);
    if (!(wt > 0)) continue;
    const cap = sc * Math.min(1, (ratio * Math.max(0, l)) / sl);
    const a = A[i]!, b = B[i]!;
    // Toward the skin's hue at its own chroma or the cap, whichever is less.
    const c = Math.min(cap, Math.hypot(a, b));
    const ta = sc > 1e-3 ? (sa / sc) * c : 0, tb = sc > 1e-3 ? (sb / sc) * c : 0;
    A[i] = a + wt * (ta - a);
    B[i] = b + wt * (tb - b);
    moved[i] = 1;
    changed++;
  }
  return changed;
}

/** A small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * TextureOptions.browStrands, in place on the finished source RGB over the ROI (before the
 * composite). Per brow: white noise (fixed seed) smeared along the hairs' direction over
 * `length` face widths — the brow's centre line, turned up toward the forehead by 35° at its
 * inner end and 10° at its tail, as brow hairs grow — less its mean across them, scaled to unit
 * RMS; each hair pixel (weights as browChroma's, on luminance against the ring's median) is
 * multiplied by 1 + amount × 0.5 × darkness × noise, darkness its share under the skin's luminance
 * (so strands show where the hair is dark, none on the skin), clamped to 0..255.
 */
export function drawBrowStrands(rgb: Float32Array, cover: Uint8Array, roi: Roi, dst: ArrayLike<number>[], fw: number, amount: number, length: number): number {
  if (!(amount > 0)) return 0;
  let changed = 0, seed = 0x5eed;
  const len = Math.max(2, length * fw);
  for (const z of browZones(dst, roi, fw)) {
    const n = z.w * z.h;
    const Y = new Float32Array(n);
    const cov = new Uint8Array(n);
    lumaKernel(rgb, cover, z.x0, z.y0, z.w, z.h, roi.w, Y, cov);
    const sy = ringMedian(Y, cov, z);
    if (!(sy > 10)) continue;
    const rand = rng(seed++);
    const white = new Float32Array(n);
    for (let i = 0; i < n; i++) white[i] = rand() - 0.5;
    // Per pixel, the hairs' direction (unit vector) from the nearest centre-line segment.
    const dx = new Float32Array(n), dy = new Float32Array(n);
    directionField(z.line, z.w, z.h, dx, dy);
    const streak = new Float32Array(n);
    smearKernel(white, dx, dy, z.w, z.h, len, streak);
    // High-pass across the hairs (a small isotropic blur out), then unit RMS over the zone.
    const low = gaussBlur(streak, z.w, z.h, Math.max(1, 0.01 * fw));
    let s2 = 0, m = 0;
    for (let i = 0; i < n; i++) {
      streak[i] = streak[i]! - low[i]!;
      if (z.zone[i]! > 0.5) {
        s2 += streak[i]! ** 2;
        m++;
      }
    }
    const rms = m ? Math.sqrt(s2 / m) : 0;
    if (!(rms > 0)) continue;
    changed += strandKernel(rgb, cov, Y, streak, z.zone, z.x0, z.y0, z.w, z.h, roi.w, sy, (0.5 * amount) / rms);
  }
  return changed;
}

function lumaKernel(rgb: Float32Array, cover: Uint8Array, x0: number, y0: number, w: number, h: number, roiW: number, Y: Float32Array, cov: Uint8Array): void {
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y + y0) * roiW + x + x0, j = y * w + x;
      cov[j] = cover[i]!;
      Y[j] = cover[i] ? 0.299 * rgb[i * 3]! + 0.587 * rgb[i * 3 + 1]! + 0.114 * rgb[i * 3 + 2]! : 0;
    }
  }
}

function directionField(line: [number, number][], w: number, h: number, dx: Float32Array, dy: Float32Array): void {
  const segs = line.length - 1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let best = Infinity, bk = 0, bt = 0;
      for (let k = 0; k < segs; k++) {
        const [ax, ay] = line[k]!, [bx, by] = line[k + 1]!;
        const vx = bx - ax, vy = by - ay, l2 = vx * vx + vy * vy || 1;
        const t = Math.min(1, Math.max(0, ((x - ax) * vx + (y - ay) * vy) / l2));
        const d = (x - ax - t * vx) ** 2 + (y - ay - t * vy) ** 2;
        if (d < best) {
          best = d;
          bk = k;
          bt = t;
        }
      }
      // The hairs grow from the inner end (line's last point) toward the tail (its first).
      const [ax, ay] = line[bk]!, [bx, by] = line[bk + 1]!;
      let ux = ax - bx, uy = ay - by;
      const ul = Math.hypot(ux, uy) || 1;
      ux /= ul;
      uy /= ul;
      // Position along the brow: 0 at the tail, 1 at the inner end; the turn up toward the forehead.
      const pos = (bk + bt) / segs;
      const ang = ((10 + 25 * pos * pos) * Math.PI) / 180;
      // "Up" is the normal on the forehead's side (image y decreasing): pick the sign that has dy < 0.
      let nx = -uy, ny = ux;
      if (ny > 0) {
        nx = -nx;
        ny = -ny;
      }
      const c = Math.cos(ang), s = Math.sin(ang);
      dx[y * w + x] = c * ux + s * nx;
      dy[y * w + x] = c * uy + s * ny;
    }
  }
}

/** Mean of `v` along each pixel's direction over ±len/2 (bilinear taps, one per pixel of length). */
function smearKernel(v: Float32Array, dx: Float32Array, dy: Float32Array, w: number, h: number, len: number, out: Float32Array): void {
  const taps = Math.max(2, Math.round(len));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const ux = dx[i]!, uy = dy[i]!;
      let s = 0, c = 0;
      for (let k = 0; k <= taps; k++) {
        const t = (k / taps - 0.5) * len;
        const px = x + t * ux, py = y + t * uy;
        if (px < 0 || py < 0 || px > w - 1 || py > h - 1) continue;
        const x0 = Math.floor(px), y0 = Math.floor(py);
        const fx = px - x0, fy = py - y0;
        const x1 = Math.min(w - 1, x0 + 1), y1 = Math.min(h - 1, y0 + 1);
        s += (1 - fy) * ((1 - fx) * v[y0 * w + x0]! + fx * v[y0 * w + x1]!) + fy * ((1 - fx) * v[y1 * w + x0]! + fx * v[y1 * w + x1]!);
        c++;
      }
      out[i] = c ? s / c : 0;
    }
  }
}

function strandKernel(rgb: Float32Array, cov: Uint8Array, Y: Float32Array, noise: Float32Array, zone: Float32Array, x0: number, y0: number, w: number, h: number, roiW: number, sy: number, gain: number): number {
  let changed = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const j = y * w + x;
      const z = zone[j]!;
      if (!(z > 0.002)) continue;
      if (!cov[j]) continue;
      const i = (y + y0) * roiW + x + x0;
      const dark = (sy - Y[j]!) / sy;
      const wt = z * smooth(dark, HAIR_FROM, HAIR_FULL);
      if (!(wt > 0)) continue;
      const f = 1 + gain * wt * dark * noise[j]!;
      for (let k = 0; k < 3; k++) {
        const v = rgb[i * 3 + k]! * f;
        rgb[i * 3 + k] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
      changed++;
    }
  }
  return changed;
}
