// colour.softEyes (swap.ts softEyesWeight, eyes.ts keepTemplateEyes) and texture.softMedium: a small source whose eyes are
// soft (featureCrispness at its own resolution, measured when the engine enlarges it) takes the
// template's own eyes in the openings; its lids, brows and skin stay. A crisp source is untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import type { DetailedSwap } from '../src/engine/index.ts';
import { decodeImage } from '../src/engine/image.ts';
import { featureCrispness } from '../src/engine/features.ts';
import { softEyesWeight } from '../src/engine/swap.ts';
import { EYE_LEFT, EYE_RIGHT, faceWidth } from '../src/engine/regions.ts';
import { faceA, faceB, swapWith, useEngine } from './engine-fixtures.ts';

const engine = useEngine();
const knob = { softEyes: 1, softEyesFrom: 0.6, softEyesFull: 0.5 };

test('softEyes: the weight is whole for soft eyes, none for crisp ones, an unmeasured source or the knob off', () => {
  assert.equal(softEyesWeight(0.45, knob), 1);
  assert.equal(softEyesWeight(0.7, knob), 0);
  assert.equal(softEyesWeight(undefined, knob), 0);
  assert.equal(softEyesWeight(0.45, { ...knob, softEyes: 0 }), 0);
  const mid = softEyesWeight(0.55, knob);
  assert.ok(mid > 0.3 && mid < 0.7, `${mid}`);
});

/** Face A as a 150-px photo; blurred, its eyes are as soft as a 150-px web crop's. */
async function smallFaceA(blur: number): Promise<Buffer> {
  const small = sharp(await faceA()).resize(150, 150, { kernel: 'lanczos3' });
  return (blur > 0 ? small.blur(blur) : small).png().toBuffer();
}

test('softEyes: a soft small source gets the template eyes in its openings, nothing changes away from the eyes', async () => {
  const source = await smallFaceA(0.9);
  const srcImg = await decodeImage(source);
  const [face] = await engine().faceAnalyser.detect(srcImg, { embedding: false });
  const crisp = featureCrispness(srcImg, face!.mesh);
  assert.ok(crisp < 0.5, `the test source must measure soft: ${crisp.toFixed(3)}`);
  const target = await faceB('png');
  const off = await swapWith({ colour: { softEyes: 0 } }, source, target), on = await swapWith({ colour: { softEyes: 1 } }, source, target);
  const { width: w } = on.raw;
  const m = on.target.mesh, fw = faceWidth(m);
  const eyes = [...EYE_RIGHT, ...EYE_LEFT];
  const nearEye = (x: number, y: number) => Math.min(...eyes.map((i) => Math.hypot(m[i]![0] - x, m[i]![1] - y))) < 0.06 * fw;
  let changed = 0, far = 0;
  for (let p = 0; p < on.raw.data.length / 3; p++) {
    let d = 0;
    for (let c = 0; c < 3; c++) d = Math.max(d, Math.abs(on.raw.data[p * 3 + c]! - off.raw.data[p * 3 + c]!));
    if (!(d > 0)) continue;
    changed++;
    // Later stages (texture, blend) read the eyes too, but only within reach of them.
    if (!nearEye(p % w, (p / w) | 0) && d > 2) far++;
  }
  assert.ok(changed > 100, `changed pixels ${changed}`);
  assert.equal(far, 0, `pixels changed by more than 2 away from the eyes: ${far}`);
  // Most of the change is inside the eye openings (the template's eye put in), not around them.
  const inOpening = (x: number, y: number) =>
    [EYE_RIGHT, EYE_LEFT].some((ids) => {
      const xs = ids.map((i) => m[i]![0]), ys = ids.map((i) => m[i]![1]);
      const cx = (Math.max(...xs) + Math.min(...xs)) / 2, cy = (Math.max(...ys) + Math.min(...ys)) / 2;
      const rx = (Math.max(...xs) - Math.min(...xs)) / 2, ry = (Math.max(...ys) - Math.min(...ys)) / 2;
      return ((x - cx) / (0.8 * rx)) ** 2 + ((y - cy) / (0.7 * ry)) ** 2 <= 1;
    });
  const sum = [0, 0], cnt = [0, 0];
  for (let p = 0; p < on.raw.data.length / 3; p++) {
    const x = p % w, y = (p / w) | 0;
    if (!nearEye(x, y)) continue;
    const k = inOpening(x, y) ? 0 : 1;
    for (let c = 0; c < 3; c++) sum[k] += Math.abs(on.raw.data[p * 3 + c]! - off.raw.data[p * 3 + c]!);
    cnt[k] += 3;
  }
  const dIn = sum[0] / cnt[0], dRing = sum[1] / cnt[1];
  assert.ok(dIn > 4 && dIn > 3 * dRing, `mean |on − off| in the openings ${dIn.toFixed(2)}, around them ${dRing.toFixed(2)}`);
});

test('softEyes: a crisp small source is left bit for bit', async () => {
  const source = await smallFaceA(0);
  const target = await faceB('png');
  const off = await swapWith({ colour: { softEyes: 0 } }, source, target), on = await swapWith({ colour: { softEyes: 1 } }, source, target);
  assert.ok(Buffer.from(on.raw.data).equals(Buffer.from(off.raw.data)));
});

test('texture.softMedium: a soft small source takes the template medium band (the face changes, nothing outside the mask); a crisp one is left bit for bit', async () => {
  const target = await faceB('png');
  const run = (softMedium: number, source: Buffer) => swapWith({ texture: { softMedium } }, source, target);
  const soft = await smallFaceA(0.9);
  const off = await run(0, soft), on = await run(1, soft);
  const { width: w } = on.raw;
  const { roi, alpha } = on.swap;
  let changed = 0, outside = 0;
  for (let p = 0; p < on.raw.data.length / 3; p++) {
    const d = Math.abs(on.raw.data[p * 3]! - off.raw.data[p * 3]!) + Math.abs(on.raw.data[p * 3 + 1]! - off.raw.data[p * 3 + 1]!) + Math.abs(on.raw.data[p * 3 + 2]! - off.raw.data[p * 3 + 2]!);
    if (!d) continue;
    changed++;
    const x = p % w - roi.x0, y = ((p / w) | 0) - roi.y0;
    if (x < 0 || y < 0 || x >= roi.w || y >= roi.h || !(alpha[y * roi.w + x]! > 0)) outside++;
  }
  assert.ok(changed > 1000, `changed pixels ${changed}`);
  assert.equal(outside, 0);
  const crisp = await smallFaceA(0);
  const a = await run(0, crisp), b = await run(1, crisp);
  assert.ok(Buffer.from(a.raw.data).equals(Buffer.from(b.raw.data)));
});

/** Whether two swaps' pixels differ anywhere. */
const differ = (a: DetailedSwap, b: DetailedSwap) => !Buffer.from(a.raw.data).equals(Buffer.from(b.raw.data));

test('softEyesMaxWidth: a soft small source shown a little larger than its own size (not enlarged by the engine) is read too', async () => {
  // Face A ≈ 120 px wide onto face B ≈ 143 px: a ratio under upscale.lanczosFrom (1.4), so no enlargement.
  const source = await sharp(await faceA()).resize(330, 330, { kernel: 'lanczos3' }).blur(0.9).png().toBuffer();
  const target = await sharp(await faceB()).resize(200, 200).png().toBuffer();
  const [s] = await engine().faceAnalyser.detect(await decodeImage(source), { embedding: false });
  const [t] = await engine().faceAnalyser.detect(await decodeImage(target), { embedding: false });
  const ratio = faceWidth(t!.mesh) / faceWidth(s!.mesh);
  assert.ok(ratio >= 1 && ratio < 1.4 && faceWidth(s!.mesh) <= 160, `ratio ${ratio.toFixed(2)}, source ${faceWidth(s!.mesh).toFixed(0)} px`);
  const off = await swapWith({ colour: { softEyes: 0 } }, source, target);
  assert.ok(differ(await swapWith({ colour: { softEyesMaxWidth: 160 } }, source, target), off), 'the soft source must get the template eyes');
  // 0: only sources the engine enlarges (the stop 32 rule): this one is left alone.
  assert.ok(!differ(await swapWith({ colour: { softEyesMaxWidth: 0 } }, source, target), off));
});

test('softEyesMaxWidth: a source face wider than the cap is not read, though the engine enlarges it', async () => {
  // Face A at 480 px (≈ 177 px wide, soft at its own pixels) onto face B (≈ 286 px): enlarged 1.6×.
  const source = await sharp(await faceA()).resize(480, 480, { kernel: 'lanczos3' }).png().toBuffer();
  const target = await faceB('png');
  const [s] = await engine().faceAnalyser.detect(await decodeImage(source), { embedding: false });
  assert.ok(faceWidth(s!.mesh) > 165, `source face ${faceWidth(s!.mesh).toFixed(0)} px`);
  const off = await swapWith({ colour: { softEyes: 0 } }, source, target);
  assert.ok(!differ(await swapWith({ colour: { softEyesMaxWidth: 160 } }, source, target), off));
  assert.ok(differ(await swapWith({ colour: { softEyesMaxWidth: 0 } }, source, target), off), 'without the cap the large face reads soft');
});
