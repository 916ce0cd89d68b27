// The colour stage across skin tones (ColourOptions.albedo*): a dark source onto a pale template
// (or the reverse) is a different albedo under the same light, so the match keeps the source's
// shading as ratios of linear light and a shadow keeps its chromaticity instead of going grey.
// Off by default; gated to pairs whose skins differ in both lightness and colourfulness.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_COLOUR, matchColour, type ColourOptions } from '../src/engine/colour.ts';

const w = 200, h = 200, n = w * h, faceW = 200;
type Planes = [Float32Array, Float32Array, Float32Array];
// The albedo knobs alone: no relight, no hot-spot compression, no ceiling, no finer lighting.
const BASE: ColourOptions = { ...DEFAULT_COLOUR, relight: 0, highlights: 0, chromaCeiling: 0, detailLightingAuto: 0 };
const ON: ColourOptions = { ...BASE, albedo: 1, albedoLight: 1 };

const lum = (l: number) => ((l + 16) / 116) ** 3;
const light = (y: number) => 116 * Math.cbrt(y) - 16;

// Skin at L `l`, chroma (a, b) with a fine ripple; a crease (x 128..136, finer than the maps' cells'
// reference) that keeps
// `shade` of the luminance, L + 16, a and b all as Y^⅓ (its chromaticity is the skin's).
function face(l: number, a: number, b: number, shade: number): Planes {
  const L = new Float32Array(n), A = new Float32Array(n), B = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const x = i % w, y = (i / w) | 0;
    const m = Math.min(1, Math.max(0, (x - 128) / 2), Math.max(0, (136 - x) / 2));
    const c = Math.cbrt(1 - m * (1 - shade));
    L[i] = light(lum(l + 1.5 * Math.sin(x / 2.3 + y / 3.1)) * c ** 3);
    A[i] = a * c;
    B[i] = b * c;
  }
  return [L, A, B];
}
const weight = new Float32Array(n).fill(1);
const run = (src: Planes, tgt: Planes, opts: ColourOptions) => (matchColour(src, tgt, weight, w, h, faceW, opts, weight, undefined), src);
const mean = (p: Float32Array, x0: number, x1: number) => {
  let s = 0, c = 0;
  for (let y = 60; y < 140; y++) for (let x = x0; x < x1; x++) (s += p[y * w + x]), c++;
  return s / c;
};
// Chromaticity magnitude and L + 16 of the shadow over the lit skin beside it.
const chromaRatio = (p: Planes) => {
  const c = (x0: number, x1: number) => Math.hypot(mean(p[1], x0, x1), mean(p[2], x0, x1)) / (mean(p[0], x0, x1) + 16);
  return c(130, 134) / c(60, 100);
};
const lightRatio = (p: Planes) => (mean(p[0], 130, 134) + 16) / (mean(p[0], 60, 100) + 16);
const dark = () => face(40, 16, 26, 0.3);
const pale = () => face(78, 9, 11, 1);

test('albedo: off by default', () => {
  const d = DEFAULT_COLOUR;
  assert.deepEqual([d.albedo, d.albedoLight, d.albedoBrows, d.albedoFill, d.albedoCouple], [0, 0, 0, 0, 0]);
});

test('albedo: off is bit-identical, whatever the other albedo settings', () => {
  const a = run(dark(), pale(), BASE);
  const b = run(dark(), pale(), { ...BASE, albedoSigma: 0.1, albedoGainMax: 2, albedoBrows: 1, albedoFill: 1, albedoCouple: 1, albedoGate: 0.2 });
  for (let c = 0; c < 3; c++) assert.deepEqual(a[c], b[c]);
});

test('albedo: a dark source\'s crease on a pale template keeps its chromaticity and its light ratio', () => {
  const src = dark();
  const cr0 = chromaRatio(src), lr0 = lightRatio(src);
  const off = run(dark(), pale(), BASE);
  const on = run(dark(), pale(), ON);
  assert.ok(Math.abs(chromaRatio(on) - cr0) < 0.5 * Math.abs(chromaRatio(off) - cr0), `chromaticity ratio: source ${cr0.toFixed(3)}, off ${chromaRatio(off).toFixed(3)}, on ${chromaRatio(on).toFixed(3)}`);
  assert.ok(Math.abs(lightRatio(on) - lr0) < Math.abs(lightRatio(off) - lr0), `L + 16 ratio: source ${lr0.toFixed(3)}, off ${lightRatio(off).toFixed(3)}, on ${lightRatio(on).toFixed(3)}`);
  // The lit skin lands where it did.
  assert.ok(Math.abs(mean(on[0], 60, 100) - mean(off[0], 60, 100)) < 1, `lit skin L ${mean(on[0], 60, 100).toFixed(1)} (off ${mean(off[0], 60, 100).toFixed(1)})`);
});

test('albedo: the gate leaves a brighter exposure of the same skin alone', () => {
  const same = () => face(60, 12, 16, 0.3);
  const off = run(same(), face(75, 12 * (91 / 76), 16 * (91 / 76), 1), BASE);
  const on = run(same(), face(75, 12 * (91 / 76), 16 * (91 / 76), 1), { ...ON, albedoGate: 0.15 });
  for (let c = 0; c < 3; c++) assert.deepEqual(on[c], off[c]);
  // … and passes a darker, more colourful skin.
  const offD = run(dark(), pale(), BASE);
  const onD = run(dark(), pale(), { ...ON, albedoGate: 0.15 });
  assert.notDeepEqual(onD[0], offD[0]);
});
