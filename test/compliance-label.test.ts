// The AIGC labels of GB 45438-2025: the signed TC260 XMP label (verifies; altered pixels or label
// do not) and the visible 「AI生成」 label (size, legibility, clear of the faces, off on request).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { embedLabel, imageDigest, verifyLabel, TC260_NS } from '../src/compliance/label-xmp.ts';
import { Labeller } from '../src/compliance/labeller.ts';
import { placeLabel, type Box } from '../src/compliance/label-visible.ts';
import { localLabelKey } from '../src/compliance/label-key.ts';
import { complianceSettings } from '../src/compliance/settings.ts';
import { ConfigError } from '../src/config.ts';
import { createDefaultEngine } from '../src/engine/index.ts';
import type { SwapResult } from '../src/engine/types.ts';
import { faceA, faceB } from './engine-fixtures.ts';
import { ROOT, tmpDir } from './helpers/service.ts';

const KEY = Buffer.alloc(32, 7);
const fields = { producer: 'Wanxing test', contentId: '0123456789abcdef0123456789abcdef' };

async function labelled(format: 'jpeg' | 'png'): Promise<Buffer> {
  const img = sharp(await faceB('png'));
  return embedLabel(await (format === 'png' ? img.png() : img.jpeg({ quality: 90 })).toBuffer(), format, fields, KEY);
}

for (const format of ['jpeg', 'png'] as const) {
  test(`${format}: the XMP label carries the annex E fields and verifies`, async () => {
    const file = await labelled(format);
    const v = verifyLabel(file, KEY);
    assert.equal(v.state, 'valid');
    assert.ok('label' in v);
    assert.deepEqual(Object.keys(v.label), ['Label', 'ContentProducer', 'ProduceID', 'ReservedCode1', 'ContentPropagator', 'PropagateID', 'ReservedCode2']);
    assert.equal(v.label.Label, '1');
    assert.equal(v.label.ContentProducer, 'Wanxing test');
    assert.equal(v.label.ProduceID, fields.contentId);
    // A standard reader (libvips) finds the packet in the TC260 namespace, and the image still decodes.
    const meta = await sharp(file).metadata();
    assert.equal(meta.format, format);
    assert.ok(meta.xmp?.toString('utf8').includes(`xmlns:TC260="${TC260_NS}"`));
    assert.ok(meta.xmp?.toString('utf8').includes('<TC260:AIGC>{"Label":"1"'));
    await sharp(file).raw().toBuffer();
    // Labelling twice replaces the label instead of stacking two.
    const again = embedLabel(file, format, { ...fields, contentId: 'other' }, KEY);
    assert.equal(again.toString('latin1').split('TC260:AIGC>').length - 1, 2);
    const v2 = verifyLabel(again, KEY);
    assert.ok(v2.state === 'valid' && v2.label.ProduceID === 'other');
  });

  test(`${format}: altered pixels, an altered label, another key or no label are refused`, async () => {
    const file = await labelled(format);
    // Pixels changed by an editor that keeps the XMP.
    const dot = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#f0f' } }).png().toBuffer();
    const edited = sharp(file).composite([{ input: dot, left: 200, top: 200 }]).keepXmp();
    const editedFile = await (format === 'png' ? edited.png() : edited.jpeg({ quality: 90 })).toBuffer();
    assert.ok((await sharp(editedFile).metadata()).xmp, 'the editor kept the label');
    assert.equal(verifyLabel(editedFile, KEY).state, 'altered');
    // One flipped byte deep in the image data.
    const flipped = Buffer.from(file);
    flipped[flipped.length - 200] ^= 0x10;
    assert.equal(verifyLabel(flipped, KEY).state, 'altered');
    // The content ID rewritten (same length, so only the label changed).
    const forged = Buffer.from(file.toString('latin1').replace(fields.contentId, 'f'.repeat(32)), 'latin1');
    const vf = verifyLabel(forged, KEY);
    assert.equal(vf.state, 'altered');
    assert.ok(vf.state === 'altered' && vf.label.ProduceID === 'f'.repeat(32));
    // The label claims "possibly AI" instead of "AI".
    assert.equal(verifyLabel(Buffer.from(file.toString('latin1').replace('{"Label":"1"', '{"Label":"2"'), 'latin1'), KEY).state, 'altered');
    assert.equal(verifyLabel(file, Buffer.alloc(32, 8)).state, 'altered');
    assert.equal(verifyLabel(await faceB(format), KEY).state, 'absent');
    assert.equal(verifyLabel(Buffer.from('hello'), KEY).state, 'absent');
  });
}

test('a platform that fills in the propagator fields does not break the producer HMAC', async () => {
  const file = await labelled('jpeg');
  const passedOn = Buffer.from(file.toString('latin1').replace('"ContentPropagator":""', '"ContentPropagator":"cdn"'), 'latin1');
  // (The APP1 length now differs by 3 bytes: rewrite it as a platform would.)
  const at = passedOn.indexOf(Buffer.from('http://ns.adobe.com/xap/1.0/\0', 'latin1')) - 4;
  passedOn.writeUInt16BE(passedOn.readUInt16BE(at + 2) + 3, at + 2);
  const v = verifyLabel(passedOn, KEY);
  assert.equal(v.state, 'valid');
  assert.ok(v.state === 'valid' && v.label.ContentPropagator === 'cdn');
});

/** Bright text pixels inside the plate: their rows give the text's ink height. */
async function inkRows(file: Buffer, plate: Box): Promise<{ height: number; textLum: number; plateLum: number }> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let top = Infinity;
  let bottom = -Infinity;
  let textSum = 0;
  let textN = 0;
  let plateSum = 0;
  let plateN = 0;
  for (let y = plate[1]; y < plate[1] + plate[3]; y++) {
    for (let x = plate[0]; x < plate[0] + plate[2]; x++) {
      const i = (y * info.width + x) * 3;
      const lum = 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!;
      if (lum > 200) {
        top = Math.min(top, y);
        bottom = Math.max(bottom, y);
        textSum += lum;
        textN++;
      } else if (lum < 140) {
        plateSum += lum;
        plateN++;
      }
    }
  }
  return { height: bottom - top + 1, textLum: textSum / textN, plateLum: plateSum / plateN };
}

const settings = complianceSettings({});
const plain = async (background: string, width: number, height: number, format: 'jpeg' | 'png'): Promise<SwapResult> => {
  const s = sharp({ create: { width, height, channels: 3, background } });
  const image = await (format === 'png' ? s.png() : s.jpeg({ quality: 92 })).toBuffer();
  return { image: new Uint8Array(image), format, width, height, timings: {} };
};

test('visible label: ≥ 5 % of the shorter side tall, legible on light and on dark', async () => {
  const labeller = new Labeller(settings, KEY, 92);
  for (const [bg, w, h, format] of [['#f4f4f4', 900, 600, 'jpeg'], ['#0a0a0a', 480, 1000, 'png'], ['#7f7f7f', 2000, 1500, 'jpeg']] as const) {
    const { result, label } = await labeller.apply(await plain(bg, w, h, format), 'job1');
    assert.equal(label.visible, true);
    assert.equal(label.placement!.corner, 'bottom-right');
    const ink = await inkRows(Buffer.from(result.image), label.placement!.plate);
    assert.ok(ink.height >= 0.05 * Math.min(w, h), `${bg}: text ${ink.height}px tall on a ${Math.min(w, h)}px side`);
    assert.ok(ink.textLum - ink.plateLum > 120, `${bg}: contrast ${ink.textLum} vs ${ink.plateLum}`);
    assert.equal(verifyLabel(result.image, KEY).state, 'valid', 'the XMP label covers the drawn label');
  }
});

test('visible label: never over a face; the next free corner is taken', () => {
  const faceBottomRight: Box = [600, 350, 250, 230];
  const p = placeLabel(900, 600, 'AI生成', [faceBottomRight], 'bottom-right');
  assert.equal(p.corner, 'bottom-left');
  assert.equal(p.faceOverlap, 0);
  const both: Box[] = [faceBottomRight, [20, 380, 250, 200]];
  assert.equal(placeLabel(900, 600, 'AI生成', both, 'bottom-right').corner, 'top-right');
  assert.equal(placeLabel(900, 600, 'AI生成', [], 'top-left').corner, 'top-left');
});

test('settings: text outside the shipped glyphs, a bad corner or a bad switch stop the start', () => {
  assert.throws(() => complianceSettings({ WANXING_LABEL_TEXT: 'AI生成🙂' }), (e) => e instanceof ConfigError && /🙂/.test(e.message));
  assert.throws(() => complianceSettings({ WANXING_LABEL_CORNER: 'middle' }), ConfigError);
  assert.throws(() => complianceSettings({ WANXING_LABEL_VISIBLE: 'maybe' }), ConfigError);
  assert.throws(() => complianceSettings({ WANXING_AIGC_KEY: 'abc' }), ConfigError);
  const s = complianceSettings({ WANXING_LABEL_TEXT: '人工智能生成', WANXING_LABEL_CORNER: 'top-left', WANXING_LABEL_VISIBLE: 'off', WANXING_LABEL_ALLOW_OPT_OUT: 'off' });
  assert.deepEqual(s.visible, { enabled: false, allowOptOut: false, text: '人工智能生成', corner: 'top-left' });
});

test('a real swap: label clear of the face; with the label off the pixels are the engine output', async () => {
  const engine = createDefaultEngine({ warmup: false });
  await engine.init();
  try {
    const swapped = await engine.swap({ source: await faceB(), target: await faceA('jpeg') });
    assert.ok(swapped.faceBoxes && swapped.faceBoxes.length === 1);
    const labeller = new Labeller(settings, KEY, 92);
    const on = await labeller.apply(swapped, 'job-on');
    const plate = on.label.placement!.plate;
    const [fx, fy, fw, fh] = swapped.faceBoxes[0]!;
    const apart = plate[0] >= fx + fw || plate[0] + plate[2] <= fx || plate[1] >= fy + fh || plate[1] + plate[3] <= fy;
    assert.ok(apart, `plate ${plate} overlaps face ${swapped.faceBoxes[0]}`);
    assert.equal(verifyLabel(on.result.image, KEY).state, 'valid');

    const off = await labeller.apply(swapped, 'job-off', { visible: false });
    assert.equal(off.label.visible, false);
    // Not re-encoded: the image data is byte for byte the engine's, only the XMP was added.
    assert.deepEqual(imageDigest(Buffer.from(off.result.image), 'jpeg'), imageDigest(Buffer.from(swapped.image), 'jpeg'));
    const [a, b] = await Promise.all([sharp(off.result.image).raw().toBuffer(), sharp(swapped.image).raw().toBuffer()]);
    assert.ok(a.equals(b));
    // The operator may forbid turning it off.
    const strict = new Labeller({ ...settings, visible: { ...settings.visible, allowOptOut: false } }, KEY, 92);
    assert.equal((await strict.apply(swapped, 'job-strict', { visible: false })).label.visible, true);
  } finally {
    await engine.close();
  }
});

test('the engine draws the visible label in its one encode: same place and look, no second encode', async () => {
  const engine = createDefaultEngine({ warmup: false });
  await engine.init();
  try {
    const req = { source: await faceB(), target: await faceA('jpeg') };
    const labeller = new Labeller(settings, KEY, 92);
    const plain = await engine.swap(req);
    assert.equal(plain.labelPlacement, undefined);
    const redrawn = await labeller.apply(plain, 'job-redrawn');
    const drawn = await engine.swap({ ...req, ...labeller.requestFor() });
    assert.deepEqual(drawn.labelPlacement, redrawn.label.placement);
    const out = await labeller.apply(drawn, 'job-drawn');
    assert.equal(out.label.visible, true);
    assert.deepEqual(out.label.placement, drawn.labelPlacement);
    assert.equal(verifyLabel(out.result.image, KEY).state, 'valid');
    // The labeller added only the XMP: the image data is the engine's encode, byte for byte.
    assert.deepEqual(imageDigest(Buffer.from(out.result.image), 'jpeg'), imageDigest(Buffer.from(drawn.image), 'jpeg'));
    // The plate is there, and looks as the re-encoding labeller draws it (the JPEG noise apart).
    const [x, y, w, h] = drawn.labelPlacement!.plate;
    const crop = (img: Uint8Array) => sharp(img).extract({ left: x, top: y, width: w, height: h }).raw().toBuffer();
    const [a, b, c] = await Promise.all([crop(out.result.image), crop(redrawn.result.image), crop(plain.image)]);
    const mad = (p: Buffer, q: Buffer) => p.reduce((acc, v, i) => acc + Math.abs(v - q[i]!), 0) / p.length;
    assert.ok(mad(a, b) < 3, `engine-drawn plate differs from the labeller's by ${mad(a, b).toFixed(2)}`);
    assert.ok(mad(a, c) > 20, `no plate drawn (${mad(a, c).toFixed(2)} from the unlabelled result)`);
    // A label drawn where the job turned it off would be a wrong result: refused, not passed on.
    await assert.rejects(labeller.apply(drawn, 'job-off', { visible: false }), /must not have/);
    assert.deepEqual(labeller.requestFor({ visible: false }), {});
  } finally {
    await engine.close();
  }
});

test('wanxing label verify: exit 0 when the label holds, 3 when altered or absent', async () => {
  const dir = tmpDir();
  const key = localLabelKey(dir);
  const good = path.join(dir, 'good.jpg');
  const file = embedLabel(await sharp(await faceB()).jpeg().toBuffer(), 'jpeg', fields, key);
  fs.writeFileSync(good, file);
  const bad = path.join(dir, 'bad.jpg');
  const flipped = Buffer.from(file);
  flipped[flipped.length - 100] ^= 1;
  fs.writeFileSync(bad, flipped);
  const none = path.join(dir, 'none.png');
  fs.writeFileSync(none, await faceB());
  const run = async (f: string) => {
    try {
      const r = await promisify(execFile)(process.execPath, [path.join(ROOT, 'bin/wanxing.js'), 'label', 'verify', f], { env: { ...process.env, WANXING_DATA_DIR: dir } });
      return { code: 0, out: r.stdout };
    } catch (err: any) {
      return { code: err.code as number, out: String(err.stdout) };
    }
  };
  const ok = await run(good);
  assert.equal(ok.code, 0, ok.out);
  assert.match(ok.out, new RegExp(`ProduceID\\s+${fields.contentId}`));
  assert.match(ok.out, /label holds/);
  const altered = await run(bad);
  assert.equal(altered.code, 3);
  assert.match(altered.out, /label altered/);
  const absent = await run(none);
  assert.equal(absent.code, 3);
  assert.match(absent.out, /label absent/);
});
