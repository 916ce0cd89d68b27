// The ONNX engine end to end on the tiny models: start-up checks, the swap through the port
// (what changes and what must not), and one run with the real face analysis on photos.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ARCFACE_112 } from '../src/engine/onnx/align.ts';
import { createOnnxEngine, ModelCheckError, type FaceDetector } from '../src/engine/onnx/index.ts';
import type { Face } from '../src/engine/analyse.ts';
import { buildSwapperModel, buildTinyModels, seededValues } from './helpers/onnx-models.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wanxing-onnx-engine-'));
  await buildTinyModels(dir);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const W = 420, H = 360;

/** A textured W×H picture (seeded noise over a colour) as PNG or JPEG bytes. */
async function picture(seed: number, base: [number, number, number], format: 'png' | 'jpeg'): Promise<Uint8Array> {
  const noise = seededValues(W * H * 3, seed);
  const px = new Uint8Array(W * H * 3);
  for (let i = 0; i < px.length; i++) px[i] = Math.max(0, Math.min(255, Math.round(base[i % 3] + 40 * noise[i])));
  const s = sharp(px, { raw: { width: W, height: H, channels: 3 } });
  return new Uint8Array(await (format === 'png' ? s.png() : s.jpeg({ quality: 95 })).toBuffer());
}

// One face per picture, twice the ArcFace template with its origin at (100, 50): the 128-px crop
// then covers x ∈ [84, 338], y ∈ [50, 304] of the template (see onnx-paste.test.ts).
function stubFace(): Face {
  const landmarks5 = ARCFACE_112.map(([x, y]) => [2 * x + 100, 2 * y + 50] as [number, number]);
  return { box: [150, 120, 130, 160], score: 0.99, mesh: [], angles: { yaw: 0, pitch: 0, roll: 0 }, landmarks5 };
}
const oneFace: FaceDetector = { detect: async () => [stubFace()] };

async function rgb(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await sharp(bytes).removeAlpha().raw().toBuffer());
}

test('init fails at start, naming the file, when a model is missing', async () => {
  const engine = createOnnxEngine({ modelDir: join(dir, 'empty'), detector: oneFace });
  await assert.rejects(engine.init(), (err: unknown) => {
    assert.ok(err instanceof ModelCheckError);
    assert.match(err.message, /inswapper_128\.onnx: model file not found/);
    return true;
  });
  const wrongName = createOnnxEngine({ modelDir: dir, recogniserFile: 'glintr100.onnx', detector: oneFace });
  await assert.rejects(wrongName.init(), /glintr100\.onnx: model file not found/);
  await assert.rejects(createOnnxEngine({ modelDir: dir, detector: oneFace }).swap({ source: new Uint8Array(), target: new Uint8Array() }), /not initialised/);
});

test('a swap changes the face region only, keeps the template size and format, and reports stages', async () => {
  const engine = createOnnxEngine({ modelDir: dir, detector: oneFace });
  await engine.init();
  try {
    assert.deepEqual(engine.describe().size, 128);
    const target = await picture(1, [150, 120, 100], 'png');
    const stages: string[] = [];
    const res = await engine.swap({ source: await picture(2, [90, 60, 40], 'jpeg'), target, onStage: (s) => stages.push(s) });
    assert.deepEqual(stages, ['running']);
    assert.equal(res.format, 'png');
    assert.deepEqual([res.width, res.height], [W, H]);
    for (const k of ['decode', 'analyseTarget', 'analyseSource', 'embed', 'swap', 'mask', 'colour', 'blend', 'enhance', 'composite', 'encode', 'total']) {
      assert.ok(typeof res.timings[k] === 'number', `timing ${k}`);
    }
    const before = await rgb(target), afterPx = await rgb(res.image);
    let outside = 0, inside = 0, centre = 0;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = (y * W + x) * 3;
        const changed = before[i] !== afterPx[i] || before[i + 1] !== afterPx[i + 1] || before[i + 2] !== afterPx[i + 2];
        if (!changed) continue;
        if (x < 83 || x > 339 || y < 49 || y > 305) outside++;
        else inside++;
        if (x >= 150 && x < 270 && y >= 120 && y < 240) centre++;
      }
    }
    assert.equal(outside, 0, 'pixels outside the crop footprint must stay the template’s');
    assert.ok(centre > 0.9 * 120 * 120, `centre changed ${centre}`);
    assert.ok(inside > 150 * 150, `inside changed ${inside}`);
  } finally {
    await engine.close();
  }
});

test('the source identity reaches the output: two sources give two different faces', async () => {
  const engine = createOnnxEngine({ modelDir: dir, detector: oneFace, finish: { colour: false, blend: false, enhance: false } });
  await engine.init();
  try {
    const target = await picture(3, [140, 110, 90], 'png');
    const a = await rgb((await engine.swap({ source: await picture(4, [200, 40, 40], 'png'), target })).image);
    const b = await rgb((await engine.swap({ source: await picture(5, [40, 40, 200], 'png'), target })).image);
    const again = await rgb((await engine.swap({ source: await picture(4, [200, 40, 40], 'png'), target })).image);
    assert.deepEqual(again, a, 'deterministic');
    let diff = 0;
    const i = (177 * W + 211) * 3; // the crop's centre
    for (let k = 0; k < 3; k++) diff += Math.abs(a[i + k] - b[i + k]);
    assert.ok(diff > 10, `centre pixel differs by ${diff}`);
  } finally {
    await engine.close();
  }
});

test('the emap in the swapper file is applied: another emap, another face', async () => {
  // Same graph and weights, only the emap (the last initializer) differs.
  const other = join(dir, 'other-emap.onnx');
  await writeFile(other, buildSwapperModel({ emapSeed: 99 }));
  const plain = { colour: false, blend: false, enhance: false } as const;
  const a = createOnnxEngine({ modelDir: dir, detector: oneFace, finish: plain });
  const b = createOnnxEngine({ modelDir: dir, swapperFile: 'other-emap.onnx', detector: oneFace, finish: plain });
  await Promise.all([a.init(), b.init()]);
  try {
    const req = { source: await picture(8, [180, 150, 120], 'png'), target: await picture(9, [120, 100, 80], 'png') };
    const ra = await rgb((await a.swap(req)).image), rb = await rgb((await b.swap(req)).image);
    let differ = 0;
    for (let y = 120; y < 240; y++) for (let x = 150; x < 270; x++) {
      const i = (y * W + x) * 3;
      if (ra[i] !== rb[i] || ra[i + 1] !== rb[i + 1] || ra[i + 2] !== rb[i + 2]) differ++;
    }
    assert.ok(differ > 0.9 * 120 * 120, `face pixels that differ: ${differ}`);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('input checks are the default engine’s: no face in the source is NoFaceInSource', async () => {
  let call = 0;
  const targetOnly: FaceDetector = { detect: async () => (call++ === 0 ? [stubFace()] : []) };
  const engine = createOnnxEngine({ modelDir: dir, detector: targetOnly });
  await engine.init();
  try {
    await assert.rejects(
      engine.swap({ source: await picture(6, [100, 100, 100], 'png'), target: await picture(7, [100, 100, 100], 'png') }),
      (err: unknown) => (err as { errorName?: string }).errorName === 'NoFaceInSource',
    );
  } finally {
    await engine.close();
  }
});

const SAMPLES = join(import.meta.dirname, '..', 'node_modules', '@vladmandic', 'human', 'assets', 'samples.jpg');

test('with the real face analysis, a photo swap changes the face and leaves the rest', async () => {
  // Two single-face thumbnails of Human's sample sheet, enlarged.
  const woman = await sharp(SAMPLES).extract({ left: 160, top: 0, width: 160, height: 160 }).resize(480).png().toBuffer();
  const man = await sharp(SAMPLES).extract({ left: 322, top: 0, width: 214, height: 160 }).resize(642).jpeg({ quality: 95 }).toBuffer();
  const engine = createOnnxEngine({ modelDir: dir });
  await engine.init();
  try {
    const res = await engine.swap({ source: new Uint8Array(man), target: new Uint8Array(woman) });
    assert.equal(res.format, 'png');
    assert.deepEqual([res.width, res.height], [480, 480]);
    const before = await rgb(new Uint8Array(woman)), afterPx = await rgb(res.image);
    // Her face is in the upper middle of the picture; the corners are far from it.
    const changedIn = (x0: number, y0: number, x1: number, y1: number) => {
      let n = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) {
        const i = (y * 480 + x) * 3;
        if (before[i] !== afterPx[i] || before[i + 1] !== afterPx[i + 1] || before[i + 2] !== afterPx[i + 2]) n++;
      }
      return n;
    };
    assert.ok(changedIn(190, 100, 250, 160) > 0.8 * 60 * 60, 'face centre changed');
    assert.equal(changedIn(0, 380, 480, 480), 0, 'bottom band untouched');
    assert.equal(changedIn(400, 0, 480, 480), 0, 'right band untouched');
  } finally {
    await engine.close();
  }
});
