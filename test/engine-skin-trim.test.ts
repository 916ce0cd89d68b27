// mask.skinTrim: the skin model is a median / MAD over patches at fixed mesh points, four of them
// on the forehead. A template whose fringe covers those points (john_lennon's) got a model so wide
// that its hair passed for skin (skin distance under the occluder threshold), and the mask painted
// the source's forehead over the fringe as a brown smear. The trimmed model leaves those samples out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { skinModel, skinParams, skinZ } from '../src/engine/skin.ts';
import { DEFAULT_MASK } from '../src/engine/mask.ts';
import { SKIN_SAMPLES } from '../src/engine/regions.ts';

const w = 240, h = 240, n = w * h;
const SKIN: [number, number, number] = [60, 15, 17];
const HAIR: [number, number, number] = [17, 6, 3];

// Sample points on a grid; the first four (in SKIN_SAMPLES order 50, 280, 101, 330 …) stay skin,
// five of them sit under a lock of hair.
const mesh: number[][] = Array.from({ length: 478 }, () => [120, 120]);
SKIN_SAMPLES.forEach((id, k) => { mesh[id] = [30 + (k % 5) * 45, 30 + Math.floor(k / 5) * 55]; });
const HAIRY = new Set(SKIN_SAMPLES.slice(5, 10));

function face(): [Float32Array, Float32Array, Float32Array] {
  const lab: [Float32Array, Float32Array, Float32Array] = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  for (let i = 0; i < n; i++) {
    // Skin with some shading and pores, so the spread is not only the floors.
    const x = i % w, y = (i / w) | 0;
    // a side light across the face: lightness 40 … 64 from left to right, as on john_lennon's
    const v = Math.sin(x * 0.7) * Math.cos(y * 0.9) * 2 + (x - 120) * 0.1;
    lab[0][i] = SKIN[0] + v; lab[1][i] = SKIN[1] + v * 0.2; lab[2][i] = SKIN[2] + v * 0.3;
  }
  for (const id of HAIRY) {
    const [cx, cy] = mesh[id]!;
    for (let y = cy - 8; y <= cy + 8; y++) for (let x = cx - 8; x <= cx + 8; x++) {
      const i = y * w + x;
      lab[0][i] = HAIR[0]; lab[1][i] = HAIR[1]; lab[2][i] = HAIR[2];
    }
  }
  return lab;
}

test('skinTrim: hair under five of the twenty sample points no longer passes for skin', () => {
  const lab = face();
  const wide = skinParams(skinModel(lab, w, h, mesh, 0, 0, 6));
  const trimmed = skinParams(skinModel(lab, w, h, mesh, 0, 0, 6, 2.5));
  const thr = DEFAULT_MASK.occluderThreshold;
  // Without the trim the hair is "skin" to the occluder test: that is the fault.
  assert.ok(skinZ(wide, ...HAIR) < thr, `untrimmed hair distance ${skinZ(wide, ...HAIR)}`);
  assert.ok(skinZ(trimmed, ...HAIR) > thr, `trimmed hair distance ${skinZ(trimmed, ...HAIR)}`);
  // Skin stays skin, and the trimmed model sits on the skin's own colour.
  assert.ok(skinZ(trimmed, ...SKIN) < 1);
  assert.ok(Math.abs(trimmed[0]! - SKIN[0]) < 2 && trimmed[3]! < 10, `model ${[...trimmed]}`);
});

test('skinTrim: a face whose samples are all skin keeps the same model; off is the old model', () => {
  const lab = face();
  for (const id of HAIRY) {
    const [cx, cy] = mesh[id]!;
    for (let y = cy - 8; y <= cy + 8; y++) for (let x = cx - 8; x <= cx + 8; x++) {
      const i = y * w + x;
      lab[0][i] = SKIN[0]; lab[1][i] = SKIN[1]; lab[2][i] = SKIN[2];
    }
  }
  const a = skinModel(lab, w, h, mesh, 0, 0, 6);
  const b = skinModel(lab, w, h, mesh, 0, 0, 6, 2.5);
  for (let c = 0; c < 3; c++) {
    assert.ok(Math.abs(a.mean[c] - b.mean[c]) < 0.5);
    assert.ok(Math.abs(a.spread[c] - b.spread[c]) < 0.5);
  }
  assert.deepEqual(skinModel(face(), w, h, mesh, 0, 0, 6, 0), skinModel(face(), w, h, mesh, 0, 0, 6));
});
