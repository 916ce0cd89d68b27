// Local result files: signed URLs that expire, and the sweeper that deletes old files.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { LocalResultStore } from '../src/storage/local-result-store.ts';
import { loadOrCreateKey } from '../src/storage/signing-key.ts';
import { tmpDir } from './helpers/service.ts';

test('a result URL resolves until it expires; a changed signature or name is refused', async () => {
  const dir = tmpDir();
  const key = loadOrCreateKey(dir);
  assert.deepEqual(loadOrCreateKey(dir), key, 'the key is created once and kept');
  const store = new LocalResultStore(dir, 'https://cdn.example', key, 60_000);
  const now = Date.now();
  const url = new URL(await store.put('a'.repeat(32), new Uint8Array([1, 2, 3]), 'jpeg', now + 60_000));
  assert.equal(url.origin, 'https://cdn.example');
  const file = path.basename(url.pathname);
  const [expires, sig] = [url.searchParams.get('expires')!, url.searchParams.get('sig')!];
  const ok = store.resolve(file, expires, sig, now);
  assert.ok('path' in ok && fs.readFileSync(ok.path).length === 3);
  assert.deepEqual(store.resolve(file, expires, sig, now + 61_000), { error: 'expired' });
  assert.deepEqual(store.resolve(file, String(Number(expires) + 100), sig, now), { error: 'forbidden' });
  assert.deepEqual(store.resolve('b'.repeat(32) + '.jpg', expires, sig, now), { error: 'forbidden' });
  assert.deepEqual(store.resolve('../wanxing.db', expires, sig, now), { error: 'forbidden' });
});

test('the sweeper deletes results older than their TTL and keeps the others', async () => {
  const dir = tmpDir();
  const store = new LocalResultStore(dir, 'http://x', loadOrCreateKey(dir), 60_000);
  await store.put('c'.repeat(32), new Uint8Array([1]), 'png', Date.now() + 60_000);
  await store.put('d'.repeat(32), new Uint8Array([1]), 'jpeg', Date.now() + 60_000);
  const old = path.join(dir, 'results', `${'c'.repeat(32)}.png`);
  const past = new Date(Date.now() - 120_000);
  fs.utimesSync(old, past, past);
  assert.equal(await store.sweep(Date.now()), 1);
  assert.deepEqual(fs.readdirSync(path.join(dir, 'results')), [`${'d'.repeat(32)}.jpg`]);
});
