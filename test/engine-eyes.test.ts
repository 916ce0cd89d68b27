// colour.sockets: the source's dark eye sockets (lit from above) take the template's lightness at a
// mid scale; the eye's opening, the brow and the face away from the eyes keep the match so far.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchColour, DEFAULT_COLOUR } from '../src/engine/colour.ts';
import { eyeBandMesh, inEllipse } from './engine-fixtures.ts';

const w = 240, h = 220, n = w * h, faceW = 200;


function run(sockets: number) {
  const pos = eyeBandMesh();
  const geometry = { pos, tri: [], targetNormals: new Float32Array(0), sourceNormals: new Float32Array(0) };
  const tgt: [Float32Array, Float32Array, Float32Array] = [new Float32Array(n).fill(66), new Float32Array(n).fill(12), new Float32Array(n).fill(16)];
  const src: [Float32Array, Float32Array, Float32Array] = [new Float32Array(n).fill(62), new Float32Array(n).fill(12), new Float32Array(n).fill(16)];
  const skin = new Float32Array(n).fill(1);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      for (const cx of [80, 160]) {
        // The source's socket: dark from the brow down to under the eye (light from above).
        if (inEllipse(x, y, cx, 80, 32, 26)) src[0][i] = 38;
        // Brows (dark hair) and eye openings (iris) in both faces; never skin statistics (mask
        // parts, grown by 0.02 face width).
        if (inEllipse(x, y, cx, 62, 24, 4)) src[0][i] = tgt[0][i] = 22;
        if (inEllipse(x, y, cx, 90, 18, 7)) src[0][i] = tgt[0][i] = inEllipse(x, y, cx, 90, 6, 6) ? 25 : 80;
        if (inEllipse(x, y, cx, 62, 28, 8) || inEllipse(x, y, cx, 90, 22, 11)) skin[i] = 0;
      }
    }
  }
  matchColour(src, tgt, skin, w, h, faceW, { ...DEFAULT_COLOUR, shading: 0, highlights: 0, periphery: 0, chromaCeiling: 0, sockets }, skin, geometry);
  return src;
}

test('sockets: a dark eye socket of the source lightens toward the template; iris, eye white, brow and the face away from the eyes keep the match', () => {
  const off = run(0), on = run(1);
  const at = (x: number, y: number) => y * w + x;
  // Under the brow and under the eye (the socket), left and right.
  for (const cx of [80, 160]) {
    for (const [x, y] of [[cx, 74], [cx + 10, 102], [cx - 26, 84]]) {
      const i = at(x, y);
      assert.ok(on[0][i] - off[0][i] > 5, `socket L at ${x},${y}: ${off[0][i].toFixed(1)} → ${on[0][i].toFixed(1)}`);
      assert.ok(on[0][i] <= 70, `not past the template: ${on[0][i].toFixed(1)}`);
    }
    // The iris, the eye white and the brow's middle: the source's (as with the knob off).
    for (const [x, y] of [[cx, 90], [cx + 12, 90], [cx, 62]]) {
      const i = at(x, y);
      assert.ok(Math.abs(on[0][i] - off[0][i]) < 1, `feature L at ${x},${y}: ${off[0][i].toFixed(1)} → ${on[0][i].toFixed(1)}`);
    }
  }
  // Away from the eyes (mouth, chin, the forehead's top): exactly as before; chroma untouched (the
  // knob scales L only; the chroma ceiling, which follows L, is off here).
  for (const [x, y] of [[120, 180], [120, 210], [120, 8]]) for (let c = 0; c < 3; c++) assert.equal(on[c][at(x, y)], off[c][at(x, y)]);
  for (let i = 0; i < n; i++) assert.ok(on[1][i] === off[1][i] && on[2][i] === off[2][i]);
});

test('sockets: only lightens (a template with darker sockets than the source leaves it alone)', () => {
  const pos = eyeBandMesh();
  const geometry = { pos, tri: [], targetNormals: new Float32Array(0), sourceNormals: new Float32Array(0) };
  const make = () => {
    const tgt: [Float32Array, Float32Array, Float32Array] = [new Float32Array(n).fill(60), new Float32Array(n).fill(12), new Float32Array(n).fill(16)];
    const src: [Float32Array, Float32Array, Float32Array] = [new Float32Array(n).fill(60), new Float32Array(n).fill(12), new Float32Array(n).fill(16)];
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (const cx of [80, 160]) if (inEllipse(x, y, cx, 80, 32, 26)) tgt[0][y * w + x] = 40;
    return { src, tgt };
  };
  const skin = new Float32Array(n).fill(1);
  const a = make(), b = make();
  matchColour(a.src, a.tgt, skin, w, h, faceW, { ...DEFAULT_COLOUR, shading: 0, highlights: 0, periphery: 0, sockets: 0 }, skin, geometry);
  matchColour(b.src, b.tgt, skin, w, h, faceW, { ...DEFAULT_COLOUR, shading: 0, highlights: 0, periphery: 0, sockets: 1 }, skin, geometry);
  for (let i = 0; i < n; i++) assert.equal(b.src[0][i], a.src[0][i]);
});
