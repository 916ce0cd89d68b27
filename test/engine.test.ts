// The default engine end to end, on faces cropped from @vladmandic/human's own assets.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { createDefaultEngine, cosine, type DefaultEngine } from '../src/engine/index.ts';
import { DETECT_SIDE, MESH_FACE_SIDE } from '../src/engine/analyse.ts';
import { ServiceError } from '../src/jobs/errors.ts';
import { faceA, faceB, faceC, noFace, rawRgb, tinyFace, twoFaces } from './engine-fixtures.ts';

let engine: DefaultEngine;

before(async () => {
  engine = createDefaultEngine();
  await engine.init();
});

after(async () => {
  await engine.close();
});

async function rejectsWith(p: Promise<unknown>, name: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ServiceError, `expected ServiceError, got ${err}`);
    assert.equal(err.errorName, name);
    return true;
  });
}

test('swap: PNG template → PNG of the template size; pixels outside the mask are bit-identical', async () => {
  const [source, target] = await Promise.all([faceA(), faceB('png')]);
  const stages: string[] = [];
  const d = await engine.swapDetailed({ source, target, onStage: (s) => stages.push(s) });
  assert.deepEqual(stages, ['running']);
  assert.equal(d.result.format, 'png');
  assert.equal(d.result.width, 400);
  assert.equal(d.result.height, 400);
  for (const stage of ['decode', 'analyseSource', 'warp', 'mask', 'colour', 'blend', 'enhance', 'encode']) {
    assert.ok(stage in d.result.timings, `timing for ${stage}`);
  }

  const out = await rawRgb(d.result.image);
  const tpl = await rawRgb(target);
  assert.equal(out.width, tpl.width);
  const { roi, alpha } = d.swap;
  let inside = 0;
  let changedInside = 0;
  for (let y = 0; y < out.height; y++) {
    for (let x = 0; x < out.width; x++) {
      const lx = x - roi.x0;
      const ly = y - roi.y0;
      const a = lx >= 0 && ly >= 0 && lx < roi.w && ly < roi.h ? alpha[ly * roi.w + lx] : 0;
      const i = (y * out.width + x) * 3;
      const same = out.data[i] === tpl.data[i] && out.data[i + 1] === tpl.data[i + 1] && out.data[i + 2] === tpl.data[i + 2];
      if (a > 0) {
        inside++;
        if (!same) changedInside++;
      } else {
        assert.ok(same, `pixel ${x},${y} outside the mask changed`);
      }
    }
  }
  // The mask is a real face region and the face inside it was replaced.
  assert.ok(inside > 0.1 * out.width * out.height, `mask covers ${inside} px`);
  assert.ok(changedInside > 0.5 * inside, `${changedInside} of ${inside} mask pixels changed`);
});

test('swap: the result is nearer the source identity than the template is, and keeps the pose', async () => {
  const [source, target, other] = await Promise.all([faceB(), faceC(), faceA()]);
  const d = await engine.swapDetailed({ source, target }, { embedding: true });
  const analyser = engine.faceAnalyser;
  const { decodeImage } = await import('../src/engine/image.ts');
  const [rf] = await analyser.detect(await decodeImage(d.result.image), { embedding: true });
  assert.ok(rf?.embedding && d.source.embedding && d.target.embedding);
  const [of] = await analyser.detect(await decodeImage(other), { embedding: true });
  const toSource = cosine(rf.embedding, d.source.embedding);
  const templateToSource = cosine(d.target.embedding, d.source.embedding);
  assert.ok(toSource > templateToSource, `result→source ${toSource.toFixed(3)} vs template→source ${templateToSource.toFixed(3)}`);
  // Nearer the source than a third identity is.
  assert.ok(toSource > cosine(rf.embedding, of.embedding!), 'result is nearest the source');
  for (const k of ['yaw', 'pitch', 'roll'] as const) {
    assert.ok(Math.abs(rf.angles[k] - d.target.angles[k]) < 4, `${k}: ${rf.angles[k]} vs ${d.target.angles[k]}`);
  }
});

test('swap: JPEG template → JPEG; a repeated template is served from the cache', async () => {
  const [source, target] = await Promise.all([faceB(), faceA('jpeg')]);
  const first = await engine.swapDetailed({ source, target });
  assert.equal(first.result.format, 'jpeg');
  assert.equal(first.result.width, 440);
  const second = await engine.swapDetailed({ source, target });
  assert.equal(second.templateCached, true);
  assert.ok(!('analyseTarget' in second.result.timings), 'template analysis skipped');
  const meta = (await import('sharp')).default(second.result.image).metadata();
  assert.equal((await meta).format, 'jpeg');
});

test('checks: no face, two faces, tiny face, undecodable bytes', async () => {
  const [a, b] = await Promise.all([faceA(), faceB()]);
  await rejectsWith(engine.swap({ source: await noFace(), target: b }), 'NoFaceInSource');
  await rejectsWith(engine.swap({ source: a, target: await noFace() }), 'NoFaceInTarget');
  await rejectsWith(engine.swap({ source: await twoFaces(), target: b }), 'MultipleFacesInSource');
  await rejectsWith(engine.swap({ source: a, target: await twoFaces() }), 'MultipleFacesInTarget');
  await rejectsWith(engine.swap({ source: await tinyFace(), target: b }), 'FaceTooSmall');
  await rejectsWith(engine.swap({ source: new TextEncoder().encode('not an image'), target: b }), 'ImageFormatUnsupported');
});

test('detection: a large photo is looked at scaled down, its face found where it is (boxes and mesh in the photo\'s pixels)', async () => {
  const analyser = engine.faceAnalyser;
  const { decodeImage } = await import('../src/engine/image.ts');
  const small = await decodeImage(await faceB());
  // The same photo 3× larger (1200 px, over DETECT_SIDE), and placed in a 2600-px canvas where the
  // face comes out under MESH_FACE_SIDE at the first scale (the window is looked at again, larger).
  const big = await decodeImage(await sharp(await faceB()).resize(1200, 1200, { kernel: 'lanczos3' }).png().toBuffer());
  const canvas = await decodeImage(await sharp({ create: { width: 2600, height: 2600, channels: 3, background: '#808080' } }).composite([{ input: await sharp(await faceB()).resize(520, 520).png().toBuffer(), left: 1300, top: 900 }]).png().toBuffer());
  const [f1] = await analyser.detect(small);
  const [f3] = await analyser.detect(big);
  const [fc] = await analyser.detect(canvas);
  assert.ok(f1 && f3 && fc, 'a face in each');
  assert.ok(DETECT_SIDE < 1200 && (520 / 400) * f1.box[2] * (DETECT_SIDE / 2600) < MESH_FACE_SIDE, 'the fixtures exercise both paths');
  const side = f1.box[2];
  // Mesh points agree once scaled back: on average within 1 % of the face's size (a misplaced
  // mapping is off by the whole offset or scale), the worst point within 4 % (the model's own jitter
  // between two crops of one face).
  const errs = (f: typeof f1, k: number, dx: number, dy: number) => f.mesh.map((p, i) => Math.hypot(p[0] - (f1.mesh[i][0] * k + dx), p[1] - (f1.mesh[i][1] * k + dy)) / (side * k));
  for (const [name, e] of [['3× photo', errs(f3, 3, 1, 1)], ['small face in a large canvas', errs(fc, 1.3, 1300, 900)]] as const) {
    const mean = e.reduce((a, b) => a + b, 0) / e.length;
    const max = Math.max(...e);
    assert.ok(mean < 0.01 && max < 0.04, `${name}: mesh off by ${(mean * 100).toFixed(2)} % on average, ${(max * 100).toFixed(2)} % at most`);
  }
  assert.ok(Math.abs(f3.box[2] / (3 * side) - 1) < 0.03 && Math.abs(fc.box[2] / (1.3 * side) - 1) < 0.06, 'box sizes scale');
});

test('asking for embeddings (wanxing swap --json, the eval) does not change the swap', async () => {
  // Photos over DETECT_SIDE, so the detection is scaled (the embeddings come from a full-size pass).
  const big = (b: Buffer) => sharp(b).resize(1100, 1100, { kernel: 'lanczos3' }).jpeg({ quality: 92 }).toBuffer();
  const req = { source: await big(await faceB()), target: await big(await faceA()) };
  const plain = await engine.swapDetailed(req);
  const withEmb = await engine.swapDetailed(req, { embedding: true });
  assert.ok(withEmb.source.embedding && withEmb.target.embedding, 'embeddings given');
  assert.deepEqual(withEmb.source.mesh, plain.source.mesh);
  assert.ok(Buffer.from(withEmb.raw.data).equals(Buffer.from(plain.raw.data)), 'same pixels');
});

test('checks: a turned head is refused with FaceAngleTooLarge', async () => {
  const strict = createDefaultEngine({ limits: { maxYawDeg: 0.01, maxPitchDeg: 0.01 } });
  await strict.init();
  try {
    await rejectsWith(strict.swap({ source: await faceA(), target: await faceB() }), 'FaceAngleTooLarge');
  } finally {
    await strict.close();
  }
});

test('faceres (the embedding model) is loaded on the first request for an embedding, not for swaps', async () => {
  const fresh = createDefaultEngine({ warmup: false });
  await fresh.init();
  try {
    const models = () => (fresh.faceAnalyser.human as unknown as { models: { models: Record<string, unknown> } }).models.models;
    const [source, target] = await Promise.all([faceA(), faceB('png')]);
    await fresh.swap({ source, target });
    assert.ok(!models().faceres, 'a swap needs no embedding model');
    const d = await fresh.swapDetailed({ source, target: await faceC() }, { embedding: true });
    assert.ok(models().faceres, 'loaded on demand');
    assert.equal(d.source.embedding?.length, 1024);
  } finally {
    await fresh.close();
  }
});

test('a template with its own ICC profile (Display P3) gives a result converted back to it and tagged with it; the visible label keeps it', async () => {
  const sharp = (await import('sharp')).default;
  const { drawVisibleLabel } = await import('../src/compliance/label-visible.ts');
  const p3 = await sharp(await faceB('png')).withIccProfile('p3').jpeg({ quality: 95 }).toBuffer();
  const wanted = (await sharp(p3).metadata()).icc;
  assert.ok(wanted && wanted.length > 0);
  const r = await engine.swap({ source: await faceA(), target: p3 });
  const icc = (await sharp(Buffer.from(r.image)).metadata()).icc;
  assert.ok(icc && Buffer.compare(icc, wanted) === 0, 'the result carries the template profile');
  const labelled = await drawVisibleLabel(r.image, 'jpeg', [], { text: 'AI生成', corner: 'bottom-right', jpegQuality: 92 });
  const after = (await sharp(labelled.image).metadata()).icc;
  assert.ok(after && Buffer.compare(after, wanted) === 0, 'the visible label keeps it');
  // A template without a profile gives an untagged (sRGB) result, as before.
  const plain = await engine.swap({ source: await faceA(), target: await faceB('jpeg') });
  assert.equal((await sharp(Buffer.from(plain.image)).metadata()).icc, undefined);
});
