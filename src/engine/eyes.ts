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
import { boxBlur, fillPolygon } from './raster.ts';
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
