// The colour stage's broad-shine removal (ColourOptions.shine): source skin that is brighter than
// its surroundings *and* paler than their colour at that brightness (white light over the skin) is
// freed of most of that light before the match; matte skin, brighter diffuse light and colourless
// sources are left as they were. The knob is off by default (DEFAULT_COLOUR.shine 0); these tests
// set it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_COLOUR, matchColour, type ColourOptions } from '../src/engine/colour.ts';

const w = 200, h = 200, n = w * h, faceW = 200;
type Planes = [Float32Array, Float32Array, Float32Array];
const plane = (f: (x: number, y: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i % w, (i / w) | 0));
const weight = new Float32Array(n).fill(1);
// The chroma ceiling is left out: on this flat template it would cap the washed-out patch's
// measured deficit, which is what these tests read the shine removal by.
const ON: ColourOptions = { ...DEFAULT_COLOUR, chromaCeiling: 0, shine: 0.8 };
const OFF: ColourOptions = { ...DEFAULT_COLOUR, chromaCeiling: 0, shine: 0 };

const lum = (l: number) => ((l + 16) / 116) ** 3;
const light = (y: number) => 116 * Math.cbrt(y) - 16;

// Matte skin: L 60, a 14, b 16, with a fine ripple (pores) in lightness.
const base = (x: number, y: number) => 60 + 1.5 * Math.sin(x / 2.3 + y / 3.1);
// A disc of radius 30 px (0.15 face width: wider than the hot spots' window) centred at (100, 90),
// with a soft rim of 6 px; `white` is the share of luminance added there, `diffuse` instead scales
// the skin's light (the chroma then rises as Y^⅓, as a brighter lamp would make it).
function disc(x: number, y: number): number {
  const r = Math.hypot(x - 100, y - 90);
  return Math.min(1, Math.max(0, (36 - r) / 6));
}
function source(white: number, diffuse = 0, chroma = 1): Planes {
  const L = new Float32Array(n), A = new Float32Array(n), B = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const x = i % w, y = (i / w) | 0;
    const m = disc(x, y);
    const yd = lum(base(x, y)) * (1 + diffuse * m);
    const yt = yd + white * m * lum(60);
    L[i] = light(yt);
    // White light leaves the channels' differences: chroma falls as Y^−⅔ against the diffuse skin.
    const c = Math.cbrt(yd / lum(base(x, y))) * (yd / yt) ** (2 / 3);
    A[i] = 14 * chroma * c;
    B[i] = 16 * chroma * c;
  }
  return [L, A, B];
}
// A darker, warmer template: the match darkens the face, as on the reported pair.
const template = (): Planes => [plane(() => 48), plane(() => 16), plane(() => 22)];

function run(src: Planes, opts: ColourOptions, only?: Uint8Array): Planes {
  matchColour(src, template(), weight, w, h, faceW, opts, weight, undefined, only);
  return src;
}

/** Mean of a plane over the disc's core (r < 24) and over a ring of matte skin (44 < r < 60). */
function contrast(p: Float32Array): number {
  let si = 0, ni = 0, so = 0, no = 0;
  for (let i = 0; i < n; i++) {
    const r = Math.hypot((i % w) - 100, ((i / w) | 0) - 90);
    if (r < 24) (si += p[i]), ni++;
    else if (r > 44 && r < 60) (so += p[i]), no++;
  }
  return si / ni - so / no;
}

test('shine: off by default', () => {
  assert.equal(DEFAULT_COLOUR.shine, 0);
});

test('shine: matte skin gives the same pixels with the knob on as off', () => {
  const off = run(source(0), OFF);
  const on = run(source(0), ON);
  for (let c = 0; c < 3; c++) assert.deepEqual(on[c], off[c], `plane ${c}`);
});

test('shine: a broad specular sheet is mostly taken out, lightness and the chroma it washed out', () => {
  const off = run(source(0.45), OFF);
  const on = run(source(0.45), ON);
  const dLoff = contrast(off[0]), dLon = contrast(on[0]);
  // Off, the hot spots (a 4 % window) do not reach inside a sheet this wide: it stays a pale patch.
  assert.ok(dLoff > 5, `off: the sheet is ${dLoff.toFixed(1)} L brighter`);
  assert.ok(dLon < 0.35 * dLoff, `on: ${dLon.toFixed(1)} L brighter (off ${dLoff.toFixed(1)})`);
  // Its chroma deficit (a whitish patch on a warm template) mostly closes.
  const chroma = (p: Planes) => contrast(Float32Array.from(p[1], (a, i) => Math.hypot(a, p[2][i])));
  const dCoff = chroma(off), dCon = chroma(on);
  assert.ok(dCoff < -3, `off: chroma ${dCoff.toFixed(1)} against the skin around`);
  assert.ok(Math.abs(dCon) < 0.4 * Math.abs(dCoff), `on: chroma ${dCon.toFixed(1)} (off ${dCoff.toFixed(1)})`);
  // The skin's fine texture inside the sheet survives in part (the ripple is not flattened away):
  // the smooth share of the removal scales each pixel instead of levelling it.
  const ripple = (p: Float32Array) => {
    let lo = Infinity, hi = -Infinity;
    for (let x = 90; x < 110; x++) {
      const v = p[90 * w + x];
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    return hi - lo;
  };
  assert.ok(ripple(on[0]) > 0.25 * ripple(off[0]), `texture inside the sheet: ${ripple(on[0]).toFixed(2)} L (off ${ripple(off[0]).toFixed(2)})`);
});

test('shine: the change has no hard edge', () => {
  // The largest step between neighbouring pixels along the row through the sheet's centre is no
  // larger with the knob on than the source's own softest-rim step allows (the rim is 6 px wide).
  const off = run(source(0.45), OFF);
  const on = run(source(0.45), ON);
  const step = (p: Float32Array) => {
    let m = 0;
    for (let x = 40; x < 160; x++) m = Math.max(m, Math.abs(p[90 * w + x + 1] - p[90 * w + x]));
    return m;
  };
  assert.ok(step(on[0]) <= step(off[0]) + 0.5, `on ${step(on[0]).toFixed(2)} vs off ${step(off[0]).toFixed(2)}`);
  // And the change itself (on − off) is smooth: no jump of more than 1.5 L between neighbours.
  let jump = 0;
  for (let y = 40; y < 140; y++) {
    for (let x = 30; x < 170; x++) {
      const i = y * w + x;
      jump = Math.max(jump, Math.abs(on[0][i + 1] - off[0][i + 1] - (on[0][i] - off[0][i])));
    }
  }
  assert.ok(jump < 1.5, `largest jump of the change: ${jump.toFixed(2)} L`);
});

test('shine: brighter diffuse light (chroma rising with it) is left alone', () => {
  const off = run(source(0, 0.5), OFF);
  const on = run(source(0, 0.5), ON);
  let d = 0;
  for (let c = 0; c < 3; c++) for (let i = 0; i < n; i++) d = Math.max(d, Math.abs(on[c][i] - off[c][i]));
  assert.ok(d < 0.5, `largest change ${d.toFixed(3)}`);
});

test('shine: a colourless source is not read as shine', () => {
  const off = run(source(0.45, 0, 0), OFF);
  const on = run(source(0.45, 0, 0), ON);
  for (let c = 0; c < 3; c++) assert.deepEqual(on[c], off[c], `plane ${c}`);
});

test('shine: strength scales it, and pixels outside the cover are not written', () => {
  const half = contrast(run(source(0.45), { ...ON, shine: 0.4 })[0]);
  const full = contrast(run(source(0.45), ON)[0]);
  const off = contrast(run(source(0.45), OFF)[0]);
  assert.ok(full < half && half < off, `L excess: off ${off.toFixed(1)}, 0.4 ${half.toFixed(1)}, 0.8 ${full.toFixed(1)}`);
  // Only the left half is covered: the right half keeps its values exactly.
  const only = new Uint8Array(n);
  for (let i = 0; i < n; i++) only[i] = i % w < 100 ? 1 : 0;
  const src = source(0.45);
  const before = src.map((p) => p.slice());
  run(src, ON, only);
  for (let c = 0; c < 3; c++) for (let i = 0; i < n; i++) if (!only[i]) assert.equal(src[c][i], before[c][i]);
});
