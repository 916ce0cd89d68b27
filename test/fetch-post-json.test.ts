// postJson: one webhook attempt through the guarded dispatcher.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import type { Dispatcher } from 'undici';
import { createGuardedAgent } from '../src/fetch/guarded-agent.ts';
import { MAX_ANSWER_BYTES, postJson } from '../src/fetch/post-json.ts';
import { ServiceError } from '../src/jobs/errors.ts';
import { startServer, type TestServer } from './fetch-helpers.ts';

interface Seen { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }
const seen: Seen[] = [];
const routes = new Map<string, http.RequestListener>();
let server: TestServer;
let open: Dispatcher;
let guarded: Dispatcher;

before(async () => {
  server = await startServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() });
      const handler = routes.get(req.url!);
      if (handler) handler(req, res);
      else res.writeHead(404).end('nope');
    });
  });
  open = createGuardedAgent({ allowPrivate: true });
  guarded = createGuardedAgent({ allowPrivate: false });
});

after(async () => {
  await open.close();
  await guarded.close();
  await server.close();
});

test('posts the body with JSON content type and the given headers, returns status and text', async () => {
  routes.set('/ok', (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('successfully'));
  const body = JSON.stringify({ job_id: 'j1', status: 0, data: { result_url: ['http://r/1.jpg'] } });
  const got = await postJson(`${server.base}/ok`, body, { dispatcher: open, timeoutMs: 5000, headers: { 'X-Signature': 'abc' } });
  assert.deepEqual(got, { status: 200, body: 'successfully' });
  const req = seen.at(-1)!;
  assert.equal(req.method, 'POST');
  assert.equal(req.body, body);
  assert.match(String(req.headers['content-type']), /^application\/json/);
  assert.equal(req.headers['x-signature'], 'abc');
});

test('non-2xx answers come back as they are', async () => {
  routes.set('/busy', (_req, res) => res.writeHead(503).end('try later'));
  assert.deepEqual(await postJson(`${server.base}/busy`, '{}', { dispatcher: open, timeoutMs: 5000 }), { status: 503, body: 'try later' });
});

test('a redirect is not followed', async () => {
  routes.set('/moved', (_req, res) => res.writeHead(307, { location: '/ok' }).end());
  routes.set('/ok', (_req, res) => res.writeHead(200).end('successfully'));
  const before = seen.length;
  const got = await postJson(`${server.base}/moved`, '{}', { dispatcher: open, timeoutMs: 5000 });
  assert.equal(got.status, 307);
  assert.deepEqual(seen.slice(before).map((s) => s.url), ['/moved']);
});

test('the answer body is capped at 64 KB', async () => {
  routes.set('/big', (_req, res) => {
    res.writeHead(200);
    res.end('x'.repeat(MAX_ANSWER_BYTES * 3));
  });
  const got = await postJson(`${server.base}/big`, '{}', { dispatcher: open, timeoutMs: 5000 });
  assert.equal(got.status, 200);
  assert.equal(got.body.length, MAX_ANSWER_BYTES);
});

test('a silent server fails with a plain Error after timeoutMs', async () => {
  routes.set('/silent', () => {});
  const err = await postJson(`${server.base}/silent`, '{}', { dispatcher: open, timeoutMs: 200 }).catch((e: unknown) => e);
  assert.ok(err instanceof Error && !(err instanceof ServiceError), String(err));
  assert.match(err.message, /timed out/);
});

test('network failures are plain Errors', async () => {
  const gone = await startServer(() => {});
  const port = gone.port;
  await gone.close();
  const err = await postJson(`http://127.0.0.1:${port}/`, '{}', { dispatcher: open, timeoutMs: 5000 }).catch((e: unknown) => e);
  assert.ok(err instanceof Error && !(err instanceof ServiceError), String(err));
  assert.match(err.message, /ECONNREFUSED/);
  await assert.rejects(postJson('gopher://x/', '{}', { dispatcher: open, timeoutMs: 5000 }), (e) => !(e instanceof ServiceError));
});

test('forbidden addresses are ServiceError UrlForbidden and never reached', async () => {
  const before = seen.length;
  for (const url of [`${server.base}/ok`, `http://localhost:${server.port}/ok`, 'http://169.254.169.254/', 'http://[::1]/']) {
    await assert.rejects(
      postJson(url, '{}', { dispatcher: guarded, timeoutMs: 5000 }),
      (e) => e instanceof ServiceError && e.errorName === 'UrlForbidden',
      url,
    );
  }
  assert.equal(seen.length, before);
});
