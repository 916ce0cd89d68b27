// The API contract and lifecycle suites as functions of a deployment mode, so the same assertions run
// against the embedded SQLite service (test/api-*.test.ts) and the distributed Redis/BullMQ/S3 one
// (test/distributed-*.test.ts).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { Client } from 'aliyun-api-gateway';
import sharp from 'sharp';
import { Webhook } from 'standardwebhooks';
import { webhookKey } from '../../src/notify/index.ts';
import type { NotificationStatus } from '../../src/notify/notifier.ts';
import { APP_KEY, APP_SECRET, ROOT, spawnService, startFixtures, startTestService, testEnv, until, type GatewayClient } from './service.ts';

const execFileAsync = promisify(execFile);

type Fixtures = Awaited<ReturnType<typeof startFixtures>>;
type Maybe<T> = T | Promise<T>;

/** What the suites need of a running service, whichever mode. */
export interface TestService {
  url: string;
  client: GatewayClient;
  apps: { create(name: string): Maybe<{ appKey: string; appSecret: string }> };
  notifier: { status(jobId: string): Maybe<NotificationStatus | undefined>; attempts(jobId: string): Maybe<unknown[]> };
  close(): Promise<void>;
}

export interface SpawnedService {
  ready: Promise<void>;
  output(): string;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export interface ServiceMode {
  name: string;
  /** The service in this process, with the test engine in a worker thread. */
  start(extra?: Record<string, string>): Promise<TestService>;
  /** Environment for spawned processes. */
  env(extra?: Record<string, string>): Promise<Record<string, string>>;
  /** Every process of the service as children (crash tests). */
  spawn(env: Record<string, string>): SpawnedService;
  /** 'local': HMAC-signed URLs served by the API; 's3': presigned URLs of the bucket. */
  results: 'local' | 's3';
  /** Frees what the mode shares between tests (e.g. the S3 server). */
  teardown?(): Promise<void>;
}

export const sqliteMode: ServiceMode = {
  name: 'sqlite',
  start: (extra) => startTestService(extra),
  env: (extra) => testEnv(extra),
  spawn(env) {
    const s = spawnService(env);
    const exited = new Promise<void>((r) => s.child.once('exit', () => r()));
    return {
      ready: s.ready,
      output: s.output,
      async kill(signal) {
        s.child.kill(signal);
        await exited;
      },
    };
  },
  results: 'local',
};

export function contractSuite(mode: ServiceMode): void {
  describe(`[${mode.name}] POST /swapface and /query through the official SDK`, () => {
    let fx: Fixtures;
    let svc: TestService;
    const submit = (data: unknown) => svc.client.post(`${svc.url}/swapface`, { data });
    const query = (job_id: unknown) => svc.client.post(`${svc.url}/query`, { data: { job_id } });
    const body = (extra: Record<string, unknown> = {}) => ({
      source_url: `${fx.base}/img/source.jpg`,
      target_url: `${fx.base}/img/target.jpg`,
      notify_url: `${fx.base}/notify`,
      ...extra,
    });

    before(async () => {
      fx = await startFixtures();
      svc = await mode.start();
    });
    after(async () => {
      await svc.close();
      await fx.close();
    });

    test('happy path: submit → notification → result at the template size → query says finish', async () => {
      const answer = await submit({ ...body(), timeout: 180 });
      assert.equal(answer.status, 0);
      assert.equal(answer.errmsg, 'SUCCESSFULLY');
      assert.equal(answer.error, '');
      assert.match(answer.data.job_id, /^[0-9a-f]{32}$/);
      const jobId = answer.data.job_id;

      const [note] = await fx.waitFor(1);
      const payload = JSON.parse(note.body);
      assert.deepEqual(Object.keys(payload), ['job_id', 'status', 'data']);
      assert.equal(payload.job_id, jobId);
      assert.equal(payload.status, 0);
      assert.equal(payload.data.result_url.length, 1);
      // Standard Webhooks headers, verifiable with the app secret; the body is the seed's, untouched.
      const verified = new Webhook(webhookKey(APP_SECRET)).verify(note.body, {
        'webhook-id': String(note.headers['webhook-id']),
        'webhook-timestamp': String(note.headers['webhook-timestamp']),
        'webhook-signature': String(note.headers['webhook-signature']),
      });
      assert.deepEqual(verified, payload);

      const res = await fetch(payload.data.result_url[0]);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'image/jpeg');
      const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 120, 90]);

      const q = await query(jobId);
      assert.deepEqual(q, { status: 0, data: { job_status: 'finish', result_url: payload.data.result_url } });
    });

    test('a PNG template gives a PNG result; a tampered or expired result URL is refused', async () => {
      fx.received.length = 0;
      const { data } = await submit(body({ target_url: `${fx.base}/img/target.png` }));
      const [note] = await fx.waitFor(1);
      const url = new URL(JSON.parse(note.body).data.result_url[0]);
      assert.equal(JSON.parse(note.body).job_id, data.job_id);
      const res = await fetch(url);
      const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], ['png', 100, 80]);

      if (mode.results === 'local') {
        const tampered = new URL(url);
        tampered.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 1));
        assert.equal((await fetch(tampered)).status, 403);
        assert.equal((await fetch(url.href.replace(/sig=[^&]+/, 'sig=AAAA'))).status, 403);
      } else {
        // Presigned by the bucket's keys, valid for the result TTL (24 h); the object store checks
        // signature and expiry (expiry against a real server: test/distributed-s3.test.ts).
        assert.equal(url.searchParams.get('X-Amz-Algorithm'), 'AWS4-HMAC-SHA256');
        assert.ok(Math.abs(Number(url.searchParams.get('X-Amz-Expires')) - 86_400) <= 5);
        assert.match(url.searchParams.get('X-Amz-Signature') ?? '', /^[0-9a-f]{64}$/);
      }
    });

    test('InvalidArguments for every field rule, answered with HTTP 200 and the envelope', async () => {
      const cases: unknown[] = [
        {},
        body({ source_url: undefined }),
        body({ target_url: 'ftp://example.com/a.jpg' }),
        body({ notify_url: 'not a url' }),
        body({ source_url: 42 }),
        body({ timeout: 0 }),
        body({ timeout: -5 }),
        body({ timeout: 1e9 }),
        body({ timeout: '180' }),
        body({ source_url: `http://example.com/${'a'.repeat(5000)}.jpg` }),
        [1, 2, 3],
      ];
      for (const c of cases) {
        const a = await submit(c);
        assert.equal(a.status, -310001, JSON.stringify(c).slice(0, 200));
        assert.equal(a.error, 'InvalidArguments');
        assert.equal(typeof a.errmsg, 'string');
        assert.equal(a.data, undefined);
      }
      assert.equal((await query(undefined)).status, -310001);
    });

    test('the README curl example (examples/sign-and-post.sh) is accepted', async () => {
      // Async: the server runs in this process, so a sync child would block it.
      const run = async (path: string, json: string) =>
        (
          await execFileAsync('bash', [`${ROOT}/examples/sign-and-post.sh`, path, json], {
            env: { ...process.env, WANXING_URL: svc.url, WANXING_APP_KEY: APP_KEY, WANXING_APP_SECRET: APP_SECRET },
          })
        ).stdout;
      const submitted = JSON.parse(await run('/swapface', JSON.stringify(body())));
      assert.equal(submitted.status, 0);
      const queried = JSON.parse(await run('/query', JSON.stringify({ job_id: submitted.data.job_id })));
      assert.equal(queried.status, 0);
      assert.ok(['pending', 'preparing', 'running', 'finish'].includes(queried.data.job_status));
      // Its notification must not land in a later test's receiver.
      await until(async () => fx.received.some((r) => JSON.parse(r.body).job_id === submitted.data.job_id), 15_000, 'its notification');
    });

    test('JobNotFound for an unknown job id', async () => {
      const a = await query('0'.repeat(32));
      assert.deepEqual([a.status, a.error], [-310002, 'JobNotFound']);
    });

    test('jobs that fail: download, format, no face — the code reaches both /query and the notification', async () => {
      const cases: Array<[Record<string, unknown>, number, string]> = [
        [{ source_url: `${fx.base}/img/missing.jpg` }, -320001, 'ImageDownloadFailed'],
        [{ source_url: `${fx.base}/img/fake.jpg` }, -320002, 'ImageFormatUnsupported'],
        [{ source_url: `${fx.base}/img/tiny.png` }, -330001, 'NoFaceInSource'],
      ];
      for (const [extra, status, error] of cases) {
        fx.received.length = 0;
        const { data } = await submit(body(extra));
        const [note] = await fx.waitFor(1);
        assert.deepEqual(JSON.parse(note.body), { job_id: data.job_id, status, error, data: {} });
        const q = await query(data.job_id);
        assert.equal(q.data.job_status, 'fail');
        assert.equal(q.data.code, status);
        assert.equal(typeof q.data.reason, 'string');
      }
    });

    test('a job of another app is not visible', async () => {
      const other = await svc.apps.create('other');
      const otherClient = new Client(other.appKey, other.appSecret);
      const { data } = await submit(body());
      const a = await otherClient.post(`${svc.url}/query`, { data: { job_id: data.job_id } });
      assert.equal(a.status, -310002);
    });
  });

  describe(`[${mode.name}] gateway signature failures answer 4xx with X-Ca-Error-Message`, () => {
    let svc: TestService;
    before(async () => {
      svc = await mode.start();
    });
    after(() => svc.close());

    async function refusal(p: Promise<unknown>): Promise<{ code: number; message: string }> {
      try {
        await p;
      } catch (err: any) {
        return { code: err.code, message: String(err.data?.headers?.['x-ca-error-message'] ?? '') };
      }
      assert.fail('the request was accepted');
    }

    test('wrong secret → 400 Invalid Signature with the server StringToSign', async () => {
      const r = await refusal(new Client(APP_KEY, 'wrong-secret').post(`${svc.url}/query`, { data: { job_id: 'x' } }));
      assert.equal(r.code, 400);
      assert.match(r.message, /Invalid Signature/);
      assert.match(r.message, /POST/);
    });

    test('unknown AppKey is refused', async () => {
      const r = await refusal(new Client('nobody', 'x').post(`${svc.url}/query`, { data: { job_id: 'x' } }));
      assert.ok(r.code >= 400 && r.code < 500);
      assert.match(r.message, /AppKey/i);
    });

    test('stale timestamp → 400', async () => {
      const stale = String(Date.now() - 16 * 60 * 1000);
      const r = await refusal(svc.client.post(`${svc.url}/query`, { data: { job_id: 'x' }, headers: { 'x-ca-timestamp': stale } }));
      assert.equal(r.code, 400);
      assert.match(r.message, /Timestamp/i);
    });

    test('a nonce used twice → the second is refused', async () => {
      const headers = { 'x-ca-nonce': `nonce-${Date.now()}` };
      const first = await svc.client.post(`${svc.url}/query`, { data: { job_id: 'x' }, headers });
      assert.equal(first.status, -310002);
      const r = await refusal(svc.client.post(`${svc.url}/query`, { data: { job_id: 'x' }, headers }));
      assert.equal(r.code, 400);
      assert.match(r.message, /Nonce/i);
    });

    test('a Content-MD5 that does not match the body → 400', async () => {
      const client = new Client(APP_KEY, APP_SECRET) as any;
      client.md5 = () => 'AAAAAAAAAAAAAAAAAAAAAA=='; // signed correctly, over a wrong digest
      const r = await refusal(client.post(`${svc.url}/query`, { data: { job_id: 'x' } }));
      assert.equal(r.code, 400);
      assert.match(r.message, /MD5/i);
    });

    test('no signature headers at all → 400', async () => {
      const res = await fetch(`${svc.url}/swapface`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.equal(res.status, 400);
      assert.ok(res.headers.get('x-ca-error-message'));
      assert.ok(res.headers.get('x-ca-request-id'));
    });
  });
}

export function lifecycleSuite(mode: ServiceMode): void {
  let fx: Fixtures;
  const swapBody = (extra: Record<string, unknown> = {}) => ({
    source_url: `${fx.base}/img/source.jpg`,
    target_url: `${fx.base}/img/target.jpg`,
    notify_url: `${fx.base}/notify`,
    ...extra,
  });

  describe(`[${mode.name}] job lifecycle`, () => {
    before(async () => {
      fx = await startFixtures();
    });
    after(() => fx.close());

    describe('notification re-sends', () => {
      test('a receiver failing 3 times, then answering, gets exactly 4 attempts; one that never answers gets exactly 11', async () => {
        const svc = await mode.start();
        const state = async (id: string) => (await svc.notifier.status(id))?.state;
        try {
          fx.received.length = 0;
          fx.setReceiver((n) => (n <= 3 ? [500, 'busy'] : [200, ' successfully\n']));
          const a = await svc.client.post(`${svc.url}/swapface`, { data: swapBody() });
          await fx.waitFor(4);
          await new Promise((r) => setTimeout(r, 600)); // room for a wrong 5th attempt to show up
          assert.equal(fx.received.length, 4);
          assert.equal(await state(a.data.job_id), 'delivered');
          // Every re-send carries the same body and the same webhook-id.
          assert.equal(new Set(fx.received.map((r) => r.body)).size, 1);
          assert.equal(new Set(fx.received.map((r) => r.headers['webhook-id'])).size, 1);

          fx.received.length = 0;
          fx.setReceiver(() => [200, 'ok']); // wrong body: not delivered
          const b = await svc.client.post(`${svc.url}/swapface`, { data: swapBody() });
          await fx.waitFor(11);
          await until(async () => (await state(b.data.job_id)) === 'exhausted', 12000, 'exhausted').catch(async (e) => {
            console.log(JSON.stringify(await svc.notifier.status(b.data.job_id)), fx.received.length, await svc.notifier.attempts(b.data.job_id));
            throw e;
          });
          await new Promise((r) => setTimeout(r, 600));
          assert.equal(fx.received.length, 11);
          // The job stays queryable after the last attempt.
          const q = await svc.client.post(`${svc.url}/query`, { data: { job_id: b.data.job_id } });
          assert.equal(q.data.job_status, 'finish');

          // Re-delivery through the authenticated endpoint.
          fx.setReceiver(() => [200, 'successfully']);
          const r = await svc.client.post(`${svc.url}/notify/redeliver`, { data: { job_id: b.data.job_id } });
          assert.equal(r.status, 0);
          await fx.waitFor(12);
          await until(async () => (await state(b.data.job_id)) === 'delivered', 5000, 'delivered');
          const unknown = await svc.client.post(`${svc.url}/notify/redeliver`, { data: { job_id: 'nope' } });
          assert.equal(unknown.status, -310002);
        } finally {
          fx.setReceiver(() => [200, 'successfully']);
          await svc.close();
        }
      });
    });

    describe('caller timeout and admission control', () => {
      test('a job still running at its timeout stops and the caller is notified with Timeout', async () => {
        process.env.WANXING_TEST_ENGINE_DELAY_MS = '5000'; // engine threads copy the env when they start
        const svc = await mode.start();
        try {
          fx.received.length = 0;
          const started = Date.now();
          const a = await svc.client.post(`${svc.url}/swapface`, { data: swapBody({ timeout: 1 }) });
          const [note] = await fx.waitFor(1);
          assert.deepEqual(JSON.parse(note.body), { job_id: a.data.job_id, status: -340001, error: 'Timeout', data: {} });
          assert.ok(note.at - started < 4000, 'notified at the deadline, not when the engine finished');
          const q = await svc.client.post(`${svc.url}/query`, { data: { job_id: a.data.job_id } });
          assert.deepEqual([q.data.job_status, q.data.code], ['fail', -340001]);
          await new Promise((r) => setTimeout(r, 300));
          assert.equal(fx.received.length, 1, 'exactly one notification');
        } finally {
          delete process.env.WANXING_TEST_ENGINE_DELAY_MS;
          await svc.close();
        }
      });

      test('over the configured queue depth, submits are refused with QueueFull', async () => {
        process.env.WANXING_TEST_ENGINE_DELAY_MS = '3000';
        const svc = await mode.start({ WANXING_MAX_QUEUE_DEPTH: '2' });
        try {
          const answers = [];
          for (let i = 0; i < 4; i++) answers.push(await svc.client.post(`${svc.url}/swapface`, { data: swapBody() }));
          assert.deepEqual(answers.map((a) => a.status), [0, 0, -310003, -310003]);
          assert.equal(answers[2].error, 'QueueFull');
        } finally {
          delete process.env.WANXING_TEST_ENGINE_DELAY_MS;
          await svc.close();
        }
      });
    });

    describe('refused downloads', () => {
      test('private addresses are refused with UrlForbidden unless allowed; oversized images with ImageTooLarge', async () => {
        const svc = await mode.start({ WANXING_ALLOW_PRIVATE_URLS: '0' });
        try {
          const a = await svc.client.post(`${svc.url}/swapface`, { data: swapBody({ source_url: 'http://169.254.169.254/latest/meta-data/x.jpg' }) });
          const q = await until(async () => {
            const r = await svc.client.post(`${svc.url}/query`, { data: { job_id: a.data.job_id } });
            return r.data.job_status === 'fail' && r;
          });
          assert.equal(q.data.code, -320004);
        } finally {
          await svc.close();
        }
        const small = await mode.start({ WANXING_MAX_IMAGE_BYTES: '100' });
        try {
          fx.received.length = 0;
          await small.client.post(`${small.url}/swapface`, { data: swapBody() });
          const [note] = await fx.waitFor(1);
          assert.equal(JSON.parse(note.body).error, 'ImageTooLarge');
        } finally {
          await small.close();
        }
      });
    });

    describe('crash recovery', () => {
      test('SIGKILL mid-job, restart: the job finishes and its notification is delivered once', async () => {
        const env = await mode.env({ WANXING_TEST_ENGINE_DELAY_MS: '1500', LOG_LEVEL: 'info' });
        const client = new Client(APP_KEY, APP_SECRET);
        const url = `http://127.0.0.1:${env.PORT}`;
        fx.received.length = 0;

        const first = mode.spawn(env);
        await first.ready;
        const a = await client.post(`${url}/swapface`, { data: swapBody() });
        const jobId = a.data.job_id;
        await until(async () => {
          const q = await client.post(`${url}/query`, { data: { job_id: jobId } });
          return q.data.job_status === 'running';
        }, 10_000, 'running');
        await first.kill('SIGKILL');
        assert.equal(fx.received.length, 0);

        const second = mode.spawn(env);
        try {
          await second.ready;
          const [note] = await fx.waitFor(1, 20_000);
          const payload = JSON.parse(note.body);
          assert.equal(payload.job_id, jobId);
          assert.equal(payload.status, 0);
          const q = await client.post(`${url}/query`, { data: { job_id: jobId } });
          assert.equal(q.data.job_status, 'finish');
          await new Promise((r) => setTimeout(r, 500));
          assert.equal(fx.received.length, 1);
        } finally {
          await second.kill('SIGTERM');
        }
      });
    });
  });
}
