// What happens over a job's life: notification re-sends, caller timeouts, admission control,
// refused URLs, re-delivery, and a SIGKILL of the whole service mid-job.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client } from 'aliyun-api-gateway';
import { APP_KEY, APP_SECRET, spawnService, startFixtures, startTestService, testEnv, until } from './helpers/service.ts';

type Fixtures = Awaited<ReturnType<typeof startFixtures>>;

let fx: Fixtures;
before(async () => {
  fx = await startFixtures();
});
after(() => fx.close());

const swapBody = (extra: Record<string, unknown> = {}) => ({
  source_url: `${fx.base}/img/source.jpg`,
  target_url: `${fx.base}/img/target.jpg`,
  notify_url: `${fx.base}/notify`,
  ...extra,
});

describe('notification re-sends', () => {
  test('a receiver failing 3 times, then answering, gets exactly 4 attempts; one that never answers gets exactly 11', async () => {
    const svc = await startTestService();
    try {
      fx.received.length = 0;
      fx.setReceiver((n) => (n <= 3 ? [500, 'busy'] : [200, ' successfully\n']));
      const a = await svc.client.post(`${svc.url}/swapface`, { data: swapBody() });
      await fx.waitFor(4);
      await new Promise((r) => setTimeout(r, 600)); // room for a wrong 5th attempt to show up
      assert.equal(fx.received.length, 4);
      assert.equal(svc.notifier.status(a.data.job_id)?.state, 'delivered');
      // Every re-send carries the same body and the same webhook-id.
      assert.equal(new Set(fx.received.map((r) => r.body)).size, 1);
      assert.equal(new Set(fx.received.map((r) => r.headers['webhook-id'])).size, 1);

      fx.received.length = 0;
      fx.setReceiver(() => [200, 'ok']); // wrong body: not delivered
      const b = await svc.client.post(`${svc.url}/swapface`, { data: swapBody() });
      await fx.waitFor(11);
      await until(async () => svc.notifier.status(b.data.job_id)?.state === 'exhausted', 12000, 'exhausted').catch((e) => { console.log(JSON.stringify(svc.notifier.status(b.data.job_id)), fx.received.length, svc.notifier.attempts(b.data.job_id)); throw e; });
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
      await until(async () => svc.notifier.status(b.data.job_id)?.state === 'delivered', 5000, 'delivered');
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
    const svc = await startTestService();
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
    const svc = await startTestService({ WANXING_MAX_QUEUE_DEPTH: '2' });
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
    const svc = await startTestService({ WANXING_ALLOW_PRIVATE_URLS: '0' });
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
    const small = await startTestService({ WANXING_MAX_IMAGE_BYTES: '100' });
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
    const env = await testEnv({ WANXING_TEST_ENGINE_DELAY_MS: '1500', LOG_LEVEL: 'info' });
    const client = new Client(APP_KEY, APP_SECRET);
    const url = `http://127.0.0.1:${env.PORT}`;
    fx.received.length = 0;

    const first = spawnService(env);
    await first.ready;
    const a = await client.post(`${url}/swapface`, { data: swapBody() });
    const jobId = a.data.job_id;
    await until(async () => {
      const q = await client.post(`${url}/query`, { data: { job_id: jobId } });
      return q.data.job_status === 'running';
    }, 10_000, 'running');
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    assert.equal(fx.received.length, 0);

    const second = spawnService(env);
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
      second.child.kill('SIGTERM');
      await new Promise((r) => second.child.once('exit', r));
    }
  });
});
