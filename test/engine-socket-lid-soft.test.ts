// colour.socketLidSoft (swap.ts socketLidSoftWeight): socketLid's lift of dark upper lids and
// under-brows, for a small source whose eyes are soft only (the faces colour.softEyes reads and
// takes the template's eyes for). A small soft source with shadowed lids gets lighter lids, nothing
// away from the eyes changes; a crisp small source (its identity read from its own lids) is left bit for bit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { decodeImage } from '../src/engine/image.ts';
import { featureCrispness } from '../src/engine/features.ts';
import { convexHull, fillPolygon, gaussBlur, growPolygon } from '../src/engine/raster.ts';
import { socketLidSoftWeight } from '../src/engine/swap.ts';
import { BROW_LEFT, BROW_RIGHT, EYE_LEFT, EYE_RIGHT, faceWidth, pick } from '../src/engine/regions.ts';
import { faceA, faceB, swapWith, useEngine } from './engine-fixtures.ts';

const engine = useEngine();
const knob = { socketLidSoft: 1, socketLidSoftEyes: 1, softEyesFrom: 0.6, softEyesFull: 0.5 };

test('socketLidSoft: whole for a read source with soft eyes, none for crisp eyes, an unread source or the knob off', () => {
  assert.equal(socketLidSoftWeight(0.45, knob), 1);
  assert.equal(socketLidSoftWeight(0.7, knob), 0);
  assert.equal(socketLidSoftWeight(undefined, knob), 0);
  assert.equal(socketLidSoftWeight(0.45, { ...knob, socketLidSoft: 0 }), 0);
  // socketLidSoftEyes 0: every source the engine reads (small, shown at least at its size), whatever its crispness.
  assert.equal(socketLidSoftWeight(0.7, { ...knob, socketLidSoftEyes: 0 }), 1);
  assert.equal(socketLidSoftWeight(undefined, { ...knob, socketLidSoftEyes: 0 }), 0);
});

/** Face A as a 150-px photo lit from above (its upper lids and under-brows at 0.3 of their light), then blurred (soft eyes). */
async function smallTopLitFaceA(blur: number): Promise<Buffer> {
  const img = await decodeImage(await sharp(await faceA()).resize(150, 150, { kernel: 'lanczos3' }).png().toBuffer());
  const [face] = await engine().faceAnalyser.detect(img, { embedding: false });
  const m = face!.mesh, fw = faceWidth(m), { width: w, height: h } = img;
  const shade = new Float32Array(w * h), open = new Float32Array(w * h);
  for (const [eye, brow] of [[EYE_RIGHT, BROW_RIGHT], [EYE_LEFT, BROW_LEFT]] as const) {
    fillPolygon(shade, w, h, growPolygon(convexHull(pick(m, [...eye, ...brow])), 0.01 * fw), 1);
    fillPolygon(open, w, h, pick(m, eye), 1);
  }
  const soft = gaussBlur(shade, w, h, 0.01 * fw);
  const data = Buffer.from(img.data);
  for (let p = 0; p < w * h; p++) {
    const f = 1 - 0.7 * soft[p]! * (1 - open[p]!);
    for (let c = 0; c < 3; c++) data[p * 3 + c] = Math.round(data[p * 3 + c]! * f);
  }
  const shaded = sharp(data, { raw: { width: w, height: h, channels: 3 } });
  return (blur > 0 ? shaded.blur(blur) : shaded).png().toBuffer();
}

const luma = (d: Uint8Array, p: number) => 0.299 * d[p * 3]! + 0.587 * d[p * 3 + 1]! + 0.114 * d[p * 3 + 2]!;

test('socketLidSoft: a soft small top-lit source gets lighter lids; the face away from the eyes is unchanged', async () => {
  const source = await smallTopLitFaceA(0.9);
  const srcImg = await decodeImage(source);
  const [face] = await engine().faceAnalyser.detect(srcImg, { embedding: false });
  const crisp = featureCrispness(srcImg, face!.mesh);
  assert.ok(crisp < 0.5, `the test source must measure soft: ${crisp.toFixed(3)}`);
  const target = await faceB('png');
  const off = await swapWith({ colour: { socketLidSoft: 0 } }, source, target), on = await swapWith({ colour: { socketLidSoft: 1 } }, source, target);
  const { width: w } = on.raw;
  const m = on.target.mesh, fw = faceWidth(m);
  const pts = [...EYE_RIGHT, ...EYE_LEFT, ...BROW_RIGHT, ...BROW_LEFT];
  const near = (x: number, y: number) => Math.min(...pts.map((i) => Math.hypot(m[i]![0] - x, m[i]![1] - y)));
  // The upper lids: between each opening's top and its brow's lower edge (the template's mesh).
  const lid = new Float32Array(on.raw.width * on.raw.height);
  for (const [upper, browLow] of [[[33, 246, 161, 160, 159, 158, 157, 173, 133], [46, 53, 52, 65, 55]], [[263, 466, 388, 387, 386, 385, 384, 398, 362], [276, 283, 282, 295, 285]]]) {
    fillPolygon(lid, w, on.raw.height, pick(m, [...upper!, ...browLow!]), 1);
  }
  let changed = 0, far = 0, sOn = 0, sOff = 0, n = 0;
  for (let p = 0; p < on.raw.data.length / 3; p++) {
    let d = 0;
    for (let c = 0; c < 3; c++) d = Math.max(d, Math.abs(on.raw.data[p * 3 + c]! - off.raw.data[p * 3 + c]!));
    if (lid[p]! > 0) {
      sOn += luma(on.raw.data, p);
      sOff += luma(off.raw.data, p);
      n++;
    }
    if (!(d > 0)) continue;
    changed++;
    // The zone is each eye-and-brow hull grown 0.02 face width; later stages (texture, blend) reach a little further.
    if (near(p % w, (p / w) | 0) > 0.12 * fw && d > 2) far++;
  }
  assert.ok(changed > 500, `changed pixels ${changed}`);
  assert.equal(far, 0, `pixels changed by more than 2 away from the eyes and brows: ${far}`);
  assert.ok(n > 100 && sOn / n > sOff / n + 4, `upper lids' mean luma ${(sOff / n).toFixed(1)} → ${(sOn / n).toFixed(1)}`);
});

test('socketLidSoft: a crisp small top-lit source is left bit for bit (socketLidSoftEyes)', async () => {
  const source = await smallTopLitFaceA(0);
  const target = await faceB('png');
  const off = await swapWith({ colour: { socketLidSoft: 0 } }, source, target), on = await swapWith({ colour: { socketLidSoft: 1 } }, source, target);
  assert.ok(Buffer.from(on.raw.data).equals(Buffer.from(off.raw.data)));
  // Not for want of dark lids: ungated by the eyes' crispness (socketLidSoftEyes 0), the same source is lifted.
  const ungated = await swapWith({ colour: { socketLidSoft: 1, socketLidSoftEyes: 0 } }, source, target);
  assert.ok(!Buffer.from(ungated.raw.data).equals(Buffer.from(off.raw.data)));
});

test('socketLidSoft: a large source (not read) is left bit for bit', async () => {
  const target = await sharp(await faceB('png')).resize(200, 200).png().toBuffer();
  const source = await faceA();
  const [s] = await engine().faceAnalyser.detect(await decodeImage(source), { embedding: false });
  assert.ok(faceWidth(s!.mesh) > 160, `source face ${faceWidth(s!.mesh).toFixed(0)} px`);
  const off = await swapWith({ colour: { socketLidSoft: 0 } }, source, target), on = await swapWith({ colour: { socketLidSoft: 1, socketLidSoftEyes: 0 } }, source, target);
  assert.ok(Buffer.from(on.raw.data).equals(Buffer.from(off.raw.data)));
});
