// colour.edgeLightCut: beside a cut in the mask inside the face (the source's hair at its cheek, cut
// out), the source's shade and loose edge on the kept side take the template's fine lightness,
// whatever the warp's stretch; with the knob off, or the pair's turn under its gate, nothing changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchColour, DEFAULT_COLOUR } from '../src/engine/colour.ts';
import { OVAL, ovalScene } from './helpers/oval-mesh.ts';

const { w, h, faceW, CX, CY, RX, RY } = OVAL;
const n = w * h;
const at = (x: number, y: number) => y * w + x;
const pore = (x: number, y: number) => 2 * Math.sin(x * 1.7 + y * 0.9) * Math.cos(y * 2.3 - x * 0.4);

// A frontal-ish pair (turn 6°, under edgeLightTurn's 8°: the stretch term does not act), no stretch.
function run(colour: Partial<typeof DEFAULT_COLOUR>, turn = 6, withEdge = true) {
  const { geometry, tgt, src, skin } = ovalScene();
  const stretch = new Float32Array(n).fill(1);
  const alpha = new Float32Array(n);
  const cover = new Uint8Array(n);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = at(x, y);
      const r = Math.hypot((x - CX) / RX, (y - CY) / RY);
      cover[i] = r < 1 ? 1 : 0;
      alpha[i] = r < 1 ? 1 : 0;
      tgt[0][i] = 70;
      tgt[1][i] = 12;
      tgt[2][i] = 16;
      src[0][i] = 70 + pore(x, y);
      src[1][i] = 12;
      src[2][i] = 16;
      const near = Math.abs(y - CY) < 30;
      // The source's hair, cut out by the mask (the template shows), inside the cover …
      if (near && x >= CX + 74 && x < CX + 86) {
        alpha[i] = 0;
        src[0][i] = 25;
      }
      // … and its shade on the kept side: the blotch.
      if (near && x >= CX + 66 && x < CX + 74) src[0][i] -= 16;
    }
  }
  matchColour(src, tgt, skin, w, h, faceW, { ...DEFAULT_COLOUR, shading: 0, highlights: 0, relight: 0, ...colour }, skin, geometry, cover, withEdge ? { stretch, alpha, turn } : undefined);
  return src;
}

const mean = (p: Float32Array, x0: number, x1: number, y0: number, y1: number) => {
  let s = 0, c = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) (s += p[at(x, y)]), c++;
  return s / c;
};

test('edgeLightCut: the shade beside a cut in the mask takes the template\'s lightness; the centre and the other side keep theirs', () => {
  const off = run({ edgeLightCut: 0 });
  const on = run({ edgeLightCut: 1, edgeLightCutTurn: 0, edgeLightCutBand: 0.4, edgeLightCutWidth: 0.05 });
  // The shade's step from the template's L 70: most of it goes.
  const a = Math.abs(mean(off[0], CX + 66, CX + 74, CY - 10, CY + 10) - 70);
  const b = Math.abs(mean(on[0], CX + 66, CX + 74, CY - 10, CY + 10) - 70);
  assert.ok(a > 6 && b < 0.5 * a, `L step beside the cut: ${a.toFixed(2)} → ${b.toFixed(2)}`);
  for (const [x, y] of [[CX, CY], [CX - 70, CY], [CX - 40, CY + 60]]) for (let c = 0; c < 3; c++) assert.equal(on[c][at(x, y)], off[c][at(x, y)]);
});

test('edgeLightCut: off, or the turn under its gate, leaves every pixel as without it', () => {
  const none = run({ edgeLightCut: 0 }, 6, false);
  for (const s of [run({ edgeLightCut: 0 }), run({ edgeLightCut: 0 }, 20), run({ edgeLightCut: 1, edgeLightCutTurn: 7 })]) for (let c = 0; c < 3; c++) assert.deepEqual(s[c], none[c]);
  // With the stretch term's gate open and no stretch, the cut term off changes nothing either.
  const turned = run({ edgeLightCut: 0 }, 20);
  for (let c = 0; c < 3; c++) assert.deepEqual(turned[c], none[c]);
});

test('edgeLightCut: a cut reaches past the oval\'s feather only', () => {
  // No cut inside: the oval's own edge (alpha 0 just outside the cover) is not one.
  const plain = run({ edgeLightCut: 1, edgeLightCutTurn: 0 }, 6);
  const ref = run({ edgeLightCut: 0 }, 6);
  // Far from the cut (upper left cheek, near the oval): unchanged.
  const y = CY - 60, x = CX - 70;
  for (let c = 0; c < 3; c++) assert.equal(plain[c][at(x, y)], ref[c][at(x, y)]);
});
