// style.lipParts: each lip takes the template's lip colour across its depth, from lip-coloured
// pixels only (a broad smile's lip band takes in teeth and dark corners), and the lower lip's fold
// takes the template's lightness (a closed source lip's shadow under an open template lip).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyStyle, DEFAULT_STYLE, lipPart } from '../src/engine/style.ts';
import { LIPS_INNER, LIPS_OUTER } from '../src/engine/regions.ts';
import { fillPolygon } from '../src/engine/raster.ts';

const w = 200, h = 180, n = w * h, faceW = 200;
type Pt = [number, number];

/** A stand-in mesh: only the lip contours (corner → over the top → corner → under the bottom). */
function mesh(): Pt[] {
  const pos: Pt[] = Array.from({ length: 468 }, () => [100, 60] as Pt);
  const ring = (ids: number[], rx: number, up: number, down: number) => ids.forEach((id, j) => {
    const t = (Math.PI * (j % 10)) / 10;
    pos[id] = j < 10 ? [100 - rx * Math.cos(t), 90 - up * Math.sin(t)] : [100 + rx * Math.cos(t), 90 + down * Math.sin(t)];
  });
  ring(LIPS_OUTER, 44, 12, 20);
  ring(LIPS_INNER, 38, 3, 8);
  return pos;
}

const m = mesh();
const outer = LIPS_OUTER.map((i) => m[i]), inner = LIPS_INNER.map((i) => m[i]);
const planes = () => [new Float32Array(n), new Float32Array(n), new Float32Array(n)] as [Float32Array, Float32Array, Float32Array];
const mask = (poly: Pt[]) => { const a = new Float32Array(n); fillPolygon(a, w, h, poly, 1); return a; };
const lower = mask(lipPart(outer, inner, 1)), upper = mask(lipPart(outer, inner, 0)), opening = mask(inner);
// The fold: the 3 px under the lower lip's outer contour, all along it.
const fold = new Float32Array(n);
for (let x = 60; x <= 140; x++) {
  let yb = -1;
  for (let y = 0; y < h; y++) if (lower[y * w + x]) yb = y;
  if (yb >= 0) for (let y = yb + 1; y <= yb + 3; y++) fold[y * w + x] = 1;
}

function scene(kind: 'source' | 'template') {
  const lab = planes();
  const cover = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const y = Math.floor(i / w), x = i % w;
    cover[i] = opening[i] ? 0 : 1;
    let L = 62, a = 14, b = 15;
    if (upper[i]) [L, a, b] = [48, 26, 13];
    if (lower[i]) {
      if (kind === 'source') [L, a, b] = [68, 17, 12]; // a pale, lit closed lower lip
      // The template's lip, whose contour takes in teeth near the opening and dark corners.
      else if (y < 96 && Math.abs(x - 100) < 30) [L, a, b] = [90, 1, 4];
      else if (Math.abs(x - 100) > 34) [L, a, b] = [14, 8, 5];
      else [L, a, b] = [46, 28, 14];
    }
    if (kind === 'source' && fold[i]) L = 44; // the shadow under it
    // Grain, so spreads are not zero.
    L += ((x * 7 + y * 13) % 5) - 2;
    lab[0][i] = L; lab[1][i] = a; lab[2][i] = b;
  }
  return { lab, cover };
}

const mean = (p: Float32Array, sel: (i: number) => boolean) => {
  let s = 0, c = 0;
  for (let i = 0; i < n; i++) if (sel(i)) { s += p[i]; c++; }
  return s / c;
};
const roi = { x0: 0, y0: 0, w, h };
const lipCore = (i: number) => lower[i] > 0 && Math.abs((i % w) - 100) < 30 && Math.floor(i / w) >= 100;

function run(lipParts: number) {
  const s = scene('source'), t = scene('template');
  applyStyle(s.lab, t.lab, s.cover, roi, m, m, faceW, { ...DEFAULT_STYLE, lipParts });
  return s.lab;
}

test('lipParts: the pale lower lip takes the template lip colour, not its teeth', () => {
  const before = mean(scene('source').lab[0], lipCore);
  const old = mean(run(0)[0], lipCore), now = run(1);
  const L = mean(now[0], lipCore), a = mean(now[1], lipCore);
  // The template's lip-coloured pixels are at L 46, a 28.
  assert.ok(Math.abs(L - 46) < 5, `lower lip L ${L.toFixed(1)} (old ${old.toFixed(1)}, before ${before.toFixed(1)})`);
  assert.ok(Math.abs(L - 46) < Math.abs(old - 46) - 5, `closer than the old means: ${L.toFixed(1)} vs ${old.toFixed(1)}`);
  assert.ok(Math.abs(a - 28) < 4, `lower lip a ${a.toFixed(1)}`);
});

test('lipParts: the shadow under the lower lip is lifted toward the template fold, bounded', () => {
  const before = mean(scene('source').lab[0], (i) => fold[i] > 0);
  const after = mean(run(1)[0], (i) => fold[i] > 0);
  // Partial: shifts are linear between depth bins, so the lip's own (darkening) shift reaches half
  // a bin past the contour, which keeps the outline soft.
  assert.ok(after - before > 3 && after - before <= 12.01, `fold L ${before.toFixed(1)} → ${after.toFixed(1)}`);
});

test('lipParts: pixels away from the lips are untouched; off by default', () => {
  const s = scene('source').lab, now = run(1);
  const band = 90 + 20 + 0.05 * faceW + 2;
  for (let i = 0; i < n; i++) {
    const y = Math.floor(i / w);
    if (y > band || y < 90 - 12 - 2) for (let c = 0; c < 3; c++) assert.equal(now[c][i], s[c][i]);
  }
  // Off by default (it costs ≈ 40–50 ms a 1 MP swap): the default is the one-region means, and 0.6 changes the lips.
  assert.equal(DEFAULT_STYLE.lipParts, 0);
  const a = scene('source'), b = scene('source'), t = scene('template');
  applyStyle(a.lab, t.lab, a.cover, roi, m, m, faceW);
  applyStyle(b.lab, t.lab, b.cover, roi, m, m, faceW, { ...DEFAULT_STYLE, lipParts: 0.6 });
  assert.ok([0, 1, 2].some((c) => a.lab[c].some((v, i) => v !== b.lab[c][i])), 'lipParts 0.6 changes the lips');
});
