// Gradient-domain (Poisson) blend. Seamless cloning solves ΔR = ΔS inside the mask with R = T on
// its edge; equivalently R = S + D where D is the harmonic (membrane) interpolation of the edge
// mismatch T − S. D is smooth, so we solve it by SOR on a coarse grid and upsample bilinearly.
// Edge samples on hair, teeth or other kept areas are left out (Neumann there), so a dark fringe
// does not bleed into the face — the usual failure of plain seamless cloning.

import { bilinearTaps, gaussBlur, maskedBlur } from './raster.ts';

export interface BlendOptions {
  /** Smallest coarse cell in pixels (cells grow with the face so the grid stays ~120 across). */
  cell: number;
  iterations: number;
  /**
   * Width (fraction of face width) of the outer band the correction fades out over: D is kept in
   * full at the edge and falls to 0 this far inside, so the inner face is the colour-matched
   * source itself (no template feature can bleed through). 0 = D over the whole face.
   */
  band?: number;
  /**
   * Edge samples whose mismatch is further than this (grey levels, or 3 robust deviations if
   * larger) from the median are dropped (a beard or a shadow at the edge must not tint the face).
   * 0 = keep every sample.
   */
  outlier?: number;
  /**
   * Two-band transition at the composite (σ, fraction of face width; 0 = off): the result − template
   * difference is split into a low band (its alpha-weighted local mean at this σ) and the rest; the
   * rest keeps alpha, the low band takes min(alpha, alpha blurred by σ), a wider ramp that only
   * reaches further inward, so a tone step at the edge becomes a gradient while detail keeps its
   * narrow feather. Only near trusted skin-edge samples (`ring`; kept mouth, beard, glasses and
   * hair keep alpha). Still exactly the template wherever alpha is 0. Applied by multiband().
   */
  multiband?: number;
}

/** The plain membrane (other engines use it as is); the classic swap sets `band` and `outlier` (swap.ts). */
export const DEFAULT_BLEND: BlendOptions = { cell: 2, iterations: 300, band: 0, outlier: 0 };

/**
 * Returns D (interleaved RGB) over the ROI: add it to the source inside the mask (or, given `into`,
 * adds it there and returns that). `inside` marks unknowns (alpha > 0); `ring` marks pixels whose
 * T − S is a trusted edge sample.
 */
export function membrane(
  src: Float32Array,
  tgt: Float32Array,
  inside: Float32Array,
  ring: Uint8Array,
  w: number,
  h: number,
  faceW: number,
  opts: BlendOptions = DEFAULT_BLEND,
  into?: Float32Array,
): Float32Array {
  // About 64 cells across the face: fine enough for lighting, cheap enough to converge.
  const f = Math.max(opts.cell, Math.round(faceW / 64));
  const cw = Math.ceil(w / f);
  const ch = Math.ceil(h / f);
  const nc = cw * ch;
  // Cell kinds: 0 = outside (Neumann), 1 = unknown, 2 = Dirichlet sample.
  const kind = new Uint8Array(nc);
  const { val, cnt, inCnt } = edgeSums(src, tgt, inside, ring, w, h, f, cw, nc);
  // A Float64Array: [0, 0, 0] turned from small integers to doubles mid-loop ("wrong map").
  const mean = new Float64Array(3);
  let nd = 0;
  for (let c = 0; c < nc; c++) {
    if (inCnt[c] > 0) kind[c] = 1;
    else if (cnt[c] > 0) {
      kind[c] = 2;
      for (let k = 0; k < 3; k++) val[c * 3 + k] /= cnt[c];
      for (let k = 0; k < 3; k++) mean[k] += val[c * 3 + k];
      nd++;
    }
  }
  if ((opts.outlier ?? 0) > 0 && nd > 8) {
    // Robust edge: mismatch (mean of the channels) far from the median is a beard, hair or a
    // shadow on one image only; such cells become Neumann.
    const lum: number[] = [];
    for (let c = 0; c < nc; c++) if (kind[c] === 2) lum.push((val[c * 3] + val[c * 3 + 1] + val[c * 3 + 2]) / 3);
    const sorted = [...lum].sort((a, b) => a - b);
    const med = sorted[sorted.length >> 1];
    const dev = lum.map((v) => Math.abs(v - med)).sort((a, b) => a - b);
    const lim = Math.max(opts.outlier ?? 0, 3 * 1.4826 * dev[dev.length >> 1]);
    mean.fill(0);
    nd = 0;
    for (let c = 0; c < nc; c++) {
      if (kind[c] !== 2) continue;
      if (Math.abs((val[c * 3] + val[c * 3 + 1] + val[c * 3 + 2]) / 3 - med) > lim) {
        kind[c] = 0;
        continue;
      }
      for (let k = 0; k < 3; k++) mean[k] += val[c * 3 + k];
      nd++;
    }
  }
  for (let k = 0; k < 3; k++) mean[k] = nd ? mean[k]! / nd : 0;
  // Start unknowns at a normalised blur of the edge samples: SOR then only has to refine it.
  const wgt = new Float32Array(nc);
  for (let c = 0; c < nc; c++) wgt[c] = kind[c] === 2 ? 1 : 0;
  for (let k = 0; k < 3; k++) {
    const p = new Float32Array(nc);
    for (let c = 0; c < nc; c++) p[c] = kind[c] === 2 ? val[c * 3 + k] : 0;
    const guess = maskedBlur(p, wgt, cw, ch, Math.max(2, cw / 6));
    for (let c = 0; c < nc; c++) if (kind[c] === 1) val[c * 3 + k] = nd ? guess[c] : 0;
  }

  // SOR over the unknowns only, with neighbour lists built once.
  let nu = 0;
  for (let c = 0; c < nc; c++) if (kind[c] === 1) nu++;
  const unknowns = new Int32Array(nu);
  for (let c = 0, u = 0; c < nc; c++) if (kind[c] === 1) unknowns[u++] = c;
  const nbr = new Int32Array(nu * 4).fill(-1);
  for (let u = 0; u < nu; u++) {
    const c = unknowns[u];
    const cx = c % cw;
    const cy = (c / cw) | 0;
    let j = 0;
    if (cx > 0 && kind[c - 1] !== 0) nbr[u * 4 + j++] = c - 1;
    if (cx < cw - 1 && kind[c + 1] !== 0) nbr[u * 4 + j++] = c + 1;
    if (cy > 0 && kind[c - cw] !== 0) nbr[u * 4 + j++] = c - cw;
    if (cy < ch - 1 && kind[c + cw] !== 0) nbr[u * 4 + j++] = c + cw;
  }
  sor(val, unknowns, nbr, opts.iterations);

  // Band weight: 1 on cells outside the face (reached from the grid border without crossing an
  // unknown), falling to 0 `band` inside; holes (mouth) are walked through like the face.
  const ramp = new Float32Array(nc).fill(1);
  const bandCells = ((opts.band ?? 0) * faceW) / f;
  if (bandCells > 0) {
    const dist = new Int32Array(nc).fill(-1);
    const queue = new Int32Array(nc);
    let qe = 0;
    const seed = (c: number) => {
      if (dist[c] >= 0 || kind[c] === 1) return;
      dist[c] = 0;
      queue[qe++] = c;
    };
    for (let cx = 0; cx < cw; cx++) { seed(cx); seed((ch - 1) * cw + cx); }
    for (let cy = 0; cy < ch; cy++) { seed(cy * cw); seed(cy * cw + cw - 1); }
    // Outside cells first (flood through non-unknowns at distance 0), then everything by distance.
    qe = flood(queue, 0, qe, dist, kind, cw, nc, true);
    flood(queue, 0, qe, dist, kind, cw, nc, false);
    for (let c = 0; c < nc; c++) {
      const t = dist[c] < 0 ? 1 : Math.min(1, Math.max(0, (dist[c] - 0.5) / bandCells));
      ramp[c] = 1 - t * t * (3 - 2 * t);
    }
  }

  // Bilinear upsample from cell centres; cells without a value take the mean mismatch.
  const plane = new Float32Array(nc * 3);
  for (let c = 0; c < nc; c++) for (let k = 0; k < 3; k++) plane[c * 3 + k] = (kind[c] === 0 ? mean[k] : val[c * 3 + k]) * ramp[c];
  return upsampleInside(plane, cw, ch, f, w, h, inside, into ?? new Float32Array(w * h * 3));
}

/** Per cell of side f: the summed edge mismatch T − S of its ring pixels, their count, and its count of inside pixels. */
function edgeSums(src: Float32Array, tgt: Float32Array, inside: Float32Array, ring: Uint8Array, w: number, h: number, f: number, cw: number, nc: number) {
  const val = new Float32Array(nc * 3);
  const cnt = new Float32Array(nc);
  const inCnt = new Float32Array(nc);
  for (let y = 0; y < h; y++) {
    const row = ((y / f) | 0) * cw;
    for (let x = 0, i = y * w; x < w; x++, i++) {
      const c = row + ((x / f) | 0);
      if (inside[i] > 0) inCnt[c]++;
      else if (ring[i]) {
        cnt[c]++;
        val[c * 3] += tgt[i * 3] - src[i * 3];
        val[c * 3 + 1] += tgt[i * 3 + 1] - src[i * 3 + 1];
        val[c * 3 + 2] += tgt[i * 3 + 2] - src[i * 3 + 2];
      }
    }
  }
  return { val, cnt, inCnt };
}

/** Adds the bilinear upsample (from cell centres, bilinearTaps) of an RGB cell plane into `out`, only where `inside`. */
function upsampleInside(plane: Float32Array, cw: number, ch: number, f: number, w: number, h: number, inside: Float32Array, out: Float32Array): Float32Array {
  const { i0: cx0, i1: cx1, t: ctx } = bilinearTaps(w, cw, f);
  const { i0: ry0, i1: ry1, t: rty } = bilinearTaps(h, ch, f);
  for (let y = 0; y < h; y++) {
    const r0 = ry0[y] * cw;
    const r1 = ry1[y] * cw;
    const ty = rty[y];
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (!(inside[i] > 0)) continue;
      const tx = ctx[x];
      const a0 = (r0 + cx0[x]) * 3, a1 = (r0 + cx1[x]) * 3, b0 = (r1 + cx0[x]) * 3, b1 = (r1 + cx1[x]) * 3;
      for (let k = 0; k < 3; k++) {
        const a = plane[a0 + k] + (plane[a1 + k] - plane[a0 + k]) * tx;
        const b = plane[b0 + k] + (plane[b1 + k] - plane[b0 + k]) * tx;
        out[i * 3 + k] += a + (b - a) * ty;
      }
    }
  }
  return out;
}

/**
 * Breadth-first walk over the grid's 4-neighbours from the queue's [start, end): with `outside`,
 * through cells that are not unknowns at distance 0; else through all cells, one more a step.
 * Returns the queue's new end.
 */
function flood(queue: Int32Array, start: number, end: number, dist: Int32Array, kind: Uint8Array, cw: number, nc: number, outside: boolean): number {
  for (let qs = start; qs < end; qs++) {
    const c = queue[qs];
    const cx = c % cw;
    for (let j = 0; j < 4; j++) {
      const q = j === 0 ? (cx > 0 ? c - 1 : -1) : j === 1 ? (cx < cw - 1 ? c + 1 : -1) : j === 2 ? c - cw : c + cw < nc ? c + cw : -1;
      if (q < 0 || dist[q] >= 0) continue;
      if (outside) {
        if (kind[q] === 1 || dist[c] !== 0) continue;
        dist[q] = 0;
      } else dist[q] = dist[c] + 1;
      queue[end++] = q;
    }
  }
  return end;
}

/** Successive over-relaxation of the unknown cells' RGB toward the mean of their (up to 4) neighbours. */
function sor(val: Float32Array, unknowns: Int32Array, nbr: Int32Array, iterations: number): void {
  const omega = 1.9;
  for (let it = 0; it < iterations; it++) {
    let change = 0;
    for (let u = 0; u < unknowns.length; u++) {
      const c = unknowns[u] * 3;
      let n = 0;
      let s0 = 0, s1 = 0, s2 = 0;
      for (let j = u * 4; j < u * 4 + 4; j++) {
        const q = nbr[j];
        if (q < 0) break;
        s0 += val[q * 3];
        s1 += val[q * 3 + 1];
        s2 += val[q * 3 + 2];
        n++;
      }
      if (!n) continue;
      const d0 = s0 / n - val[c];
      const d1 = s1 / n - val[c + 1];
      const d2 = s2 / n - val[c + 2];
      val[c] += omega * d0;
      val[c + 1] += omega * d1;
      val[c + 2] += omega * d2;
      const m = Math.max(Math.abs(d0), Math.abs(d1), Math.abs(d2));
      if (m > change) change = m;
    }
    if (change < 0.05) break; // 0.05 of a grey level: invisible
  }
}

/**
 * The two-band transition (BlendOptions.multiband): changes `src` in place so that the plain
 * composite tgt + a·(src − tgt) gives tgt + a·(Δ − L) + aLow·L, where Δ = src − tgt, L is Δ's
 * alpha-weighted mean at σ = `sigma`·faceW and aLow = min(a, a blurred by σ), with alpha taken
 * as 1 further than the feather + 2σ from every `ring` pixel outside the mask. Only pixels where
 * aLow < a (the inner side of the skin edge's feather) change; alpha-0 pixels are never read as
 * Δ. The smooth fields are computed on a grid of cells ~σ/3 wide and sampled bilinearly.
 */
export function multiband(src: Float32Array, tgt: Float32Array, alpha: Float32Array, ring: Uint8Array, w: number, h: number, faceW: number, sigma: number): void {
  const lb = lowBand(src, tgt, alpha, ring, w, h, faceW, sigma);
  if (!lb) return;
  const rows = new LowBandRows(lb, w, h);
  for (let y = 0; y < h; y++) {
    rows.at(y);
    applyRow(src, alpha, y * w, w, rows.cx0, rows.cx1, rows.tx, rows.va, rows.vl, rows.pairMin);
  }
}

/** multiband()'s smooth fields on its grid of cells (k px): the low band's weight and the low band (RGB). */
interface LowBand {
  k: number;
  cw: number;
  ch: number;
  aLow: Float32Array;
  low: Float32Array;
}

/** The grid half of multiband(); undefined = nothing to do. */
function lowBand(src: Float32Array, tgt: Float32Array, alpha: Float32Array, ring: Uint8Array, w: number, h: number, faceW: number, sigma: number): LowBand | undefined {
  const s = sigma * faceW;
  if (!(s >= 1)) return undefined;
  const k = Math.max(1, Math.floor(s / 3));
  const cw = Math.ceil(w / k);
  const ch = Math.ceil(h / k);
  const nc = cw * ch;
  const aSum = new Float32Array(nc);
  const dSum = [new Float32Array(nc), new Float32Array(nc), new Float32Array(nc)];
  const seed = new Uint8Array(nc);
  const st = k >= 4 ? 2 : 1;
  if (!bandSums(src, tgt, alpha, ring, w, h, k, st, cw, aSum, dSum[0], dSum[1], dSum[2], seed)) return undefined;
  const sc = s / k;
  // Mean alpha of each cell (edge cells are partial), blurred: the low band's wider ramp.
  const aMean = new Float32Array(nc);
  cellMeans(aSum, aMean, w, h, k, st, cw, ch);
  // Only the skin edge widens (jaw, cheeks, forehead): cells further than the feather plus 2σ
  // from a trusted edge sample (skin in both images, outside the mask) count as 1, so kept areas
  // (mouth, beard, glasses, hair) keep their own transition and do not bleed further in.
  nearEdge(aMean, seed, cw, ch, Math.ceil((0.06 * faceW + 2 * s) / k));
  const aLow = gaussBlur(aMean, cw, ch, sc);
  const wB = gaussBlur(aSum, cw, ch, sc);
  const low = new Float32Array(nc * 3);
  for (let c = 0; c < 3; c++) normalisedInto(gaussBlur(dSum[c], cw, ch, sc), wB, low, c);
  return { k, cw, ch, aLow, low };
}

/**
 * Per cell of side k: Σ a and Σ a·(src − tgt) per channel over the pixels with a > 0 on every
 * `st`-th row and column (the low band is far smoother than that), and whether the cell holds a
 * ring pixel outside the mask (seed); false if no pixel has a > 0.
 */
function bandSums(src: Float32Array, tgt: Float32Array, alpha: Float32Array, ring: Uint8Array, w: number, h: number, k: number, st: number, cw: number, aSum: Float32Array, d0: Float32Array, d1: Float32Array, d2: Float32Array, seed: Uint8Array): boolean {
  let any = false;
  const col = new Int32Array(w);
  for (let x = 0; x < w; x++) col[x] = (x / k) | 0;
  for (let y = 0; y < h; y += st) {
    const row = ((y / k) | 0) * cw;
    for (let x = 0, i = y * w; x < w; x += st, i += st) {
      const a = alpha[i];
      if (!(a > 0)) {
        if (ring[i]) seed[row + col[x]] = 1;
        continue;
      }
      any = true;
      const c = row + col[x];
      const j = i * 3;
      aSum[c] += a;
      d0[c] += a * (src[j] - tgt[j]);
      d1[c] += a * (src[j + 1] - tgt[j + 1]);
      d2[c] += a * (src[j + 2] - tgt[j + 2]);
    }
  }
  return any;
}

/** Σ a per cell → mean a per cell over its sampled pixels (every st-th; edge cells may be partial). */
function cellMeans(aSum: Float32Array, out: Float32Array, w: number, h: number, k: number, st: number, cw: number, ch: number): void {
  const samples = (from: number, to: number) => Math.ceil(to / st) - Math.ceil(from / st);
  for (let cy = 0; cy < ch; cy++) {
    const ny = samples(cy * k, Math.min(h, cy * k + k));
    for (let cx = 0; cx < cw; cx++) {
      const nx = samples(cx * k, Math.min(w, cx * k + k));
      out[cy * cw + cx] = nx * ny > 0 ? aSum[cy * cw + cx] / (nx * ny) : 0;
    }
  }
}

/** Cells further than `reach` steps (4-neighbour walk) from every seed are set to 1. */
function nearEdge(a: Float32Array, seed: Uint8Array, cw: number, ch: number, reach: number): void {
  const nc = cw * ch;
  const dist = new Int32Array(nc).fill(-1);
  const queue = new Int32Array(nc);
  let qe = 0;
  for (let c = 0; c < nc; c++) {
    if (seed[c]) {
      dist[c] = 0;
      queue[qe++] = c;
    }
  }
  for (let qs = 0; qs < qe; qs++) {
    const c = queue[qs];
    if (dist[c] >= reach) continue;
    const cx = c % cw;
    for (let j = 0; j < 4; j++) {
      const q = j === 0 ? (cx > 0 ? c - 1 : -1) : j === 1 ? (cx < cw - 1 ? c + 1 : -1) : j === 2 ? c - cw : c + cw < nc ? c + cw : -1;
      if (q < 0 || dist[q] >= 0) continue;
      dist[q] = dist[c] + 1;
      queue[qe++] = q;
    }
  }
  for (let c = 0; c < nc; c++) if (dist[c] < 0) a[c] = 1;
}

/** out[c·3 + ch] = num[c] / den[c] (0 where den is ~0). */
function normalisedInto(num: Float32Array, den: Float32Array, out: Float32Array, channel: number): void {
  for (let c = 0; c < num.length; c++) out[c * 3 + channel] = den[c] > 1e-6 ? num[c] / den[c] : 0;
}

/**
 * A LowBand interpolated row by row (bilinear from cell centres): at(y) fills `va` (aLow) and `vl`
 * (low, RGB) per cell column for row y, and `pairMin`, the least aLow of each cell column and its
 * right neighbour, which decides at one load that a pixel has nothing to do.
 */
class LowBandRows {
  readonly cx0: Int32Array;
  readonly cx1: Int32Array;
  readonly tx: Float64Array;
  readonly va: Float32Array;
  readonly vl: Float32Array;
  readonly pairMin: Float32Array;
  private readonly ry0: Int32Array;
  private readonly ry1: Int32Array;
  private readonly ty: Float64Array;
  constructor(private readonly lb: LowBand, w: number, h: number) {
    const x = bilinearTaps(w, lb.cw, lb.k);
    const y = bilinearTaps(h, lb.ch, lb.k);
    this.cx0 = x.i0;
    this.cx1 = x.i1;
    this.tx = x.t;
    this.ry0 = y.i0;
    this.ry1 = y.i1;
    this.ty = y.t;
    this.va = new Float32Array(lb.cw);
    this.vl = new Float32Array(lb.cw * 3);
    this.pairMin = new Float32Array(lb.cw);
  }

  at(y: number): void {
    const { cw, aLow, low } = this.lb;
    lerpRow(aLow, low, this.ry0[y] * cw, this.ry1[y] * cw, this.ty[y], cw, this.va, this.vl, this.pairMin);
  }
}

/** One row of LowBandRows: the cells' vertical interpolation. */
function lerpRow(aLow: Float32Array, low: Float32Array, r0: number, r1: number, ty: number, cw: number, va: Float32Array, vl: Float32Array, pairMin: Float32Array): void {
  for (let c = 0; c < cw; c++) {
    va[c] = aLow[r0 + c] + (aLow[r1 + c] - aLow[r0 + c]) * ty;
    for (let j = 0; j < 3; j++) vl[c * 3 + j] = low[(r0 + c) * 3 + j] + (low[(r1 + c) * 3 + j] - low[(r0 + c) * 3 + j]) * ty;
  }
  for (let c = 0; c < cw; c++) pairMin[c] = Math.min(va[c], va[c < cw - 1 ? c + 1 : c]);
}

/** One row of multiband(): src += (aLow/a − 1)·low (horizontal interpolation), only where aLow < a. */
function applyRow(src: Float32Array, alpha: Float32Array, row: number, w: number, cx0: Int32Array, cx1: Int32Array, ctx: Float64Array, va: Float32Array, vl: Float32Array, pairMin: Float32Array): void {
  for (let x = 0, i = row; x < w; x++, i++) {
    const a = alpha[i];
    if (!(a > 0)) continue;
    const c0 = cx0[x];
    if (pairMin[c0] >= a - 1e-4) continue;
    const c1 = cx1[x];
    const tx = ctx[x];
    const al = va[c0] + (va[c1] - va[c0]) * tx;
    if (!(al < a)) continue;
    const r = (al > 0 ? al : 0) / a - 1;
    const p0 = c0 * 3, p1 = c1 * 3, j = i * 3;
    src[j] += r * (vl[p0] + (vl[p1] - vl[p0]) * tx);
    src[j + 1] += r * (vl[p0 + 1] + (vl[p1 + 1] - vl[p0 + 1]) * tx);
    src[j + 2] += r * (vl[p0 + 2] + (vl[p1 + 2] - vl[p0 + 2]) * tx);
  }
}
