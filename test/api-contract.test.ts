// The seed's contract end to end: the official gateway SDK against the real service (engine threads,
// SQLite, notifier), with a loopback image server and notification receiver.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { Webhook } from 'standardwebhooks';
import { webhookKey } from '../src/notify/index.ts';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { APP_KEY, APP_SECRET, ROOT, startFixtures, startTestService, until } from './helpers/service.ts';

const execFileAsync = promisify(execFile);

type Fixtures = Awaited<ReturnType<typeof startFixtures>>;
type TestService = Awaited<ReturnType<typeof startTestService>>;

describe('POST /swapface and /query through the official SDK', () => {
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
    svc = await startTestService();
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

    const tampered = new URL(url);
    tampered.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 1));
    assert.equal((await fetch(tampered)).status, 403);
    assert.equal((await fetch(url.href.replace(/sig=[^&]+/, 'sig=AAAA'))).status, 403);
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

  test("a job of another app is not visible", async () => {
    const other = svc.apps.create('other');
    const { Client } = (await import('aliyun-api-gateway')).default as any;
    const otherClient = new Client(other.appKey, other.appSecret);
    const { data } = await submit(body());
    const a = await otherClient.post(`${svc.url}/query`, { data: { job_id: data.job_id } });
    assert.equal(a.status, -310002);
  });
});

describe('gateway signature failures answer 4xx with X-Ca-Error-Message', () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService();
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
    const { Client } = (await import('aliyun-api-gateway')).default as any;
    const r = await refusal(new Client(APP_KEY, 'wrong-secret').post(`${svc.url}/query`, { data: { job_id: 'x' } }));
    assert.equal(r.code, 400);
    assert.match(r.message, /Invalid Signature/);
    assert.match(r.message, /POST/);
  });

  test('unknown AppKey is refused', async () => {
    const { Client } = (await import('aliyun-api-gateway')).default as any;
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
    const { Client } = (await import('aliyun-api-gateway')).default as any;
    const client = new Client(APP_KEY, APP_SECRET);
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
