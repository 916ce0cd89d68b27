// colour.shadowLift: a source's deep shade finer than the lighting field (under one eye of a side-lit
// face, freckled) no longer lands as a dark, mottled cloud on an evenly lit, brighter template: its
// mean is lifted toward the template's and its freckles are not amplified by the full L gain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchColour, DEFAULT_COLOUR } from '../src/engine/colour.ts';
import { OVAL, ovalScene } from './helpers/oval-mesh.ts';

const { w, h, faceW } = OVAL;
const n = w * h;
// The shade: a Gaussian (σ 12 px, 0.06 face width) on the left cheek, below the left eye.
const PX = 155, PY = 145;
const shade = (x: number, y: number) => Math.exp(-((x - PX) ** 2 + (y - PY) ** 2) / (2 * 12 ** 2));

function run(shadowLift: number, tShade = 0, shadowLiftGain = DEFAULT_COLOUR.shadowLiftGain) {
  const { geometry, tgt, src, skin } = ovalScene();
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const s = shade(x, y);
      // Freckles: a 4-px checkerboard of ±3 L, everywhere.
      const fr = ((x >> 2) + (y >> 2)) % 2 ? 3 : -3;
      src[0][i] = 36 - 18 * s + fr;
      src[1][i] = 14;
      src[2][i] = 15;
      tgt[0][i] = 80 - tShade * s;
      tgt[1][i] = 11;
      tgt[2][i] = 13;
    }
  }
  const opts = { ...DEFAULT_COLOUR, shading: 0, highlights: 0, chromaCeiling: 0, sockets: 0, relight: 0, edgeTone: 0, periphery: 0, darkCells: 0, shadowLift, shadowLiftGain };
  matchColour(src, tgt, skin, w, h, faceW, opts, skin, geometry);
  return src[0];
}

/** Mean and spread (mean |v − mean| over 4×4 blocks) of L within r px of the shade's centre. */
function stats(L: Float32Array, r: number): { mean: number; spread: number } {
  let s = 0, m = 0;
  for (let y = PY - r; y <= PY + r; y++) for (let x = PX - r; x <= PX + r; x++) if (Math.hypot(x - PX, y - PY) <= r) { s += L[y * w + x]!; m++; }
  const mean = s / m;
  let d = 0, q = 0;
  // The freckles' amplitude: half the difference of neighbouring 4-px blocks, at the shade's centre.
  for (let y = PY - 6; y < PY + 6; y++) for (let x = PX - 6; x < PX + 6; x++) { d += Math.abs(L[y * w + x]! - L[y * w + x + 4]!) / 2; q++; }
  return { mean, spread: d / q };
}

test('shadowLift: the source\'s fine shade comes out lighter and less mottled; off is the old match', () => {
  const off = stats(run(0), 8);
  const on = stats(run(1), 8);
  // Old: the coarse ratio (~2) lifts the half-face, and the shade and its freckles keep ×2 of their depth.
  assert.ok(off.mean < 80 - 15, `off: a dark cloud (${off.mean.toFixed(1)})`);
  assert.ok(off.spread > 5, `off: freckles amplified (${off.spread.toFixed(2)})`);
  assert.ok(on.mean > off.mean + 5, `on: lighter (${on.mean.toFixed(1)} vs ${off.mean.toFixed(1)})`);
  assert.ok(on.spread < off.spread * 0.85, `on: freckles less amplified (${on.spread.toFixed(2)} vs ${off.spread.toFixed(2)})`);
  // Away from the shade (the other cheek) nothing moves.
  const a = run(0), b = run(1);
  const i = 145 * w + 85;
  assert.equal(a[i], b[i]);
});

test('shadowLift: where the template is as dark there, the lift leaves the shade\'s mean alone', () => {
  const off = stats(run(0, 45, 0), 8);
  const on = stats(run(1, 45, 0), 8);
  assert.ok(Math.abs(on.mean - off.mean) < 1, `${on.mean.toFixed(2)} vs ${off.mean.toFixed(2)}`);
});
