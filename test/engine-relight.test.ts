// The colour stage's relight (ColourOptions.relight): the source's own directional light at a fine
// scale (a shadow down one cheek) is taken out of lightness and chroma together, and the template's
// put in, so a side-lit source no longer leaves a dark grey smear on an evenly lit template. On by
// default behind its gates (a hard shadow over enough of the skin, the features kept, colour faces
// only); these tests take the gates off unless they test one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_COLOUR, matchColour, type ColourOptions } from '../src/engine/colour.ts';

const w = 200, h = 200, n = w * h, faceW = 200;
type Planes = [Float32Array, Float32Array, Float32Array];
// The relight itself, without the default's gates.
const PLAIN: ColourOptions = { ...DEFAULT_COLOUR, relightTemplate: 1, relightShare: 0, relightShareAt: 0.15, relightKeep: 0, relightGrey: 0 };
const ON: ColourOptions = { ...PLAIN, relight: 1 };
const OFF: ColourOptions = { ...PLAIN, relight: 0 };

const lum = (l: number) => ((l + 16) / 116) ** 3;
const light = (y: number) => 116 * Math.cbrt(y) - 16;

// A dark feature (an "eye": not skin, weight 0) at (70, 90), radius 8.
const inEye = (x: number, y: number) => Math.hypot(x - 70, y - 90) < 8;
// Skin L 70, a 12, b 15 with a fine ripple; a band of shadow down one cheek (x 125..160, 6-px soft
// edges: finer than the coarse match's field) that keeps `shade` of the luminance: L, a and b all
// fall (a and b as Y^⅓, like L + 16).
function source(shade: number): Planes {
  const L = new Float32Array(n), A = new Float32Array(n), B = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const x = i % w, y = (i / w) | 0;
    const m = Math.min(1, Math.max(0, (x - 125) / 6), Math.max(0, (160 - x) / 6));
    const s = 1 - m * (1 - shade);
    const base = inEye(x, y) ? 30 : 70 + 1.5 * Math.sin(x / 2.3 + y / 3.1);
    const yl = lum(base) * s;
    L[i] = light(yl);
    const c = Math.cbrt(s);
    A[i] = (inEye(x, y) ? 4 : 12) * c;
    B[i] = (inEye(x, y) ? 5 : 15) * c;
  }
  return [L, A, B];
}
const weight = (() => {
  const wt = new Float32Array(n);
  for (let i = 0; i < n; i++) wt[i] = inEye(i % w, (i / w) | 0) ? 0 : 1;
  return wt;
})();
// An evenly lit template, paler.
const template = (): Planes => [new Float32Array(n).fill(78), new Float32Array(n).fill(9), new Float32Array(n).fill(11)];

function run(src: Planes, opts: ColourOptions, tgt: Planes = template()): Planes {
  matchColour(src, tgt, weight, w, h, faceW, opts, weight, undefined);
  return src;
}

const mean = (p: Float32Array, x0: number, x1: number, y0 = 60, y1 = 140) => {
  let s = 0, c = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) (s += p[y * w + x]), c++;
  return s / c;
};

test('relight: on by default, behind its gates', () => {
  const d = DEFAULT_COLOUR;
  assert.deepEqual([d.relight, d.relightTemplate, d.relightShare, d.relightShareAt, d.relightKeep, d.relightGrey], [1, 0, 0.08, 0.3, 0.06, 1]);
});

test('relight: the defaults de-light a hard shadow', () => {
  const off = run(source(0.2), OFF);
  const on = run(source(0.2), DEFAULT_COLOUR);
  const step = (p: Planes) => mean(p[0], 134, 151) - mean(p[0], 95, 112);
  assert.ok(Math.abs(step(on)) < 0.65 * Math.abs(step(off)), `defaults: ${step(on).toFixed(1)} L (off ${step(off).toFixed(1)})`);
});

test('relight: an unshaded source keeps (nearly) its pixels', () => {
  const off = run(source(1), OFF);
  const on = run(source(1), ON);
  let d = 0;
  for (let i = 0; i < n; i++) d = Math.max(d, Math.abs(on[0][i] - off[0][i]));
  assert.ok(d < 2, `largest L change on an evenly lit source: ${d.toFixed(2)}`);
});

test('relight: a shadow down one side leaves the face, lightness and chroma', () => {
  const off = run(source(0.35), OFF);
  const on = run(source(0.35), ON);
  // The band's core against the lit skin beside it (outside the eye).
  const step = (p: Planes) => mean(p[0], 134, 151) - mean(p[0], 95, 112);
  const sOff = step(off), sOn = step(on);
  assert.ok(sOff < -8, `off: the shaded side is ${sOff.toFixed(1)} L darker`);
  assert.ok(Math.abs(sOn) < 0.3 * Math.abs(sOff), `on: ${sOn.toFixed(1)} L (off ${sOff.toFixed(1)})`);
  // Not grey: the chroma per lightness on the shaded side is the lit side's.
  const sat = (p: Planes, x0: number, x1: number) => Math.hypot(mean(p[1], x0, x1), mean(p[2], x0, x1)) / (mean(p[0], x0, x1) + 16);
  const gOff = sat(off, 134, 151) - sat(off, 95, 112);
  const gOn = sat(on, 134, 151) - sat(on, 95, 112);
  assert.ok(Math.abs(gOn) < 0.5 * Math.abs(gOff) + 0.005, `saturation gap on ${gOn.toFixed(3)}, off ${gOff.toFixed(3)}`);
});

test('relight: a feature keeps its contrast to the skin around it', () => {
  const off = run(source(0.35), OFF);
  const on = run(source(0.35), ON);
  const ring = (p: Float32Array) => {
    let s = 0, c = 0, e = 0, ce = 0;
    for (let i = 0; i < n; i++) {
      const r = Math.hypot((i % w) - 70, ((i / w) | 0) - 90);
      if (r < 6) (e += p[i]), ce++;
      else if (r > 11 && r < 16) (s += p[i]), c++;
    }
    return (e / ce + 16) / (s / c + 16);
  };
  const rOff = ring(off[0]), rOn = ring(on[0]);
  assert.ok(Math.abs(rOn - rOff) < 0.1 * rOff, `eye / skin: on ${rOn.toFixed(3)}, off ${rOff.toFixed(3)}`);
});

// The gates (relightShare, relightKeep): only a source with a hard shadow over a real share of its
// skin is touched, and never the eyes, brows, nose or lips.
const GATED: ColourOptions = { ...ON, relightTemplate: 0, relightShare: 0.08, relightShareAt: 0.15 };

// A source with fine relief only (a small dark patch, not a shadow over the cheek).
function relief(): Planes {
  const [L, A, B] = source(1);
  for (let i = 0; i < n; i++) {
    const x = i % w, y = (i / w) | 0;
    if (Math.hypot(x - 130, y - 130) < 9) L[i] -= 25;
  }
  return [L, A, B];
}

test('relight gate: a source without a hard shadow keeps every pixel (share gate)', () => {
  const off = run(relief(), OFF);
  const on = run(relief(), GATED);
  for (let c = 0; c < 3; c++) for (let i = 0; i < n; i++) if (on[c][i] !== off[c][i]) assert.fail(`channel ${c} pixel ${i}: ${on[c][i]} vs ${off[c][i]}`);
});

test('relight gate: a hard shadow down one side still leaves the face', () => {
  const off = run(source(0.35), OFF);
  // The band is 13 % of the skin past the deviation: a share gate of 0.05 (full from 0.1) passes it.
  const on = run(source(0.35), { ...GATED, relightShare: 0.05 });
  const step = (p: Planes) => mean(p[0], 134, 151) - mean(p[0], 95, 112);
  const sOff = step(off), sOn = step(on);
  assert.ok(Math.abs(sOn) < 0.3 * Math.abs(sOff), `on: ${sOn.toFixed(1)} L (off ${sOff.toFixed(1)})`);
});

test('relight keep: nothing de-lit over the eyes, brows, nose and lips, full away from them', async () => {
  const { relightGateMap } = await import('../src/engine/colour.ts');
  const cw = 100, ch = 100, nc = cw * ch;
  // A mesh whose every point sits at (50, 50) but the right eye's, on a ring round (30, 40) (k = 1).
  const pos: number[][] = Array.from({ length: 468 }, () => [50, 50]);
  const eye = [33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7];
  eye.forEach((id, j) => (pos[id] = [30 + 6 * Math.cos((j / eye.length) * 2 * Math.PI), 40 + 3 * Math.sin((j / eye.length) * 2 * Math.PI)]));
  const ones = new Float32Array(nc).fill(50);
  const g = { pos, tri: [], targetNormals: new Float32Array(0), sourceNormals: new Float32Array(0) };
  const m = relightGateMap(ones, ones, new Float32Array(nc).fill(1), cw, ch, 2, 1, 100, { ...PLAIN, relight: 1, relightKeep: 0.04 }, g)!;
  assert.equal(m[40 * cw + 30], 0, 'the eye');
  assert.equal(m[40 * cw + 38], 0, 'within the margin');
  assert.ok(m[40 * cw + 80] > 0.99, `far from the features: ${m[40 * cw + 80]}`);
  assert.ok(m[40 * cw + 42] > 0 && m[40 * cw + 42] < 1, `the band: ${m[40 * cw + 42]}`);
});

// The grey gate (relightGrey): a colourless source (median skin chroma ≤ 2, greySource's weight 1)
// is not de-lit; a colour source still is.
const greyOf = (p: Planes): Planes => [p[0], new Float32Array(n), new Float32Array(n)];

test('relight grey gate: a greyscale template keeps a colour source\'s pixels as with relight off', () => {
  const grey = (): Planes => [new Float32Array(n).fill(78), new Float32Array(n), new Float32Array(n)];
  const off = run(source(0.35), OFF, grey());
  const on = run(source(0.35), { ...ON, relightGrey: 1 }, grey());
  for (let c = 0; c < 3; c++) for (let i = 0; i < n; i++) if (on[c][i] !== off[c][i]) assert.fail(`channel ${c} pixel ${i}: ${on[c][i]} vs ${off[c][i]}`);
});

test('relight grey gate: a greyscale source with a hard shadow keeps every pixel', () => {
  const off = run(greyOf(source(0.35)), OFF);
  const on = run(greyOf(source(0.35)), { ...ON, relightGrey: 1 });
  for (let c = 0; c < 3; c++) for (let i = 0; i < n; i++) if (on[c][i] !== off[c][i]) assert.fail(`channel ${c} pixel ${i}: ${on[c][i]} vs ${off[c][i]}`);
  // Without the gate the same source is de-lit.
  const ungated = run(greyOf(source(0.35)), ON);
  const step = (p: Planes) => mean(p[0], 134, 151) - mean(p[0], 95, 112);
  assert.ok(Math.abs(step(ungated)) < 0.3 * Math.abs(step(off)), `ungated: ${step(ungated).toFixed(1)} L (off ${step(off).toFixed(1)})`);
});

test('relight grey gate: a colour source is de-lit as without the gate', () => {
  const a = run(source(0.35), ON);
  const b = run(source(0.35), { ...ON, relightGrey: 1 });
  for (let c = 0; c < 3; c++) for (let i = 0; i < n; i++) if (a[c][i] !== b[c][i]) assert.fail(`channel ${c} pixel ${i}: ${a[c][i]} vs ${b[c][i]}`);
});
