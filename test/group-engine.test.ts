// Group and couple portraits in the engines: the face order, the choice of one template face
// (index or point), several swaps in one job, and their failures; on both engines.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDefaultEngine, cosine, type DefaultEngine } from '../src/engine/index.ts';
import { createOnnxEngine } from '../src/engine/onnx/index.ts';
import { DEFAULT_LIMITS, type Face } from '../src/engine/analyse.ts';
import { decodeImage } from '../src/engine/image.ts';
import { chooseTargetFace, describeFaces, findFace, readingOrder } from '../src/engine/faces.ts';
import { ServiceError } from '../src/jobs/errors.ts';
import { faceA, faceB, faceC, faceD, noFace, rawRgb, twoFaces } from './engine-fixtures.ts';
import { buildTinyModels } from './helpers/onnx-models.ts';

let engine: DefaultEngine;
before(async () => {
  engine = createDefaultEngine();
  await engine.init();
});
after(async () => {
  await engine.close();
});

async function rejectsWith(p: Promise<unknown>, name: string, message?: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ServiceError, `expected ServiceError, got ${err}`);
    assert.equal(err.errorName, name, err.message);
    if (message) assert.match(err.message, message);
    return true;
  });
}

const face = (x: number, y: number, w: number, h = w, angles = { yaw: 0, pitch: 0, roll: 0 }): Face => ({
  box: [x, y, w, h],
  score: 0.9,
  mesh: [],
  angles,
  landmarks5: [],
});

test('reading order: rows by vertical centre (half a face height apart), left to right inside a row', () => {
  // A back row of three (uneven heights), a front row of two, given in a shuffled order.
  const back = [face(500, 100, 100), face(100, 130, 100), face(300, 90, 120)];
  const front = [face(420, 400, 150), face(150, 380, 150)];
  const ordered = readingOrder([front[0], back[0], front[1], back[1], back[2]]);
  assert.deepEqual(ordered, [back[1], back[2], back[0], front[1], front[0]]);
  // Points resolve to the face whose box holds them; nowhere near a face is nothing.
  assert.equal(findFace(ordered, { x: 350, y: 150 })?.index, 1);
  assert.equal(findFace(ordered, { x: 200, y: 450 })?.index, 3);
  assert.equal(findFace(ordered, { x: 5, y: 5 }), undefined);
  assert.equal(findFace(ordered, 5), undefined);
  assert.equal(findFace(ordered, 1.5), undefined);
});

test('describeFaces: each face checked on its own (size, angle), with the code', () => {
  const img = { width: 1000, height: 600 };
  const infos = describeFaces([face(600, 100, 200), face(100, 100, 40), face(350, 100, 200, 200, { yaw: 50, pitch: 0, roll: 0 })], img, DEFAULT_LIMITS);
  assert.deepEqual(infos.map((f) => f.index), [0, 1, 2]);
  assert.deepEqual(infos[0].box, [100, 100, 40, 40]);
  assert.deepEqual(infos.map((f) => [f.check.ok, f.check.error, f.check.status]), [
    [false, 'FaceTooSmall', -330005],
    [false, 'FaceAngleTooLarge', -330006],
    [true, undefined, undefined],
  ]);
  assert.throws(() => chooseTargetFace([face(100, 100, 200)], 3, img, DEFAULT_LIMITS), (e: unknown) => {
    assert.ok(e instanceof ServiceError);
    assert.equal(e.status, -330008);
    assert.match(e.message, /target_face 3: 1 face found/);
    return true;
  });
});

test('classic: target_face 1 on two faces side by side changes only the right face; the left half is bit-identical', async () => {
  const target = await twoFaces();
  const listed = await engine.listFaces(target);
  const infos = describeFaces(listed.faces, listed, DEFAULT_LIMITS);
  assert.equal(infos.length, 2);
  assert.ok(infos[0].box[0] < infos[1].box[0], 'left to right');
  assert.ok(infos.every((f) => f.check.ok));

  for (const choice of [1, { x: 620, y: 250 }]) {
    const res = await engine.swap({ source: await faceC(), target, targetFace: choice });
    assert.equal(res.format, 'png');
    assert.ok(!('analyseTarget' in res.timings), 'template analysis came from the cache that listFaces filled');
    const [out, tpl] = await Promise.all([rawRgb(res.image), rawRgb(target)]);
    let leftChanged = 0, rightChanged = 0;
    for (let y = 0; y < tpl.height; y++) {
      for (let x = 0; x < tpl.width; x++) {
        const i = (y * tpl.width + x) * 3;
        const changed = out.data[i] !== tpl.data[i] || out.data[i + 1] !== tpl.data[i + 1] || out.data[i + 2] !== tpl.data[i + 2];
        if (changed && x < tpl.width / 2) leftChanged++;
        else if (changed) rightChanged++;
      }
    }
    assert.equal(leftChanged, 0, `left half changed in ${leftChanged} px (choice ${JSON.stringify(choice)})`);
    assert.ok(rightChanged > 20_000, `right face changed in ${rightChanged} px`);
  }
});

test('classic: V1 (no choice) still MultipleFacesInTarget; an index or point with no face is FaceNotFound naming the count', async () => {
  const [source, target] = await Promise.all([faceC(), twoFaces()]);
  await rejectsWith(engine.swap({ source, target }), 'MultipleFacesInTarget');
  await rejectsWith(engine.swap({ source, target, targetFace: 2 }), 'FaceNotFound', /target_face 2: 2 faces found/);
  await rejectsWith(engine.swap({ source, target, targetFace: { x: 5, y: 430 } }), 'FaceNotFound', /\(5,430\): 2 faces found/);
  // A one-face template with target_face 0 is a V1 swap.
  const one = await engine.swap({ source, target: await faceB(), targetFace: 0 });
  assert.equal(one.width, 400);
});

test('classic: a group job puts each source in its own face, and faceres retrieval finds each', async () => {
  const [C, D, A, B] = await Promise.all([faceC(), faceD(), faceA(), faceB()]);
  // The sources are the two better-resolved faces; the 130-px crops enlarged 3× (C, D) make the
  // template. With C and D as sources the right face was retrieved by a margin of 0.01 in cosine,
  // at faceres' limit for such soft faces, and any engine change could flip it.
  const target = await sharp({ create: { width: 840, height: 440, channels: 3, background: '#808080' } })
    .composite([{ input: C, left: 0, top: 0 }, { input: D, left: 440, top: 20 }])
    .png()
    .toBuffer();
  const stages: string[] = [];
  const res = await engine.swap({ source: new Uint8Array(), target, faces: [{ source: B, targetFace: 1 }, { source: A, targetFace: 0 }], onStage: (s) => stages.push(s) });
  assert.deepEqual(stages, ['running']);
  assert.equal(res.width, 840);
  const an = engine.faceAnalyser;
  const embed = async (b: Uint8Array) => (await an.detect(await decodeImage(b), { embedding: true })).map((f) => ({ x: f.box[0], e: f.embedding! }));
  const found = (await embed(res.image)).sort((a, b) => a.x - b.x);
  assert.equal(found.length, 2);
  const gallery = { A: (await embed(A))[0].e, B: (await embed(B))[0].e, C: (await embed(C))[0].e, D: (await embed(D))[0].e };
  const nearest = (e: number[]) => Object.entries(gallery).sort((p, q) => cosine(e, q[1]) - cosine(e, p[1]))[0][0];
  assert.equal(nearest(found[0].e), 'A', 'the left face is the source chosen for face 0');
  assert.equal(nearest(found[1].e), 'B', 'the right face is the source chosen for face 1');
});

test('classic: group failures name the entry; two entries on one face are refused', async () => {
  const [C, target] = await Promise.all([faceC(), twoFaces()]);
  await rejectsWith(engine.swap({ source: new Uint8Array(), target, faces: [{ source: C, targetFace: 0 }, { source: await noFace(), targetFace: 1 }] }), 'NoFaceInSource', /faces\[1\]: NoFaceInSource/);
  await rejectsWith(engine.swap({ source: new Uint8Array(), target, faces: [{ source: C, targetFace: 0 }, { source: C, targetFace: 4 }] }), 'FaceNotFound', /faces\[1\]: FaceNotFound \(target_face 4: 2 faces found\)/);
  await rejectsWith(engine.swap({ source: new Uint8Array(), target, faces: [{ source: C, targetFace: 1 }, { source: C, targetFace: { x: 600, y: 200 } }] }), 'InvalidArguments', /both choose template face 1/);
  // A source with two faces needs source_face, like a V1 source; with it, it is accepted.
  await rejectsWith(engine.swap({ source: new Uint8Array(), target, faces: [{ source: target, targetFace: 0 }] }), 'MultipleFacesInSource', /faces\[0\]/);
  const ok = await engine.swap({ source: new Uint8Array(), target, faces: [{ source: target, sourceFace: 1, targetFace: 0 }] });
  assert.equal(ok.width, 840);
});

test('onnx: target_face and group jobs through the same module (tiny models, real face analysis)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wanxing-group-onnx-'));
  await buildTinyModels(dir);
  const onnx = createOnnxEngine({ modelDir: dir, detector: engine.faceAnalyser });
  await onnx.init();
  try {
    const target = await twoFaces();
    await rejectsWith(onnx.swap({ source: await faceC(), target }), 'MultipleFacesInTarget');
    const tpl = await rawRgb(target);
    const changedCols = async (bytes: Uint8Array) => {
      const out = await rawRgb(bytes);
      const cols = new Set<number>();
      for (let i = 0; i < out.data.length; i++) if (out.data[i] !== tpl.data[i]) cols.add(Math.floor(i / 3) % tpl.width);
      return [...cols];
    };
    const listed = await onnx.listFaces(target);
    const [left, right] = describeFaces(listed.faces, listed, DEFAULT_LIMITS);
    const one = await changedCols((await onnx.swap({ source: await faceC(), target, targetFace: 1 })).image);
    assert.ok(one.length > 100 && Math.min(...one) >= right.box[0] - right.box[2] * 0.2, `right face only (from x=${Math.min(...one)})`);
    const both = await changedCols((await onnx.swap({ source: new Uint8Array(), target, faces: [{ source: await faceC(), targetFace: 0 }, { source: await faceD(), targetFace: 1 }] })).image);
    assert.ok(both.some((x) => x < left.box[0] + left.box[2]) && both.some((x) => x > right.box[0]), 'both faces changed');
    await rejectsWith(onnx.swap({ source: new Uint8Array(), target, faces: [{ source: await noFace(), targetFace: 0 }] }), 'NoFaceInSource', /faces\[0\]/);
  } finally {
    await onnx.close();
    await rm(dir, { recursive: true, force: true });
  }
});
