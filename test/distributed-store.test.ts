// The Redis adapters on their own, against the real Redis: admission, "first final state wins",
// the worker's claim, the outbox that survives a crash between a script and its BullMQ hand-off, and
// what several API processes share (job records, nonces, apps).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { Client } from 'aliyun-api-gateway';
import { UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { loadConfig } from '../src/config.ts';
import { startApi } from '../src/distributed/api.ts';
import { startWorker } from '../src/distributed/worker.ts';
import type { Job, Outcome } from '../src/jobs/job.ts';
import type { NewNotification } from '../src/jobs/ports.ts';
import { bullPrefix, keys, SWAP_QUEUE } from '../src/queue/bullmq/connection.ts';
import { RedisJobStore } from '../src/queue/bullmq/job-store.ts';
import { dropPrefix, REDIS_URL, redisEnv, teardownDistributed } from './helpers/distributed.ts';
import { APP_KEY, APP_SECRET, ROOT, startFixtures, until } from './helpers/service.ts';

const execFileAsync = promisify(execFile);

function newJob(id: string, now = Date.now(), timeoutS = 60): Job {
  return {
    id,
    appKey: 'app',
    sourceUrl: 'http://x/s.jpg',
    targetUrl: 'http://x/t.jpg',
    notifyUrl: 'http://x/n',
    timeoutS,
    state: 'pending',
    createdAt: now,
    updatedAt: now,
    deadlineAt: now + timeoutS * 1000,
    runs: 0,
  };
}

const finish = (url: string): Outcome => ({ state: 'finish', resultUrl: url, resultExpiresAt: Date.now() + 1000 });
const note = (jobId: string, body: string): NewNotification => ({ jobId, appKey: 'app', url: 'http://x/n', body });

describe('RedisJobStore', () => {
  const prefix = `wxtest-store-${process.pid}`;
  let redis: Redis;
  let swaps: string[];
  let notes: NewNotification[];
  let failSwap = false;
  let failNote = false;
  let store: RedisJobStore;

  before(() => {
    redis = new Redis(REDIS_URL);
    swaps = [];
    notes = [];
    store = new RedisJobStore(redis, keys(prefix), {
      enqueueSwap: async (id) => {
        if (failSwap) throw new Error('crash between script and hand-off');
        swaps.push(id);
      },
      enqueueNotification: async (n) => {
        if (failNote) throw new Error('crash between script and hand-off');
        notes.push(n);
      },
      retentionMs: 60_000,
    });
  });
  after(async () => {
    await dropPrefix(prefix);
    redis.disconnect();
  });

  test('admission is atomic: 20 concurrent submits against a depth of 5 admit exactly 5', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.submit(newJob(`adm${i}`), 5)));
    assert.equal(results.filter(Boolean).length, 5);
    assert.equal(await store.activeCount(), 5);
    assert.equal(swaps.length, 5, 'each admitted job handed to the swap queue');
    // Ending one makes room for one more.
    assert.equal(await store.complete(swaps[0]!, finish('u'), note(swaps[0]!, 'b'), Date.now()), true);
    assert.equal(await store.submit(newJob('adm-late'), 5), true);
    assert.equal(await store.submit(newJob('adm-later'), 5), false);
  });

  test('first final state wins: two concurrent completions with different results, one notification', async () => {
    await store.submit(newJob('race'), 1000);
    notes.length = 0;
    const [a, b] = await Promise.all([
      store.complete('race', finish('http://r/one'), note('race', 'one'), Date.now()),
      store.complete('race', finish('http://r/two'), note('race', 'two'), Date.now()),
    ]);
    assert.equal(Number(a) + Number(b), 1);
    assert.equal(notes.length, 1);
    const job = await store.get('race');
    assert.equal(job?.state, 'finish');
    assert.equal(job?.resultUrl, a ? 'http://r/one' : 'http://r/two');
    assert.equal(notes[0]!.body, a ? 'one' : 'two');
    // A late timeout changes nothing either.
    assert.equal(await store.complete('race', { state: 'fail', errorName: 'Timeout', reason: 'late' }, note('race', 'late'), Date.now()), false);
    assert.equal((await store.get('race'))?.state, 'finish');
  });

  test('claim: active jobs before their deadline only, counting runs (a re-run after a crash too)', async () => {
    const now = Date.now();
    await store.submit(newJob('c1', now), 1000);
    const first = await store.claim('c1', now);
    assert.deepEqual([first?.state, first?.runs], ['preparing', 1]);
    assert.equal(await store.transition('c1', 'preparing', 'running', now), true);
    const again = await store.claim('c1', now + 1);
    assert.deepEqual([again?.state, again?.runs], ['preparing', 2]);
    assert.equal(await store.claim('c1', now + 120_000), undefined, 'past its deadline');
    assert.equal(await store.claim('nope', now), undefined);
    await store.complete('c1', finish('u'), note('c1', 'b'), now);
    assert.equal(await store.claim('c1', now), undefined, 'ended');
  });

  test('expired lists overdue active jobs only', async () => {
    const now = Date.now();
    await store.submit(newJob('late1', now - 10_000, 1), 1000);
    const overdue = (await store.expired(now, 100)).map((j) => j.id);
    assert.ok(overdue.includes('late1'));
    assert.ok(!overdue.includes('race'));
  });

  test('a hand-off cut off by a crash is repeated by the outbox drain', async () => {
    failSwap = true;
    assert.equal(await store.submit(newJob('lost'), 1000), true, 'accepted: durable once the script ran');
    failSwap = false;
    assert.equal((await store.get('lost'))?.state, 'pending');
    assert.ok(!swaps.includes('lost'));
    assert.equal(await store.drainOutbox(Date.now(), 5000), 0, 'not before the grace period');
    assert.ok((await store.drainOutbox(Date.now() + 6000, 5000)) >= 1);
    assert.ok(swaps.includes('lost'));
    assert.equal(await store.drainOutbox(Date.now() + 6000, 5000), 0, 'drained once');

    // The same for the notification of a final state.
    failNote = true;
    notes.length = 0;
    assert.equal(await store.complete('lost', finish('http://r/lost'), note('lost', 'lost-body'), Date.now()), true);
    failNote = false;
    assert.equal(notes.length, 0);
    assert.equal(await store.drainOutbox(Date.now() + 6000, 5000), 1);
    assert.deepEqual(notes.map((n) => n.body), ['lost-body']);
  });
});

describe('several API processes share one installation', () => {
  after(() => teardownDistributed());

  test('a job submitted on one API is queried on another; a nonce used on one is refused on the other', async () => {
    const fx = await startFixtures();
    const env = await redisEnv();
    const logger = pino({ level: 'silent' });
    const api1 = await startApi(loadConfig(env), { logger, sweepMs: 50 });
    const api2 = await startApi(loadConfig({ ...env, PORT: '0' }), { logger, sweepMs: 50 });
    const worker = await startWorker(loadConfig(env), { logger });
    try {
      const client = new Client(APP_KEY, APP_SECRET);
      const a = await client.post(`${api1.url}/swapface`, {
        data: { source_url: `${fx.base}/img/source.jpg`, target_url: `${fx.base}/img/target.jpg`, notify_url: `${fx.base}/notify` },
      });
      assert.equal(a.status, 0);
      const q = await until(async () => {
        const r = await client.post(`${api2.url}/query`, { data: { job_id: a.data.job_id } });
        return r.data.job_status === 'finish' && r;
      });
      assert.equal(q.data.result_url.length, 1);

      const headers = { 'x-ca-nonce': `shared-${Date.now()}` };
      assert.equal((await client.post(`${api1.url}/query`, { data: { job_id: 'x' }, headers })).status, -310002);
      await assert.rejects(client.post(`${api2.url}/query`, { data: { job_id: 'x' }, headers }), (err: any) => err.code === 400);

      // An app created through one process is known to the other.
      const other = await api1.apps.create('other');
      const b = await new Client(other.appKey, other.appSecret).post(`${api2.url}/query`, { data: { job_id: a.data.job_id } });
      assert.equal(b.status, -310002, 'known app, but not its job');
    } finally {
      await api1.close();
      await api2.close();
      await worker.close();
      await fx.close();
    }
  });

  test('the rate limit is one bucket for all API processes', async () => {
    const env = await redisEnv({ WANXING_RATE_LIMIT_PER_S: '0.001', WANXING_RATE_LIMIT_BURST: '3' });
    const logger = pino({ level: 'silent' });
    const api1 = await startApi(loadConfig(env), { logger });
    const api2 = await startApi(loadConfig({ ...env, PORT: '0' }), { logger });
    try {
      const client = new Client(APP_KEY, APP_SECRET);
      const codes: number[] = [];
      for (const url of [api1.url, api2.url, api1.url, api2.url]) {
        codes.push(await client.post(`${url}/query`, { data: { job_id: 'x' } }).then(() => 200, (err: any) => err.code));
      }
      assert.deepEqual(codes, [200, 200, 200, 429]);
    } finally {
      await api1.close();
      await api2.close();
    }
  });

  test('with WANXING_STORAGE=local (a shared directory) the API serves the results the worker wrote', async () => {
    const fx = await startFixtures();
    const env = await redisEnv({ WANXING_STORAGE: 'local' });
    const logger = pino({ level: 'silent' });
    const api = await startApi(loadConfig(env), { logger, sweepMs: 50 });
    const worker = await startWorker(loadConfig(env), { logger });
    try {
      const client = new Client(APP_KEY, APP_SECRET);
      await client.post(`${api.url}/swapface`, {
        data: { source_url: `${fx.base}/img/source.jpg`, target_url: `${fx.base}/img/target.jpg`, notify_url: `${fx.base}/notify` },
      });
      const [n] = await fx.waitFor(1);
      const url = JSON.parse(n!.body).data.result_url[0] as string;
      assert.ok(url.startsWith(`${env.WANXING_PUBLIC_URL}/results/`));
      const res = await fetch(url);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'image/jpeg');
      assert.ok((await res.arrayBuffer()).byteLength > 0); // also frees the keep-alive connection for close()
    } finally {
      await api.close();
      await worker.close();
      await fx.close();
    }
  });

  test('a swap that BullMQ gives up on ends as InternalError at once, notified', async () => {
    const fx = await startFixtures();
    const env = await redisEnv();
    const config = loadConfig(env);
    const api = await startApi(config, { logger: pino({ level: 'silent' }), sweepMs: 50 });
    // Stands in for a worker that crashes on this job every time: the processor fails for good.
    const conn = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const broken = new Worker(SWAP_QUEUE, async () => {
      throw new UnrecoverableError('worker lost 6 times');
    }, { connection: conn, prefix: bullPrefix(config.redisPrefix) });
    try {
      const a = await new Client(APP_KEY, APP_SECRET).post(`${api.url}/swapface`, {
        data: { source_url: `${fx.base}/img/source.jpg`, target_url: `${fx.base}/img/target.jpg`, notify_url: `${fx.base}/notify` },
      });
      const [n] = await fx.waitFor(1);
      assert.deepEqual(JSON.parse(n!.body), { job_id: a.data.job_id, status: -22222, error: 'InternalError', data: {} });
    } finally {
      await broken.close();
      conn.disconnect();
      await api.close();
      await fx.close();
    }
  });

  test('`wanxing keys` manages the apps in Redis with WANXING_QUEUE=redis', async () => {
    const env = await redisEnv();
    const run = async (...args: string[]) =>
      (await execFileAsync(process.execPath, [path.join(ROOT, 'bin/wanxing.js'), 'keys', ...args], { env: { ...process.env, ...env } })).stdout;
    const created = await run('create', '--name', 'shop-r');
    const appKey = /AppKey:\s+(\S+)/.exec(created)?.[1];
    assert.ok(appKey);
    const listed = await run('list');
    assert.match(listed, new RegExp(`${appKey}\\t\\*+\\tshop-r\\t.*\\tactive`));
    await run('revoke', appKey!);
    assert.match(await run('list'), new RegExp(`${appKey}\\t.*revoked`));
  });
});
