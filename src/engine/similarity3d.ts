// Least-squares 3-D similarity (rotation, uniform scale, shift) between two point sets, by Horn's
// closed form: the rotation is the quaternion that is the top eigenvector of a 4×4 symmetric
// matrix built from the cross-covariance. Used to bring the source's mesh into the template's
// head pose before taking its proportions, so that identity shape carries no pose with it.

type P3 = ArrayLike<number>;

/** Eigen-decomposition of a symmetric 4×4 matrix (cyclic Jacobi); returns the eigenvector of the largest eigenvalue. */
function topEigenvector4(m: number[][]): number[] {
  const a = m.map((r) => r.slice());
  const v: number[][] = [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    for (let p = 0; p < 4; p++) for (let q = p + 1; q < 4; q++) off += a[p]![q]! ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < 4; p++) {
      for (let q = p + 1; q < 4; q++) {
        const apq = a[p]![q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q]![q]! - a[p]![p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < 4; k++) {
          const akp = a[k]![p]!, akq = a[k]![q]!;
          a[k]![p] = c * akp - s * akq;
          a[k]![q] = s * akp + c * akq;
        }
        for (let k = 0; k < 4; k++) {
          const apk = a[p]![k]!, aqk = a[q]![k]!;
          a[p]![k] = c * apk - s * aqk;
          a[q]![k] = s * apk + c * aqk;
        }
        for (let k = 0; k < 4; k++) {
          const vkp = v[k]![p]!, vkq = v[k]![q]!;
          v[k]![p] = c * vkp - s * vkq;
          v[k]![q] = s * vkp + c * vkq;
        }
      }
    }
  }
  let best = 0;
  for (let i = 1; i < 4; i++) if (a[i]![i]! > a[best]![best]!) best = i;
  return [0, 1, 2, 3].map((k) => v[k]![best]!);
}

/** The least-squares similarity's parts: rotation R (rows), scale s, the centroids of `a` and `b`. */
export interface Similarity3d {
  R: number[][];
  s: number;
  ca: ArrayLike<number>;
  cb: ArrayLike<number>;
}

/** The similarity that maps `a` onto `b` best (least squares over the given point indices). */
export function fitSimilarity3d(a: P3[], b: P3[], ids?: number[]): (p: P3) => [number, number, number] {
  const { R, s, ca, cb } = fitSimilarity3dParams(a, b, ids);
  return (p) => {
    const d = [p[0]! - ca[0]!, p[1]! - ca[1]!, (p[2] ?? 0) - ca[2]!];
    return [0, 1, 2].map((r) => s * (R[r]![0]! * d[0]! + R[r]![1]! * d[1]! + R[r]![2]! * d[2]!) + cb[r]!) as [number, number, number];
  };
}

/** fitSimilarity3d's parameters. */
export function fitSimilarity3dParams(a: P3[], b: P3[], ids?: number[]): Similarity3d {
  const idx = ids ?? a.map((_, i) => i);
  // Float64Arrays: [0, 0, 0] turned from small integers to doubles mid-loop, and the function was
  // deoptimised ("wrong map") and compiled again, twice a thread.
  const ca = new Float64Array(3), cb = new Float64Array(3);
  for (const i of idx) for (let k = 0; k < 3; k++) {
    ca[k]! += a[i]![k]! / idx.length;
    cb[k]! += b[i]![k]! / idx.length;
  }
  // Cross-covariance S[j][k] = Σ a'_j b'_k, and the spread of a.
  const S = [new Float64Array(3), new Float64Array(3), new Float64Array(3)];
  let va = 0;
  for (const i of idx) {
    const p = [0, 1, 2].map((k) => a[i]![k]! - ca[k]!);
    const q = [0, 1, 2].map((k) => b[i]![k]! - cb[k]!);
    for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) S[j]![k]! += p[j]! * q[k]!;
    va += p[0]! ** 2 + p[1]! ** 2 + p[2]! ** 2;
  }
  const [[xx, xy, xz], [yx, yy, yz], [zx, zy, zz]] = S.map((r) => [r[0]!, r[1]!, r[2]!] as const);
  const N = [
    [xx + yy + zz, yz - zy, zx - xz, xy - yx],
    [yz - zy, xx - yy - zz, xy + yx, zx + xz],
    [zx - xz, xy + yx, -xx + yy - zz, yz + zy],
    [xy - yx, zx + xz, yz + zy, -xx - yy + zz],
  ];
  const [w, x, y, z] = topEigenvector4(N) as [number, number, number, number];
  const R = [
    [w * w + x * x - y * y - z * z, 2 * (x * y - w * z), 2 * (x * z + w * y)],
    [2 * (x * y + w * z), w * w - x * x + y * y - z * z, 2 * (y * z - w * x)],
    [2 * (x * z - w * y), 2 * (y * z + w * x), w * w - x * x - y * y + z * z],
  ];
  // Scale: Σ b'·(R a') / Σ |a'|².
  let num = 0;
  for (const i of idx) {
    const p = [0, 1, 2].map((k) => a[i]![k]! - ca[k]!);
    for (let r = 0; r < 3; r++) num += (b[i]![r]! - cb[r]!) * (R[r]![0]! * p[0]! + R[r]![1]! * p[1]! + R[r]![2]! * p[2]!);
  }
  const s = num / (va || 1);
  return { R, s, ca, cb };
}
