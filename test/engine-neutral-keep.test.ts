// The chroma match near neutral (ColourOptions.neutralKeep): a grey feature (brow, lid, stubble) on
// a saturated source skin, matched onto a pale template, keeps its side of neutral instead of
// crossing to the opposite hue (the bounded gain's floor sent it blue-grey); the rest of the map is
// the bounded gain as before, and 0 is the old map.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_COLOUR, matchColour, type ColourOptions } from '../src/engine/colour.ts';

const w = 200, h = 200, n = w * h, faceW = 200;
type Planes = [Float32Array, Float32Array, Float32Array];
const OFF: ColourOptions = { ...DEFAULT_COLOUR, neutralKeep: 0 };
const ON: ColourOptions = { ...DEFAULT_COLOUR, neutralKeep: 1 };

// The brow: a band 120 px wide, 16 high, at the face's middle; left out of the statistics' weight
// (as the skin mask leaves brows out).
const inBrow = (x: number, y: number) => x >= 40 && x < 160 && y >= 92 && y < 108;
const weight = Float32Array.from({ length: n }, (_, i) => (inBrow(i % w, (i / w) | 0) ? 0 : 1));

/** Skin at (a, b) with a fine ripple; the brow darker, its chroma `brow(x)` along it (a and b alike). */
function source(a: number, b: number, brow: (x: number) => number): Planes {
  const L = new Float32Array(n), A = new Float32Array(n), B = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const x = i % w, y = (i / w) | 0;
    const r = Math.sin(x / 3.1 + y / 4.3);
    const br = inBrow(x, y);
    L[i] = br ? 30 : 60 + 2 * r;
    A[i] = br ? brow(x) : a + r;
    B[i] = br ? brow(x) : b + r;
  }
  return [L, A, B];
}
// The pale, low-chroma template.
const pale = (): Planes => [new Float32Array(n).fill(70), new Float32Array(n).fill(4), new Float32Array(n).fill(6)];
const run = (src: Planes, opts: ColourOptions, tgt: Planes = pale()) => (matchColour(src, tgt, weight, w, h, faceW, opts), src);
const at = (p: Float32Array, x: number, y = 100) => p[y * w + x];

test('neutralKeep: a grey brow on red skin stays grey on a pale template (it went blue-green)', () => {
  const off = run(source(20, 22, () => 0), OFF);
  const on = run(source(20, 22, () => 0), ON);
  // Before: neutral went to t − 0.75·s, past neutral on the opposite hue (−11, −10.5; the chroma
  // ceiling at the brow's lightness softens that to about −3.4).
  assert.ok(at(off[1], 100) < -2 && at(off[2], 100) < -2, `off: brow a ${at(off[1], 100).toFixed(2)} b ${at(off[2], 100).toFixed(2)}`);
  for (const x of [50, 100, 150]) {
    assert.ok(Math.abs(at(on[1], x)) < 0.5, `on: brow a ${at(on[1], x).toFixed(2)} at x ${x}`);
    assert.ok(Math.abs(at(on[2], x)) < 0.5, `on: brow b ${at(on[2], x).toFixed(2)} at x ${x}`);
  }
  // Skin matches the template's mean either way (its pixels below the mean move by a fraction of
  // the correction); lightness is untouched.
  for (const y of [30, 40, 50]) assert.ok(Math.abs(at(on[1], 100, y) - at(off[1], 100, y)) < 0.1, `skin a at y ${y}`);
  assert.deepEqual(on[0], off[0], 'lightness');
});

test('neutralKeep: a brow between neutral and the skin keeps its hue side, the map stays monotonic and continuous', () => {
  // Along the brow its chroma runs from past neutral (−10) through neutral to past the skin's (30).
  // The map alone: no chroma ceiling (it bends the brow's chroma at its lightness).
  const ramp = (x: number) => -10 + (40 * (x - 40)) / 119;
  const off = run(source(20, 22, ramp), { ...OFF, chromaCeiling: 0 });
  const on = run(source(20, 22, ramp), { ...ON, chromaCeiling: 0 });
  // Away from the brow's ends (where the cells mix skin and brow, off is not monotonic either).
  let prev = at(on[1], 48) - 0.1;
  for (let x = 48; x < 152; x++) {
    const v = ramp(x), a = at(on[1], x);
    // Monotonic, no step (the source steps by 0.34 per px; the gain is at most 1.33).
    assert.ok(a >= prev - 1e-4 && a - prev < 0.6, `x ${x}: ${prev.toFixed(3)} → ${a.toFixed(3)}`);
    prev = a;
    // Between neutral and the skin's mean: on the skin's side of neutral.
    if (v >= 0) assert.ok(a >= -0.05, `v ${v.toFixed(2)} → a ${a.toFixed(2)}`);
    // More saturated than the skin: the bounded gain, as before.
    if (v >= 22) assert.ok(Math.abs(a - at(off[1], x)) < 1e-3, `v ${v.toFixed(2)}: ${a.toFixed(3)} vs ${at(off[1], x).toFixed(3)}`);
    // Past neutral: still past it, by (about) the bounded gain, not the means' ratio (0.2).
    if (v < -1) assert.ok(a < 0.5 * v, `v ${v.toFixed(2)} → a ${a.toFixed(2)}`);
  }
});

test('neutralKeep: no change where the map keeps neutral on its side, and none on a greyscale source', () => {
  // A pale source on a saturated template: the gain (≤ 1.33) keeps neutral on the skin's side.
  const warm = (): Planes => [new Float32Array(n).fill(60), new Float32Array(n).fill(20), new Float32Array(n).fill(22)];
  const a = run(source(4, 6, () => 0), OFF, warm());
  const b = run(source(4, 6, () => 0), ON, warm());
  for (let c = 0; c < 3; c++) assert.deepEqual(b[c], a[c], `pale → warm, plane ${c}`);
  // A greyscale source takes the template's chroma (greySource): left alone.
  const grey = () => source(0, 0, () => 0).map((p, c) => (c > 0 ? p.fill(0) : p)) as Planes;
  const g0 = run(grey(), OFF, warm());
  const g1 = run(grey(), ON, warm());
  for (let c = 0; c < 3; c++) assert.deepEqual(g1[c], g0[c], `grey source, plane ${c}`);
});
