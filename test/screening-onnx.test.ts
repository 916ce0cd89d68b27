// The screening model converted to ONNX (src/compliance/screening-model.ts) against nsfwjs's tfjs
// graph model it was converted from, on the photos @vladmandic/human installs: the same scores
// (float32 kernels of two runtimes: a few 1e-6 apart; the bound is 1e-4). And the converted model's
// structure, decoded with the `onnx-proto` package, not with our writer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CLASSES, Screener } from '../src/compliance/screening.ts';
import { convertNsfwjsModel, FORMAT, INPUT, nsfwjsVersion, OUTPUT, screeningModel, writeScreeningModel } from '../src/compliance/screening-model.ts';
import { loadTfjsScreener } from './helpers/tfjs-screener.ts';

const require = createRequire(import.meta.url);
const ASSETS = path.join(path.dirname(require.resolve('@vladmandic/human')), '..', 'assets');
const PHOTOS = readdirSync(ASSETS)
  .filter((f) => /\.(jpe?g|png)$/i.test(f))
  .map((f) => path.join(ASSETS, f));

/* eslint-disable @typescript-eslint/no-explicit-any */
const { onnx } = require('onnx-proto') as { onnx: any };
const num = (v: any) => (typeof v === 'number' ? v : v.toNumber());

test('the converted model: NHWC [batch,224,224,3] in, [batch,5] out, opset 13, only the ops the converter emits', () => {
  const m = onnx.ModelProto.decode(convertNsfwjsModel());
  assert.equal(num(m.irVersion), 7);
  assert.deepEqual(m.opsetImport.map((o: any) => [o.domain, num(o.version)]), [['', 13]]);
  const dims = (v: any) => v.type.tensorType.shape.dim.map((d: any) => d.dimParam || num(d.dimValue));
  assert.deepEqual(m.graph.input.map((v: any) => [v.name, v.type.tensorType.elemType, dims(v)]), [[INPUT, 1, ['batch', 224, 224, 3]]]);
  assert.deepEqual(m.graph.output.map((v: any) => [v.name, v.type.tensorType.elemType, dims(v)]), [[OUTPUT, 1, ['batch', CLASSES.length]]]);
  const ops: Record<string, number> = {};
  for (const n of m.graph.node) ops[n.opType] = (ops[n.opType] ?? 0) + 1;
  // 35 convolutions + 17 depthwise ones, each with its activation where fused (Relu6: Clip 0–6).
  assert.deepEqual(ops, { Transpose: 1, Mul: 1, Sub: 1, Conv: 52, Clip: 35, Add: 10, AveragePool: 1, Flatten: 1, Gemm: 1, Softmax: 1, Identity: 1 });
  const depthwise = m.graph.node.filter((n: any) => n.opType === 'Conv' && num(n.attribute.find((a: any) => a.name === 'group').i) > 1);
  assert.equal(depthwise.length, 17);
  // Every initializer float32 raw data of the size its dims say; 4.3 M parameters in all (as nsfwjs's manifest).
  let params = 0;
  for (const t of m.graph.initializer) {
    const n = t.dims.map(num).reduce((a: number, b: number) => a * b, 1);
    assert.equal(t.dataType, 1);
    assert.equal(t.rawData.length, 4 * n, t.name);
    params += n;
  }
  assert.equal(params, 4_300_775 + 2); // + Clip's 0 and 6
  // A stride-2 3×3 convolution with TF's SAME padding on an even size: the extra row and column at the end.
  const first = m.graph.node.find((n: any) => n.opType === 'Conv');
  assert.deepEqual(first.attribute.find((a: any) => a.name === 'pads').ints.map(num), [0, 0, 1, 1]);
  assert.deepEqual(first.attribute.find((a: any) => a.name === 'strides').ints.map(num), [2, 2]);
});

test('the prebuilt model is used while its tag matches, and converted afresh when not', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wanxing-screening-model-'));
  writeScreeningModel(dir);
  const file = path.join(dir, 'screening.onnx');
  assert.equal(screeningModel(file).prebuilt, true);
  const meta = JSON.parse(readFileSync(path.join(dir, 'screening.json'), 'utf8'));
  assert.deepEqual(meta, { nsfwjs: nsfwjsVersion(), model: 'mobilenet_v2_mid', format: FORMAT, bytes: readFileSync(file).length });
  writeFileSync(path.join(dir, 'screening.json'), JSON.stringify({ ...meta, format: FORMAT - 1 }));
  const stale = screeningModel(file);
  assert.equal(stale.prebuilt, false);
  assert.deepEqual(Buffer.from(stale.bytes), readFileSync(file), 'the conversion is deterministic');
  assert.equal(screeningModel(path.join(dir, 'absent.onnx')).prebuilt, false);
  rmSync(dir, { recursive: true });
});

test('a screener loads and scores without loading tfjs', async () => {
  const script = `import('./src/compliance/screening.ts').then(async ({ Screener }) => {
    const s = await Screener.load();
    await s.score(await require('sharp')({ create: { width: 64, height: 48, channels: 3, background: '#a08070' } }).png().toBuffer());
    console.log(JSON.stringify(Object.keys(require.cache).filter((f) => f.includes('@tensorflow'))));
  })`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '-e', script], { cwd: path.join(import.meta.dirname, '..') });
  assert.deepEqual(JSON.parse(stdout), []);
});

test('onnxruntime scores every package photo as tfjs does (within 1e-4 per class), one by one and in one batch', async () => {
  const [tfjs, screener] = await Promise.all([loadTfjsScreener(), Screener.load()]);
  const classify = (rgbs: Uint8Array[]) => (screener as any).classify(rgbs) as Promise<Float32Array[]>;
  const pixels = await Promise.all(PHOTOS.map((f) => Screener.pixels(readFileSync(f))));
  assert.ok(pixels.length >= 8, `${pixels.length} photos`);
  let max = 0;
  const check = (a: Float32Array, b: Float32Array, what: string) => {
    assert.equal(b.length, CLASSES.length);
    for (let i = 0; i < CLASSES.length; i++) {
      const d = Math.abs(a[i]! - b[i]!);
      max = Math.max(max, d);
      assert.ok(d <= 1e-4, `${what} ${CLASSES[i]}: tfjs ${a[i]} onnx ${b[i]}`);
    }
  };
  for (const [k, px] of pixels.entries()) check((await tfjs([px]))[0]!, (await classify([px]))[0]!, path.basename(PHOTOS[k]!));
  const [a, b] = [await tfjs(pixels), await classify(pixels)];
  a.forEach((p, k) => check(p, b[k]!, `batch: ${path.basename(PHOTOS[k]!)}`));
  // The photos differ in what they show: the agreement is not that of one constant answer.
  const neutral = b.map((p) => p[CLASSES.indexOf('neutral')]!);
  assert.ok(Math.max(...neutral) - Math.min(...neutral) > 0.2, `neutral ${neutral}`);
  console.log(`max |tfjs − onnx| over ${pixels.length} photos × ${CLASSES.length} classes: ${max.toExponential(2)}`);
});
