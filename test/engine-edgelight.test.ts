// colour.edgeLight: where the warp stretches the source (a turned template's near cheek), the
// template's own fine lightness replaces the source's stretched edge (a rim of light, a dark band);
// elsewhere, and with the knob off or the faces not turned, nothing changes.
// (edgeLightCut, the same match beside a cut in the mask, is pinned off here: test/engine-edgelight-cut.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchColour, DEFAULT_COLOUR } from '../src/engine/colour.ts';
import { OVAL, ovalScene } from './helpers/oval-mesh.ts';

const { w, h, faceW, CX, CY, RX, RY } = OVAL;
const n = w * h;

// Pores: a fixed ±2 L pattern, the same in every run.
const pore = (x: number, y: number) => 2 * Math.sin(x * 1.7 + y * 0.9) * Math.cos(y * 2.3 - x * 0.4);

function run(colour: Partial<typeof DEFAULT_COLOUR>, turn = 15, withEdge = true) {
  const { geometry, tgt, src, skin } = ovalScene();
  const stretch = new Float32Array(n).fill(1);
  const alpha = new Float32Array(n);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const r = Math.hypot((x - CX) / RX, (y - CY) / RY);
      alpha[i] = r < 1 ? 1 : 0;
      tgt[0][i] = 70;
      tgt[1][i] = 12;
      tgt[2][i] = 16;
      src[0][i] = 70 + pore(x, y);
      src[1][i] = 12;
      src[2][i] = 16;
      // The source's stretched cheek edge, right side: a rim of light, then its hair's shade.
      if (x > CX + 55) stretch[i] = 2.2;
      if (x >= CX + 80 && x < CX + 85) src[0][i] += 14;
      if (x >= CX + 88) src[0][i] -= 18;
    }
  }
  matchColour(src, tgt, skin, w, h, faceW, { ...DEFAULT_COLOUR, shading: 0, highlights: 0, relight: 0, edgeLightCut: 0, ...colour }, skin, geometry, undefined, withEdge ? { stretch, alpha, turn } : undefined);
  return src;
}

test('edgeLight: the stretched edge takes the template\'s lightness; pores, the centre and the other side keep theirs', () => {
  const off = run({ edgeLight: 0 });
  const on = run({ edgeLight: 1 });
  const at = (x: number, y: number) => y * w + x;
  const mean = (p: Float32Array, x0: number, x1: number, y0: number, y1: number) => {
    let s = 0, c = 0;
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) (s += p[at(x, y)]), c++;
    return s / c;
  };
  // The rim of light and the dark band: most of their step to the template's L 70 goes.
  for (const [x0, x1] of [[CX + 81, CX + 84], [CX + 89, CX + 94]]) {
    const a = Math.abs(mean(off[0], x0, x1, CY - 10, CY + 10) - 70);
    const b = Math.abs(mean(on[0], x0, x1, CY - 10, CY + 10) - 70);
    assert.ok(a > 8 && b < 0.4 * a, `L step at x ${x0}–${x1}: ${a.toFixed(2)} → ${b.toFixed(2)}`);
  }
  // Pores on the corrected cheek: most of their contrast stays.
  const sd = (p: Float32Array) => {
    let s = 0, c = 0;
    for (let y = CY - 10; y < CY + 10; y++) for (let x = CX + 60; x < CX + 70; x++) {
      const d = p[at(x, y)] - p[at(x + 1, y)];
      s += d * d;
      c++;
    }
    return Math.sqrt(s / c);
  };
  assert.ok(sd(on[0]) > 0.6 * sd(off[0]), `pores ${sd(off[0]).toFixed(2)} → ${sd(on[0]).toFixed(2)}`);
  // The centre and the unstretched side: untouched.
  for (const [x, y] of [[CX, CY], [CX - 80, CY], [CX - 40, CY + 60]]) for (let c = 0; c < 3; c++) assert.equal(on[c][at(x, y)], off[c][at(x, y)]);
});

test('edgeLight: off, or faces not turned against each other, leaves every pixel as without it', () => {
  const none = run({ edgeLight: 0 }, 15, false);
  for (const s of [run({ edgeLight: 0 }), run({ edgeLight: 1 }, 3)]) for (let c = 0; c < 3; c++) assert.deepEqual(s[c], none[c]);
});

test('edgeTurn: |Δyaw| only when the template is the more turned face', async () => {
  const { edgeTurn } = await import('../src/engine/swap.ts');
  assert.equal(edgeTurn(1, 17), 16);
  assert.equal(edgeTurn(-10, 10), 20);
  assert.equal(edgeTurn(-18, -4), 0);
});

test('edgeLight: on by default', () => {
  assert.equal(DEFAULT_COLOUR.edgeLight, 1);
});
