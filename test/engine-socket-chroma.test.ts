// colour.socketsChroma: a source lit by two colours (a warm bounce on the lower lids and sockets
// under a cool key) keeps an amber cast around the eyes that the coarse chroma match cannot reach;
// the knob shifts the band's fine chroma to the template's. The eyes' openings, and the face away
// from the eyes, keep the match.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchColour, DEFAULT_COLOUR } from '../src/engine/colour.ts';
import { eyeBandMesh, inEllipse } from './engine-fixtures.ts';

const w = 240, h = 220, n = w * h, faceW = 200;


function run(socketsChroma: number) {
  const geometry = { pos: eyeBandMesh(), tri: [], targetNormals: new Float32Array(0), sourceNormals: new Float32Array(0) };
  // Template: even pink skin. Source: the same skin, but under each eye an amber (yellow, less red) patch.
  const tgt: [Float32Array, Float32Array, Float32Array] = [new Float32Array(n).fill(66), new Float32Array(n).fill(16), new Float32Array(n).fill(14)];
  const src: [Float32Array, Float32Array, Float32Array] = [new Float32Array(n).fill(62), new Float32Array(n).fill(16), new Float32Array(n).fill(14)];
  const skin = new Float32Array(n).fill(1);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      for (const cx of [80, 160]) {
        if (inEllipse(x, y, cx, 104, 26, 14)) {
          src[1][i] = 8;
          src[2][i] = 30;
        }
        // Brows and eye openings (a brown iris, a white) in both faces; never skin statistics.
        if (inEllipse(x, y, cx, 62, 24, 4)) src[0][i] = tgt[0][i] = 22;
        if (inEllipse(x, y, cx, 90, 18, 7)) {
          const iris = inEllipse(x, y, cx, 90, 6, 6);
          src[0][i] = tgt[0][i] = iris ? 25 : 80;
          src[1][i] = tgt[1][i] = iris ? 6 : 1;
          src[2][i] = tgt[2][i] = iris ? 12 : 3;
        }
        if (inEllipse(x, y, cx, 62, 28, 8) || inEllipse(x, y, cx, 90, 22, 11)) skin[i] = 0;
      }
    }
  }
  matchColour(src, tgt, skin, w, h, faceW, { ...DEFAULT_COLOUR, shading: 0, highlights: 0, periphery: 0, chromaCeiling: 0, socketsChroma }, skin, geometry);
  return src;
}

test('socketsChroma: an amber cast under the eyes goes to the template\'s skin chroma; eyes\' openings and the face away from the eyes keep the match', () => {
  const off = run(0), on = run(1);
  const at = (x: number, y: number) => y * w + x;
  for (const cx of [80, 160]) {
    // Under the eye: the cast (template a 16, b 14).
    const i = at(cx, 106);
    const dOff = Math.hypot(off[1][i] - 16, off[2][i] - 14);
    const dOn = Math.hypot(on[1][i] - 16, on[2][i] - 14);
    assert.ok(dOff > 4, `the coarse match leaves the cast: a ${off[1][i].toFixed(1)}, b ${off[2][i].toFixed(1)}`);
    assert.ok(dOn < 0.5 * dOff && dOn < 4, `cast under the eye: ${dOff.toFixed(1)} → ${dOn.toFixed(1)} ΔE (a ${on[1][i].toFixed(1)}, b ${on[2][i].toFixed(1)})`);
    // The iris and the eye white: as with the knob off (eyes.ts handles the openings).
    for (const [x, y] of [[cx, 90], [cx + 12, 90]]) for (let c = 0; c < 3; c++) assert.ok(Math.abs(on[c][at(x, y)] - off[c][at(x, y)]) < 0.5, `eye ${x},${y} ch ${c}: ${off[c][at(x, y)].toFixed(2)} → ${on[c][at(x, y)].toFixed(2)}`);
  }
  // Away from the eyes (mouth, chin, the forehead's top): exactly as before; L everywhere untouched.
  for (const [x, y] of [[120, 180], [120, 210], [120, 8]]) for (let c = 0; c < 3; c++) assert.equal(on[c][at(x, y)], off[c][at(x, y)]);
  for (let i = 0; i < n; i++) assert.equal(on[0][i], off[0][i]);
});
