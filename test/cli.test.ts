// The wanxing CLI as a user runs it: keys, notify redeliver, help, the first start printing an app.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { ROOT, spawnService, testEnv, tmpDir } from './helpers/service.ts';

const exec = promisify(execFile);
const BIN = path.join(ROOT, 'bin/wanxing.js');

async function wanxing(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await exec(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err: any) {
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

test('keys create / list / revoke', async () => {
  const env = { WANXING_DATA_DIR: tmpDir() };
  const created = await wanxing(['keys', 'create', '--name', 'shop-a'], env);
  assert.equal(created.code, 0);
  const appKey = /AppKey:\s+(\S+)/.exec(created.stdout)![1];
  const appSecret = /AppSecret:\s+(\S+)/.exec(created.stdout)![1];
  const listed = await wanxing(['keys', 'list'], env);
  assert.match(listed.stdout, new RegExp(`${appKey}\\t\\*+\\tshop-a\\t.*\\tactive`));
  assert.ok(!listed.stdout.includes(appSecret), 'secrets are hidden unless asked for');
  assert.ok((await wanxing(['keys', 'list', '--secrets'], env)).stdout.includes(appSecret));
  assert.equal((await wanxing(['keys', 'revoke', appKey], env)).code, 0);
  assert.match((await wanxing(['keys', 'list'], env)).stdout, /revoked/);
  const again = await wanxing(['keys', 'revoke', appKey], env);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /no active app/);
});

test('notify redeliver of an unknown job fails clearly', async () => {
  const r = await wanxing(['notify', 'redeliver', 'nope'], { WANXING_DATA_DIR: tmpDir() });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no notification for job nope/);
});

test('--help lists the commands; a bad setting stops with its name', async () => {
  const help = await wanxing(['--help'], {});
  for (const cmd of ['serve', 'swap', 'keys', 'notify']) assert.match(help.stdout, new RegExp(`\\b${cmd}\\b`));
  const bad = await wanxing(['keys', 'list'], { PORT: 'eighty' });
  assert.notEqual(bad.code, 0);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^wanxing: PORT=eighty/);
});

test('WANXING_SWAP_OPTIONS reaches the engine of `wanxing swap`: a misspelt knob stops it by name, nothing written', async () => {
  const dir = tmpDir('wanxing-cli-knobs-');
  const out = path.join(dir, 'out.jpg');
  const r = await wanxing(['swap', '-s', path.join(dir, 'a.jpg'), '-t', path.join(dir, 'b.jpg'), '-o', out], { WANXING_SCREENING: 'off', WANXING_SWAP_OPTIONS: '{"colour":{"lowerFac":1}}' });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /unknown engine option swap\.colour\.lowerFac/);
  assert.equal(fs.existsSync(out), false);
});

test('the first start without configured keys creates an app and prints it', async () => {
  const env = await testEnv();
  delete (env as Record<string, string | undefined>).WANXING_APP_KEY;
  delete (env as Record<string, string | undefined>).WANXING_APP_SECRET;
  const svc = spawnService({ ...env, WANXING_APP_KEY: '', WANXING_APP_SECRET: '', LOG_LEVEL: 'info' });
  try {
    await svc.ready;
    assert.match(svc.output(), /AppKey:\s+[0-9a-f]{24}/);
    assert.match(svc.output(), /AppSecret:\s+\S{20,}/);
  } finally {
    svc.child.kill('SIGTERM');
    await new Promise((r) => svc.child.once('exit', r));
  }
});

test('a second service on the same data directory is refused while the first runs', async () => {
  const env = await testEnv();
  const first = spawnService(env);
  try {
    await first.ready;
    const second = await wanxing(['serve'], { ...env, PORT: '0' });
    assert.equal(second.code, 1);
    assert.match(second.stderr, /in use by another wanxing process \(pid \d+\)/);
  } finally {
    first.child.kill('SIGTERM');
    await new Promise((r) => first.child.once('exit', r));
  }
});
