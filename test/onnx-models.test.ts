// Model loading for the ONNX engine: the emap read from the file, the latent maths, the start-up
// signature checks and their messages, and the CUDA provider's failure when it is not installed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import onnxProto from 'onnx-proto';
import { firstNodeNames, lastInitializer, readLastInitializer } from '../src/engine/onnx/onnx-file.ts';
import { ARCFACE_112 } from '../src/engine/onnx/align.ts';
import { embedFace } from '../src/engine/onnx/infer.ts';
import { l2normalize, sourceLatent } from '../src/engine/onnx/latent.ts';
import { loadModels, loadRecogniser, loadSwapper, ModelCheckError, recogniserNormalisation } from '../src/engine/onnx/models.ts';
import { buildRecogniserModel, buildSwapperModel, buildTinyModels, seededValues, tinyEmap } from './helpers/onnx-models.ts';

let dir: string;
let tiny: { swapper: string; recogniser: string };
const cpu = { provider: 'cpu' as const };

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wanxing-onnx-models-'));
  tiny = await buildTinyModels(dir);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(name: string, bytes: Uint8Array): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, bytes);
  return p;
}

test('the emap is the last initializer, read from raw_data or float_data, equal to what onnx-proto decodes', async () => {
  const bytes = buildSwapperModel();
  const emap = await lastInitializer(bytes);
  assert.equal(emap.name, 'emap');
  assert.deepEqual(emap.dims, [512, 512]);
  assert.deepEqual(emap.data, tinyEmap(512, 512, 7));
  // Cross-check against a full protobuf decode.
  const model = onnxProto.onnx.ModelProto.decode(bytes);
  const inits = model.graph!.initializer!;
  const raw = inits[inits.length - 1].rawData!;
  assert.deepEqual(emap.data, new Float32Array(new Uint8Array(raw).buffer));

  const viaFloats = await lastInitializer(buildSwapperModel({ emapAsFloatData: true, latent: 8, embedding: 4 }));
  assert.deepEqual(viaFloats.dims, [4, 8]);
  assert.deepEqual(viaFloats.data, tinyEmap(4, 8, 7));

  assert.deepEqual((await readLastInitializer(tiny.swapper)).data, emap.data);
  await assert.rejects(lastInitializer(new Uint8Array([0x08, 0x07])), /no graph/);
  // A model cut short inside its weights is refused, from memory or from disk.
  await assert.rejects(lastInitializer(bytes.subarray(0, bytes.length - 1000)), /past the end/);
  await assert.rejects(readLastInitializer(await write('cut.onnx', bytes.subarray(0, bytes.length - 1000))), /past the end/);
});

test('the source latent is normalize(normalize(embedding)·emap)', () => {
  // Hand-computed: e = (3,4)/5 = (0.6, 0.8); emap [[1,2,0],[0,1,1]] → e·emap = (0.6, 2.0, 0.8);
  // |·| = √(0.36 + 4 + 0.64) = √5.
  const latent = sourceLatent(Float32Array.of(3, 4), Float32Array.of(1, 2, 0, 0, 1, 1), 3);
  const r5 = Math.sqrt(5);
  const expected = [0.6 / r5, 2 / r5, 0.8 / r5];
  latent.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-6, `${v} vs ${expected[i]}`));
  // Scale of the embedding does not matter; an identity emap leaves the normalised embedding.
  const e = Float32Array.from({ length: 6 }, (_, i) => i - 2.5);
  const eye = new Float32Array(36);
  for (let i = 0; i < 6; i++) eye[i * 7] = 1;
  const a = sourceLatent(e, eye, 6), b = l2normalize(e);
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-6));
  assert.throws(() => sourceLatent(e, eye, 5), /emap has 36 values/);
  assert.throws(() => l2normalize(new Float32Array(4)), /zero/);
});

test('the tiny models load and are recognised with their signatures', async () => {
  const { swapper, recogniser } = await loadModels(tiny.swapper, tiny.recogniser, cpu);
  try {
    assert.equal(swapper.targetName, 'target');
    assert.equal(swapper.sourceName, 'source');
    assert.equal(swapper.outputName, 'output');
    assert.equal(swapper.size, 128);
    assert.equal(swapper.latentSize, 512);
    assert.equal(swapper.embeddingSize, 512);
    assert.equal(swapper.emap.length, 512 * 512);
    assert.equal(recogniser.inputName, 'input.1');
    assert.equal(recogniser.size, 112);
    assert.equal(recogniser.embeddingSize, 512);
  } finally {
    await swapper.session.release();
    await recogniser.session.release();
  }
});

test('inputs are told apart by shape, whatever their names', async () => {
  const p = await write('renamed.onnx', buildSwapperModel({ targetName: 'img', sourceName: 'latent', outputName: 'fake' }));
  const sw = await loadSwapper(p, cpu);
  assert.deepEqual([sw.targetName, sw.sourceName, sw.outputName], ['img', 'latent', 'fake']);
  await sw.session.release();
});

test('a missing model file is a clear error naming the file and the path', async () => {
  const missing = join(dir, 'nope', 'inswapper_128.onnx');
  await assert.rejects(loadSwapper(missing, cpu), (err: unknown) => {
    assert.ok(err instanceof ModelCheckError);
    assert.match(err.message, /^inswapper_128\.onnx: model file not found/);
    assert.ok(err.message.includes(missing));
    return true;
  });
});

test('a file that is not an ONNX model is refused at load', async () => {
  const p = await write('garbage.onnx', new TextEncoder().encode('not a model at all'));
  await assert.rejects(loadSwapper(p, cpu), /garbage\.onnx: onnxruntime could not load the model/);
});

test('wrong swapper signatures are refused with what was found', async () => {
  // The recogniser is no swapper.
  await assert.rejects(loadSwapper(tiny.recogniser, cpu), /w600k_r50\.onnx: not a face swapper: expected inputs target \[1,3,S,S\].*found inputs input\.1 \[None,3,112,112\]/);
  // Without its emap, the last initializer is a scalar of the graph.
  const noEmap = await write('no-emap.onnx', buildSwapperModel({ withoutEmap: true }));
  await assert.rejects(loadSwapper(noEmap, cpu), /no-emap\.onnx: the last initializer "hi" has shape \[\], expected the emap \[D,512\]/);
  // Other crop sizes (256-px forks) are taken as they are: the template scales with them.
  const odd = await write('odd.onnx', buildSwapperModel({ size: 256 }));
  const sw = await loadSwapper(odd, cpu);
  assert.equal(sw.size, 256);
  await sw.session.release();
});

test('wrong recogniser signatures are refused with what was found', async () => {
  const wrongSize = await write('r96.onnx', buildRecogniserModel({ size: 96 }));
  await assert.rejects(loadRecogniser(wrongSize, cpu), /r96\.onnx: input "input\.1" has shape \[None,3,96,96\], expected \[N,3,112,112\]/);
  await assert.rejects(loadRecogniser(tiny.swapper, cpu), /inswapper_128\.onnx: not a face recogniser: .*found 2 inputs \(target, source\)/);
  const fixedBatch = await write('r-batch1.onnx', buildRecogniserModel({ batch: 1 }));
  const rec = await loadRecogniser(fixedBatch, cpu);
  assert.equal(rec.size, 112);
  await rec.session.release();
});

test('a recogniser whose embedding size differs from the emap rows is refused', async () => {
  const small = await write('r128d.onnx', buildRecogniserModel({ embedding: 128 }));
  await assert.rejects(loadModels(tiny.swapper, small, cpu), /r128d\.onnx \+ inswapper_128\.onnx: the recogniser gives 128-d embeddings but the swapper's emap expects 512-d/);
});

// The project installs onnxruntime-node without its CUDA provider files; where they are present
// (a GPU host set up per docs/ONNX.md) this check does not apply.
const bindingDir = dirname(createRequire(import.meta.url).resolve('onnxruntime-node'));
const cudaInstalled = existsSync(join(bindingDir, '..', 'bin', 'napi-v6', 'linux', 'x64', 'libonnxruntime_providers_cuda.so'));

test('asking for CUDA without its provider files fails at load with set-up instructions', { skip: cudaInstalled && 'CUDA provider installed' }, async () => {
  await assert.rejects(loadSwapper(tiny.swapper, { provider: 'cuda' }), (err: unknown) => {
    assert.ok(err instanceof ModelCheckError);
    assert.match(err.message, /inswapper_128\.onnx: the CUDA execution provider could not be loaded/);
    assert.match(err.message, /ONNXRUNTIME_NODE_INSTALL=cuda12/);
    assert.match(err.message, /WANXING_ONNX_PROVIDER=cpu/);
    return true;
  });
});

test('recognisers that normalise inside (MXNet exports) get raw pixels, others (x − 127.5)/127.5', async () => {
  assert.deepEqual(recogniserNormalisation(['Sub_0', 'Mul_1', 'Conv_2']), { inputMean: 0, inputStd: 1 });
  assert.deepEqual(recogniserNormalisation(['_minusscalar0', '_mulscalar0']), { inputMean: 0, inputStd: 1 });
  assert.deepEqual(recogniserNormalisation(['Conv_0', 'PRelu_1']), { inputMean: 127.5, inputStd: 127.5 });
  assert.deepEqual(recogniserNormalisation(['Sub_0', 'Conv_1']), { inputMean: 127.5, inputStd: 127.5 });
  const inside = await write('r-mxnet.onnx', buildRecogniserModel({ builtInNormalisation: true }));
  assert.deepEqual(await firstNodeNames(buildRecogniserModel({ builtInNormalisation: true }), 2), ['Sub_0', 'Mul_1']);
  const a = await loadRecogniser(tiny.recogniser, cpu);
  const b = await loadRecogniser(inside, cpu);
  try {
    assert.deepEqual([a.inputMean, a.inputStd, b.inputMean, b.inputStd], [127.5, 127.5, 0, 1]);
    // Same weights, normalisation outside vs inside: the same embedding of the same face.
    const px = seededValues(300 * 300 * 3, 9);
    const img = { width: 300, height: 300, channels: 3, data: Uint8Array.from(px, (v) => Math.round(127.5 + 127 * v)) };
    const lm = ARCFACE_112.map(([x, y]) => [1.8 * x + 40, 1.8 * y + 30] as const);
    const ea = await embedFace(a, img, lm), eb = await embedFace(b, img, lm);
    let worst = 0;
    for (let i = 0; i < ea.length; i++) worst = Math.max(worst, Math.abs(ea[i] - eb[i]));
    assert.ok(worst < 1e-3, `embeddings differ by ${worst}`);
    assert.ok(Math.hypot(...ea) > 0.1);
  } finally {
    await a.session.release();
    await b.session.release();
  }
});
