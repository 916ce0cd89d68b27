// The colour stage's greyscale-source path (ColourOptions.greySource): a source without chroma
// takes the template's own chroma at a fine scale; a colour source is left exactly as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_COLOUR, matchColour, type ColourOptions } from '../src/engine/colour.ts';

const w = 200, h = 200, n = w * h, faceW = 200;
type Planes = [Float32Array, Float32Array, Float32Array];
const plane = (f: (x: number, y: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i % w, (i / w) | 0));
const weight = new Float32Array(n).fill(1);
const ON: ColourOptions = { ...DEFAULT_COLOUR, greySource: 1 };
const OFF: ColourOptions = { ...DEFAULT_COLOUR, greySource: 0 };

// The template's cheeks redden and pale every 40 px (0.2 face width): finer than the main chroma
// match (σ = 0.1 face width) keeps, coarser than the grey source's field (σ = 0.03).
const template = (): Planes => [plane(() => 62), plane((x) => 12 + 5 * Math.sin((2 * Math.PI * x) / 40)), plane(() => 15)];
// The source's lightness detail: a soft gradient and a fine ripple (its own skin texture).
const sourceL = (x: number, y: number) => 55 + x / 20 + 3 * Math.sin(x / 3 + y / 5);
const source = (a: number, b: number): Planes => [plane(sourceL), plane(() => a), plane(() => b)];

/** Amplitude of the 40 px ripple in the a plane, along the middle row, away from the borders. */
function ripple(A: Float32Array): number {
  let lo = Infinity, hi = -Infinity;
  for (let x = 40; x < 160; x++) {
    const v = A[100 * w + x];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return (hi - lo) / 2;
}

function run(src: Planes, opts: ColourOptions, tgt: Planes = template()): Planes {
  matchColour(src, tgt, weight, w, h, faceW, opts);
  return src;
}

test('greySource: a colour source gives the same pixels with the knob on as off', () => {
  const colour = () => [plane(sourceL), plane((x, y) => 14 + 2 * Math.sin(x / 7 + y / 9)), plane((x) => 17 + x / 50)] as Planes;
  const off = run(colour(), OFF);
  const on = run(colour(), ON);
  for (let c = 0; c < 3; c++) assert.deepEqual(on[c], off[c], `plane ${c}`);
});

test("greySource: a greyscale source takes the template's finer chroma; its lightness is untouched", () => {
  const off = run(source(0, 0), OFF);
  const on = run(source(0, 0), ON);
  // Off, the grey face's chroma is the template's at σ = 0.1 face width: the ripple is gone.
  assert.ok(ripple(off[1]) < 0.5, `off ripple ${ripple(off[1]).toFixed(2)}`);
  assert.ok(ripple(on[1]) > 2.5, `on ripple ${ripple(on[1]).toFixed(2)}`);
  // The mean colour is the template's either way.
  const mean = (p: Float32Array) => p.reduce((s, v) => s + v, 0) / p.length;
  assert.ok(Math.abs(mean(on[1]) - 12) < 0.6, `a mean ${mean(on[1]).toFixed(2)}`);
  assert.ok(Math.abs(mean(on[2]) - 15) < 0.6, `b mean ${mean(on[2]).toFixed(2)}`);
  assert.deepEqual(on[0], off[0], 'lightness is the existing match');
});

test('greySource: the weight follows the chroma poverty of the source', () => {
  const r = (a: number, b: number, opts: ColourOptions) => ripple(run(source(a, b), opts)[1]);
  // A near-grey source (chroma 4, half-way from 6 to 2) gets about half of it.
  const half = r(2.4, 3.2, ON);
  assert.ok(half > 1 && half < 2.2, `chroma 4: ripple ${half.toFixed(2)}`);
  // Chroma 8 is a colour photo: nothing changes.
  const a = run(source(4.8, 6.4), OFF);
  const b = run(source(4.8, 6.4), ON);
  for (let c = 0; c < 3; c++) assert.deepEqual(b[c], a[c]);
  // Strength scales it.
  const quarter = r(0, 0, { ...ON, greySource: 0.25 });
  assert.ok(quarter > 0.5 && quarter < r(0, 0, ON) / 2, `strength 0.25: ripple ${quarter.toFixed(2)}`);
});

test("greySource: the template's shine does not land on the source as a pale patch", () => {
  // A specular spot in the template: brighter and less saturated (a 12 → 5) in a disc of 12 px.
  const spot = (x: number, y: number) => Math.hypot(x - 100, y - 100) < 12;
  const shiny = (): Planes => [plane((x, y) => (spot(x, y) ? 85 : 62)), plane((x, y) => (spot(x, y) ? 5 : 12)), plane((x, y) => (spot(x, y) ? 7 : 15))];
  const flat = (): Planes => [plane(() => 55), plane(() => 0), plane(() => 0)];
  const on = run(flat(), ON, shiny());
  const centre = on[1][100 * w + 100];
  const around = on[1][100 * w + 150];
  assert.ok(centre > 0.8 * around, `a at the shine ${centre.toFixed(2)} vs ${around.toFixed(2)} around`);
});
