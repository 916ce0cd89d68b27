// colour.rimFine: the rim next to the ears and neck takes what is left of the template's fine tone,
// beyond a dead zone; the inner face keeps the match, and a small residual (relief) stays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchColour, DEFAULT_COLOUR } from '../src/engine/colour.ts';
import { OVAL, ovalScene } from './helpers/oval-mesh.ts';

const { w, h, faceW, CX, CY, RX, RY } = OVAL;
const n = w * h;
const rAt = (x: number, y: number) => Math.hypot((x - CX) / RX, (y - CY) / RY);

/** The template darkens and warms toward its oval (from 0.86 of the way out) by `k`; the source is flat. The other rim matches are off. */
function run(rimFine: number, k = 1) {
  const { geometry, tgt, src, skin } = ovalScene();
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const e = k * Math.max(0, Math.min(1, (rAt(x, y) - 0.86) / 0.12));
      tgt[0][i] = 66 - 26 * e;
      tgt[1][i] = 10 + 20 * e;
      tgt[2][i] = 14 + 16 * e;
      src[0][i] = 70;
      src[1][i] = 10;
      src[2][i] = 14;
    }
  }
  const opts = { ...DEFAULT_COLOUR, shading: 0, highlights: 0, chromaCeiling: 0, sockets: 0, relight: 0, edgeTone: 0, periphery: 0, rimFine, rimFineFrom: 0.85 };
  matchColour(src, tgt, skin, w, h, faceW, opts, skin, geometry);
  return { src, tgt };
}

/** Mean |result − template| of plane c over pixels with r in [r0, r1). */
function diff(out: ReturnType<typeof run>, c: number, r0: number, r1: number): number {
  let s = 0, m = 0;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const r = rAt(x, y);
      if (r < r0 || r >= r1) continue;
      const i = y * w + x;
      s += Math.abs(out.src[c][i] - out.tgt[c][i]);
      m++;
    }
  return s / m;
}

test('rimFine: the band just inside the oval takes the template\'s fine tone; the centre keeps the match', () => {
  const off = run(0);
  const on = run(1);
  for (const c of [0, 1, 2]) {
    const a = diff(off, c, 0.88, 0.98);
    const b = diff(on, c, 0.88, 0.98);
    assert.ok(a > 1.5, `plane ${c}: a step to take out (${a})`);
    assert.ok(b < a - 0.3, `plane ${c}: on ${b} vs off ${a}`);
    // The face's middle keeps the match.
    assert.ok(Math.abs(diff(on, c, 0, 0.5) - diff(off, c, 0, 0.5)) < 0.05);
  }
});

test('rimFine: a residual within the dead zone stays', () => {
  // A step of a tenth: under 5 % in L and 2 units in a, b at every cell.
  const off = run(0, 0.1);
  const on = run(1, 0.1);
  for (let c = 0; c < 3; c++) assert.deepEqual(on.src[c], off.src[c]);
});
