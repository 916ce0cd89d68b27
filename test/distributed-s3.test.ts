// S3ResultStore against a real S3-compatible server (s3rver): the object, its content type, a
// presigned URL that works until it expires, and the sweeper.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { S3ResultStore } from '../src/storage/s3-result-store.ts';
import { startS3, type TestS3 } from './helpers/s3.ts';

let s3: TestS3;
let store: S3ResultStore;
const settings = () => ({
  endpoint: s3.endpoint,
  bucket: 'wanxing-results',
  region: 'us-east-1',
  accessKeyId: 'S3RVER',
  secretAccessKey: 'S3RVER',
  forcePathStyle: true,
  keyPrefix: 'results/',
});

before(async () => {
  s3 = await startS3();
  store = new S3ResultStore(settings(), 24 * 3600 * 1000);
  const { lifecycle } = await store.init({ create: true });
  assert.equal(typeof lifecycle, 'boolean'); // s3rver: false (no lifecycle API); the sweeper covers it
});
after(async () => {
  store.close();
  await s3.close();
});

test('a missing bucket stops the start unless asked to create it', async () => {
  const other = new S3ResultStore({ ...settings(), bucket: 'no-such-bucket' });
  await assert.rejects(other.init(), /not reachable/);
  other.close();
});

test('put stores the bytes with their type and returns a presigned URL valid for the TTL', async () => {
  const png = Buffer.from('89504e470d0a1a0a', 'hex');
  const url = new URL(await store.put('a'.repeat(32), png, 'png', Date.now() + 24 * 3600 * 1000));
  assert.match(url.pathname, /^\/wanxing-results\/results\/a{32}-[0-9a-f]{12}\.png$/);
  assert.ok(Math.abs(Number(url.searchParams.get('X-Amz-Expires')) - 86_400) <= 5);
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'image/png');
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), png);
});

test('two runs of one job get two objects (the URL a caller got never changes under it)', async () => {
  const u1 = await store.put('b'.repeat(32), Buffer.from('one'), 'jpeg', Date.now() + 60_000);
  const u2 = await store.put('b'.repeat(32), Buffer.from('two'), 'jpeg', Date.now() + 60_000);
  assert.notEqual(new URL(u1).pathname, new URL(u2).pathname);
  assert.equal(await (await fetch(u1)).text(), 'one');
});

test('the URL stops working at its expiry', async () => {
  const url = await store.put('c'.repeat(32), Buffer.from('x'), 'jpeg', Date.now() + 1000);
  assert.equal((await fetch(url)).status, 200);
  await new Promise((r) => setTimeout(r, 2100));
  assert.equal((await fetch(url)).status, 403);
});

test('sweep deletes objects older than the TTL and keeps younger ones', async () => {
  const short = new S3ResultStore(settings(), 60_000);
  const list = async () =>
    ((await short.client.send(new ListObjectsV2Command({ Bucket: 'wanxing-results', Prefix: 'results/' }))).Contents ?? []).length;
  const before = await list();
  assert.ok(before >= 3);
  assert.equal(await short.sweep(Date.now()), 0, 'nothing is a minute old yet');
  assert.equal(await short.sweep(Date.now() + 61_000), before);
  assert.equal(await list(), 0);
  short.close();
});
