// `wanxing swap --out-dir`: a folder of photos into one template, as a user runs it (the real engine,
// two engine threads), through bin/wanxing.js.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { faceA, faceB, noFace } from './engine-fixtures.ts';
import { planBatch } from '../src/commands/batch.ts';
import { ROOT, tmpDir } from './helpers/service.ts';

const exec = promisify(execFile);

async function wanxing(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await exec(process.execPath, [path.join(ROOT, 'bin/wanxing.js'), ...args], { env: { ...process.env, WANXING_WORKERS: '' } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err: any) {
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}
const lines = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l));

test('a folder: N results, a failed item does not stop the rest and makes the exit non-zero; --resume skips what exists', async () => {
  const dir = tmpDir();
  const photos = path.join(dir, 'photos');
  const out = path.join(dir, 'out');
  fs.mkdirSync(photos);
  const a = await faceA('jpeg');
  fs.writeFileSync(path.join(photos, 'anna.jpg'), a);
  fs.writeFileSync(path.join(photos, 'bob.png'), await sharp(a).png().toBuffer());
  fs.writeFileSync(path.join(photos, 'empty-room.png'), await noFace());
  fs.writeFileSync(path.join(photos, 'notes.txt'), 'not a photo');
  const target = path.join(dir, 'template.jpg');
  fs.writeFileSync(target, await faceB('jpeg'));

  const first = await wanxing(['swap', '--target', target, '--source', photos, '--out-dir', out, '--json', '--workers', '2']);
  assert.equal(first.code, 1, first.stderr);
  const items = lines(first.stdout);
  const summary = items.pop();
  assert.deepEqual(summary, { ...summary, type: 'summary', total: 3, written: 2, skipped: 0, failed: 1, threads: 2 });
  const failed = items.find((i) => !i.ok);
  assert.equal(failed.source, path.join(photos, 'empty-room.png'));
  assert.equal(failed.error, 'NoFaceInSource');
  assert.equal(failed.status, -330001);
  assert.deepEqual(fs.readdirSync(out).sort(), ['anna.jpg', 'bob.jpg']);
  for (const f of ['anna.jpg', 'bob.jpg']) {
    const m = await sharp(path.join(out, f)).metadata();
    assert.deepEqual([m.format, m.width, m.height], ['jpeg', 400, 400]);
  }

  // --resume: the two results are kept (not rewritten), only the failed photo is tried again.
  const before = fs.statSync(path.join(out, 'anna.jpg')).mtimeMs;
  const again = await wanxing(['swap', '-t', target, '-s', photos, '--out-dir', out, '--json', '--resume']);
  assert.equal(again.code, 1);
  const res = lines(again.stdout);
  const resSummary = res.pop();
  assert.deepEqual(res.filter((i) => i.skipped).map((i) => path.basename(i.source)).sort(), ['anna.jpg', 'bob.png']);
  assert.deepEqual(resSummary, { ...resSummary, type: 'summary', total: 3, written: 0, skipped: 2, failed: 1 });
  assert.equal(fs.statSync(path.join(out, 'anna.jpg')).mtimeMs, before);

  // Everything there: nothing to swap, exit 0, and a human summary on stderr.
  fs.unlinkSync(path.join(photos, 'empty-room.png'));
  const done = await wanxing(['swap', '-t', target, '-s', photos, '--out-dir', out, '--resume']);
  assert.equal(done.code, 0, done.stderr);
  assert.match(done.stderr, /0 written, 2 skipped, 0 failed of 2/);
});

test('a list of files; a missing one is a failed item; bad arguments are refused', async () => {
  const dir = tmpDir();
  const src = path.join(dir, 'me.jpg');
  fs.writeFileSync(src, await faceA('jpeg'));
  const target = path.join(dir, 'template.png');
  fs.writeFileSync(target, await faceB('png'));
  const out = path.join(dir, 'out');
  const r = await wanxing(['swap', '-t', target, '-s', src, path.join(dir, 'missing.jpg'), '--out-dir', out]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /missing\.jpg: ENOENT/);
  assert.match(r.stderr, /1 written, 0 skipped, 1 failed of 2/);
  assert.deepEqual(fs.readdirSync(out), ['me.png'], 'a PNG template gives PNG results');

  const several = await wanxing(['swap', '-t', target, '-s', src, src, '-o', path.join(dir, 'x.jpg')]);
  assert.notEqual(several.code, 0);
  assert.match(several.stderr, /several --source photos need --out-dir/);
  const empty = await wanxing(['swap', '-t', target, '-s', path.join(dir, 'out-none'), '--out-dir', out]);
  assert.equal(empty.code, 1, 'a missing folder is one failed item');
  // A template without a face fails once, before any photo, not once per photo.
  fs.writeFileSync(path.join(dir, 'empty.png'), await noFace());
  const faceless = await wanxing(['swap', '-t', path.join(dir, 'empty.png'), '-s', src, '--out-dir', path.join(dir, 'out2')]);
  assert.equal(faceless.code, 2, faceless.stderr);
  assert.match(faceless.stderr, /NoFaceInTarget/);
  const noTarget = await wanxing(['swap', '-t', path.join(dir, 'nope.jpg'), '-s', src, '--out-dir', out]);
  assert.equal(noTarget.code, 2);
  assert.match(noTarget.stderr, /cannot read --target/);
});

test('output names: one per source, never two the same', async () => {
  const dir = tmpDir();
  fs.mkdirSync(path.join(dir, 'x'));
  for (const f of ['a.jpg', 'a.png', 'b.webp', 'c.gif']) fs.writeFileSync(path.join(dir, 'x', f), '');
  const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0, 0, 0, 0, 0, 0]);
  const items = await planBatch([path.join(dir, 'x'), path.join(dir, 'a.jpg')], '/o', jpeg);
  assert.deepEqual(
    items.map((i) => [path.basename(i.source), i.out]),
    [['a.jpg', '/o/a.jpg'], ['a.png', '/o/a-2.jpg'], ['b.webp', '/o/b.jpg'], ['a.jpg', '/o/a-3.jpg']],
  );
});
