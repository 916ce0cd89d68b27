// The eyes' openings after the colour match (ColourOptions.eyeWhites). The match maps the source's
// chroma to the template's through per-cell gains and shifts fitted on SKIN (its local means at
// σ 0.1 face width); inside the eyes' openings the same maps tint the eye whites and irises with
// the difference between the two faces' skin tones (measured on the panel pairs: up to 10–12 units
// of a or b, e.g. yellow whites from a pale source on a tanned template, pink ones the other way),
// scale the iris's deviation from the skin by the chroma gain (up to 1.33), and differ from one
// eye to the other where the local skin means do (a side-lit template or source: 3–4 units); a
// greyscale source's eyes get the template's skin chroma (pink whites, skin-coloured irises).
// With the knob, inside both eyes' openings (the warped source's eye contours, feathered), a and b
// are the source's own (before the match) plus ONE shift for both eyes: the mean of what the match
// moved over both openings. The eyes take the face's overall colour change but not the per-cell
// differences between the two eyes nor the gain on the iris's colour. Lightness keeps the match
// (the template's light, which may differ from side to side). Faded out on a greyscale template
// (its skin's median chroma 6 → 2), which must not get coloured irises. (A per-eye white balance to
// the template's eye whites was tried first: the whites of small or squinting eyes cannot be
// measured reliably — lids and lashes fill the opening — and it painted a 150-px source's irises
// saturated teal.)
import { greyOfChroma } from './colour.ts';
import { boxBlur, fillPolygon, growPolygon } from './raster.ts';
import { EYE_LEFT, EYE_RIGHT, pick } from './regions.ts';
import type { Roi } from './warp.ts';

/**
 * 0..1: how colourless a face is from its skin's median Lab (chroma 6 → 2, as colour.ts's grey
 * weight): a greyscale template must not get the source's coloured irises.
 */
export function greyness(mean: ArrayLike<number>): number {
  return greyOfChroma(Math.hypot(mean[1]!, mean[2]!));
}

type Planes = [Float32Array, Float32Array, Float32Array];

interface Box {
  x0: number;
  y0: number;
  w: number;
  h: number;
}

function boxOf(poly: [number, number][], roi: Roi, pad: number): Box | undefined {
  const xs = poly.map((p) => p[0]), ys = poly.map((p) => p[1]);
  const x0 = Math.max(0, Math.floor(Math.min(...xs)) - pad), x1 = Math.min(roi.w - 1, Math.ceil(Math.max(...xs)) + pad);
  const y0 = Math.max(0, Math.floor(Math.min(...ys)) - pad), y1 = Math.min(roi.h - 1, Math.ceil(Math.max(...ys)) + pad);
  if (x1 < x0 || y1 < y0) return undefined;
  return { x0, y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

export interface EyeSnapshot {
  boxes: (Box | undefined)[];
  /** The source's Lab inside each eye's box before the match (box-local, row-major). */
  planes: (Planes | undefined)[];
}

const EYES = [EYE_RIGHT, EYE_LEFT];

/** The warped source's Lab inside each eye's box, before the colour match. */
export function snapshotEyes(src: Planes, roi: Roi, dst: ArrayLike<number>[], faceW: number): EyeSnapshot {
  const pad = Math.ceil(0.02 * faceW) + 2;
  const boxes = EYES.map((ids) => boxOf(pick(dst, ids).map(([x, y]) => [x - roi.x0, y - roi.y0]), roi, pad));
  const planes = boxes.map((b) => {
    if (!b) return undefined;
    const out: Planes = [new Float32Array(b.w * b.h), new Float32Array(b.w * b.h), new Float32Array(b.w * b.h)];
    for (let y = 0; y < b.h; y++) {
      const i = (b.y0 + y) * roi.w + b.x0;
      for (let c = 0; c < 3; c++) out[c].set(src[c].subarray(i, i + b.w), y * b.w);
    }
    return out;
  });
  return { boxes, planes };
}

/**
 * In place on the matched source's a, b planes: inside both eyes' openings (feathered), the source's
 * own chroma before the match plus ONE shift for both eyes, the mean of what the match moved there
 * (so the eyes keep the face's overall colour change, but not its per-cell differences or gains),
 * by `strength`.
 */
export function matchEyeWhites(src: Planes, cover: Uint8Array, roi: Roi, dst: ArrayLike<number>[], faceW: number, snap: EyeSnapshot, strength: number): void {
  const st = Math.min(1, Math.max(0, strength));
  if (!(st > 0)) return;
  const feather = Math.max(1, Math.round(0.006 * faceW));
  const masks: (Float32Array | undefined)[] = [];
  // The match's mean move of a and b over both openings (the inner mask, unfeathered). The pixel
  // loops are kernels of their own: in this function (run once a swap) each was optimised mid-loop
  // and deoptimised on the code after it.
  const sums = new Float64Array(3);
  for (let e = 0; e < EYES.length; e++) {
    const box = snap.boxes[e], pre = snap.planes[e];
    if (!box || !pre) {
      masks.push(undefined);
      continue;
    }
    const m = new Float32Array(box.w * box.h);
    fillPolygon(m, box.w, box.h, pick(dst, EYES[e]!).map(([x, y]) => [x - roi.x0 - box.x0, y - roi.y0 - box.y0]), 1);
    eyeWhiteSums(m, cover, src[1], src[2], pre[1], pre[2], box.x0, box.y0, box.w, box.h, roi.w, sums);
    masks.push(boxBlur(m, box.w, box.h, feather));
  }
  const sw = sums[0]!, sa = sums[1]!, sb = sums[2]!;
  if (!(sw > 0)) return;
  const da = sa / sw, db = sb / sw;
  for (let e = 0; e < EYES.length; e++) {
    const box = snap.boxes[e], pre = snap.planes[e], soft = masks[e];
    if (!box || !pre || !soft) continue;
    eyeWhiteMove(soft, cover, src[1], src[2], pre[1], pre[2], box.x0, box.y0, box.w, box.h, roi.w, st, da, db);
  }
}

/**
 * matchEyeWhites()'s sums over one eye's box: mask, mask × (a − a before), mask × (b − b before),
 * added to sums[0..2] (stored as they change: no code after the loop to lack type feedback).
 */
function eyeWhiteSums(m: Float32Array, cover: Uint8Array, a: Float32Array, b: Float32Array, preA: Float32Array, preB: Float32Array, bx: number, by: number, bw: number, bh: number, rw: number, sums: Float64Array): void {
  let sw = sums[0]!, sa = sums[1]!, sb = sums[2]!;
  for (let y = 0; y < bh; y++) {
    for (let x = 0; x < bw; x++) {
      const j = y * bw + x;
      const i = (by + y) * rw + bx + x;
      if (!(m[j]! > 0) || !cover[i]) continue;
      sw += m[j]!;
      sa += m[j]! * (a[i]! - preA[j]!);
      sb += m[j]! * (b[i]! - preB[j]!);
      sums[0] = sw;
      sums[1] = sa;
      sums[2] = sb;
    }
  }
}

/** matchEyeWhites()'s move of one eye's box toward its a, b before the match (+ the mean move), by st × the feathered mask. */
function eyeWhiteMove(soft: Float32Array, cover: Uint8Array, a: Float32Array, b: Float32Array, preA: Float32Array, preB: Float32Array, bx: number, by: number, bw: number, bh: number, rw: number, st: number, da: number, db: number): void {
  for (let y = 0; y < bh; y++) {
    for (let x = 0; x < bw; x++) {
      const j = y * bw + x;
      const k = st * soft[j]!;
      const i = (by + y) * rw + bx + x;
      if (!(k > 0) || !cover[i]) continue;
      a[i] += k * (preA[j]! + da - a[i]!);
      b[i] += k * (preB[j]! + db - b[i]!);
    }
  }
}

// The lids' inner points facing each other (upper, lower) and the eye's corners, per eye (mesh's
// right eye, then left).
const LIDS = [
  { pairs: [[160, 144], [159, 145], [158, 153]], corners: [33, 133] },
  { pairs: [[387, 373], [386, 374], [385, 380]], corners: [263, 362] },
] as const;

/** An eye's opening: the mean gap between its facing lid points over the corner-to-corner width. */
export function eyeOpenness(mesh: ArrayLike<number>[], eye: 0 | 1): number {
  const d = (a: number, b: number) => Math.hypot(mesh[a]![0]! - mesh[b]![0]!, mesh[a]![1]! - mesh[b]![1]!);
  const { pairs, corners } = LIDS[eye]!;
  const w = d(corners[0], corners[1]);
  return w > 0 ? pairs.reduce((s, [u, l]) => s + d(u, l), 0) / pairs.length / w : 0;
}

/** Both eyes' mean opening (lid gap / eye width). */
export function facialOpenness(mesh: ArrayLike<number>[]): number {
  return (eyeOpenness(mesh, 0) + eyeOpenness(mesh, 1)) / 2;
}

/**
 * The share of both eyes' openings (the mesh's eye contours, covered pixels) that is not lid skin:
 * further than `dE` (Lab distance, lightness halved) from the median of a ring just outside the
 * contour (grown 1–3 % of the face width: the lids). Human's mesh keeps a narrowed eye's lids apart
 * (john_schneider/1's laughing squint reads 0.29 of the eye's width, an open eye 0.36), so the lid
 * skin that fills much of a squint's opening has to be told from the white, iris and lash line.
 */
export function eyeShare(lab: Planes, cover: Uint8Array, roi: Roi, mesh: ArrayLike<number>[], faceW: number, dE = 12): number {
  let n = 0, eye = 0;
  for (const ids of EYES) {
    const poly = pick(mesh, ids).map(([x, y]) => [x - roi.x0, y - roi.y0] as [number, number]);
    const outer = growPolygon(poly, 0.03 * faceW), inner = growPolygon(poly, 0.01 * faceW);
    const box = boxOf(outer, roi, 1);
    if (!box) continue;
    const loc = (q: [number, number][]) => q.map(([x, y]) => [x - box.x0, y - box.y0] as [number, number]);
    const m = new Float32Array(box.w * box.h), ring = new Float32Array(box.w * box.h), hole = new Float32Array(box.w * box.h);
    fillPolygon(m, box.w, box.h, loc(poly), 1);
    fillPolygon(ring, box.w, box.h, loc(outer), 1);
    fillPolygon(hole, box.w, box.h, loc(inner), 1);
    // The pixel loops are kernels of their own, on typed arrays only: inlined here they met both
    // meshes' point arrays and were deoptimised and compiled again ≈ 5 times a thread.
    const size = box.w * box.h;
    const rl = new Float32Array(size), ra = new Float32Array(size), rb = new Float32Array(size);
    const k = ringSamples(ring, hole, cover, lab[0], lab[1], lab[2], box.w, box.h, box.x0, box.y0, roi.w, rl, ra, rb);
    if (k < 8) continue;
    const med = [rl, ra, rb].map((v) => v.subarray(0, k).sort()[k >> 1]!);
    const counts = outlierCount(m, cover, lab[0], lab[1], lab[2], box.w, box.h, box.x0, box.y0, roi.w, med[0]!, med[1]!, med[2]!, dE);
    n += counts[0]!;
    eye += counts[1]!;
  }
  return n > 0 ? eye / n : 1;
}

/** eyeShare()'s reference: the ring's pixels (ring, not hole, covered) into rl, ra, rb; their count. */
function ringSamples(ring: Float32Array, hole: Float32Array, cover: Uint8Array, L: Float32Array, A: Float32Array, B: Float32Array, bw: number, bh: number, bx: number, by: number, rw: number, rl: Float32Array, ra: Float32Array, rb: Float32Array): number {
  let k = 0;
  for (let y = 0; y < bh; y++) {
    for (let x = 0; x < bw; x++) {
      const j = y * bw + x, i = (by + y) * rw + bx + x;
      if (ring[j]! > 0.5 && !(hole[j]! > 0.5) && cover[i]) {
        rl[k] = L[i]!;
        ra[k] = A[i]!;
        rb[k] = B[i]!;
        k++;
      }
    }
  }
  return k;
}

/** eyeShare()'s count: [covered pixels of the eye, those further than dE from the ring's median (L halved)]. */
function outlierCount(m: Float32Array, cover: Uint8Array, L: Float32Array, A: Float32Array, B: Float32Array, bw: number, bh: number, bx: number, by: number, rw: number, m0: number, m1: number, m2: number, dE: number): [number, number] {
  let n = 0, eye = 0;
  for (let y = 0; y < bh; y++) {
    for (let x = 0; x < bw; x++) {
      const j = y * bw + x, i = (by + y) * rw + bx + x;
      if (!(m[j]! > 0.5) || !cover[i]) continue;
      n++;
      const dl = (L[i]! - m0) / 2, da = A[i]! - m1, db = B[i]! - m2;
      if (dl * dl + da * da + db * db > dE * dE) eye++;
    }
  }
  return [n, eye];
}

/**
 * ColourOptions.squint's weight for a pair from each face's mesh opening (lid gap / width) and the
 * share of it that is not lid skin (eyeShare): the source's seen opening (the two multiplied) over
 * the template's ramps the weight from `from` (none) to `full`, times a ramp on the mesh openings'
 * ratio alone from `meshFrom` (none) to `meshFrom` − 0.1 (full). A dark, deep-set or low-contrast
 * open eye has little that stands out from its lids (its seen ratio is low) but the mesh keeps its
 * lids as far apart as the template's; a squint is narrower in both.
 */
export function squintWeight(s: { open: number; share: number }, t: { open: number; share: number }, strength: number, from: number, full: number, meshFrom: number): number {
  const st = Math.min(1, Math.max(0, strength));
  if (!(st > 0) || !(t.open * t.share > 0)) return 0;
  const r = (s.open * s.share) / (t.open * t.share), rm = s.open / t.open;
  const ramp = (v: number, a: number, b: number) => Math.min(1, Math.max(0, (a - v) / Math.max(1e-6, a - b)));
  return st * ramp(r, from, full) * ramp(rm, meshFrom, meshFrom - 0.1);
}

/**
 * In place on the matched source's Lab: inside each eye's opening (the destination mesh's eye
 * contour, feathered 0.6 % of the face width), the template's own eye by `weight`, sampled
 * (bilinear, its Lab) through the similarity that takes the destination's eye corners onto the
 * template's. The source's slit stretched over an open eye becomes the template's iris and white
 * between the source's lids. Returns the number of pixels written.
 */
export function keepTemplateEyes(src: Planes, tgt: Planes, cover: Uint8Array, roi: Roi, dst: ArrayLike<number>[], tMesh: ArrayLike<number>[], faceW: number, weight: number): number {
  if (!(weight > 0)) return 0;
  const feather = Math.max(1, Math.round(0.006 * faceW));
  const pad = feather + 2;
  let written = 0;
  for (let e = 0; e < EYES.length; e++) {
    const poly = pick(dst, EYES[e]!).map(([x, y]) => [x - roi.x0, y - roi.y0] as [number, number]);
    const box = boxOf(poly, roi, pad);
    if (!box) continue;
    const m = new Float32Array(box.w * box.h);
    fillPolygon(m, box.w, box.h, poly.map(([x, y]) => [x - box.x0, y - box.y0]), 1);
    const soft = boxBlur(m, box.w, box.h, feather);
    // The similarity destination → template from the two corners (ROI coordinates).
    const [c0, c1] = LIDS[e]!.corners;
    const d0 = [dst[c0]![0]! - roi.x0, dst[c0]![1]! - roi.y0], d1 = [dst[c1]![0]! - roi.x0, dst[c1]![1]! - roi.y0];
    const t0 = [tMesh[c0]![0]! - roi.x0, tMesh[c0]![1]! - roi.y0], t1 = [tMesh[c1]![0]! - roi.x0, tMesh[c1]![1]! - roi.y0];
    const dx = d1[0]! - d0[0]!, dy = d1[1]! - d0[1]!, tx = t1[0]! - t0[0]!, ty = t1[1]! - t0[1]!;
    const dd = dx * dx + dy * dy;
    if (!(dd > 0)) continue;
    // t − t0 = [[p, −q], [q, p]] (d − d0): a rotation and scale.
    const p = (dx * tx + dy * ty) / dd, q = (dx * ty - dy * tx) / dd;
    for (let y = 0; y < box.h; y++) {
      for (let x = 0; x < box.w; x++) {
        const k = weight * soft[y * box.w + x]!;
        const i = (box.y0 + y) * roi.w + box.x0 + x;
        if (!(k > 0) || !cover[i]) continue;
        const ux = box.x0 + x - d0[0]!, uy = box.y0 + y - d0[1]!;
        const sx = t0[0]! + p * ux - q * uy, sy = t0[1]! + q * ux + p * uy;
        const ix = Math.floor(sx), iy = Math.floor(sy);
        if (ix < 0 || iy < 0 || ix + 1 >= roi.w || iy + 1 >= roi.h) continue;
        const j = iy * roi.w + ix;
        if (!cover[j] || !cover[j + 1] || !cover[j + roi.w] || !cover[j + roi.w + 1]) continue;
        const fx = sx - ix, fy = sy - iy;
        for (let c = 0; c < 3; c++) {
          const t = tgt[c];
          const v = (1 - fy) * ((1 - fx) * t[j]! + fx * t[j + 1]!) + fy * ((1 - fx) * t[j + roi.w]! + fx * t[j + roi.w + 1]!);
          src[c][i] += k * (v - src[c][i]!);
        }
        written++;
      }
    }
  }
  return written;
}
