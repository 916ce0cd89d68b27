// colour.edgeTone: the face's outer band (from edgeToneFrom of the way out to the oval) takes what is
// left of the template's local tone after every other match; the centre and the features keep it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchColour, DEFAULT_COLOUR } from '../src/engine/colour.ts';
import { OVAL, ovalScene } from './helpers/oval-mesh.ts';

const { w, h, faceW, CX, CY, RX, RY } = OVAL;
const n = w * h;

function run(edgeTone: number) {
  const { geometry, tgt, src, skin } = ovalScene();
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const r = Math.hypot((x - CX) / RX, (y - CY) / RY);
      // The template warms and darkens toward its rim (a fine gradient the coarse match misses);
      // the source is flat and pale.
      const e = Math.max(0, Math.min(1, (r - 0.5) / 0.5));
      tgt[0][i] = 66 - 10 * e;
      tgt[1][i] = 12 + 6 * e;
      tgt[2][i] = 16 + 8 * e;
      src[0][i] = 70;
      src[1][i] = 10;
      src[2][i] = 14;
      // Brows: dark in both, not skin.
      for (const bx of [90, 150]) if (((x - bx) / 18) ** 2 + ((y - 92) / 3) ** 2 <= 1) {
        src[0][i] = tgt[0][i] = 22;
        skin[i] = 0;
      }
    }
  }
  matchColour(src, tgt, skin, w, h, faceW, { ...DEFAULT_COLOUR, shading: 0, highlights: 0, periphery: 0, chromaCeiling: 0, sockets: 0, edgeTone }, skin, geometry);
  return { src, tgt };
}

test('edgeTone: the outer band moves to the template\'s tone; the centre and the brows keep the match', () => {
  const off = run(0), on = run(1);
  const at = (x: number, y: number) => y * w + x;
  const dE = (p: Float32Array[], q: Float32Array[], i: number) => Math.hypot(p[0][i] - q[0][i], p[1][i] - q[1][i], p[2][i] - q[2][i]);
  // The rim (jaw, outer cheeks, temples): closer to the template by at least a third.
  for (const [x, y] of [[CX, CY + 105], [CX - 88, CY], [CX + 88, CY], [CX - 60, CY + 80]]) {
    const i = at(x, y);
    // Chroma by a shift (whole), lightness by a quarter of the ratio (edgeToneLight 0.25).
    const ab = (p: Float32Array[], q: Float32Array[]) => Math.hypot(p[1][i] - q[1][i], p[2][i] - q[2][i]);
    const a = ab(off.src, off.tgt), b = ab(on.src, on.tgt);
    assert.ok(b < 0.67 * a, `rim chroma at ${x},${y}: ΔE ${a.toFixed(2)} → ${b.toFixed(2)}`);
    const la = Math.abs(off.src[0][i] - off.tgt[0][i]), lb = Math.abs(on.src[0][i] - on.tgt[0][i]);
    assert.ok(lb < la - 0.05, `rim L at ${x},${y}: ${la.toFixed(2)} → ${lb.toFixed(2)}`);
    assert.ok(dE(on.src, on.tgt, i) < dE(off.src, off.tgt, i));
  }
  // The centre: as before.
  for (const [x, y] of [[CX, CY], [CX, CY - 20]]) for (let c = 0; c < 3; c++) assert.ok(Math.abs(on.src[c][at(x, y)] - off.src[c][at(x, y)]) < 0.05);
  // The brows' middle: as before (left out of the band).
  for (const bx of [90, 150]) for (let c = 0; c < 3; c++) assert.ok(Math.abs(on.src[c][at(bx, 92)] - off.src[c][at(bx, 92)]) < 0.5);
});
