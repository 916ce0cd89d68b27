// `wanxing submit` / `wanxing query` as a shell user runs them (child processes, real service).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { APP_KEY, APP_SECRET, ROOT, startFixtures, startTestService, tmpDir } from './helpers/service.ts';

const exec = promisify(execFile);

describe('wanxing submit / query', () => {
  let svc: Awaited<ReturnType<typeof startTestService>>;
  let fx: Awaited<ReturnType<typeof startFixtures>>;
  const cli = (args: string[], env: Record<string, string> = {}) =>
    exec(process.execPath, [path.join(ROOT, 'bin/wanxing.js'), ...args], {
      env: { ...process.env, WANXING_URL: svc.url, WANXING_APP_KEY: APP_KEY, WANXING_APP_SECRET: APP_SECRET, ...env },
    }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  before(async () => {
    svc = await startTestService();
    fx = await startFixtures();
  });
  after(async () => {
    await svc.close();
    await fx.close();
  });

  it('submits, waits and saves the result; query reports it', async () => {
    const out = path.join(tmpDir(), 'r.jpg');
    const r = await cli(['submit', '-s', `${fx.base}/img/source.jpg`, '-t', `${fx.base}/img/target.jpg`, '-n', `${fx.base}/notify`, '--wait', '--out', out, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const answer = JSON.parse(r.stdout);
    assert.equal(answer.job_status, 'finish');
    assert.equal(r.stderr, ''); // not a terminal: no progress line
    const meta = await sharp(fs.readFileSync(out)).metadata();
    assert.deepEqual([meta.width, meta.height], [120, 90]);

    const q = await cli(['query', answer.job_id]);
    assert.equal(q.code, 0, q.stderr);
    assert.equal(q.stdout.trim(), `finish ${answer.result_url}`);
  });

  it('prints the job id without --wait, and a failed job exits 3 with its code', async () => {
    const r = await cli(['submit', '-s', `${fx.base}/img/tiny.png`, '-t', `${fx.base}/img/target.jpg`, '-n', `${fx.base}/notify`]);
    assert.equal(r.code, 0, r.stderr);
    const id = r.stdout.trim();
    assert.match(id, /^[0-9a-f]{32}$/);
    const q = await cli(['query', id, '--wait']);
    assert.equal(q.code, 3);
    assert.match(q.stderr, /-330001/);
  });

  it('exits 2 on an error envelope and 64 without credentials', async () => {
    const bad = await cli(['query', 'nope']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /JobNotFound \(-310002\)/);
    const noKey = await cli(['query', 'x'], { WANXING_APP_KEY: '', WANXING_APP_SECRET: '' });
    assert.equal(noKey.code, 64);
    assert.match(noKey.stderr, /--key/);
  });

  it('has --help on every command', async () => {
    for (const cmd of [[], ['serve'], ['swap'], ['submit'], ['query'], ['keys'], ['notify']]) {
      const r = await cli([...cmd, '--help']);
      assert.equal(r.code, 0, cmd.join(' '));
      assert.match(r.stdout, /^Usage: wanxing/);
    }
  });
});
