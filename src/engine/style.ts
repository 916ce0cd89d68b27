// Styling: a portrait template's make-up is part of its look. With style 'template' (the default)
// the user's lips take the template's lip colour (and, with `eyes` > 0, the eyelids its eye-shadow
// colour; off by default: it tinted eyes more often than it matched make-up), over the user's own
// shapes and texture; with 'source' the user's own make-up stays. With `eyeMakeup` a source lid
// band far more made-up than the template's, each against its own cheek, is toned down toward the
// template's contrast; by default only behind `eyeMakeupGate`, where a dark, chroma-poor liner wing
// says it is make-up and not a deep-set eye (ungated it cost identity on the tune split).
// Only means move (Lab, per region, feathered), so the features' detail, and identity, are the user's.
import { boxBlur, fillPolygon, growPolygon, selectKth } from './raster.ts';
import { BROW_LEFT, BROW_RIGHT, EYE_LEFT, EYE_RIGHT, LIPS_INNER, LIPS_OUTER, pick } from './regions.ts';
import type { Roi } from './warp.ts';

export type Style = 'template' | 'source';

export interface StyleOptions {
  style: Style;
  /** 0..1: how far the lips' mean colour moves to the template's. */
  lips: number;
  /** 0..1: the same for the eyelids (eye-shadow). */
  eyes: number;
  /**
   * 0 = the lips as one region, plain means, lightness moved half as far (the old behaviour,
   * bit-identical). > 0: the upper and the lower lip each on their own, across their depth (opening
   * → outer contour, and the lower lip's fold under it), from robust statistics (only lip-coloured
   * pixels: the template's teeth and dark corners left out); lightness moves this share of the way.
   */
  lipParts: number;
  /**
   * 0 = off (the old output, bit-identical). > 0: where the source's upper-lid / lash-line band is
   * much darker or more coloured, relative to its own cheek skin, than the template's same band is
   * to the template's skin (heavy eye make-up onto a plain template), the source's band is pulled
   * toward its skin until its contrast is the template's (never darkened, never below
   * `EYE_MAKEUP_KEEP` of its own contrast); this is the share of that pull.
   */
  eyeMakeup: number;
  /**
   * 0..1 (1 by default; 0 = off, the old output bit for bit): a blue, green or violet eye-shadow of
   * the source (a hue its skin and that skin's shadows never have) is turned back onto its skin's
   * hue in the upper-lid band, its lightness and warm chroma kept, when the template's lids have
   * less of it.
   */
  coolLids: number;
  /**
   * 0 = off (`eyeMakeup` acts on any dark lid band, the old output bit for bit). 1: `eyeMakeup`
   * acts only × the make-up gate (`makeupGate`: a dark, chroma-poor wing past both eyes' outer
   * corners that the template lacks), so a deep-set eye's shadow is left alone.
   */
  eyeMakeupGate: number;
}

export const DEFAULT_STYLE: StyleOptions = { style: 'template', lips: 0.85, eyes: 0, lipParts: 0, eyeMakeup: 1, coolLids: 1, eyeMakeupGate: 1 };

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
  // A Float64Array: [0, 0, 0] turned from small integers to doubles mid-loop ("wrong map").
  const mean = new Float64Array(3);
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
  return { mean: Array.from(mean, (v) => (weight ? v / weight : 0)), weight };
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
  if (opts.lips > 0 && opts.lipParts > 0) {
    applyLipParts(src, tgt, cover, roi, local(dst, LIPS_OUTER), local(dst, LIPS_INNER), local(tMesh, LIPS_OUTER), local(tMesh, LIPS_INNER), faceW, opts);
  } else if (opts.lips > 0) {
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
  // The lid bands and their statistics, measured once for the gate, eyeMakeup and coolLids.
  let lids = opts.eyeMakeup > 0 || opts.coolLids > 0 ? measureLids(src, tgt, cover, roi, dst, tMesh, faceW) : [];
  if (opts.eyeMakeup > 0) {
    // eyeMakeupGate: only as far as the wing says make-up (1 − gate share of the pull withheld).
    const g = opts.eyeMakeupGate > 0 ? 1 - Math.min(1, opts.eyeMakeupGate) * (1 - makeupGate(lids, src, tgt, cover, roi, faceW)) : 1;
    // The pull changed the source's bands: coolLids measures them again.
    if (g > 0 && applyEyeMakeup(lids, src, cover, roi, faceW, opts.eyeMakeup * g)) lids = measureLids(src, tgt, cover, roi, dst, tMesh, faceW);
  }
  if (opts.coolLids > 0) applyCoolLids(lids, src, tgt, cover, roi, faceW, Math.min(1, opts.coolLids));
  for (const job of jobs) {
    const ms = means(src, cover, w, job.s);
    const mt = means(tgt, cover, w, job.t);
    if (ms.weight < 20 || mt.weight < 20) continue;
    // Lightness moves half as far: a dark lipstick onto pale lips must not read as a hole.
    const shift = [0, 1, 2].map((c) => (mt.mean[c] - ms.mean[c]) * job.amount * (c === 0 ? 0.5 : 1));
    const r = job.s;
    shiftRegion(src[0], src[1], src[2], cover, r.m, r.x0, r.y0, r.w, r.h, w, shift[0]!, shift[1]!, shift[2]!);
  }
}

/**
 * applyStyle()'s shift of a region's L, a, b by its soft weights. A kernel of its own: inlined in
 * applyStyle with the mesh points' destructuring, the whole function was deoptimised and compiled
 * again twice a thread.
 */
function shiftRegion(L: Float32Array, A: Float32Array, B: Float32Array, cover: Uint8Array, m: Float32Array, rx: number, ry: number, rw: number, rh: number, w: number, s0: number, s1: number, s2: number): void {
  for (let y = 0; y < rh; y++) {
    for (let x = 0; x < rw; x++) {
      const k = m[y * rw + x]!;
      const i = (ry + y) * w + rx + x;
      if (!(k > 0) || !cover[i]) continue;
      L[i] += k * s0;
      A[i] += k * s1;
      B[i] += k * s2;
    }
  }
}

/** The upper (0) or lower (1) lip: between the outer and the inner contour (LIPS_OUTER / LIPS_INNER order). */
export function lipPart(outer: Pt[], inner: Pt[], part: 0 | 1): Pt[] {
  // Both contours run corner (0) → over the top → other corner (10) → under the bottom → back.
  if (part === 0) return [...outer.slice(0, 11), ...inner.slice(0, 11).reverse()];
  return [...outer.slice(10), outer[0], inner[0], ...inner.slice(10).reverse()];
}

function median(v: number[]): number {
  // The upper median, selected (raster.ts selectKth), not sorted.
  return v.length ? selectKth(Float64Array.from(v), v.length >> 1) : 0;
}

/** Distance from (x, y) to an open polyline. */
function polyDist(x: number, y: number, pl: Float64Array): number {
  // Squared distances, one square root (this runs for every pixel of both faces' lips); the
  // polyline as flat x, y pairs.
  let best = Infinity;
  for (let j = 0; j + 3 < pl.length; j += 2) {
    const ax = pl[j]!, ay = pl[j + 1]!, bx = pl[j + 2]!, by = pl[j + 3]!;
    const dx = bx - ax, dy = by - ay;
    const l2 = dx * dx + dy * dy;
    const t = l2 > 0 ? Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / l2)) : 0;
    const ex = x - ax - t * dx, ey = y - ay - t * dy;
    const d2 = ex * ex + ey * ey;
    if (d2 < best) best = d2;
  }
  return Math.sqrt(best);
}

/** A lip's pixels (ROI index) and their depth coordinate, the first `n` of each. */
interface Pixels {
  i: Int32Array;
  v: Float64Array;
  n: number;
}

/** Bins of the lip's depth coordinate: 0 at the opening, 1 on the outer contour, up to 2 past it (the lower lip's fold). */
const NB = 8;

interface Profile {
  /** Per bin: mean L, a, b (robust) and the weight behind it. */
  mean: Float64Array;
  weight: Float64Array;
}

/**
 * A lip's colour profile across its depth: every pixel of the lip (and, with `band` > 0 px, of the
 * band that far past its outer contour) gets v = d_in / (d_in + d_out) inside, 1 + d_out / band
 * outside; per bin of v, the mean Lab of the pixels that pass the robust test (inside the lip:
 * chroma ≥ 0.55 × the lip's median, lightness within max(6, 2.5 robust deviations) of the bin's
 * median; in the band: the lightness test only).
 */
function lipProfile(lab: Lab, cover: Uint8Array, w: number, h: number, outer: Pt[], inner: Pt[], poly: Pt[], band: number): { prof: Profile; px: Pixels } {
  const xs = poly.map((p) => p[0]), ys = poly.map((p) => p[1]);
  const x0 = Math.max(0, Math.floor(Math.min(...xs) - band - 1)), x1 = Math.min(w - 1, Math.ceil(Math.max(...xs) + band + 1));
  const y0 = Math.max(0, Math.floor(Math.min(...ys) - band - 1)), y1 = Math.min(h - 1, Math.ceil(Math.max(...ys) + band + 1));
  const rw = x1 - x0 + 1, rh = y1 - y0 + 1;
  const inLip = new Float32Array(Math.max(1, rw * rh));
  if (rw > 0 && rh > 0) fillPolygon(inLip, rw, rh, poly.map(([x, y]) => [x - x0, y - y0] as Pt), 1);
  const px: Pixels = { i: new Int32Array(rw * rh), v: new Float64Array(rw * rh), n: 0 };
  const outerF = Float64Array.from(outer.flat()), innerF = Float64Array.from(inner.flat());
  // The outer contour's box grown by the band: a pixel off the lip and outside it is farther than the band.
  const ox = outer.map((p) => p[0]), oy = outer.map((p) => p[1]);
  const bx0 = Math.min(...ox) - band, bx1 = Math.max(...ox) + band, by0 = Math.min(...oy) - band, by1 = Math.max(...oy) + band;
  for (let y = 0; y < rh; y++) {
    for (let x = 0; x < rw; x++) {
      const i = (y0 + y) * w + x0 + x;
      if (!cover[i]) continue;
      const lip = inLip[y * rw + x] > 0;
      if (!lip && (!(band > 0) || x0 + x <= bx0 || x0 + x >= bx1 || y0 + y <= by0 || y0 + y >= by1)) continue;
      const dOut = polyDist(x0 + x, y0 + y, outerF);
      if (lip) {
        const dIn = polyDist(x0 + x, y0 + y, innerF);
        px.i[px.n] = i;
        px.v[px.n++] = dIn / (dIn + dOut + 1e-6);
      } else if (dOut < band && polyDist(x0 + x, y0 + y, innerF) > dOut) {
        px.i[px.n] = i;
        px.v[px.n++] = 1 + dOut / band;
      }
    }
  }
  const chroma: number[] = [];
  for (let q = 0; q < px.n; q++) if (px.v[q]! <= 1) chroma.push(Math.hypot(lab[1][px.i[q]!], lab[2][px.i[q]!]));
  const lipC = median(chroma);
  const mean = new Float64Array(NB * 3), weight = new Float64Array(NB);
  const bins: number[][] = Array.from({ length: NB }, () => []);
  for (let q = 0; q < px.n; q++) bins[Math.min(NB - 1, Math.floor((px.v[q]! / 2) * NB))].push(px.i[q]!);
  for (let b = 0; b < NB; b++) {
    const ids = bins[b];
    const Ls = ids.map((i) => lab[0][i]);
    const mL = median(Ls);
    const win = Math.max(6, 2.5 * 1.4826 * median(Ls.map((v) => Math.abs(v - mL))));
    const lip = b < NB / 2;
    for (const i of ids) {
      if (Math.abs(lab[0][i] - mL) > win) continue;
      if (lip && Math.hypot(lab[1][i], lab[2][i]) < 0.55 * lipC) continue;
      weight[b]++;
      for (let c = 0; c < 3; c++) mean[b * 3 + c] += lab[c][i];
    }
    if (weight[b]) for (let c = 0; c < 3; c++) mean[b * 3 + c] /= weight[b];
  }
  return { prof: { mean, weight }, px };
}

/** The polyline of a part's outer (or inner) contour, corner to corner. */
function contour(c: Pt[], part: 0 | 1): Pt[] {
  return part === 0 ? c.slice(0, 11) : [...c.slice(10), c[0]];
}

/**
 * Each lip on its own, across its depth: the source's lip (where the warp put it, `so`/`si`) takes
 * the template's lip profile (`to`/`ti`): per depth bin, a, b shifted × `lips` and L × `lipParts`
 * (linear between bin centres); the lower lip's fold (a band 0.05 face width under it) has its
 * colour moved the same way, at most 12 units of L and 4 of a, b, so the source's shadow under a closed lip does
 * not land as a dark band under the template's open one.
 */
function applyLipParts(src: Lab, tgt: Lab, cover: Uint8Array, roi: Roi, so: Pt[], si: Pt[], to: Pt[], ti: Pt[], faceW: number, opts: StyleOptions): void {
  const { w, h } = roi;
  for (const part of [0, 1] as const) {
    const band = 0.05 * faceW;
    const S = lipProfile(src, cover, w, h, contour(so, part), contour(si, part), lipPart(so, si, part), band);
    const T = lipProfile(tgt, cover, w, h, contour(to, part), contour(ti, part), lipPart(to, ti, part), band);
    // Per bin shift; bins without enough pixels on either side take their neighbours'.
    const sh = new Float64Array(NB * 3);
    const ok = new Uint8Array(NB);
    for (let b = 0; b < NB; b++) {
      if (!(part === 0 && b >= NB / 2) && (S.prof.weight[b] < 8 || T.prof.weight[b] < 8)) continue;
      ok[b] = 1;
      const lip = b < NB / 2;
      for (let c = 0; c < 3; c++) {
        let d = (T.prof.mean[b * 3 + c] - S.prof.mean[b * 3 + c]) * (c === 0 ? opts.lipParts : opts.lips);
        // The upper lip's band only softens its edge; the lower lip's fold is matched, bounded.
        if (!lip) d = part === 0 ? 0 : Math.max(-(c ? 4 : 12), Math.min(c ? 4 : 12, d));
        sh[b * 3 + c] = d;
      }
    }
    if (!ok.some((v) => v)) continue;
    for (let b = 0; b < NB; b++) {
      if (ok[b]) continue;
      let n = -1;
      for (let d = 1; d < NB && n < 0; d++) n = b - d >= 0 && ok[b - d] ? b - d : b + d < NB && ok[b + d] ? b + d : -1;
      for (let c = 0; c < 3; c++) sh[b * 3 + c] = sh[n * 3 + c];
    }
    for (let q = 0; q < S.px.n; q++) {
      const i = S.px.i[q]!, v = S.px.v[q]!;
      const f = (v / 2) * NB - 0.5;
      const b0 = Math.max(0, Math.min(NB - 1, Math.floor(f))), b1 = Math.min(NB - 1, b0 + 1);
      const t = Math.max(0, Math.min(1, f - b0));
      // Past the outer contour the shift holds over the band's first half, then fades out.
      const k = v <= 1.5 ? 1 : 1 - smooth(2 * (v - 1.5));
      for (let c = 0; c < 3; c++) src[c][i] += k * ((1 - t) * sh[b0 * 3 + c] + t * sh[b1 * 3 + c]);
    }
  }
}

const smooth = (x: number) => { const t = Math.max(0, Math.min(1, x)); return t * t * (3 - 2 * t); };

/** The least share of the source's own lid contrast (L and chroma against its skin) that stays. */
export const EYE_MAKEUP_KEEP = 0.75;
/** Contrast the source may exceed the template's by, untouched (L units; a, b units). */
const EYE_MAKEUP_SLACK_L = 10, EYE_MAKEUP_SLACK_C = 5;

/** The band's reach, face widths: over the upper lid, under the lower lash line, past the outer corner. */
const LID_LIFT = 0.09, LID_DROP = 0.025, LID_WING = 0.03, LID_FEATHER = 0.025, LASH_KEEP = 0.01;

/** The upper-lid and lash-line band (the eye's contour, upper points lifted, lower points lowered a little) and the eye's opening, ROI coordinates. */
export function lidBand(mesh: ArrayLike<number>[], eye: number[], brow: number[], faceW: number, x0: number, y0: number): { band: Pt[]; eye: Pt[]; brow: Pt[]; cheek: Pt[] } {
  const pts = pick(mesh, eye).map(([x, y]) => [x - x0, y - y0] as Pt);
  const bp = growPolygon(pick(mesh, brow).map(([x, y]) => [x - x0, y - y0] as Pt), 0.01 * faceW);
  const cy = pts.reduce((s, p) => s + p[1], 0) / pts.length;
  const band = pts.map(([x, y]) => [x, y < cy ? y - LID_LIFT * faceW : y + LID_DROP * faceW] as Pt);
  // The outer corner (EYE_* index 0) pushed out along the eye's axis: a smoky wing runs past it.
  const [ox, oy] = pts[0]!, [ix, iy] = pts[8]!, ax = ox - ix, ay = oy - iy, al = Math.hypot(ax, ay) || 1;
  band[0] = [ox + (ax / al) * LID_WING * faceW, oy + (ay / al) * LID_WING * faceW];
  // The cheek under the eye: the lower contour (corner to corner, EYE_* order 8..15, 0) moved down 0.07 and 0.13 face widths.
  const low = [...pts.slice(8), pts[0]!];
  const cheek = [...low.map(([x, y]) => [x, y + 0.07 * faceW] as Pt), ...low.reverse().map(([x, y]) => [x, y + 0.13 * faceW] as Pt)];
  return { band, eye: pts, brow: bp, cheek };
}

interface LidStats {
  /** The cheek's median L, a, b and the band's (pixels at ≥ half weight) median L, a, b. */
  skin: number[];
  band: number[];
  weight: number;
}

type LidGeometry = ReturnType<typeof lidBand>;

/** Per eye (left, right), each face's lid band (lidBand) and its statistics (lidStats): source at `dst`, template at `tMesh`. */
interface Lids {
  gs: LidGeometry;
  gt: LidGeometry;
  S: { st: LidStats; r: Region };
  T: { st: LidStats; r: Region };
}

function measureLids(src: Lab, tgt: Lab, cover: Uint8Array, roi: Roi, dst: ArrayLike<number>[], tMesh: ArrayLike<number>[], faceW: number): Lids[] {
  const { w, h, x0, y0 } = roi;
  return [EYE_LEFT, EYE_RIGHT].map((eye) => {
    const brow = eye === EYE_LEFT ? BROW_LEFT : BROW_RIGHT;
    const gs = lidBand(dst, eye, brow, faceW, x0, y0), gt = lidBand(tMesh, eye, brow, faceW, x0, y0);
    return { gs, gt, S: lidStats(src, cover, w, h, gs, faceW), T: lidStats(tgt, cover, w, h, gt, faceW) };
  });
}

function lidStats(lab: Lab, cover: Uint8Array, w: number, h: number, g: LidGeometry, faceW: number): { st: LidStats; r: Region } {
  const r = lidRegion(w, h, g, faceW, true);
  // The band's median (the lashes, a thin strip in every face, do not set it; the lid's skin does).
  // The pixel loops are kernels on typed arrays: inlined here, with the points' [x, y] and the
  // sample arrays growing from small integers to doubles, lidStats was deoptimised ("wrong map")
  // and compiled again up to 5 times a thread.
  const nb = r.w * r.h, acc = new Float64Array(1);
  const b0 = new Float64Array(nb), b1 = new Float64Array(nb), b2 = new Float64Array(nb);
  const nBand = bandSamples(lab[0], lab[1], lab[2], cover, r.m, r.x0, r.y0, r.w, r.h, w, b0, b1, b2, acc);
  const weight = acc[0]!;
  const band = { mean: nBand ? [medianOf(b0, nBand), medianOf(b1, nBand), medianOf(b2, nBand)] : [0, 0, 0], weight: nBand >= 20 ? weight : 0 };
  const c = region(w, h, g.cheek, undefined, 1);
  const nc = c.w * c.h;
  const v0 = new Float64Array(nc), v1 = new Float64Array(nc), v2 = new Float64Array(nc);
  const nCheek = cheekSamples(lab[0], lab[1], lab[2], cover, c.m, c.x0, c.y0, c.w, c.h, w, v0, v1, v2);
  const skin = nCheek >= 20 ? [medianOf(v0, nCheek), medianOf(v1, nCheek), medianOf(v2, nCheek)] : [];
  return { st: { skin, band: band.mean, weight: skin.length ? band.weight : 0 }, r };
}

/** median() of the first n values of `v` (the same values in the same order: the same result). */
function medianOf(v: Float64Array, n: number): number {
  return n ? selectKth(v.slice(0, n), n >> 1) : 0;
}

/** Zero where the hole is set (soft weights m and hole over the same window). */
function cutHole(m: Float32Array, hole: Float32Array): void {
  for (let i = 0; i < hole.length; i++) if (hole[i]! > 0) m[i] = 0;
}

/** lidStats' band: L, a, b of the covered pixels at ≥ half weight into o0..o2 (their count returned), the weights' sum into acc[0]. */
function bandSamples(L: Float32Array, A: Float32Array, B: Float32Array, cover: Uint8Array, m: Float32Array, rx: number, ry: number, rw: number, rh: number, w: number, o0: Float64Array, o1: Float64Array, o2: Float64Array, acc: Float64Array): number {
  let weight = 0, n = 0;
  for (let y = 0; y < rh; y++) for (let x = 0; x < rw; x++) {
    const i = (ry + y) * w + rx + x;
    const k = m[y * rw + x]!;
    if (!cover[i] || !(k > 0)) continue;
    weight += k;
    if (k >= 0.5) {
      o0[n] = L[i]!;
      o1[n] = A[i]!;
      o2[n] = B[i]!;
      n++;
    }
  }
  acc[0] = weight;
  return n;
}

/** lidStats' cheek: L, a, b of the covered pixels at ≥ half weight into o0..o2; their count. */
function cheekSamples(L: Float32Array, A: Float32Array, B: Float32Array, cover: Uint8Array, m: Float32Array, rx: number, ry: number, rw: number, rh: number, w: number, o0: Float64Array, o1: Float64Array, o2: Float64Array): number {
  let n = 0;
  for (let y = 0; y < rh; y++) for (let x = 0; x < rw; x++) {
    const i = (ry + y) * w + rx + x;
    if (m[y * rw + x]! < 0.5 || !cover[i]) continue;
    o0[n] = L[i]!;
    o1[n] = A[i]!;
    o2[n] = B[i]!;
    n++;
  }
  return n;
}

/**
 * style.coolLids: a shadow keeps its skin's hue at less chroma (virat_kohli's deep sockets: hue
 * 62° against the cheek's 64°), so a deep-set eye and eye-shadow are told apart by hue, not by
 * darkness: a pixel of the lid band whose a, b point more than COOL_FROM away from the cheek's
 * (blue, green, violet) is make-up. Its a, b go to their part along the skin's hue (never
 * negative), × the weight of how far off that hue and how coloured it is; L is never touched (the
 * shadow's depth and the lash line, which the recognisers read, stay). Per eye, only when the
 * source's band has a larger share of such pixels than the template's.
 */
function applyCoolLids(lids: Lids[], src: Lab, tgt: Lab, cover: Uint8Array, roi: Roi, faceW: number, amount: number): void {
  const { w, h } = roi;
  for (const { gs, gt, S, T } of lids) {
    if (S.st.weight < 20 || T.st.weight < 20) continue;
    // Up to the lash line (a hue change leaves the lash line's darkness, which identity reads):
    // the band feathered at its outer edge only, the opening and the brow cut out.
    const rs = lidRegion(w, h, gs, faceW, false), rt = lidRegion(w, h, gt, faceW, false);
    const hue = (sk: number[]) => {
      const n = Math.hypot(sk[1]!, sk[2]!);
      // A colourless cheek (a greyscale photo) has no hue to compare with.
      return n >= COOL_SKIN_CHROMA ? [sk[1]! / n, sk[2]! / n] : undefined;
    };
    const us = hue(S.st.skin), ut = hue(T.st.skin);
    if (!us) continue;
    const shareS = coolShare(src[1], src[2], cover, rs.m, rs.x0, rs.y0, rs.w, rs.h, w, us[0]!, us[1]!);
    const shareT = ut ? coolShare(tgt[1], tgt[2], cover, rt.m, rt.x0, rt.y0, rt.w, rt.h, w, ut[0]!, ut[1]!) : 0;
    if (!(shareS > shareT)) continue;
    coolToSkinHue(src[1], src[2], cover, rs.m, rs.x0, rs.y0, rs.w, rs.h, w, us[0]!, us[1]!, amount);
  }
}

/**
 * lidBand's band as soft weights, feathered at its outer edge and, with `fromEye`, from the eye's
 * opening too (lidStats; coolLids' reaches the lash line); the opening itself stays out whatever
 * the feather (the iris is darker than any make-up), and so does the brow (a furrowed brow sits in
 * the band).
 */
function lidRegion(w: number, h: number, g: { band: Pt[]; eye: Pt[]; brow: Pt[] }, faceW: number, fromEye: boolean): Region {
  const r = region(w, h, g.band, fromEye ? g.eye : undefined, LID_FEATHER * faceW);
  const hole = new Float32Array(r.w * r.h);
  const shift = (pts: Pt[]) => pts.map(([x, y]) => [x - r.x0, y - r.y0] as Pt);
  fillPolygon(hole, r.w, r.h, shift(g.eye), 1);
  fillPolygon(hole, r.w, r.h, shift(g.brow), 1);
  cutHole(r.m, hole);
  return r;
}

/** coolLids: the cheek's least chroma that gives it a hue; the hue distance (degrees) from which a pixel is make-up, full at COOL_FULL; its least chroma, full at twice. */
const COOL_SKIN_CHROMA = 4, COOL_FROM = 60, COOL_FULL = 100, COOL_CHROMA = 3;

/** coolLids' weight of one pixel's a, b against the skin's hue (ua, ub): how far off it and how coloured. */
function coolWeight(a: number, b: number, ua: number, ub: number): number {
  const c = Math.hypot(a, b);
  if (!(c > COOL_CHROMA)) return 0;
  const deg = (Math.acos(Math.max(-1, Math.min(1, (a * ua + b * ub) / c))) * 180) / Math.PI;
  return smooth((deg - COOL_FROM) / (COOL_FULL - COOL_FROM)) * smooth((c - COOL_CHROMA) / COOL_CHROMA);
}

/** The weighted share of a lid band (soft weights m over its window) that is make-up by hue. */
function coolShare(A: Float32Array, B: Float32Array, cover: Uint8Array, m: Float32Array, rx: number, ry: number, rw: number, rh: number, w: number, ua: number, ub: number): number {
  let total = 0, cool = 0;
  for (let y = 0; y < rh; y++) {
    for (let x = 0; x < rw; x++) {
      const k = m[y * rw + x]!, i = (ry + y) * w + rx + x;
      if (!(k > 0) || !cover[i]) continue;
      total += k;
      cool += k * coolWeight(A[i]!, B[i]!, ua, ub);
    }
  }
  return total > 0 ? cool / total : 0;
}

/** coolLids' recolouring: a, b toward their part along the skin's hue (ua, ub), never negative. */
function coolToSkinHue(A: Float32Array, B: Float32Array, cover: Uint8Array, m: Float32Array, rx: number, ry: number, rw: number, rh: number, w: number, ua: number, ub: number, amount: number): void {
  for (let y = 0; y < rh; y++) {
    for (let x = 0; x < rw; x++) {
      const k0 = m[y * rw + x]!, i = (ry + y) * w + rx + x;
      if (!(k0 > 0) || !cover[i]) continue;
      const a = A[i]!, b = B[i]!;
      const k = amount * k0 * coolWeight(a, b, ua, ub);
      if (!(k > 0)) continue;
      const p = Math.max(0, a * ua + b * ub);
      A[i] = a + k * (p * ua - a);
      B[i] = b + k * (p * ub - b);
    }
  }
}

/**
 * style.eyeMakeup: the source's lid band (where the warp put it) keeps its own shape and texture
 * but its contrast against its own skin — lightness and colour each — is scaled down toward the
 * template's (its band against its skin), per eye; only ever lighter / less coloured.
 */
function applyEyeMakeup(lids: Lids[], src: Lab, cover: Uint8Array, roi: Roi, faceW: number, amount: number): boolean {
  const { w } = roi;
  let wrote = false;
  for (const { gs, S, T } of lids) {
    if (S.st.weight < 20 || T.st.weight < 20) continue;
    const [sk, sb, tk, tb] = [S.st.skin, S.st.band, T.st.skin, T.st.band] as number[][];
    const dLs = sk![0]! - sb![0]!, dLt = Math.max(0, tk![0]! - tb![0]!);
    const dCs = Math.hypot(sb![1]! - sk![1]!, sb![2]! - sk![2]!), dCt = Math.hypot(tb![1]! - tk![1]!, tb![2]! - tk![2]!);
    const rL = dLs > 0 ? Math.max(EYE_MAKEUP_KEEP, Math.min(1, (dLt + EYE_MAKEUP_SLACK_L) / dLs)) : 1;
    const rC = dCs > 0 ? Math.max(EYE_MAKEUP_KEEP, Math.min(1, (dCt + EYE_MAKEUP_SLACK_C) / dCs)) : 1;
    if (rL >= 1 && rC >= 1) continue;
    const pL = amount * (1 - rL), pC = amount * (1 - rC);
    const r = S.r;
    wrote = true;
    // The lash line itself (the eye's outline, which the recognisers read) is kept: no pull within
    // LASH_KEEP face widths of the eye's contour, full pull from twice that.
    const outline = gs.eye;
    const ring = Float64Array.from([...outline, outline[0]!].flat());
    const d0 = LASH_KEEP * faceW;
    for (let y = 0; y < r.h; y++) {
      for (let x = 0; x < r.w; x++) {
        const i = (r.y0 + y) * w + r.x0 + x;
        if (!(r.m[y * r.w + x]! > 0) || !cover[i]) continue;
        const k = r.m[y * r.w + x]! * smooth((polyDist(r.x0 + x, r.y0 + y, ring) - d0) / d0);
        if (!(k > 0)) continue;
        // As a layer's opacity: lightening a pixel toward the skin takes its colour along (L alone
        // turned the lifted shadow grey); colour alone moves by the chroma share.
        const pl = sk![0]! > src[0][i]! ? pL : 0;
        const pc = Math.max(pl, pC);
        src[0][i] += k * pl * (sk![0]! - src[0][i]!);
        src[1][i] += k * pc * (sk![1]! - src[1][i]!);
        src[2][i] += k * pc * (sk![2]! - src[2][i]!);
      }
    }
  }
  return wrote;
}

/**
 * eyeMakeupGate: pigment is told from a socket's shadow by its chroma. A shadow on skin keeps the
 * skin's chroma in proportion to its lightness (C ≈ C_skin × (L + 16) / (L_skin + 16)); black,
 * grey or dark-brown liner and smoky shadow have far less at their darkness. The lashes and brows
 * are such too, so the gate looks where only make-up is: past the outer corner (a wing).
 * LINER_DARK: L under the cheek from which a pixel counts as dark (full at twice); LINER_GREY: the
 * chroma share (of a shadow's) under which it is pigment, full at half; LINER_FROM / LINER_FULL:
 * the source's wing share over the template's (the lesser eye of each) from which the gate opens
 * and where it is full.
 */
const LINER_DARK = 15, LINER_GREY = 0.6, LINER_FROM = 0.15, LINER_FULL = 0.25;
/** The wing's box past the outer corner, face widths: along the eye's axis, and across it (up positive). */
const WING_S0 = 0.005, WING_S1 = 0.05, WING_T0 = -0.01, WING_T1 = 0.03, WING_STEP = 0.0025;

/** A pixel's weight as pigment: dark against the skin (Ls) and poor in chroma along the skin's hue (ua, ub, Cs) for that darkness. */
function pigment(L: number, a: number, b: number, Ls: number, Cs: number, ua: number, ub: number): number {
  const dark = smooth((Ls - L - LINER_DARK) / LINER_DARK);
  if (!(dark > 0)) return 0;
  const ce = (Cs * Math.max(0, L + 16)) / (Ls + 16);
  if (!(ce > 1)) return 0;
  const c = Math.max(0, a * ua + b * ub);
  return dark * smooth((LINER_GREY - c / ce) / (LINER_GREY / 2));
}

/** The share of the wing box past an eye's outer corner (ox, oy; axis ux, uy; up nx, ny) that is dark pigment (pigment() > ½). */
function wingShare(L: Float32Array, A: Float32Array, B: Float32Array, cover: Uint8Array, w: number, h: number, ox: number, oy: number, ux: number, uy: number, nx: number, ny: number, faceW: number, Ls: number, Cs: number, ua: number, ub: number): number {
  let n = 0, k = 0;
  for (let s = WING_S0; s <= WING_S1 + 1e-9; s += WING_STEP) {
    for (let t = WING_T0; t <= WING_T1 + 1e-9; t += WING_STEP) {
      const px = Math.round(ox + (s * ux + t * nx) * faceW), py = Math.round(oy + (s * uy + t * ny) * faceW);
      if (px < 0 || py < 0 || px >= w || py >= h) continue;
      const i = py * w + px;
      if (!cover[i]) continue;
      n++;
      if (pigment(L[i]!, A[i]!, B[i]!, Ls, Cs, ua, ub) > 0.5) k++;
    }
  }
  return n ? k / n : 0;
}

/** One eye's wing share, from its lid band and statistics (undefined: no band, or a colourless cheek). */
function eyeWing(lab: Lab, cover: Uint8Array, w: number, h: number, g: LidGeometry, st: LidStats, faceW: number): number | undefined {
  if (st.weight < 20) return undefined;
  const sk = st.skin, Cs = Math.hypot(sk[1]!, sk[2]!);
  if (Cs < COOL_SKIN_CHROMA) return undefined;
  const [ox, oy] = g.eye[0]!, [ix, iy] = g.eye[8]!, al = Math.hypot(ox - ix, oy - iy) || 1;
  const ux = (ox - ix) / al, uy = (oy - iy) / al;
  // Across the axis, the side toward the brow (image up).
  const up = ux >= 0 ? 1 : -1;
  const nx = up * uy, ny = -up * ux;
  return wingShare(lab[0], lab[1], lab[2], cover, w, h, ox, oy, ux, uy, nx, ny, faceW, sk[0]!, Cs, sk[1]! / Cs, sk[2]! / Cs);
}

/**
 * eyeMakeupGate: 0..1, how surely the source wears dark eye make-up the template does not. The
 * share of pigment pixels in the wing box past each eye's outer corner, the lesser of the two eyes
 * (a lock of hair over one eye, or a shadow on one side, is not make-up), the source's less the
 * template's (a template with a colourless cheek or no band: 0); from LINER_FROM, full at
 * LINER_FULL. 0 where either of the source's eyes has no band or a colourless cheek.
 */
function makeupGate(lids: Lids[], src: Lab, tgt: Lab, cover: Uint8Array, roi: Roi, faceW: number): number {
  const { w, h } = roi;
  const s = lids.map((l) => eyeWing(src, cover, w, h, l.gs, l.S.st, faceW));
  if (s.length < 2 || s.some((v) => v === undefined)) return 0;
  const t = lids.map((l) => eyeWing(tgt, cover, w, h, l.gt, l.T.st, faceW) ?? 0);
  return smooth((Math.min(...(s as number[])) - Math.min(...t) - LINER_FROM) / (LINER_FULL - LINER_FROM));
}
