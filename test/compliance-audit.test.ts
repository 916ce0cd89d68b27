// The audit trail: a record for every ended job (finished, failed, timed out) in both modes, with
// the inputs' and the result's SHA-256, the label, the outcome; kept for the retention, then gone.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { RedisAuditStore, SqliteAuditStore } from '../src/compliance/audit.ts';
import { parseSince } from '../src/compliance/cli.ts';
import { WanxingClient } from '../src/client/index.ts';
import type { AuditRecord, AuditStore } from '../src/jobs/ports.ts';
import { openDatabase } from '../src/queue/sqlite/db.ts';
import { connect } from '../src/queue/bullmq/connection.ts';
import { APP_KEY, APP_SECRET, ROOT, startTestService, tmpDir, until } from './helpers/service.ts';
import { dropPrefix, REDIS_URL, startRedisTestService, teardownDistributed } from './helpers/distributed.ts';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const rec = (jobId: string, endedAt: number): AuditRecord => ({ jobId, appKey: 'app', submittedAt: endedAt - 10, endedAt, outcome: 'finish', resultSha256: 'ab' });

test('SQLite: records expire after the retention and are swept', async () => {
  let now = 1_000_000;
  const db = openDatabase(tmpDir());
  const store = new SqliteAuditStore(db, 60_000, () => now);
  await store.record(rec('old', now));
  now += 30_000;
  await store.record(rec('new', now));
  assert.deepEqual((await store.since(0, 10)).map((r) => r.jobId), ['old', 'new']);
  now += 40_000; // 'old' is 70 s old now: past the 60 s retention
  assert.equal(await store.get('old'), undefined);
  assert.equal((await store.get('new'))?.jobId, 'new');
  assert.deepEqual((await store.since(0, 10)).map((r) => r.jobId), ['new']);
  assert.equal(store.sweep(), 1, 'the expired row is deleted, not only hidden');
  assert.equal((db.prepare('SELECT count(*) FROM audit').pluck().get() as number), 1);
  db.close();
});

test('Redis: records expire by TTL and leave the index', async () => {
  const prefix = `wxtest-audit-${process.pid}-${Date.now()}`;
  const redis = connect(REDIS_URL);
  try {
    const store = new RedisAuditStore(redis, prefix, 400);
    const t = Date.now();
    await store.record(rec('a', t));
    assert.equal((await store.get('a'))?.jobId, 'a');
    assert.deepEqual((await store.since(t - 1000, 10)).map((r) => r.jobId), ['a']);
    const ttl = await redis.pttl(`${prefix}:audit:a`);
    assert.ok(ttl > 0 && ttl <= 400, `ttl ${ttl}`);
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(await store.get('a'), undefined);
    assert.deepEqual(await store.since(0, 10), []);
    await store.record(rec('b', Date.now()));
    assert.deepEqual(await redis.zrange(`${prefix}:audit-index`, '0', '-1'), ['b'], 'the index was trimmed');
  } finally {
    redis.disconnect();
    await dropPrefix(prefix);
  }
});

test('--since takes a date or a duration', () => {
  assert.equal(parseSince('24h', 100_000_000), 100_000_000 - 86_400_000);
  assert.equal(parseSince('2026-12-01T00:00:00Z'), Date.UTC(2026, 11, 1));
  assert.throws(() => parseSince('yesterday'), /expected a date/);
});

let images: http.Server;
let base: string;
const files: Record<string, Buffer> = {};
before(async () => {
  files['/source.jpg'] = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#c33' } }).jpeg().toBuffer();
  files['/tiny.png'] = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#333' } }).png().toBuffer();
  files['/template.png'] = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#ccd' } }).png().toBuffer();
  images = http.createServer((req, res) => {
    const f = files[req.url ?? ''];
    if (f) return void res.writeHead(200, { 'content-type': 'image/png' }).end(f);
    res.writeHead(req.url?.startsWith('/notify') ? 200 : 404).end('successfully');
  });
  await new Promise<void>((r) => images.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(images.address() as net.AddressInfo).port}`;
});
after(async () => {
  await new Promise<void>((r) => images.close(() => r()));
  await teardownDistributed(); // the shared S3 server of the distributed cases
});

const modes = [
  {
    name: 'embedded',
    start: () => startTestService({ WANXING_TEST_ENGINE_DELAY_MS: '0' }),
    store: async (svc: any) => ({ store: new SqliteAuditStore(openDatabase(svc.config.dataDir), 180 * 86_400_000) as AuditStore, close: async () => {} }),
  },
  {
    name: 'distributed',
    start: () => startRedisTestService(),
    store: async (svc: any) => {
      const redis = connect(svc.config.redisUrl);
      return { store: new RedisAuditStore(redis, svc.config.redisPrefix, 180 * 86_400_000) as AuditStore, close: async () => redis.disconnect() };
    },
  },
];

for (const mode of modes) {
  describe(`${mode.name}: an audit record for every ended job`, () => {
    let svc: any;
    let client: WanxingClient;
    let audit: { store: AuditStore; close(): Promise<void> };
    before(async () => {
      svc = await mode.start();
      client = new WanxingClient({ baseUrl: svc.url, appKey: APP_KEY, appSecret: APP_SECRET });
      audit = await mode.store(svc);
    });
    after(async () => {
      await audit.close();
      await svc.close();
    });
    const recordOf = (id: string) => until(() => audit.store.get(id), 15_000, `audit record of ${id}`);

    test('finished: hashes of both inputs and of the result, the label, the outcome', async () => {
      const id = await client.submit({ sourceUrl: `${base}/source.jpg`, targetUrl: `${base}/template.png`, notifyUrl: `${base}/notify` });
      const url = await client.waitForResult(id, { intervalMs: 100, timeoutMs: 20_000 });
      const result = Buffer.from(await (await fetch(url)).arrayBuffer());
      const r = await recordOf(id);
      assert.equal(r.appKey, APP_KEY);
      assert.equal(r.outcome, 'finish');
      assert.equal(r.sourceSha256, sha(files['/source.jpg']!));
      assert.equal(r.targetSha256, sha(files['/template.png']!));
      assert.equal(r.resultSha256, sha(result));
      assert.deepEqual(r.label, { contentId: id, visible: true });
      assert.ok(r.endedAt >= r.submittedAt);
    });

    test('failed: the error code, and the inputs that were fetched', async () => {
      const id = await client.submit({ sourceUrl: `${base}/tiny.png`, targetUrl: `${base}/template.png`, notifyUrl: `${base}/notify` });
      const r = await recordOf(id);
      assert.deepEqual([r.outcome, r.error, r.code], ['fail', 'NoFaceInSource', -330001]);
      assert.equal(r.sourceSha256, sha(files['/tiny.png']!));
      assert.equal(r.resultSha256, undefined);
    });

    test('timed out (unreachable image, 1 s timeout): a Timeout record', async () => {
      // A source that never answers: the caller's 1 s timeout ends the job.
      const hang = http.createServer(() => {});
      await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
      try {
        const port = (hang.address() as net.AddressInfo).port;
        const id = await client.submit({ sourceUrl: `http://127.0.0.1:${port}/slow.jpg`, targetUrl: `${base}/template.png`, notifyUrl: `${base}/notify`, timeout: 1 });
        const r = await recordOf(id);
        assert.deepEqual([r.outcome, r.error, r.code], ['fail', 'Timeout', -340001]);
      } finally {
        hang.closeAllConnections();
        hang.close();
      }
    });

    if (mode.name === 'embedded') {
      test('wanxing audit --job / --since prints the records', async () => {
        const latest = (await audit.store.since(0, 100)).find((r) => r.outcome === 'finish');
        const run = (args: string[]) => promisify(execFile)(process.execPath, [path.join(ROOT, 'bin/wanxing.js'), 'audit', ...args], { env: { ...process.env, WANXING_DATA_DIR: svc.config.dataDir } });
        const one = await run(['--job', latest!.jobId]);
        assert.match(one.stdout, new RegExp(`job ${latest!.jobId}`));
        assert.match(one.stdout, /template sha256 [0-9a-f]{64}/);
        const since = await run(['--since', '1h', '--json']);
        const lines = since.stdout.trim().split('\n').map((l) => JSON.parse(l) as AuditRecord);
        assert.ok(lines.length >= 3);
        assert.ok(lines.some((l) => l.error === 'Timeout') && lines.some((l) => l.outcome === 'finish'));
        await assert.rejects(run(['--job', 'nope']), (e: any) => e.code === 1 && /no audit record/.test(e.stderr));
      });
    }
  });
}
