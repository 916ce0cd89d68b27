// The kernels split for V8 (docs/ENGINE.md → Keeping it fast: one array kind a kernel, no code after
// a hot loop that lacks type feedback) give exactly what the single functions they replaced gave:
// the old code is kept here as the reference, on synthetic inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fillPolygon, labToRgb, rgbToLab, selectKth, setBox } from '../src/engine/raster.ts';
import { keepConnectedToEdge } from '../src/engine/mask.ts';

// mulberry32: the same inputs every run.
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fillPolygonOld(plane: Float32Array | Uint8Array, w: number, h: number, pts: ArrayLike<number>[], value: number): void {
  if (pts.length < 3) return;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const p of pts) {
    minY = Math.min(minY, p[1]);
    maxY = Math.max(maxY, p[1]);
  }
  const xs: number[] = [];
  for (let y = Math.max(0, Math.floor(minY)); y <= Math.min(h - 1, Math.ceil(maxY)); y++) {
    const cy = y + 0.5;
    xs.length = 0;
    for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
      const [xi, yi] = [pts[i][0], pts[i][1]];
      const [xj, yj] = [pts[j][0], pts[j][1]];
      if (yi > cy !== yj > cy) xs.push(xi + ((cy - yi) * (xj - xi)) / (yj - yi));
    }
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const x0 = Math.max(0, Math.ceil(xs[k] - 0.5));
      const x1 = Math.min(w - 1, Math.floor(xs[k + 1] - 0.5));
      for (let x = x0; x <= x1; x++) plane[y * w + x] = value;
    }
  }
}

test('fillPolygon: as before, for Float32Array and Uint8Array planes and point lists of every kind', () => {
  const r = rng(1);
  const w = 97, h = 83;
  for (let t = 0; t < 200; t++) {
    const n = 3 + Math.floor(r() * 30);
    // Points partly outside the plane, some on whole and half pixels (edge cases of the span ends).
    const pts = Array.from({ length: n }, () => {
      const x = r() < 0.2 ? Math.round(r() * w * 2) / 2 : -10 + r() * (w + 20);
      const y = r() < 0.2 ? Math.round(r() * h * 2) / 2 : -10 + r() * (h + 20);
      return t % 3 === 0 ? Float32Array.of(x, y) : t % 3 === 1 ? [x, y] : ([Math.round(x), Math.round(y)] as [number, number]);
    });
    const value = t % 2;
    const a = t % 2 ? new Float32Array(w * h) : new Uint8Array(w * h).fill(1);
    const b = a.slice();
    for (let i = 0; i < a.length; i += 7) a[i] = b[i] = (i >> 3) & 1;
    fillPolygon(a, w, h, pts, value);
    fillPolygonOld(b, w, h, pts, value);
    assert.deepEqual(a, b, `polygon ${t}`);
  }
});

test('selectKth: the k-th smallest, Float32Array and Float64Array, with ties', () => {
  const r = rng(2);
  for (let t = 0; t < 100; t++) {
    const n = 1 + Math.floor(r() * 2000);
    const v = Array.from({ length: n }, () => (t % 4 === 0 ? Math.floor(r() * 5) : r() * 100 - 50));
    const k = Math.floor(r() * n);
    const a = t % 2 ? Float32Array.from(v) : Float64Array.from(v);
    const sorted = a.slice().sort();
    assert.equal(selectKth(a, k), sorted[k]);
  }
});

test('setBox: the bounding box of the set pixels, Uint8Array, Float32Array and plain arrays', () => {
  const r = rng(3);
  const w = 50, h = 40;
  for (let t = 0; t < 60; t++) {
    const u = new Uint8Array(w * h);
    const m = Math.floor(r() * 6);
    for (let i = 0; i < m; i++) u[Math.floor(r() * u.length)] = 1;
    let x0 = w, y0 = h, x1 = -1, y1 = -1;
    for (let i = 0; i < u.length; i++) {
      if (!u[i]) continue;
      const x = i % w, y = (i / w) | 0;
      x0 = Math.min(x0, x), x1 = Math.max(x1, x), y0 = Math.min(y0, y), y1 = Math.max(y1, y);
    }
    const want = x1 < 0 ? undefined : { x0, y0, x1, y1 };
    assert.deepEqual(setBox(u, w, h), want);
    assert.deepEqual(setBox(Float32Array.from(u), w, h), want);
    assert.deepEqual(setBox(Array.from(u), w, h), want);
  }
});

test('rgbToLab and labToRgb: with and without `only`, the same values as without the split', () => {
  const r = rng(4);
  const n = 5000;
  const rgb = Float32Array.from({ length: n * 3 }, () => r() * 270 - 5);
  const only = Uint8Array.from({ length: n }, () => (r() < 0.5 ? 1 : 0));
  const all = rgbToLab(rgb, n);
  const some = rgbToLab(rgb, n, only);
  for (let c = 0; c < 3; c++) for (let i = 0; i < n; i++) assert.equal(some[c][i], only[i] ? all[c][i] : 0);
  const back = labToRgb(all[0], all[1], all[2], new Float32Array(n * 3));
  const backOnly = labToRgb(all[0], all[1], all[2], new Float32Array(n * 3).fill(-1), only);
  for (let i = 0; i < n * 3; i++) assert.equal(backOnly[i], only[(i / 3) | 0] ? back[i] : -1);
});

test('keepConnectedToEdge: keeps the occluder parts that touch the hard mask\'s outside', () => {
  const w = 12, h = 10;
  const hard = new Float32Array(w * h);
  for (let y = 1; y < 9; y++) for (let x = 1; x < 11; x++) hard[y * w + x] = 1;
  const occ = new Float32Array(w * h);
  // From the edge (x = 1) inward along row 3; an island in the middle; a mole at (9, 7).
  for (let x = 1; x < 6; x++) occ[3 * w + x] = 0.5;
  occ[4 * w + 5] = 1;
  for (let y = 5; y < 7; y++) for (let x = 4; x < 7; x++) occ[y * w + x] = 1;
  occ[7 * w + 9] = 1;
  keepConnectedToEdge(occ, hard, w, h);
  const kept = [...occ.keys()].filter((i) => occ[i]);
  assert.deepEqual(kept, [3 * w + 1, 3 * w + 2, 3 * w + 3, 3 * w + 4, 3 * w + 5, 4 * w + 5, 5 * w + 4, 5 * w + 5, 5 * w + 6, 6 * w + 4, 6 * w + 5, 6 * w + 6]);
});
