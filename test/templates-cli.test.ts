// `wanxing templates add|list|rm` and `wanxing submit --template-id` as a shell user runs them
// (child processes; the real service and engine in this process).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { faceA, faceB } from './engine-fixtures.ts';
import { APP_KEY, APP_SECRET, ROOT, startTestService, tmpDir } from './helpers/service.ts';

const exec = promisify(execFile);

test('templates add (a file and a URL) / list / submit --template-id / rm', async () => {
  const svc = await startTestService({ WANXING_ENGINE: 'classic' });
  const images: Record<string, Buffer> = { '/me.jpg': await faceA('jpeg'), '/t.jpg': await faceB('jpeg') };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => (images[req.url!] ? res.writeHead(200, { 'content-type': 'image/jpeg' }).end(images[req.url!]) : res.writeHead(200).end('successfully')));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const cli = (args: string[]) =>
    exec(process.execPath, [path.join(ROOT, 'bin/wanxing.js'), ...args], {
      env: { ...process.env, WANXING_URL: svc.url, WANXING_APP_KEY: APP_KEY, WANXING_APP_SECRET: APP_SECRET },
    }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
  try {
    const file = path.join(tmpDir(), 'studio.png');
    fs.writeFileSync(file, await sharp(images['/t.jpg']).png().toBuffer());
    const add = await cli(['templates', 'add', file, `${base}/t.jpg`, '--name', 'studio', '--json']);
    assert.equal(add.code, 0, add.stderr);
    const added = add.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(added.map((t) => [t.image, t.name, t.faces.length]), [[file, 'studio 1', 1], [`${base}/t.jpg`, 'studio 2', 1]]);

    const list = await cli(['templates', 'list']);
    assert.equal(list.code, 0, list.stderr);
    const rows = list.stdout.trim().split('\n').map((l) => l.split('\t'));
    assert.deepEqual(rows.map((r) => r[0]).sort(), added.map((t) => t.template_id).sort());
    assert.match(list.stdout, /studio 1\t.*\t400×400\t1 face/);

    const out = path.join(tmpDir(), 'r.png');
    const sub = await cli(['submit', '-s', `${base}/me.jpg`, '--template-id', added[0].template_id, '-n', `${base}/notify`, '--wait', '--out', out, '--json']);
    assert.equal(sub.code, 0, sub.stderr);
    const meta = await sharp(fs.readFileSync(out)).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 400, 400], 'a PNG template gives a PNG result');

    const rm = await cli(['templates', 'rm', added[0].template_id]);
    assert.equal(rm.code, 0, rm.stderr);
    assert.equal(rm.stdout.trim(), `deleted ${added[0].template_id}`);
    const again = await cli(['templates', 'rm', added[0].template_id]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /InvalidArguments \(-310001\)/);
    assert.equal((await cli(['templates', 'add', path.join(tmpDir(), 'missing.jpg')])).code, 64);
    assert.equal((await cli(['submit', '-s', `${base}/me.jpg`, '-n', `${base}/n`])).code, 64, 'neither --target nor --template-id');
  } finally {
    await svc.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
