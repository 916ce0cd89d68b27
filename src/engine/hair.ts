// Hair found by texture, not colour: blonde or grey strands over pale skin are skin-coloured,
// but they are fine, parallel and high-contrast — a strong, coherent local orientation (the
// structure tensor), where skin is weakly textured and without one direction.
import { bilinearTaps, boxBlur, gaussBlur, selectKth, setBox } from './raster.ts';
import { skinZ } from './skin.ts';

export interface StrandOptions {
  /** Structure-tensor energy, in multiples of the median over plain skin, from which a pixel may be hair (0 = off). */
  energy: number;
  /** Coherence (0..1) from which the texture counts as strands. */
  coherence: number;
  /**
   * A lock of the source's hair along the face's side (mask.strands.fill): the texture finds only
   * its edges and the strands on it, and its plain inside — dark, but of the skin's hue (red or
   * brown hair), so the colour test scores it 4–5 — stayed the source's as a painted streak. With
   * `fill` > 0, at the sides (`lateral` face widths from the midline, at most `low` face widths
   * below the eyes' line) each connected area of source pixels darker than `fill` × the local skin
   * lightness is the template's when it meets the hard mask's edge, is at least `size` and at
   * least `share` of it is strands by texture (the lock's own edges and strands) (0 = off).
   */
  fill: number;
  /** The share of the dark area that must be strands by texture. */
  share: number;
  /** The least area of a lock, in face widths squared (a temple's patch or a sideburn's tip stays the source's). */
  size: number;
  /** Only at least this far (face widths) from the face's vertical midline. */
  lateral: number;
  /** Only down to this far (face widths) below the eyes' line. */
  low: number;
  /**
   * 1: the features' hull (grown 4 %) stays the source's; 0: at the sides only the eyes, brows and
   * lips themselves (grown 2 %) do, so a lock hanging by the eye's outer corner is taken too.
   */
  hull: number;
}

export const DEFAULT_STRANDS: StrandOptions = { energy: 8, coherence: 0.55, fill: 0.6, share: 0.04, size: 0.02, lateral: 0.25, low: 0.6, hull: 1 };

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

/**
 * mask.strands.fill: 1 on each 4-connected area of `dark` (0/1) pixels that has at least `share`
 * of its pixels in `strands`, at least `minArea` pixels and a pixel on `hard`'s outer edge (a
 * neighbour outside it).
 */
export function strandLocks(dark: Uint8Array, strands: Uint8Array, hard: Float32Array, w: number, h: number, share: number, minArea = 0): Uint8Array {
  const n = w * h;
  const out = new Uint8Array(n);
  const seen = new Uint8Array(n);
  const stack = new Int32Array(n);
  const comp = new Int32Array(n);
  for (let s = 0; s < n; s++) {
    if (!dark[s] || seen[s]) continue;
    let sp = 0, cn = 0, st = 0, edge = false;
    seen[s] = 1;
    stack[sp++] = s;
    while (sp > 0) {
      const i = stack[--sp];
      comp[cn++] = i;
      if (strands[i]) st++;
      const x = i % w;
      for (let k = 0; k < 4; k++) {
        const j = k === 0 ? (x > 0 ? i - 1 : -1) : k === 1 ? (x < w - 1 ? i + 1 : -1) : k === 2 ? i - w : i + w;
        if (j < 0 || j >= n) continue;
        if (!hard[j]) edge = true;
        if (dark[j] && !seen[j]) {
          seen[j] = 1;
          stack[sp++] = j;
        }
      }
    }
    if (edge && cn >= minArea && st >= share * cn) for (let k = 0; k < cn; k++) out[comp[k]] = 1;
  }
  return out;
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

// ---------------------------------------------------------------------------------------------
// The kept hair's edge at full size (mask.hairEdge). The mask is worked out on a grid of cells
// (~240 across the face) by per-cell skin tests, smoothed with box blurs and feathered by a box
// erosion: the kept hair's boundary came out as the cells' stair steps and the boxes' square
// corners (notches at the temples and cheeks), and it fell where the cell's mean passed the skin
// test, a few pixels inside the hair, so the source's skin showed as a rim on the hair's edge.
// Here the kept hair is brought back to full size as a smooth contour (bilinear from the cell
// centres), grown by a few pixels into pixels that are hair-coloured at full size, and feathered
// by its Euclidean distance (round, with no box corners).

export interface HairEdgeOptions {
  /** 1: the kept hair's edge is worked out at full size (below); 0 = off (the grid's edge, box feather). */
  smooth: number;
  /** Half the feather ramp, in face widths (alpha reaches 1 at twice this from the kept hair; the grid's is 0.012). */
  feather: number;
  /** How far (face widths) the kept hair grows at full size into hair-coloured pixels (0 = not). */
  grow: number;
  /** Hair-coloured: skin distance (template or source) over this. */
  growZ: number;
  /** σ (face widths) of the round blur whose half-way contour smooths the kept hair's edge (0 = none). */
  round: number;
}

export const DEFAULT_HAIR_EDGE: HairEdgeOptions = { smooth: 1, feather: 0.015, grow: 0.012, growZ: 3, round: 0.012 };

/**
 * The kept hair at full size (w × h) from its k×-reduced plane (`low`, lw × lh, 0/1): set where
 * the bilinear interpolation from the cell centres is over 0.5 and `cover` is (k = 1: `low`
 * itself).
 */
export function upsampleKeep(low: Float32Array, lw: number, lh: number, k: number, cover: Uint8Array, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h);
  if (k <= 1) {
    for (let i = 0; i < out.length; i++) if (low[i] && cover[i]) out[i] = 1;
    return out;
  }
  const xt = bilinearTaps(w, lw, k), yt = bilinearTaps(h, lh, k);
  for (let y = 0; y < h; y++) {
    const r0 = yt.i0[y] * lw, r1 = yt.i1[y] * lw, ty = yt.t[y];
    for (let x = 0, i = y * w; x < w; x++, i++) {
      if (!cover[i]) continue;
      const a = low[r0 + xt.i0[x]], b = low[r0 + xt.i1[x]], c = low[r1 + xt.i0[x]], d = low[r1 + xt.i1[x]];
      if (a + b + c + d === 0) continue;
      const tx = xt.t[x];
      const top = a + (b - a) * tx, bot = c + (d - c) * tx;
      if (top + (bot - top) * ty > 0.5) out[i] = 1;
    }
  }
  return out;
}

/** What growHair() grows into: covered pixels that are not skin (skinZ over z) in the template or in the source. */
export interface HairLike {
  cover: Uint8Array;
  target: Float64Array;
  source: Float64Array;
  z: number;
  targetLab: [Float32Array, Float32Array, Float32Array];
  sourceLab: [Float32Array, Float32Array, Float32Array];
}

/**
 * Geodesic growth of `keep` (in place), one pixel a step (8-neighbours) for `steps` steps, into
 * hair-like pixels where `guard` is not set. The test is inline, not a callback: a closure made per
 * swap made V8 compile this loop again on every swap.
 */
export function growHair(keep: Uint8Array, w: number, h: number, steps: number, like: HairLike, guard: Uint8Array): void {
  const { cover, target: tp, source: sp, z } = like;
  const [tL, tA, tB] = like.targetLab, [sL, sA, sB] = like.sourceLab;
  const n = w * h;
  const mark = new Uint8Array(n);
  let front: Int32Array = new Int32Array(1024);
  let fn = 0;
  for (let i = 0; i < n; i++) {
    if (!keep[i]) continue;
    mark[i] = 1;
    const x = i % w;
    // Only the boundary of the kept area seeds the growth.
    if ((x > 0 && !keep[i - 1]) || (x < w - 1 && !keep[i + 1]) || (i >= w && !keep[i - w]) || (i + w < n && !keep[i + w])) {
      if (fn === front.length) front = grownI32(front);
      front[fn++] = i;
    }
  }
  for (let s = 0; s < steps && fn > 0; s++) {
    let next: Int32Array = new Int32Array(Math.max(1024, fn * 2));
    let nn = 0;
    for (let q = 0; q < fn; q++) {
      const i = front[q];
      const x = i % w, y = (i / w) | 0;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= w) continue;
          const j = yy * w + xx;
          if (mark[j]) continue;
          mark[j] = 1;
          if (guard[j] || !(cover[j] === 1 && (skinZ(tp, tL[j], tA[j], tB[j]) > z || skinZ(sp, sL[j], sA[j], sB[j]) > z))) continue;
          keep[j] = 1;
          if (nn === next.length) next = grownI32(next);
          next[nn++] = j;
        }
      }
    }
    front = next;
    fn = nn;
  }
}

function grownI32(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

/**
 * Per pixel, 0 on `keep` and rising with the Euclidean distance from it (smoothstep over
 * 0..2r): the kept hair's feather, round at every scale. Only the window around the kept pixels
 * (grown by 2r + 2) is computed; 1 elsewhere.
 */
export function distanceFeather(keep: Uint8Array, w: number, h: number, r: number): Float32Array {
  const out = new Float32Array(w * h).fill(1);
  const box = setBox(keep, w, h);
  if (!box) return out;
  let { x0, y0, x1, y1 } = box;
  const span = Math.max(1, 2 * r);
  const pad = Math.ceil(span) + 2;
  x0 = Math.max(0, x0 - pad); y0 = Math.max(0, y0 - pad);
  x1 = Math.min(w - 1, x1 + pad); y1 = Math.min(h - 1, y1 + pad);
  const cw = x1 - x0 + 1, ch = y1 - y0 + 1;
  const d2 = new Float64Array(cw * ch);
  const INF = 1e20;
  for (let y = 0; y < ch; y++) for (let x = 0; x < cw; x++) d2[y * cw + x] = keep[(y0 + y) * w + x0 + x] ? 0 : INF;
  edt(d2, cw, ch);
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      const t = Math.min(1, Math.sqrt(d2[y * cw + x]) / span);
      out[(y0 + y) * w + x0 + x] = t * t * (3 - 2 * t);
    }
  }
  return out;
}

/** Squared Euclidean distance transform in place (Felzenszwalb & Huttenlocher): columns, then rows. */
function edt(d: Float64Array, w: number, h: number): void {
  const m = Math.max(w, h);
  const f = new Float64Array(m), out = new Float64Array(m), z = new Float64Array(m + 1);
  const v = new Int32Array(m);
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) f[y] = d[y * w + x];
    edt1(f, h, out, v, z);
    for (let y = 0; y < h; y++) d[y * w + x] = out[y];
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) f[x] = d[y * w + x];
    edt1(f, w, out, v, z);
    for (let x = 0; x < w; x++) d[y * w + x] = out[x];
  }
}

function edt1(f: Float64Array, n: number, d: Float64Array, v: Int32Array, z: Float64Array): void {
  let k = 0;
  v[0] = 0;
  z[0] = -Infinity;
  z[1] = Infinity;
  for (let q = 1; q < n; q++) {
    let s = (f[q] + q * q - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
    while (s <= z[k]) {
      k--;
      s = (f[q] + q * q - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1] < q) k++;
    const dq = q - v[k];
    d[q] = dq * dq + f[v[k]];
  }
}

// ---------------------------------------------------------------------------------------------
// Stubble at the mouth (mask.stubble): light stubble is skin-coloured (it passes the colour test,
// so mask.beardMouth did not keep it and the template's moustache turned see-through) but it is a
// dense field of fine dark dots: its fine-band energy (the lightness's local variance about a
// small blur) is several times that of the same face's plain forehead.

export interface StubbleOptions {
  /** Fine-band energy, in multiples of the median over the face's forehead, from which a pixel counts as stubble (0 = off). */
  energy: number;
  /** 1: the source's stubble counts too (with mask.beardMouth 2), 0: only the template's. */
  source: number;
}

export const DEFAULT_STUBBLE: StubbleOptions = { energy: 0, source: 0 };

/** Forehead points (mesh ids) whose patches give the reference energy. */
const FOREHEAD = [151, 9, 108, 337, 10, 109, 338];

/** A pixel rectangle of the ROI, ends exclusive. */
export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * The fine-band energy (mean square of L less its r1 box blur, over an r2 box; 0 outside `cover`)
 * over `rect`, as a rect-sized plane, worked out on `rect` grown by r1 + r2 + 1 (clipped to the
 * ROI): inside `rect` the values are the whole ROI's, up to the rounding of the boxes' running sums.
 */
function fineEnergy(L: Float32Array, cover: Uint8Array, w: number, h: number, r1: number, r2: number, rect: Rect): Float32Array {
  const m = r1 + r2 + 1;
  const gx0 = Math.max(0, rect.x0 - m), gy0 = Math.max(0, rect.y0 - m), gx1 = Math.min(w, rect.x1 + m), gy1 = Math.min(h, rect.y1 + m);
  const cw = gx1 - gx0, ch = gy1 - gy0;
  const crop = new Float32Array(cw * ch);
  for (let y = 0; y < ch; y++) crop.set(L.subarray((gy0 + y) * w + gx0, (gy0 + y) * w + gx1), y * cw);
  const base = boxBlur(crop, cw, ch, r1);
  const sq = new Float32Array(cw * ch);
  // A kernel: this loop made fineEnergy hot, and the call after it (no feedback yet) deoptimised
  // it, up to 4 times a thread.
  coveredSquares(crop, base, cover, w, gx0, gy0, cw, ch, sq);
  const e = boxBlur(sq, cw, ch, r2);
  const rw = rect.x1 - rect.x0, rh = rect.y1 - rect.y0;
  const out = new Float32Array(rw * rh);
  for (let y = 0; y < rh; y++) {
    const from = (rect.y0 - gy0 + y) * cw + rect.x0 - gx0;
    out.set(e.subarray(from, from + rw), y * rw);
  }
  return out;
}

/** fineEnergy's squares (crop − base)² where the crop (cw × ch at gx0, gy0 of a w-wide plane) is covered. */
function coveredSquares(crop: Float32Array, base: Float32Array, cover: Uint8Array, w: number, gx0: number, gy0: number, cw: number, ch: number, sq: Float32Array): void {
  for (let y = 0; y < ch; y++) {
    for (let x = 0, i = (gy0 + y) * w + gx0, j = y * cw; x < cw; x++, i++, j++) if (cover[i]) sq[j] = (crop[j]! - base[j]!) ** 2;
  }
}

/**
 * 1 where the lightness plane `L` (w × h, only where `cover`) has a fine-band energy over
 * `energy` × the median over patches around the forehead points of `mesh` (ROI pixels); the
 * energy is the mean square of L less its box blur (radius ~0.4 % of the face width) over
 * ~0.8 % of the face width. With `only`, just that rectangle is worked out (0 elsewhere) and the
 * forehead's patches on their own.
 */
export function stubbleMap(L: Float32Array, cover: Uint8Array, w: number, h: number, mesh: ArrayLike<number>[], x0: number, y0: number, faceW: number, energy: number, only?: Rect): Float32Array {
  const n = w * h;
  const out = new Float32Array(n);
  if (!(energy > 0)) return out;
  const r1 = Math.max(1, Math.round(0.004 * faceW));
  const r2 = Math.max(1, Math.round(0.008 * faceW));
  const full: Rect = { x0: 0, y0: 0, x1: w, y1: h };
  const at = only ? { x0: Math.max(0, only.x0), y0: Math.max(0, only.y0), x1: Math.min(w, only.x1), y1: Math.min(h, only.y1) } : full;
  if (at.x1 <= at.x0 || at.y1 <= at.y0) return out;
  const pr = Math.max(2, Math.round(0.03 * faceW));
  const centres = FOREHEAD.map((id) => [Math.round(mesh[id][0] - x0), Math.round(mesh[id][1] - y0)] as const);
  const xs = centres.map((c) => c[0]), ys = centres.map((c) => c[1]);
  const fr: Rect = only ? { x0: Math.max(0, Math.min(...xs) - pr), y0: Math.max(0, Math.min(...ys) - pr), x1: Math.min(w, Math.max(...xs) + pr + 1), y1: Math.min(h, Math.max(...ys) + pr + 1) } : full;
  const e = fineEnergy(L, cover, w, h, r1, r2, at);
  const ef = !only ? e : fr.x1 > fr.x0 && fr.y1 > fr.y0 ? fineEnergy(L, cover, w, h, r1, r2, fr) : new Float32Array(0);
  const fw = fr.x1 - fr.x0;
  const ref: number[] = [];
  for (const [cx, cy] of centres) {
    for (let y = cy - pr; y <= cy + pr; y += 2) {
      for (let x = cx - pr; x <= cx + pr; x += 2) {
        if (x < 0 || y < 0 || x >= w || y >= h || !cover[y * w + x]) continue;
        ref.push(ef[(y - fr.y0) * fw + x - fr.x0]!);
      }
    }
  }
  if (ref.length < 20) return out;
  const lim = energy * Math.max(0.5, selectKth(Float64Array.from(ref), ref.length >> 1));
  const aw = at.x1 - at.x0;
  for (let y = at.y0; y < at.y1; y++) {
    for (let x = at.x0, i = y * w + at.x0, j = (y - at.y0) * aw; x < at.x1; x++, i++, j++) if (cover[i] && e[j]! > lim) out[i] = 1;
  }
  return out;
}
