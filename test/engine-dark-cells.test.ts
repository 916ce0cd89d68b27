// colour.darkCells: a template's dark moustache that the mask let through as (shadowed) skin pulled
// its coarse lightness field under its skin, and the swapped mid-face came out darker and greyer
// than the template's own skin. With the knob the dark cells leave the statistics; a broad shadow
// over a side-lit template (the field follows it) keeps the match. colour.darkCellsBeard: beside a
// full beard the mask keeps, the dark cells are the shaded cheeks, and they stay in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchColour, DEFAULT_COLOUR, type ShadingGeometry } from '../src/engine/colour.ts';
import { frontalGeometry } from './engine-fixtures.ts';

const w = 200, h = 200, n = w * h, faceW = 180;
const plain = { ...DEFAULT_COLOUR, shading: 0, highlights: 0, periphery: 0, edgeTone: 0, relight: 0, sockets: 0, chromaCeiling: 0, edgeLight: 0, eyeWhites: 0 };

type Planes = [Float32Array, Float32Array, Float32Array];
const planes = (L: number, a: number, b: number): Planes => [new Float32Array(n).fill(L), new Float32Array(n).fill(a), new Float32Array(n).fill(b)];

function run(tgt: Planes, darkCells: number, extra: Partial<typeof plain> = {}, skin = new Float32Array(n).fill(1), geometry?: ShadingGeometry): Planes {
  const src = planes(62, 16, 14);
  matchColour(src, tgt, skin, w, h, faceW, { ...plain, darkCells, ...extra }, skin, geometry);
  return src;
}

// A frontal face's landmarks for darkCells' zone and the beard gate (lips around (100, 150)).
const geometry = (): ShadingGeometry => frontalGeometry(150);

test('darkCells: a template moustache in the skin statistics no longer darkens and greys the face around it', () => {
  // Template: even warm skin, a dark, grey-brown moustache band across the lower face.
  const tgt = planes(70, 14, 12);
  for (let y = 120; y < 140; y++) for (let x = 40; x < 160; x++) {
    const i = y * w + x;
    tgt[0][i] = 22;
    tgt[1][i] = 5;
    tgt[2][i] = 6;
  }
  const off = run(tgt, 0), on = run(tgt, 1);
  // The cheeks just above the band and the chin below it (the source's skin there is the template's skin's place).
  for (const [x, y] of [[60, 100], [140, 100], [100, 160]]) {
    const i = y * w + x;
    assert.ok(off[0][i] < 67, `off: the moustache pulls the field down (L ${off[0][i].toFixed(1)})`);
    assert.ok(Math.abs(on[0][i] - 70) < 2, `on: L ${off[0][i].toFixed(1)} → ${on[0][i].toFixed(1)} (template skin 70)`);
    assert.ok(Math.abs(on[1][i] - 14) < Math.abs(off[1][i] - 14) && Math.abs(on[1][i] - 14) < 1, `on: a ${off[1][i].toFixed(1)} → ${on[1][i].toFixed(1)} (template 14)`);
  }
  // Far from the band (the forehead): the same.
  assert.ok(Math.abs(on[0][10 * w + 100] - 70) < 1);
});

test('darkCells: a broad shadow over a side-lit template keeps the match', () => {
  // Template lit from the right: L from 40 at the left edge to 80 at the right, smoothly.
  const tgt = planes(70, 14, 12);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) tgt[0][y * w + x] = 40 + (40 * x) / (w - 1);
  const off = run(tgt, 0), on = run(tgt, 1);
  for (const x of [10, 50, 100, 150, 190]) {
    const i = 100 * w + x;
    assert.ok(Math.abs(on[0][i] - off[0][i]) < 0.5, `x ${x}: L ${off[0][i].toFixed(2)} → ${on[0][i].toFixed(2)}`);
  }
});

test('darkCellsBeard: the shaded skin beside a kept full beard stays in the statistics; a moustache with no kept beard still leaves', () => {
  // Template: even skin 70; a full beard over the jaw and chin (y ≥ 160: dark, kept by the mask, so
  // in neither statistic) and the shaded cheeks just above it (y 150–160, L 40: skin, in the statistics).
  const tgt = planes(70, 14, 12);
  const skin = new Float32Array(n).fill(1);
  for (let y = 150; y < h; y++) for (let x = 20; x < 180; x++) {
    const i = y * w + x;
    if (y >= 160) {
      tgt[0][i] = 25;
      skin[i] = 0;
    } else tgt[0][i] = 40;
  }
  const g = geometry();
  const off = run(tgt, 0, {}, skin, g);
  const dark = run(tgt, 1, {}, skin, g);
  const gated = run(tgt, 1, { darkCellsBeard: 0.3 }, skin, g);
  // darkCells alone takes the shaded cheeks out and the face there comes out lighter than the
  // template's skin beside the beard; with the gate it is the old match.
  for (const [x, y] of [[40, 155], [160, 155], [60, 145], [140, 145]]) {
    const i = y * w + x;
    assert.ok(dark[0][i] - off[0][i] > 2, `darkCells alone: L ${off[0][i].toFixed(1)} → ${dark[0][i].toFixed(1)}`);
    assert.ok(Math.abs(gated[0][i] - off[0][i]) < 0.5, `gated: L ${gated[0][i].toFixed(1)} (old ${off[0][i].toFixed(1)})`);
  }
  // The moustache of the first case (no kept beard anywhere): the gate changes nothing.
  const tm = planes(70, 14, 12);
  for (let y = 120; y < 140; y++) for (let x = 40; x < 160; x++) {
    const i = y * w + x;
    tm[0][i] = 22;
    tm[1][i] = 5;
    tm[2][i] = 6;
  }
  const mOff = run(tm, 0, {}, undefined, g), mOn = run(tm, 1, {}, undefined, g), mGated = run(tm, 1, { darkCellsBeard: 0.3 }, undefined, g);
  for (const [x, y] of [[60, 110], [140, 110], [100, 160]]) {
    const i = y * w + x;
    assert.ok(mOn[0][i] - mOff[0][i] > 2, `moustache: L ${mOff[0][i].toFixed(1)} → ${mOn[0][i].toFixed(1)}`);
    assert.equal(mGated[0][i], mOn[0][i]);
  }
});

test('darkCells 0: exactly the old output', () => {
  const tgt = planes(70, 14, 12);
  for (let i = 120 * w; i < 140 * w; i++) tgt[0][i] = 22;
  const a = run(tgt, 0);
  const src = planes(62, 16, 14);
  const skin = new Float32Array(n).fill(1);
  const { darkCells: _d, darkCellsFrom: _f, darkCellsTo: _t, darkCellsMirror: _m, darkCellsBeard: _b, ...old } = plain;
  matchColour(src, tgt, skin, w, h, faceW, old as typeof plain, skin);
  for (let c = 0; c < 3; c++) for (let i = 0; i < n; i += 7) assert.equal(a[c][i], src[c][i]);
});
