// colour.relief: a dark source whose mid-band relief (white streaks down the nose and over the
// cheekbones under frontal studio light) differs a lot from a pale, softly side-lit template's takes
// the template's relief at the same cells; a pair whose relief is alike is left exactly as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchColour, DEFAULT_COLOUR } from '../src/engine/colour.ts';
import { OVAL, ovalMesh as mesh } from './helpers/oval-mesh.ts';

const { w, h, faceW, CX, CY } = OVAL;
const n = w * h;
const bump = (x: number, y: number, cx: number, cy: number, sx: number, sy: number) => Math.exp(-(((x - cx) / sx) ** 2 + ((y - cy) / sy) ** 2) / 2);

/** A face: skin L `L` (chroma a, b), streaks of `streak` L at the bridge and cheekbones, a soft shade of `side` L toward x's right. */
function face(L: number, a: number, b: number, streak: number, side: number): [Float32Array, Float32Array, Float32Array] {
  const p: [Float32Array, Float32Array, Float32Array] = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const s = bump(x, y, CX, CY - 5, 5, 30) + bump(x, y, 82, 138, 14, 7) + bump(x, y, 158, 138, 14, 7) + bump(x, y, CX, 60, 22, 8);
      // Contouring: darker bands down the nose's sides.
      const c = bump(x, y, CX - 16, CY + 5, 5, 25) + bump(x, y, CX + 16, CY + 5, 5, 25);
      p[0][i] = L + streak * (s - 0.5 * c) - side * bump(x, y, CX + 70, CY, 12, 40);
      p[1][i] = a * (1 - 0.5 * Math.min(1, s));
      p[2][i] = b * (1 - 0.5 * Math.min(1, s));
    }
  }
  return p;
}

function run(src: [Float32Array, Float32Array, Float32Array], tgt: [Float32Array, Float32Array, Float32Array], relief: number) {
  const geometry = { pos: mesh(), tri: [], targetNormals: new Float32Array(0), sourceNormals: new Float32Array(0) };
  const s = src.map((p) => p.slice()) as [Float32Array, Float32Array, Float32Array];
  const skin = new Float32Array(n).fill(1);
  matchColour(s, tgt, skin, w, h, faceW, { ...DEFAULT_COLOUR, shading: 0, relight: 0, relief }, skin, geometry);
  return s;
}

test('relief: a dark, streaked source on a pale side-lit template takes the template\'s relief', () => {
  const src = face(40, 20, 24, 40, 0);
  const tgt = face(72, 10, 14, 0, 20);
  const off = run(src, tgt, 0), on = run(src, tgt, 1);
  const at = (x: number, y: number) => y * w + x;
  // The bridge's streak over the skin beside it: the template has none.
  const streak = (p: Float32Array) => p[at(CX, CY - 5)] - p[at(CX - 25, CY - 5)];
  assert.ok(streak(on[0]) < 0.6 * streak(off[0]), `bridge streak ${streak(off[0]).toFixed(1)} → ${streak(on[0]).toFixed(1)} L`);
  // The template's shade toward its right cheek comes back.
  const shade = (p: Float32Array) => p[at(CX - 70, CY)] - p[at(CX + 70, CY)];
  const want = tgt[0][at(CX - 70, CY)] - tgt[0][at(CX + 70, CY)];
  assert.ok(Math.abs(shade(on[0]) - want) < 0.7 * Math.abs(shade(off[0]) - want), `side shade ${shade(off[0]).toFixed(1)} → ${shade(on[0]).toFixed(1)} (template ${want.toFixed(1)})`);
  // The eyes' and brows' middles keep the match.
  for (const [x, y] of [[90, 110], [150, 110], [90, 92], [150, 92]]) assert.ok(Math.abs(on[0][at(x, y)] - off[0][at(x, y)]) < 0.5, `feature at ${x},${y}`);
});

test('relief: a pair with alike relief and skin is left bit for bit', () => {
  const src = face(60, 14, 18, 6, 0);
  const tgt = face(64, 12, 16, 5, 0);
  const off = run(src, tgt, 0), on = run(src, tgt, 1);
  for (let c = 0; c < 3; c++) assert.deepEqual(on[c], off[c]);
});
