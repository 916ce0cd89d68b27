// The source identity as inswapper expects it: the recogniser's embedding, L2-normalised, times the
// swapper's emap (its last initializer, [embedding × latent]), normalised again.

export function l2normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  const n = Math.sqrt(s);
  if (!(n > 0) || !Number.isFinite(n)) throw new Error('cannot normalise a zero or non-finite vector');
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i] / n;
  return out;
}

/** normalize(normalize(embedding) · emap), with emap row-major [embedding.length × latentSize]. */
export function sourceLatent(embedding: Float32Array, emap: Float32Array, latentSize: number): Float32Array {
  const d = embedding.length;
  if (emap.length !== d * latentSize) {
    throw new Error(`emap has ${emap.length} values, expected ${d}×${latentSize}`);
  }
  const e = l2normalize(embedding);
  // Accumulate in doubles, as numpy's float32 dot would lose little either way but this is cheap.
  const acc = new Float64Array(latentSize);
  for (let i = 0; i < d; i++) {
    const ei = e[i];
    if (ei === 0) continue;
    const row = i * latentSize;
    for (let j = 0; j < latentSize; j++) acc[j] += ei * emap[row + j];
  }
  return l2normalize(Float32Array.from(acc));
}
