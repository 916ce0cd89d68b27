// The request's `style` ("template" | "source", issue 11): parsed and refused like every field,
// carried by both job stores, and handed to the engine, where it changes the face and nothing else.
// Embedded mode, the classic engine in a real engine thread, the official gateway SDK.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import type { Job } from '../src/jobs/job.ts';
import { parseSwapRequest } from '../src/jobs/validate.ts';
import { ServiceError } from '../src/jobs/errors.ts';
import { parseStyleOption } from '../src/commands/style-arg.ts';
import { openDatabase } from '../src/queue/sqlite/db.ts';
import { SqliteJobStore } from '../src/queue/sqlite/job-store.ts';
import { keys } from '../src/queue/bullmq/connection.ts';
import { RedisJobStore } from '../src/queue/bullmq/job-store.ts';
import { dropPrefix, REDIS_URL } from './helpers/distributed.ts';
import { APP_KEY, APP_SECRET, startTestService } from './helpers/service.ts';
import { WanxingClient } from '../src/client/index.ts';
import sharp from 'sharp';
import { faceA, faceC, rawRgb } from './engine-fixtures.ts';

const RULES = { defaultTimeoutS: 7200, maxTimeoutS: 600 };
const base = { source_url: 'https://e.com/s.jpg', target_url: 'https://e.com/t.jpg', notify_url: 'https://e.com/n' };

function newJob(id: string, extra: Partial<Job> = {}): Job {
  const now = Date.now();
  return { id, appKey: 'app', sourceUrl: 'http://x/s.jpg', targetUrl: 'http://x/t.jpg', notifyUrl: 'http://x/n', timeoutS: 60, state: 'pending', createdAt: now, updatedAt: now, deadlineAt: now + 60_000, runs: 0, ...extra };
}

test('parseSwapRequest: style "template"/"source" kept, absent or null is the default, anything else InvalidArguments', () => {
  assert.equal(parseSwapRequest({ ...base, style: 'source' }, RULES).style, 'source');
  assert.equal(parseSwapRequest({ ...base, style: 'template' }, RULES).style, 'template');
  assert.ok(!('style' in parseSwapRequest(base, RULES)));
  assert.ok(!('style' in parseSwapRequest({ ...base, style: null }, RULES)));
  for (const style of ['bogus', 'Source', '', 1, true, ['source'], { style: 'source' }]) {
    assert.throws(
      () => parseSwapRequest({ ...base, style }, RULES),
      (e: unknown) => e instanceof ServiceError && e.errorName === 'InvalidArguments' && /style 必须是 "template" 或 "source"/.test(e.message),
      JSON.stringify(style),
    );
  }
  assert.equal(parseStyleOption('source'), 'source');
  assert.throws(() => parseStyleOption('mine'), /--style mine: expected template or source/);
});

test('SQLite store: style round-trips; a file from before the column gains it and its jobs read as the default', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wanxing-style-'));
  try {
    // A database written before `style` existed (the jobs columns of the seed).
    const old = new Database(path.join(dir, 'wanxing.db'));
    old.exec(`CREATE TABLE jobs (id TEXT PRIMARY KEY, app_key TEXT NOT NULL, source_url TEXT NOT NULL, target_url TEXT NOT NULL,
      notify_url TEXT NOT NULL, timeout_s REAL NOT NULL, state TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
      deadline_at INTEGER NOT NULL, started_at INTEGER, finished_at INTEGER, runs INTEGER NOT NULL DEFAULT 0, result_url TEXT,
      result_expires_at INTEGER, error_name TEXT, reason TEXT, timings TEXT)`);
    old.prepare(`INSERT INTO jobs (id, app_key, source_url, target_url, notify_url, timeout_s, state, created_at, updated_at, deadline_at)
      VALUES ('old', 'app', 'http://x/s', 'http://x/t', 'http://x/n', 60, 'pending', 1, 1, 9e12)`).run();
    old.close();

    const db = openDatabase(dir);
    try {
      const store = new SqliteJobStore(db, () => {});
      const oldJob = await store.get('old');
      assert.equal(oldJob?.sourceUrl, 'http://x/s');
      assert.ok(oldJob && !('style' in oldJob));
      assert.ok(await store.submit(newJob('src', { style: 'source' }), 100));
      assert.ok(await store.submit(newJob('tpl', { style: 'template' }), 100));
      assert.ok(await store.submit(newJob('none'), 100));
      assert.equal((await store.get('src'))?.style, 'source');
      assert.equal((await store.get('tpl'))?.style, 'template');
      assert.ok(!('style' in (await store.get('none'))!));
      // The worker's claim reads the same row: the oldest pending job first.
      assert.equal(store.claimNext(Date.now())?.id, 'old');
      const claimed = store.claimNext(Date.now());
      assert.equal(claimed?.id, 'src');
      assert.equal(claimed?.style, 'source');
    } finally {
      db.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

describe('Redis store', () => {
  const prefix = `wxtest-style-${process.pid}`;
  let redis: Redis;
  let store: RedisJobStore;
  before(() => {
    redis = new Redis(REDIS_URL);
    store = new RedisJobStore(redis, keys(prefix), { enqueueSwap: async () => {}, enqueueNotification: async () => {}, retentionMs: 60_000 });
  });
  after(async () => {
    redis.disconnect();
    await dropPrefix(prefix);
  });

  test('style round-trips through the job record, and the worker claim sees it', async () => {
    assert.ok(await store.submit(newJob('r-src', { style: 'source' }), 100));
    assert.ok(await store.submit(newJob('r-none'), 100));
    assert.equal((await store.get('r-src'))?.style, 'source');
    assert.equal((await store.get('r-none'))?.style, undefined);
    const claimed = await store.claim('r-src', Date.now());
    assert.equal(claimed?.state, 'preparing');
    assert.equal(claimed?.style, 'source');
  });
});

describe('through the service (embedded, classic engine)', () => {
  let server: http.Server;
  let images: string;
  let svc: Awaited<ReturnType<typeof startTestService>>;
  let template: Buffer;

  before(async () => {
    // A grey margin round the face: most of the template lies outside the face, where nothing may change.
    template = await sharp(await faceA()).extend({ top: 120, bottom: 120, left: 160, right: 160, background: '#7a7a7a' }).png().toBuffer();
    const files: Record<string, Buffer> = { '/template.png': template, '/user.png': await faceC() };
    server = http.createServer((req, res) => {
      if (req.method === 'POST') return void req.resume().on('end', () => res.end('successfully'));
      const img = files[(req.url ?? '').split('?')[0]];
      if (!img) return res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'image/png' }).end(img);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    images = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    svc = await startTestService({ WANXING_ENGINE: 'classic' });
  });

  after(async () => {
    await svc?.close();
    await new Promise((r) => server.close(r));
  });

  const parse = (x: unknown) => (typeof x === 'string' ? JSON.parse(x) : x);
  const post = async (p: string, data: unknown) => parse(await svc.client.post(`${svc.url}${p}`, { data, timeout: 60_000 }));
  const body = (extra: Record<string, unknown> = {}) => ({ source_url: `${images}/user.png`, target_url: `${images}/template.png`, notify_url: `${images}/notify`, label: false, ...extra });

  async function result(extra: Record<string, unknown>): Promise<{ data: Buffer; width: number; height: number }> {
    const sub = await post('/swapface', body(extra));
    assert.equal(sub.status, 0, JSON.stringify(sub));
    for (let i = 0; i < 1200; i++) {
      const answer = await post('/query', { job_id: sub.data.job_id });
      const d = answer.data;
      if (d?.job_status === 'fail') assert.fail(JSON.stringify(d));
      if (d?.job_status === 'finish') return rawRgb(new Uint8Array(await (await fetch(d.result_url[0])).arrayBuffer()));
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`job ${sub.data.job_id} did not end`);
  }

  test('POST /swapface: style "bogus" is -310001 naming the field; "source", "template" and absent are accepted and stored', async () => {
    for (const style of ['bogus', 7]) {
      const bad = await post('/swapface', body({ style }));
      assert.equal(bad.status, -310001, JSON.stringify(bad));
      assert.equal(bad.error, 'InvalidArguments');
      assert.match(bad.errmsg, /style 必须是 "template" 或 "source"/);
    }
    for (const [style, stored] of [['source', 'source'], ['template', 'template'], [undefined, undefined], [null, undefined]] as const) {
      const ok = await post('/swapface', body(style === undefined ? {} : { style }));
      assert.equal(ok.status, 0, `${style}: ${JSON.stringify(ok)}`);
      assert.equal((await svc.jobs.store.get(ok.data.job_id))?.style, stored);
    }
    // The typed client's `style` option (wanxing submit --style) sends the field.
    const client = new WanxingClient({ baseUrl: svc.url, appKey: APP_KEY, appSecret: APP_SECRET });
    const id = await client.submit({ sourceUrl: body().source_url, targetUrl: body().target_url, notifyUrl: body().notify_url, style: 'source' });
    assert.equal((await svc.jobs.store.get(id))?.style, 'source');
  });

  test('the engine gets the style: "source" and "template" differ inside the face only, each deterministic', async () => {
    const tpl = await result({ style: 'template' });
    const src = await result({ style: 'source' });
    const dflt = await result({});
    const src2 = await result({ style: 'source' });
    assert.deepEqual([tpl.width, tpl.height], [760, 680]);
    assert.ok(dflt.data.equals(tpl.data), 'absent style is the template style');
    assert.ok(src2.data.equals(src.data), 'the same request gives the same result');

    // Where the two results differ: some pixels, all inside the template's face box, nearly all in
    // its lower half (the lips; eyes: 0 in the default style options).
    const faces = await post('/faces', { image_url: `${images}/template.png` });
    assert.equal(faces.status, 0, JSON.stringify(faces));
    const [bx, by, bw, bh] = faces.data.faces[0].box as number[];
    let n = 0, outside = 0, upper = 0;
    for (let i = 0, p = 0; i < tpl.data.length; i += 3, p++) {
      const d = Math.abs(tpl.data[i] - src.data[i]) + Math.abs(tpl.data[i + 1] - src.data[i + 1]) + Math.abs(tpl.data[i + 2] - src.data[i + 2]);
      if (d === 0) continue;
      const x = p % tpl.width, y = Math.floor(p / tpl.width);
      n++;
      if (y < by + bh / 2) upper++;
      if (x < bx || x >= bx + bw || y < by || y >= by + bh) outside++;
    }
    assert.ok(n > 200, `the style changed ${n} pixels`);
    assert.equal(outside, 0, `${outside} of ${n} changed pixels outside the face box ${[bx, by, bw, bh]}`);
    assert.ok(upper <= n / 10, `${upper} of ${n} changed pixels in the upper half of the face box`);
    assert.ok((bw * bh) / (tpl.width * tpl.height) < 0.2, 'the face box leaves most of the picture outside');
  });
});
