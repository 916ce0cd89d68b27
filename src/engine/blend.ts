// Gradient-domain (Poisson) blend. Seamless cloning solves ΔR = ΔS inside the mask with R = T on
// its edge; equivalently R = S + D where D is the harmonic (membrane) interpolation of the edge
// mismatch T − S. D is smooth, so we solve it by SOR on a coarse grid and upsample bilinearly.
// Edge samples on hair, teeth or other kept areas are left out (Neumann there), so a dark fringe
// does not bleed into the face — the usual failure of plain seamless cloning.

import { bilinearTaps, maskedBlur } from './raster.ts';

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
  let mean = [0, 0, 0];
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
    mean = [0, 0, 0];
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
  mean = mean.map((m) => (nd ? m / nd : 0));
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

/** Adds the bilinear upsample (from cell centres, as upsample()) of an RGB cell plane into `out`, only where `inside`. */
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
