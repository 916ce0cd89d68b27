// The evaluation's realism measures (bench/lib/realism.ts) on synthetic images whose answer is
// known: an identical image, a hard seam, a face softer than its surroundings, a tone shift.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measureRealism, type MaskRoi, type Rgb, type ToneRegions } from '../bench/lib/realism.ts';
import { rgbToLab } from '../src/engine/raster.ts';
import { rng } from '../bench/lib/dataset.ts';

const W = 200;
const H = 240;
const CX = 100;
const CY = 100;
const R = 50;
const FACE_W = 100;

/** Skin-coloured image with grain of amplitude `noise`. */
function skin(noise: number, seed = 1): Rgb {
  const rand = rng(seed);
  const data = new Uint8Array(W * H * 3);
  const base = [200, 150, 125];
  for (let i = 0; i < W * H; i++) {
    const n = (rand() - 0.5) * 2 * noise;
    for (let c = 0; c < 3; c++) data[i * 3 + c] = Math.max(0, Math.min(255, Math.round(base[c]! + n)));
  }
  return { width: W, height: H, data };
}

/** A disc mask over an ROI around it; `feather` px of linear ramp inside the edge (0 = hard). */
function disc(feather: number): MaskRoi {
  const roi = { x0: CX - R - 10, y0: CY - R - 10, w: 2 * R + 20, h: 2 * R + 20 };
  const alpha = new Float32Array(roi.w * roi.h);
  for (let y = 0; y < roi.h; y++) {
    for (let x = 0; x < roi.w; x++) {
      const d = R - Math.hypot(roi.x0 + x - CX, roi.y0 + y - CY);
      alpha[y * roi.w + x] = feather ? Math.max(0, Math.min(1, d / feather)) : d >= 0 ? 1 : 0;
    }
  }
  return { roi, alpha };
}

const regions: ToneRegions = {
  faceNearNeck: [{ x: CX, y: CY + 25, r: 8 }],
  neck: [{ x: CX, y: CY + R + 40, r: 15 }],
  faceNearSides: [{ x: CX - 25, y: CY, r: 8 }, { x: CX + 25, y: CY, r: 8 }],
  sides: [{ x: CX - R - 15, y: CY, r: 8 }, { x: CX + R + 15, y: CY, r: 8 }],
};

/** `img` with `fn` applied to every pixel inside the disc (radius R). */
function inside(img: Rgb, fn: (rgb: number[], x: number, y: number) => number[]): Rgb {
  const data = new Uint8Array(img.data);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      if (Math.hypot(x - CX, y - CY) > R) continue;
      const i = (y * W + x) * 3;
      const out = fn([data[i]!, data[i + 1]!, data[i + 2]!], x, y);
      for (let c = 0; c < 3; c++) data[i + c] = Math.max(0, Math.min(255, Math.round(out[c]!)));
    }
  }
  return { width: W, height: H, data };
}

test('an unchanged image matches its template on every measure', () => {
  const t = skin(12);
  const m = measureRealism(t, t, disc(6), regions, FACE_W);
  assert.ok(m.boundaryPoints > 100, `boundary points ${m.boundaryPoints}`);
  assert.equal(m.seamColour, 0);
  assert.equal(m.seamGrad, 1);
  assert.equal(m.sharpness, 1);
  assert.equal(m.grain, 1);
  assert.equal(m.toneNeck, 0);
  assert.equal(m.toneSides, 0);
});

test('a hard-edged brighter face gives a large seam step; the template has none', () => {
  const t = skin(2);
  const r = inside(t, ([a, b, c]) => [a! + 40, b! + 40, c! + 40]);
  const m = measureRealism(r, t, disc(0), regions, FACE_W);
  assert.ok(m.seamColourTemplate < 3, `template step ${m.seamColourTemplate}`);
  assert.ok(m.seamColour > 10, `seam colour excess ${m.seamColour}`);
  assert.ok(m.seamGrad > 3, `seam gradient ratio ${m.seamGrad}`);
  // The same change feathered over 20 px: the colour step stays, the gradient step is far smaller.
  const soft = inside(t, ([a, b, c], x, y) => {
    const k = Math.min(1, (R - Math.hypot(x - CX, y - CY)) / 20);
    return [a! + 40 * k, b! + 40 * k, c! + 40 * k];
  });
  const ms = measureRealism(soft, t, disc(20), regions, FACE_W);
  assert.ok(ms.seamGrad < m.seamGrad / 2, `feathered ${ms.seamGrad} vs hard ${m.seamGrad}`);
});

test('a face without the grain of its surroundings scores sharpness and grain well below 1', () => {
  const t = skin(16);
  const flat = inside(t, () => [200, 150, 125]);
  const m = measureRealism(flat, t, disc(4), regions, FACE_W);
  assert.ok(m.sharpness < 0.3, `sharpness ${m.sharpness}`);
  assert.ok(m.grain < 0.3, `grain ${m.grain}`);
  // Grain added back at the template's level: close to 1 again.
  const regrained = inside(t, (rgb) => rgb);
  const m2 = measureRealism(regrained, skin(16, 7), disc(4), regions, FACE_W);
  assert.ok(Math.abs(m2.grain - 1) < 0.15, `grain ${m2.grain}`);
});

test('a tone shift of the face shows as the same ΔE face→neck and face→sides', () => {
  const t = skin(3);
  const r = inside(t, ([a, b, c]) => [a! - 30, b! - 20, c! - 10]);
  const m = measureRealism(r, t, disc(4), regions, FACE_W);
  const lab = (rgb: number[]) => rgbToLab(Float32Array.from(rgb), 1).map((p) => p[0]!);
  const [l0, a0, b0] = lab([200, 150, 125]);
  const [l1, a1, b1] = lab([170, 130, 115]);
  const expected = Math.hypot(l1! - l0!, a1! - a0!, b1! - b0!);
  assert.ok(Math.abs(m.toneNeck - expected) < 1, `neck ${m.toneNeck} vs ${expected}`);
  assert.ok(Math.abs(m.toneSides - expected) < 1, `sides ${m.toneSides} vs ${expected}`);
  // Its signed parts: a darker face (L), and less colourful (chroma), by the same amounts.
  assert.ok(Math.abs(m.toneStepL - (l1! - l0!)) < 0.5, `L ${m.toneStepL} vs ${l1! - l0!}`);
  const chroma = Math.hypot(a1!, b1!) - Math.hypot(a0!, b0!);
  assert.ok(Math.abs(m.toneStepChroma - chroma) < 0.5, `chroma ${m.toneStepChroma} vs ${chroma}`);
});

test('no skin-coloured neck (a blue backdrop) gives no tone figure rather than a wrong one', () => {
  const t = skin(3);
  const data = new Uint8Array(t.data);
  for (let y = CY + R + 5; y < H; y++) for (let x = 0; x < W; x++) data.set([40, 60, 200], (y * W + x) * 3);
  const t2 = { width: W, height: H, data };
  const m = measureRealism(t2, t2, disc(4), regions, FACE_W);
  assert.ok(Number.isNaN(m.toneNeck));
  assert.equal(m.toneSides, 0);
});
