// Hair found by texture, not colour: blonde or grey strands over pale skin are skin-coloured,
// but they are fine, parallel and high-contrast — a strong, coherent local orientation (the
// structure tensor), where skin is weakly textured and without one direction.
import { boxBlur, gaussBlur, selectKth } from './raster.ts';

export interface StrandOptions {
  /** Structure-tensor energy, in multiples of the median over plain skin, from which a pixel may be hair (0 = off). */
  energy: number;
  /** Coherence (0..1) from which the texture counts as strands. */
  coherence: number;
}

export const DEFAULT_STRANDS: StrandOptions = { energy: 8, coherence: 0.55 };

/** 1 where the lightness plane `L` looks like strands of hair (only where `cover`); `skin` gives the reference energy. */
export function strandMap(L: Float32Array, cover: Uint8Array, skin: Uint8Array, w: number, h: number, faceW: number, opts: StrandOptions = DEFAULT_STRANDS): Uint8Array {
  const n = w * h;
  const out = new Uint8Array(n);
  if (!(opts.energy > 0)) return out;
  const xx = new Float32Array(n), yy = new Float32Array(n), xy = new Float32Array(n);
  gradientProducts(L, cover, w, h, xx, yy, xy);
  // Integrate over about a strand's width at portrait sizes.
  const r = Math.max(1, Math.round(0.008 * faceW));
  const jxx = boxBlur(xx, w, h, r), jyy = boxBlur(yy, w, h, r), jxy = boxBlur(xy, w, h, r);
  const ref = skinEnergies(jxx, jyy, skin);
  if (ref.length < 100) return out;
  const lim = opts.energy * Math.max(0.5, selectKth(ref, ref.length >> 1));
  coherent(jxx, jyy, jxy, cover, lim, opts.coherence, out);
  return out;
}

// The loops below are separate small functions: each is optimised on its own, early, and stays so.

/** Products of the central-difference gradient, where the pixel and its 4 neighbours are covered. */
function gradientProducts(L: Float32Array, cover: Uint8Array, w: number, h: number, xx: Float32Array, yy: Float32Array, xy: Float32Array): void {
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      if (!cover[i] || !cover[i - 1] || !cover[i + 1] || !cover[i - w] || !cover[i + w]) continue;
      const gx = (L[i + 1] - L[i - 1]) / 2;
      const gy = (L[i + w] - L[i - w]) / 2;
      xx[i] = gx * gx;
      yy[i] = gy * gy;
      xy[i] = gx * gy;
    }
  }
}

/** Tensor energy at every third pixel that is plain skin (the reference), unsorted. */
function skinEnergies(jxx: Float32Array, jyy: Float32Array, skin: Uint8Array): Float64Array {
  let m = 0;
  for (let i = 0; i < skin.length; i += 3) if (skin[i]) m++;
  const ref = new Float64Array(m);
  for (let i = 0, j = 0; i < skin.length; i += 3) if (skin[i]) ref[j++] = jxx[i] + jyy[i];
  return ref;
}

/** out = 1 where covered, energy above `lim` and coherence at least `coherence`. */
function coherent(jxx: Float32Array, jyy: Float32Array, jxy: Float32Array, cover: Uint8Array, lim: number, coherence: number, out: Uint8Array): void {
  for (let i = 0; i < out.length; i++) {
    if (!cover[i]) continue;
    const e = jxx[i] + jyy[i];
    if (e <= lim) continue;
    const coh = Math.sqrt((jxx[i] - jyy[i]) ** 2 + 4 * jxy[i] * jxy[i]) / e;
    if (coh >= coherence) out[i] = 1;
  }
}

// ---------------------------------------------------------------------------------------------
// The source's hair along the face's sides where colour cannot tell it (mask.sideHair): dark hair
// over dark skin, or any hair in a greyscale photo, is close to the skin model in Lab (the model
// counts darkness for little, since shadows are skin). What still tells it is lightness against
// the skin *right next to it*: hair is much darker than the local skin, a shadow only a little.
// And the hair's own edge — loose strands over skin, neither skin nor hair to any test — is taken
// with the hair it hangs from (hysteresis), so its inner edge does not stay as dark lines.

export interface SideHairOptions {
  /**
   * 1: the source's non-skin in the coverage's eroded rim (between the mesh's edge and the hard
   * mask's) also counts when the occluders are smoothed, so a thin strip of hair hugging the
   * source's oval is not dropped as a speck.
   */
  rim: number;
  /** Lightness ratio to the local skin lightness under which a source pixel is hair (0 = off) ... */
  dark: number;
  /** ... when its chroma is also under this ratio to the local skin's (a shadow keeps most of its chroma; a colourless source passes). */
  darkChroma: number;
  /** σ of the local skin lightness and chroma, in face widths. */
  sigma: number;
  /** How far (face widths) the source's kept hair grows into weakly un-skin-like pixels (0 = off). */
  grow: number;
  /** Weakly un-skin-like: skin distance over this ... */
  weak: number;
  /** ... or lightness under this ratio to the local skin. */
  weakDark: number;
  /** Only at the face's sides: at least this far (face widths) from the face's vertical midline (through the eyes' middle). */
  lateral: number;
  /**
   * 1: nothing below the line through the source's mouth corners (as warped) is given back: a beard
   * at the jaw's side is the source's identity, and long hair there is rare (0 = no such gate).
   */
  mouth: number;
  /**
   * The most each side (left / right of the midline) may give back beyond what is kept without
   * mask.sideHair, as a share of the face's hard-mask area; past it only the outermost part (the
   * pixels nearest the mask's edge) is given back (0 = no cap).
   */
  cap: number;
  /**
   * The features' hull (eyes, brows, nose, lips; grown 4 %) at the face's sides: 0 = only the eyes,
   * brows and lips themselves are guarded (hair hanging by the eyes is taken); 1 = the growth does
   * not enter the hull, the seeds may; 2 = neither (a source's glasses — dark frames and arms, a
   * tinted lens by the eye — read as dark hair and were given back).
   */
  hull: number;
}

export const DEFAULT_SIDE_HAIR: SideHairOptions = { rim: 0, dark: 0, darkChroma: 0.45, sigma: 0.06, grow: 0, weak: 4.5, weakDark: 0.8, lateral: 0.25, mouth: 0, cap: 0.03, hull: 2 };

/**
 * Per covered pixel, its lightness and its chroma each over the local mean of the source's own skin
 * (`skin` set; normalised blurs at `sigma` face widths); 1 where there is no reference (and the
 * chroma ratio is 0 where the skin itself has almost no chroma: a greyscale photo).
 */
export function localSkinRatio(lab: [Float32Array, Float32Array, Float32Array], cover: Uint8Array, skin: Uint8Array, w: number, h: number, faceW: number, sigma: number): { light: Float32Array; chroma: Float32Array } {
  const n = w * h;
  const [L, A, B] = lab;
  const C = new Float32Array(n);
  chromaOf(A, B, C);
  const s = Math.max(1, sigma * faceW);
  const wt = new Float32Array(n);
  for (let i = 0; i < n; i++) if (skin[i]) wt[i] = 1;
  const den = gaussBlur(wt, w, h, s);
  const light = new Float32Array(n), chroma = new Float32Array(n);
  weighted(L, wt, light);
  const numL = gaussBlur(light, w, h, s);
  weighted(C, wt, chroma);
  const numC = gaussBlur(chroma, w, h, s);
  ratioTo(L, cover, numL, den, 0, light);
  ratioTo(C, cover, numC, den, 3, chroma);
  return { light, chroma };
}

function chromaOf(A: Float32Array, B: Float32Array, out: Float32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = Math.sqrt(A[i] * A[i] + B[i] * B[i]);
}

function weighted(v: Float32Array, wt: Float32Array, out: Float32Array): void {
  for (let i = 0; i < v.length; i++) out[i] = v[i] * wt[i];
}

/** out = v / (num / den) where covered and den is enough, else 1; 0 where the reference is under `floor`. */
function ratioTo(v: Float32Array, cover: Uint8Array, num: Float32Array, den: Float32Array, floor: number, out: Float32Array): void {
  for (let i = 0; i < out.length; i++) {
    const ref = den[i] > 0.05 ? num[i] / den[i] : 0;
    out[i] = !cover[i] || !(den[i] > 0.05) ? 1 : ref < floor ? 0 : ref > 0 ? v[i] / ref : 1;
  }
}

/**
 * Hysteresis: `occ` (0/1) grows, one pixel a step for `steps` steps (4-neighbours), into pixels
 * that are `weak` and `inside`, from the seeds that are set in both `occ` and `seed`.
 */
export function growInto(occ: Float32Array, seed: Uint8Array, weak: Uint8Array, inside: Float32Array, w: number, h: number, steps: number): void {
  const n = w * h;
  let front = new Int32Array(n);
  let fn = 0;
  const mark = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (occ[i] && seed[i]) {
      mark[i] = 1;
      front[fn++] = i;
    } else if (occ[i]) mark[i] = 1;
  }
  let next = new Int32Array(n);
  for (let s = 0; s < steps && fn > 0; s++) {
    let nn = 0;
    for (let k = 0; k < fn; k++) {
      const i = front[k];
      const x = i % w;
      if (x > 0) nn = step(i - 1, mark, weak, inside, occ, next, nn);
      if (x < w - 1) nn = step(i + 1, mark, weak, inside, occ, next, nn);
      if (i >= w) nn = step(i - w, mark, weak, inside, occ, next, nn);
      if (i + w < n) nn = step(i + w, mark, weak, inside, occ, next, nn);
    }
    const t = front;
    front = next;
    next = t;
    fn = nn;
  }
}

function step(j: number, mark: Uint8Array, weak: Uint8Array, inside: Float32Array, occ: Float32Array, next: Int32Array, nn: number): number {
  if (mark[j] || !weak[j] || !inside[j]) return nn;
  mark[j] = 1;
  occ[j] = 1;
  next[nn] = j;
  return nn + 1;
}

/**
 * mask.sideHair.cap: per side (`sides` 1 = one side of the midline, 2 = the other), what `occ` gives
 * back beyond `base` inside `hard` is at most `cap` × the hard mask's area; past it, only the
 * outermost of it stays given back: the largest `outer()` (distance from the face's midline). In place.
 */
export function capPerSide(occ: Float32Array, base: Float32Array, hard: Float32Array, sides: Uint8Array, cap: number, outer: () => Float32Array): void {
  const n = occ.length;
  let area = 0;
  for (let i = 0; i < n; i++) if (hard[i]) area++;
  const limit = Math.floor(cap * area);
  const count = [0, 0, 0];
  for (let i = 0; i < n; i++) if (occ[i] && hard[i] && !base[i] && sides[i]) count[sides[i]]++;
  if (count[1] <= limit && count[2] <= limit) return;
  const dist = outer();
  for (const s of [1, 2]) {
    if (count[s] <= limit) continue;
    const d = new Float64Array(count[s]);
    let k = 0;
    for (let i = 0; i < n; i++) if (occ[i] && hard[i] && !base[i] && sides[i] === s) d[k++] = -dist[i];
    const thr = limit > 0 ? -selectKth(d, limit - 1) : Infinity;
    // Ties at the threshold: in scan order, up to the limit.
    let above = 0;
    for (let j = 0; j < d.length; j++) if (-d[j] > thr) above++;
    let room = limit - above;
    for (let i = 0; i < n; i++) {
      if (!(occ[i] && hard[i] && !base[i] && sides[i] === s)) continue;
      if (dist[i] > thr) continue;
      if (dist[i] === thr && room > 0) { room--; continue; }
      occ[i] = 0;
    }
  }
}
