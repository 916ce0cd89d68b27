// `wanxing swap` as a user runs it: the engine setting read like the service's (WANXING_ENGINE or
// --engine), --target-face and --face SRC=INDEX for group templates.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { before, test } from 'node:test';
import { promisify } from 'node:util';
import { ROOT, tmpDir } from './helpers/service.ts';
import { buildTinyModels } from './helpers/onnx-models.ts';
import { faceB, faceC, faceD, rawRgb, twoFaces } from './engine-fixtures.ts';

const exec = promisify(execFile);
const BIN = path.join(ROOT, 'bin/wanxing.js');
const dir = tmpDir('wanxing-group-cli-');
const at = (f: string) => path.join(dir, f);
let models: string;

async function wanxing(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await exec(process.execPath, [BIN, ...args], { env: { ...process.env, WANXING_DATA_DIR: dir, WANXING_ENGINE: 'classic', WANXING_SCREENING: 'off', ...env }, maxBuffer: 1 << 24 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err: any) {
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

before(async () => {
  models = at('models');
  await buildTinyModels(models);
  await Promise.all([writeFile(at('two.png'), await twoFaces()), writeFile(at('b.png'), await faceB()), writeFile(at('c.png'), await faceC()), writeFile(at('d.png'), await faceD())]);
});

test('WANXING_ENGINE=onnx wanxing swap runs the ONNX models; --engine overrides the setting; a missing model folder is named', async () => {
  const onnx = await wanxing(['swap', '-s', at('c.png'), '-t', at('b.png'), '-o', at('onnx.png'), '--json'], { WANXING_ENGINE: 'onnx', WANXING_MODEL_DIR: models });
  assert.equal(onnx.code, 0, onnx.stderr + onnx.stdout);
  const report = JSON.parse(onnx.stdout);
  assert.equal(report.engine, 'onnx');
  assert.ok('embed' in report.timings && 'swap' in report.timings, JSON.stringify(report.timings));

  const flag = await wanxing(['swap', '-s', at('c.png'), '-t', at('b.png'), '-o', at('flag.png'), '--json', '--engine', 'onnx'], { WANXING_MODEL_DIR: models });
  assert.equal(flag.code, 0, flag.stderr);
  assert.equal(JSON.parse(flag.stdout).engine, 'onnx');

  // Not quietly the classic engine: without the models (default folder: <data dir>/models) it stops, naming the file.
  const noModels = await wanxing(['swap', '-s', at('c.png'), '-t', at('b.png'), '-o', at('x.png')], { WANXING_ENGINE: 'onnx', WANXING_DATA_DIR: tmpDir() });
  assert.equal(noModels.code, 1);
  assert.match(noModels.stderr, /inswapper_128\.onnx: model file not found/);
});

test('--target-face 1 changes only the right face; a face that is not there exits 2 with FaceNotFound', async () => {
  const r = await wanxing(['swap', '-s', at('c.png'), '-t', at('two.png'), '-o', at('right.png'), '--target-face', '1', '--no-label']);
  assert.equal(r.code, 0, r.stderr);
  const [out, tpl] = await Promise.all([rawRgb(await import('node:fs/promises').then((f) => f.readFile(at('right.png')))), rawRgb(await twoFaces())]);
  let left = 0, right = 0;
  for (let i = 0; i < tpl.data.length; i++) if (out.data[i] !== tpl.data[i]) (Math.floor(i / 3) % tpl.width < tpl.width / 2 ? left++ : right++);
  assert.equal(left, 0);
  assert.ok(right > 10_000);

  const v1 = await wanxing(['swap', '-s', at('c.png'), '-t', at('two.png'), '-o', at('v1.png')]);
  assert.equal(v1.code, 2);
  assert.match(v1.stderr, /MultipleFacesInTarget/);
  const missing = await wanxing(['swap', '-s', at('c.png'), '-t', at('two.png'), '-o', at('m.png'), '--target-face', '5']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /FaceNotFound \(-330008\).*2 faces found/);
  const bad = await wanxing(['swap', '-s', at('c.png'), '-t', at('two.png'), '-o', at('m.png'), '--target-face', 'left']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--target-face left: expected a face index/);
});

test('--face SRC=INDEX twice makes one group result; --face with --source is refused', async () => {
  const r = await wanxing(['swap', '-t', at('two.png'), '--face', `${at('c.png')}=0`, '--face', `${at('d.png')}=620,250`, '-o', at('group.png'), '--json', '--no-label']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.faces, 2);
  assert.deepEqual([report.width, report.height], [840, 440]);
  const both = await wanxing(['swap', '-s', at('c.png'), '-t', at('two.png'), '--face', `${at('d.png')}=1`, '-o', at('g.png')]);
  assert.notEqual(both.code, 0);
  assert.match(both.stderr, /--face replaces --source/);
});
