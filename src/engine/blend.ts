// Gradient-domain (Poisson) blend. Seamless cloning solves ΔR = ΔS inside the mask with R = T on
// its edge; equivalently R = S + D where D is the harmonic (membrane) interpolation of the edge
// mismatch T − S. D is smooth, so we solve it by SOR on a coarse grid and upsample bilinearly.
// Edge samples on hair, teeth or other kept areas are left out (Neumann there), so a dark fringe
// does not bleed into the face — the usual failure of plain seamless cloning.

import { maskedBlur, upsample } from './raster.ts';

export interface BlendOptions {
  /** Smallest coarse cell in pixels (cells grow with the face so the grid stays ~120 across). */
  cell: number;
  iterations: number;
}

export const DEFAULT_BLEND: BlendOptions = { cell: 2, iterations: 300 };

/**
 * Returns D (interleaved RGB) over the ROI: add it to the source inside the mask.
 * `inside` marks unknowns (alpha > 0); `ring` marks pixels whose T − S is a trusted edge sample.
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
): Float32Array {
  // About 64 cells across the face: fine enough for lighting, cheap enough to converge.
  const f = Math.max(opts.cell, Math.round(faceW / 64));
  const cw = Math.ceil(w / f);
  const ch = Math.ceil(h / f);
  const nc = cw * ch;
  // Cell kinds: 0 = outside (Neumann), 1 = unknown, 2 = Dirichlet sample.
  const kind = new Uint8Array(nc);
  const val = new Float32Array(nc * 3);
  const cnt = new Float32Array(nc);
  const inCnt = new Float32Array(nc);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const c = ((y / f) | 0) * cw + ((x / f) | 0);
      if (inside[i] > 0) inCnt[c]++;
      else if (ring[i]) {
        cnt[c]++;
        val[c * 3] += tgt[i * 3] - src[i * 3];
        val[c * 3 + 1] += tgt[i * 3 + 1] - src[i * 3 + 1];
        val[c * 3 + 2] += tgt[i * 3 + 2] - src[i * 3 + 2];
      }
    }
  }
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
  const unknowns: number[] = [];
  for (let c = 0; c < nc; c++) if (kind[c] === 1) unknowns.push(c);
  const nbr = new Int32Array(unknowns.length * 4).fill(-1);
  unknowns.forEach((c, u) => {
    const cx = c % cw;
    const cy = (c / cw) | 0;
    const cand = [cx > 0 ? c - 1 : -1, cx < cw - 1 ? c + 1 : -1, cy > 0 ? c - cw : -1, cy < ch - 1 ? c + cw : -1];
    let j = 0;
    for (const q of cand) if (q >= 0 && kind[q] !== 0) nbr[u * 4 + j++] = q;
  });
  const omega = 1.9;
  for (let it = 0; it < opts.iterations; it++) {
    let change = 0;
    for (let u = 0; u < unknowns.length; u++) {
      const c = unknowns[u];
      let n = 0;
      let s0 = 0, s1 = 0, s2 = 0;
      for (let j = 0; j < 4; j++) {
        const q = nbr[u * 4 + j];
        if (q < 0) break;
        s0 += val[q * 3];
        s1 += val[q * 3 + 1];
        s2 += val[q * 3 + 2];
        n++;
      }
      if (!n) continue;
      const d0 = s0 / n - val[c * 3];
      const d1 = s1 / n - val[c * 3 + 1];
      const d2 = s2 / n - val[c * 3 + 2];
      val[c * 3] += omega * d0;
      val[c * 3 + 1] += omega * d1;
      val[c * 3 + 2] += omega * d2;
      const m = Math.max(Math.abs(d0), Math.abs(d1), Math.abs(d2));
      if (m > change) change = m;
    }
    if (change < 0.05) break; // 0.05 of a grey level: invisible
  }

  // Bilinear upsample from cell centres; cells without a value take the mean mismatch.
  const out = new Float32Array(w * h * 3);
  const plane = new Float32Array(nc);
  for (let k = 0; k < 3; k++) {
    for (let c = 0; c < nc; c++) plane[c] = kind[c] === 0 ? mean[k] : val[c * 3 + k];
    const up = upsample(plane, cw, ch, f, w, h);
    for (let i = 0; i < w * h; i++) if (inside[i] > 0) out[i * 3 + k] = up[i];
  }
  return out;
}
