// Lighting through the 3-D mesh. A local-mean ratio carries the template's light level and its
// broad direction, but not the shading that follows the face's shape (the lit cheekbone, the dark
// side of the nose): a flat-lit source stays flat on a side-lit template and reads as a mask.
// Here each face's lightness over its skin is fitted as second-order spherical harmonics of the
// mesh normals (Basri–Jacobs / Ramamoorthi: 9 terms hold ~99 % of Lambertian shading), and the
// source's own shading is divided out and the template's multiplied in, on the colour grid.
import { solve } from './raster.ts';

/** Unit normals per mesh vertex (area-weighted face normals), all facing the camera (−z). */
export function meshNormals(mesh: ArrayLike<number>[], tri: ArrayLike<number>): Float32Array {
  const out = new Float32Array(mesh.length * 3);
  for (let t = 0; t + 2 < tri.length; t += 3) {
    const a = mesh[tri[t]], b = mesh[tri[t + 1]], c = mesh[tri[t + 2]];
    const ux = b[0] - a[0], uy = b[1] - a[1], uz = b[2] - a[2];
    const vx = c[0] - a[0], vy = c[1] - a[1], vz = c[2] - a[2];
    let nx = uy * vz - uz * vy, ny = uz * vx - ux * vz, nz = ux * vy - uy * vx;
    // The triangulation's winding is not guaranteed: orient every face toward the camera.
    if (nz > 0) { nx = -nx; ny = -ny; nz = -nz; }
    for (const v of [tri[t], tri[t + 1], tri[t + 2]]) {
      out[v * 3] += nx;
      out[v * 3 + 1] += ny;
      out[v * 3 + 2] += nz;
    }
  }
  for (let v = 0; v < mesh.length; v++) {
    const l = Math.hypot(out[v * 3], out[v * 3 + 1], out[v * 3 + 2]) || 1;
    out[v * 3] /= l;
    out[v * 3 + 1] /= l;
    out[v * 3 + 2] /= l;
  }
  return out;
}

/**
 * Normals of two meshes at the centres of the cells of a grid (cell side k px) over the triangles
 * laid out at `pos` (ROI-local pixels): the template's and the source's normal for the same face
 * point. `has` marks cells inside the mesh.
 */
export function cellNormals(pos: ArrayLike<number>[], tri: ArrayLike<number>, na: Float32Array, nb: Float32Array, cw: number, ch: number, k: number): { a: Float32Array; b: Float32Array; has: Uint8Array } {
  const nc = cw * ch;
  const a = new Float32Array(nc * 3);
  const b = new Float32Array(nc * 3);
  const has = new Uint8Array(nc);
  for (let t = 0; t + 2 < tri.length; t += 3) {
    const i0 = tri[t], i1 = tri[t + 1], i2 = tri[t + 2];
    const ax = pos[i0][0] / k, ay = pos[i0][1] / k, bx = pos[i1][0] / k, by = pos[i1][1] / k, cx = pos[i2][0] / k, cy = pos[i2][1] / k;
    const det = (bx - ax) * (cy - ay) - (cx - ax) * (by - ay);
    if (Math.abs(det) < 1e-9) continue;
    const x0 = Math.max(0, Math.floor(Math.min(ax, bx, cx))), x1 = Math.min(cw - 1, Math.ceil(Math.max(ax, bx, cx)));
    const y0 = Math.max(0, Math.floor(Math.min(ay, by, cy))), y1 = Math.min(ch - 1, Math.ceil(Math.max(ay, by, cy)));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const px = x + 0.5, py = y + 0.5;
        const l1 = ((bx - px) * (cy - py) - (cx - px) * (by - py)) / det;
        const l2 = ((cx - px) * (ay - py) - (ax - px) * (cy - py)) / det;
        const l3 = 1 - l1 - l2;
        if (l1 < -1e-6 || l2 < -1e-6 || l3 < -1e-6) continue;
        const c = y * cw + x;
        has[c] = 1;
        for (let q = 0; q < 3; q++) {
          a[c * 3 + q] = l1 * na[i0 * 3 + q] + l2 * na[i1 * 3 + q] + l3 * na[i2 * 3 + q];
          b[c * 3 + q] = l1 * nb[i0 * 3 + q] + l2 * nb[i1 * 3 + q] + l3 * nb[i2 * 3 + q];
        }
      }
    }
  }
  return { a, b, has };
}

const TERMS = 9;

function basis(n: Float32Array, c: number, out: Float64Array): void {
  const l = Math.hypot(n[c * 3], n[c * 3 + 1], n[c * 3 + 2]) || 1;
  const x = n[c * 3] / l, y = n[c * 3 + 1] / l, z = n[c * 3 + 2] / l;
  out[0] = 1;
  out[1] = x;
  out[2] = y;
  out[3] = z;
  out[4] = x * y;
  out[5] = x * z;
  out[6] = y * z;
  out[7] = x * x - y * y;
  out[8] = 3 * z * z - 1;
}

/** Weighted least squares (ridge-regularised) of values over the basis of the normals; null if too few samples. */
export function fitShading(values: Float32Array, weight: Float32Array, n: Float32Array, has: Uint8Array): Float64Array | null {
  const A = new Float64Array(TERMS * TERMS);
  const r = new Float64Array(TERMS);
  const count = shadingSums(values, weight, n, has, A, r, new Float64Array(TERMS));
  if (count < 60) return null;
  // The normals of one face span less than a hemisphere: a small ridge keeps the higher terms
  // from extrapolating wildly where the fit has no samples.
  const ridge = 0.02 * count;
  for (let i = 1; i < TERMS; i++) A[i * TERMS + i] += ridge;
  return solve(A, r, TERMS);
}

/**
 * fitShading()'s normal equations: the weighted sums into A and r; returns the samples' count. A
 * kernel: as fitShading's loop it was optimised mid-way and deoptimised on the code after it.
 */
function shadingSums(values: Float32Array, weight: Float32Array, n: Float32Array, has: Uint8Array, A: Float64Array, r: Float64Array, y: Float64Array): number {
  let count = 0;
  for (let c = 0; c < values.length; c++) {
    const w = weight[c];
    if (!has[c] || !(w > 0.5) || !(values[c] > 2)) continue;
    basis(n, c, y);
    for (let i = 0; i < TERMS; i++) {
      r[i] += w * y[i] * values[c];
      for (let j = 0; j < TERMS; j++) A[i * TERMS + j] += w * y[i] * y[j];
    }
    count++;
  }
  return count;
}

const scratch = new Float64Array(TERMS);

export function evalShading(coef: Float64Array, n: Float32Array, c: number): number {
  const y = scratch;
  basis(n, c, y);
  let s = 0;
  for (let i = 0; i < TERMS; i++) s += coef[i] * y[i];
  return s;
}
