// colour.socketLid: a source lit from above keeps its upper lids and under-brows near black, which
// the coarse match, `sockets` (its ratio of L bounded, its statistics 0.015 face width off the eye)
// and shadowLift (the sockets' band left out) do not reach; the knob lifts the lids toward the
// template's L + 16 there. The eyes' openings, the brows and the face away from the eyes keep the match.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchColour, DEFAULT_COLOUR } from '../src/engine/colour.ts';
import { eyeBandMesh, inEllipse } from './engine-fixtures.ts';

const w = 240, h = 220, n = w * h, faceW = 200;

function run(socketLid: number) {
  const geometry = { pos: eyeBandMesh(), tri: [], targetNormals: new Float32Array(0), sourceNormals: new Float32Array(0) };
  // Template: even skin, lids as light as the skin. Source: the same skin, each upper lid in deep shadow (L 6).
  const tgt: [Float32Array, Float32Array, Float32Array] = [new Float32Array(n).fill(66), new Float32Array(n).fill(14), new Float32Array(n).fill(16)];
  const src: [Float32Array, Float32Array, Float32Array] = [new Float32Array(n).fill(62), new Float32Array(n).fill(14), new Float32Array(n).fill(16)];
  const skin = new Float32Array(n).fill(1);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      for (const cx of [80, 160]) {
        if (inEllipse(x, y, cx, 78, 26, 10)) {
          src[0][i] = 6;
          src[1][i] = 2;
          src[2][i] = 2;
          skin[i] = 0;
        }
        if (inEllipse(x, y, cx, 62, 24, 4)) src[0][i] = tgt[0][i] = 22;
        if (inEllipse(x, y, cx, 90, 18, 7)) {
          const iris = inEllipse(x, y, cx, 90, 6, 6);
          src[0][i] = tgt[0][i] = iris ? 25 : 80;
        }
        if (inEllipse(x, y, cx, 62, 28, 8) || inEllipse(x, y, cx, 90, 22, 11)) skin[i] = 0;
      }
    }
  }
  matchColour(src, tgt, skin, w, h, faceW, { ...DEFAULT_COLOUR, shading: 0, highlights: 0, periphery: 0, chromaCeiling: 0, socketLid }, skin, geometry);
  return src;
}

test('socketLid: a lid in deep shadow lifts toward the template\'s; openings, brows and the face away from the eyes keep the match', () => {
  const off = run(0), on = run(1);
  const at = (x: number, y: number) => y * w + x;
  for (const cx of [80, 160]) {
    const i = at(cx + 10, 76);
    assert.ok(off[0][i] < 25, `the other matches leave the lid dark: L ${off[0][i].toFixed(1)}`);
    assert.ok(on[0][i] > off[0][i] + 12, `lid: L ${off[0][i].toFixed(1)} → ${on[0][i].toFixed(1)}`);
    assert.ok(Math.hypot(on[1][i] - 14, on[2][i] - 16) < Math.hypot(off[1][i] - 14, off[2][i] - 16), 'the lid\'s chroma toward the template\'s');
    // The iris and the eye white: as with the knob off.
    for (const [x, y] of [[cx, 90], [cx + 12, 91]]) assert.ok(Math.abs(on[0][at(x, y)] - off[0][at(x, y)]) < 0.5, `eye ${x},${y}: ${off[0][at(x, y)].toFixed(2)} → ${on[0][at(x, y)].toFixed(2)}`);
  }
  // Away from the eyes (mouth, chin, the forehead's top): exactly as before.
  for (const [x, y] of [[120, 180], [120, 210], [120, 8]]) for (let c = 0; c < 3; c++) assert.equal(on[c][at(x, y)], off[c][at(x, y)]);
});
