// colour.eyeWhites (src/engine/eyes.ts): inside both eyes' openings the source's own chroma plus one
// shift for both eyes; nothing outside the openings' feathered edge changes; lightness untouched.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { greyness, matchEyeWhites, snapshotEyes } from '../src/engine/eyes.ts';
import { EYE_LEFT, EYE_RIGHT } from '../src/engine/regions.ts';

const W = 200, H = 100;
const roi = { x0: 0, y0: 0, w: W, h: H };

/** A mesh whose two eye contours are ellipses centred at (60, 50) and (140, 50). */
function mesh(): [number, number][] {
  const m: [number, number][] = Array.from({ length: 468 }, () => [100, 90]);
  for (const [ids, cx] of [[EYE_RIGHT, 60], [EYE_LEFT, 140]] as const) {
    ids.forEach((id, k) => {
      const t = (2 * Math.PI * k) / ids.length;
      m[id] = [cx + 20 * Math.cos(t), 50 + 8 * Math.sin(t)];
    });
  }
  return m;
}

test('eyeWhites: both eyes get the source chroma plus one common shift; outside untouched', () => {
  const n = W * H;
  const lab: [Float32Array, Float32Array, Float32Array] = [new Float32Array(n).fill(50), new Float32Array(n), new Float32Array(n)];
  // The source before the match: a blue-grey iris band in each eye over neutral whites.
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (Math.abs(x - 60) < 5 || Math.abs(x - 140) < 5) lab[2][y * W + x] = -10;
  const dst = mesh();
  const snap = snapshotEyes(lab, roi, dst, 100);
  const before = lab.map((p) => p.slice()) as typeof lab;
  // The match: the image-left eye's region shifted by (+8, +12), the other by (+2, +4); gain 1.3 on b.
  for (let i = 0; i < n; i++) {
    const left = i % W < 100;
    lab[1][i] += left ? 8 : 2;
    lab[2][i] = lab[2][i] * 1.3 + (left ? 12 : 4);
  }
  const matched = lab.map((p) => p.slice()) as typeof lab;
  const cover = new Uint8Array(n).fill(1);
  matchEyeWhites(lab, cover, roi, dst, 100, snap, 1);
  // At each eye's centre of white (well inside the opening): source + the same shift for both.
  const at = (x: number, y: number) => y * W + x;
  const dl = [lab[1][at(70, 50)] - before[1][at(70, 50)], lab[2][at(70, 50)] - before[2][at(70, 50)]];
  const dr = [lab[1][at(150, 50)] - before[1][at(150, 50)], lab[2][at(150, 50)] - before[2][at(150, 50)]];
  assert.ok(Math.abs(dl[0]! - dr[0]!) < 1e-3 && Math.abs(dl[1]! - dr[1]!) < 1e-3, `shifts ${dl} vs ${dr}`);
  assert.ok(dl[0]! > 2 && dl[0]! < 8, `a shift ${dl[0]} lies between the two eyes' own`);
  // The iris keeps the source's colour relative to the white (no ×1.3 gain).
  const irisL = lab[2][at(60, 50)] - lab[2][at(70, 50)];
  assert.ok(Math.abs(irisL - -10) < 1e-3, `iris b relative to the white ${irisL}`);
  // Lightness untouched; nothing far from the eyes changed.
  for (let i = 0; i < n; i++) assert.equal(lab[0][i], matched[0][i]);
  for (const [x, y] of [[100, 50], [60, 20], [140, 80], [5, 5]] as const) {
    assert.equal(lab[1][at(x, y)], matched[1][at(x, y)]);
    assert.equal(lab[2][at(x, y)], matched[2][at(x, y)]);
  }
  // Strength 0: nothing written.
  const again = matched.map((p) => p.slice()) as typeof lab;
  matchEyeWhites(again, cover, roi, dst, 100, snap, 0);
  for (let c = 0; c < 3; c++) assert.deepEqual(again[c], matched[c]);
});

test('eyeWhites: greyness of a skin mean (colourless 1, coloured 0)', () => {
  assert.equal(greyness([60, 0, 0]), 1);
  assert.equal(greyness([60, 12, 14]), 0);
  assert.ok(greyness([60, 3, 2.5]) > 0 && greyness([60, 3, 2.5]) < 1);
});
