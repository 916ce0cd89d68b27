// colour.darkCellsAnchor: with darkCells, a stubbled or bearded template's dark cells at the jaw and
// chin leave the statistics, and the coarse field there rises to the level of its lit cheeks; the
// template's own skin there (shaded, stubbled, next to the neck) is darker, and the swapped face
// came out lighter than it. With the knob darkCells' lift is taken back as far as the face at the
// chin, jaw and outer cheeks (the eval's discs) comes out lighter than the template's skin there;
// a moustache above even skin keeps the lift (the face there is not lighter than the template).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchColour, DEFAULT_COLOUR, type ShadingGeometry } from '../src/engine/colour.ts';
import { frontalGeometry } from './engine-fixtures.ts';

const w = 200, h = 200, n = w * h, faceW = 180;
const plain = { ...DEFAULT_COLOUR, shading: 0, highlights: 0, periphery: 0, edgeTone: 0, relight: 0, sockets: 0, chromaCeiling: 0, edgeLight: 0, eyeWhites: 0 };

type Planes = [Float32Array, Float32Array, Float32Array];
const planes = (L: number, a: number, b: number): Planes => [new Float32Array(n).fill(L), new Float32Array(n).fill(a), new Float32Array(n).fill(b)];

// A frontal face: brow centre (168), nose tip (1), chin (152), lips around (100, 140); the anchor's
// discs: the chin and jaw (199, 175, 32, 262, 171, 396, 140, 369) at y 178–185, the outer cheeks
// (116, 345, 123, 352, 137, 366, 147, 376) at y 110–125 near the sides.
function geometry(): ShadingGeometry {
  const g = frontalGeometry(140);
  const pos = g.pos as number[][];
  [[199, 100, 182], [175, 100, 185], [32, 80, 180], [262, 120, 180], [171, 65, 178], [396, 135, 178], [140, 72, 182], [369, 128, 182]].forEach(([id, x, y]) => (pos[id!] = [x!, y!]));
  [[116, 30, 110], [345, 170, 110], [123, 35, 118], [352, 165, 118], [137, 28, 120], [366, 172, 120], [147, 38, 125], [376, 162, 125]].forEach(([id, x, y]) => (pos[id!] = [x!, y!]));
  return g;
}

function run(tgt: Planes, opts: Partial<typeof plain>): Planes {
  const src = planes(62, 16, 14);
  const skin = new Float32Array(n).fill(1);
  matchColour(src, tgt, skin, w, h, faceW, { ...plain, ...opts }, skin, geometry());
  return src;
}

/** Template: lit skin 70 above y 165; the jaw and chin below it shaded skin (L 48) with dark stubble (L 22) in every other 4-px block (it passes as skin). */
function stubbled(): Planes {
  const t = planes(70, 14, 12);
  for (let y = 165; y < h; y++) for (let x = 0; x < w; x++) {
    const i = y * w + x;
    const dark = ((x >> 2) + (y >> 2)) % 2 === 0;
    t[0][i] = dark ? 22 : 48;
    if (dark) { t[1][i] = 5; t[2][i] = 6; }
  }
  return t;
}

test('darkCellsAnchor: the chin no longer comes out lighter than the template\'s stubbled, shaded skin there', () => {
  const tgt = stubbled();
  const off = run(tgt, { darkCells: 0 }), dark = run(tgt, { darkCells: 1 }), anchored = run(tgt, { darkCells: 1, darkCellsAnchor: 1 });
  // The chin and jaw: the template's mean there is 35 (skin 48, stubble 22).
  for (const [x, y] of [[70, 182], [100, 185], [130, 182]]) {
    const i = y * w + x;
    assert.ok(dark[0][i] - off[0][i] > 2, `darkCells lifts the chin: L ${off[0][i].toFixed(1)} → ${dark[0][i].toFixed(1)}`);
    assert.ok(dark[0][i] - anchored[0][i] > 2, `anchored: L ${dark[0][i].toFixed(1)} → ${anchored[0][i].toFixed(1)}`);
    assert.ok(anchored[0][i] >= off[0][i] - 0.01, `never below the match without the lift: ${anchored[0][i].toFixed(2)} vs ${off[0][i].toFixed(2)}`);
  }
});

test('darkCellsAnchor: a moustache above even skin keeps darkCells\' lift', () => {
  const tgt = planes(70, 14, 12);
  for (let y = 148; y < 165; y++) for (let x = 50; x < 150; x++) {
    const i = y * w + x;
    tgt[0][i] = 22;
    tgt[1][i] = 5;
    tgt[2][i] = 6;
  }
  const off = run(tgt, { darkCells: 0 }), dark = run(tgt, { darkCells: 1 }), anchored = run(tgt, { darkCells: 1, darkCellsAnchor: 1 });
  for (const [x, y] of [[100, 185], [40, 140], [160, 140]]) {
    const i = y * w + x;
    assert.ok(dark[0][i] - off[0][i] > 2, `darkCells: L ${off[0][i].toFixed(1)} → ${dark[0][i].toFixed(1)}`);
    assert.equal(anchored[0][i], dark[0][i]);
  }
});

test('darkCellsAnchor 0: exactly the old output', () => {
  const tgt = stubbled();
  const a = run(tgt, { darkCells: 1, darkCellsAnchor: 0 });
  const { darkCellsAnchor: _a, ...old } = plain;
  const src = planes(62, 16, 14);
  const skin = new Float32Array(n).fill(1);
  matchColour(src, tgt, skin, w, h, faceW, { ...(old as typeof plain), darkCells: 1 }, skin, geometry());
  for (let c = 0; c < 3; c++) for (let i = 0; i < n; i += 7) assert.equal(a[c][i], src[c][i]);
});
