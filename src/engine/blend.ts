// Gradient-domain (Poisson) blend. Seamless cloning solves ΔR = ΔS inside the mask with R = T on
// its edge; equivalently R = S + D where D is the harmonic (membrane) interpolation of the edge
// mismatch T − S. D is smooth, so we solve it by SOR on a coarse grid and upsample bilinearly.
// Edge samples on hair, teeth or other kept areas are left out (Neumann there), so a dark fringe
// does not bleed into the face — the usual failure of plain seamless cloning.

export interface BlendOptions {
  /** Coarse cells are at most this many pixels wide. */
  cell: number;
  iterations: number;
}

export const DEFAULT_BLEND: BlendOptions = { cell: 4, iterations: 400 };

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
  opts: BlendOptions = DEFAULT_BLEND,
): Float32Array {
  const f = Math.max(1, Math.round(opts.cell));
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
  // Start unknowns at the mean edge mismatch: SOR then only has to shape it.
  for (let c = 0; c < nc; c++) if (kind[c] === 1) for (let k = 0; k < 3; k++) val[c * 3 + k] = mean[k];

  const omega = 1.9;
  for (let it = 0; it < opts.iterations; it++) {
    let change = 0;
    for (let cy = 0; cy < ch; cy++) {
      for (let cx = 0; cx < cw; cx++) {
        const c = cy * cw + cx;
        if (kind[c] !== 1) continue;
        let n = 0;
        let s0 = 0, s1 = 0, s2 = 0;
        const nb = [cx > 0 ? c - 1 : -1, cx < cw - 1 ? c + 1 : -1, cy > 0 ? c - cw : -1, cy < ch - 1 ? c + cw : -1];
        for (const q of nb) {
          if (q < 0 || kind[q] === 0) continue;
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
        change = Math.max(change, Math.abs(d0), Math.abs(d1), Math.abs(d2));
      }
    }
    if (change < 0.02) break;
  }

  // Bilinear upsample from cell centres.
  const out = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const gy = Math.min(ch - 1, Math.max(0, (y + 0.5) / f - 0.5));
    const y0 = Math.min(ch - 2, Math.floor(gy));
    const ty = ch > 1 ? gy - Math.max(0, y0) : 0;
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (!(inside[i] > 0)) continue;
      const gx = Math.min(cw - 1, Math.max(0, (x + 0.5) / f - 0.5));
      const x0 = Math.min(cw - 2, Math.floor(gx));
      const tx = cw > 1 ? gx - Math.max(0, x0) : 0;
      const c00 = Math.max(0, y0) * cw + Math.max(0, x0);
      const c10 = cw > 1 ? c00 + 1 : c00;
      const c01 = ch > 1 ? c00 + cw : c00;
      const c11 = cw > 1 ? c01 + 1 : c01;
      for (let k = 0; k < 3; k++) {
        // Outside cells carry no value: fall back to the mean mismatch for them.
        const v = (c: number) => (kind[c] === 0 ? mean[k] : val[c * 3 + k]);
        out[i * 3 + k] = (v(c00) * (1 - tx) + v(c10) * tx) * (1 - ty) + (v(c01) * (1 - tx) + v(c11) * tx) * ty;
      }
    }
  }
  return out;
}
