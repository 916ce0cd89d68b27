// The gateway-auth Fastify plugin end to end over loopback: the official SDK unchanged, hand-made
// requests (undici) for what the SDK cannot send, and each refusal's status and headers.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import Fastify, { type FastifyInstance } from 'fastify';
import { request } from 'undici';
import { gatewayAuth, type GatewayAuthOptions } from '../src/api/gateway-auth/plugin.ts';
import { MemoryNonceStore } from '../src/api/gateway-auth/nonce-store.ts';
import { MemoryRateLimiter } from '../src/api/gateway-auth/rate-limiter.ts';
import { signGatewayRequest } from '../src/api/gateway-auth/sign.ts';

const require = createRequire(import.meta.url);
type SdkError = Error & { code: number; data: { headers: Record<string, string> } };
interface SdkClient {
  post(url: string, opts: { data?: unknown; headers?: Record<string, string>; query?: Record<string, string> }): Promise<any>;
  get(url: string, opts: { query?: Record<string, string> }): Promise<any>;
}
const sdk = require('aliyun-api-gateway') as {
  Client: new (key: string, secret: string) => SdkClient;
  CONTENT_TYPE_FORM: string;
};

const KEY = '203799999';
const SECRET = 'app-secret-1';
const secretFor = async (k: string) => (k === KEY ? SECRET : undefined);
const UUID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;

const apps: FastifyInstance[] = [];
after(() => Promise.all(apps.map((a) => a.close())));

async function start(opts: Partial<GatewayAuthOptions> = {}) {
  const app = Fastify();
  await app.register(gatewayAuth, {
    secretFor,
    nonceStore: new MemoryNonceStore(),
    skip: (req) => req.url === '/healthz',
    ...opts,
  });
  const echo = async (req: import('fastify').FastifyRequest) => ({
    appKey: req.appKey ?? null,
    body: req.body ?? null,
    jsonError: req.jsonError,
  });
  app.post('/echo', echo);
  app.get('/echo', echo);
  app.get('/healthz', async () => ({ ok: true }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  apps.push(app);
  const address = app.server.address();
  assert.ok(address && typeof address === 'object');
  return `http://127.0.0.1:${address.port}`;
}

async function sdkFailure(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (err) {
    return err as SdkError;
  }
  assert.fail('the SDK call should have failed');
}

/** Signs like the SDK, then lets the caller tamper before sending with undici. */
async function send(base: string, o: {
  method?: 'GET' | 'POST'; url?: string; body?: string; contentType?: string; secret?: string;
  now?: number; nonce?: string; signatureMethod?: 'HmacSHA256' | 'HmacSHA1';
  tamper?: (h: Record<string, string>) => void; sendUrl?: string; sendBody?: string;
}) {
  const method = o.method ?? 'POST';
  const url = o.url ?? '/echo';
  const headers = signGatewayRequest({
    method, url, appKey: KEY, appSecret: o.secret ?? SECRET, body: o.body, now: o.now, nonce: o.nonce,
    signatureMethod: o.signatureMethod,
    headers: o.body === undefined ? {} : { 'content-type': o.contentType ?? 'application/json' },
  });
  o.tamper?.(headers);
  const res = await request(base + (o.sendUrl ?? url), { method, headers, body: o.sendBody ?? o.body });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

test('the official SDK, unchanged, is accepted (POST JSON, query string, form, GET)', async () => {
  const base = await start();
  const client = new sdk.Client(KEY, SECRET);

  const posted = await client.post(`${base}/echo`, { data: { source_url: 'http://a/b.jpg', n: 1 } });
  assert.deepEqual(posted, { appKey: KEY, body: { source_url: 'http://a/b.jpg', n: 1 }, jsonError: false });

  const withQuery = await client.post(`${base}/echo?z=last&a=first`, { data: { x: 1 }, query: { m: 'middle value' } });
  assert.equal(withQuery.appKey, KEY);

  const form = await client.post(`${base}/echo?q=1`, {
    data: { job_id: 'j 1', lang: 'zh-CN', empty: '' },
    headers: { 'content-type': sdk.CONTENT_TYPE_FORM },
  });
  assert.deepEqual(form.body, { job_id: 'j 1', lang: 'zh-CN', empty: '' });

  const got = await client.get(`${base}/echo`, { query: { id: '7', name: '万兴' } });
  assert.equal(got.appKey, KEY);
});

test('a wrong secret is refused with 400 Invalid Signature carrying the server StringToSign', async () => {
  const base = await start();
  const err = await sdkFailure(new sdk.Client(KEY, 'not-the-secret').post(`${base}/echo?b=2`, { data: { a: 1 } }));
  assert.equal(err.code, 400);
  const message = err.data.headers['x-ca-error-message'];
  assert.ok(message?.startsWith('Invalid Signature, Server StringToSign:`POST#application/json#'), message);
  assert.ok(message.endsWith('#/echo?b=2`'), message);
  assert.match(err.data.headers['x-ca-request-id'] ?? '', UUID);
  assert.match(err.message, /Invalid Signature/);

  // the hand-made path shows the body copy too, with real newlines
  const res = await send(base, { body: '{"a":1}', secret: 'nope' });
  assert.equal(res.status, 400);
  assert.equal(res.json.error, res.headers['x-ca-error-message']);
  assert.ok(res.json.string_to_sign.startsWith('POST\n\n'));
});

test('an unknown AppKey is refused with 403 Invalid AppKey', async () => {
  const base = await start();
  const err = await sdkFailure(new sdk.Client('someone-else', SECRET).post(`${base}/echo`, { data: {} }));
  assert.equal(err.code, 403);
  assert.equal(err.data.headers['x-ca-error-message'], 'Invalid AppKey');
});

test('HmacSHA1 is accepted when X-Ca-Signature-Method says so', async () => {
  const base = await start();
  const ok = await send(base, { body: '{"k":"v"}', signatureMethod: 'HmacSHA1' });
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.json, { appKey: KEY, body: { k: 'v' }, jsonError: false });
  // claiming SHA-1 while signing with SHA-256 fails
  const mixed = await send(base, { body: '{}', tamper: (h) => { h['x-ca-signature-method'] = 'HmacSHA1'; } });
  assert.equal(mixed.status, 400);
});

test('timestamps more than 15 minutes away are refused; the edge of the window passes', async () => {
  const now = 1_780_000_000_000;
  const base = await start({ now: () => now });
  const stale = await send(base, { body: '{}', now: now - 15 * 60_000 - 1 });
  assert.equal(stale.status, 400);
  assert.equal(stale.headers['x-ca-error-message'], 'Invalid Timestamp');
  const future = await send(base, { body: '{}', now: now + 15 * 60_000 + 1 });
  assert.equal(future.status, 400);
  assert.equal((await send(base, { body: '{}', now: now - 15 * 60_000 })).status, 200);
});

test('the same signed request sent twice: the second is refused as Nonce Used', async () => {
  const base = await start();
  const headers = signGatewayRequest({
    method: 'POST', url: '/echo', appKey: KEY, appSecret: SECRET, body: '{}',
    headers: { 'content-type': 'application/json' },
  });
  const first = await request(`${base}/echo`, { method: 'POST', headers, body: '{}' });
  await first.body.dump();
  assert.equal(first.statusCode, 200);
  const second = await request(`${base}/echo`, { method: 'POST', headers, body: '{}' });
  await second.body.dump();
  assert.equal(second.statusCode, 400);
  assert.equal(second.headers['x-ca-error-message'], 'Nonce Used');
  // a forged request does not burn a nonce: the rightful one with that nonce still goes through
  const forged = await send(base, { body: '{}', nonce: 'fresh-nonce', secret: 'wrong' });
  assert.equal(forged.status, 400);
  assert.equal((await send(base, { body: '{}', nonce: 'fresh-nonce' })).status, 200);
});

test('a Content-MD5 that does not match the body is refused', async () => {
  const base = await start();
  const res = await send(base, { body: '{"a":1}', sendBody: '{"a":2}' });
  assert.equal(res.status, 400);
  assert.equal(res.headers['x-ca-error-message'], 'Invalid Content-MD5');
  const noMd5 = await send(base, { body: '{"a":1}', tamper: (h) => { delete h['content-md5']; } });
  assert.equal(noMd5.status, 400);
  assert.equal(noMd5.headers['x-ca-error-message'], 'Header `Content-MD5` is Required');
});

test('missing X-Ca headers answer 400 naming the header', async () => {
  const base = await start();
  for (const [name, header] of [
    ['X-Ca-Key', 'x-ca-key'], ['X-Ca-Signature', 'x-ca-signature'],
    ['X-Ca-Timestamp', 'x-ca-timestamp'], ['X-Ca-Nonce', 'x-ca-nonce'],
  ] as const) {
    const res = await send(base, { body: '{}', tamper: (h) => { delete h[header]; } });
    assert.equal(res.status, 400, name);
    assert.equal(res.headers['x-ca-error-message'], `Header \`${name}\` is Required`);
    assert.match(String(res.headers['x-ca-request-id']), UUID);
  }
  const bare = await request(`${base}/echo`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
  await bare.body.dump();
  assert.equal(bare.statusCode, 400);
});

test('query and form parameters are part of the StringToSign', async () => {
  const base = await start();
  const changedQuery = await send(base, { method: 'GET', url: '/echo?a=1&b=2', sendUrl: '/echo?a=1&b=3' });
  assert.equal(changedQuery.status, 400);
  assert.ok(changedQuery.json.string_to_sign.endsWith('\n/echo?a=1&b=3'), 'the server signs what it received');
  assert.ok(String(changedQuery.headers['x-ca-error-message']).endsWith('#/echo?a=1&b=3`'));

  const form = 'application/x-www-form-urlencoded; charset=UTF-8';
  const good = await send(base, { body: 'x=1&y=two%20words', contentType: form });
  assert.equal(good.status, 200);
  assert.deepEqual(good.json.body, { x: '1', y: 'two words' });
  const changedForm = await send(base, { body: 'x=1&y=two', contentType: form, sendBody: 'x=2&y=two' });
  assert.equal(changedForm.status, 400);
  assert.ok(changedForm.json.string_to_sign.endsWith('/echo?x=2&y=two'));
});

test('per-key rate limit answers 429 Throttled by APP Flow Control', async () => {
  const now = 1_780_000_000_000;
  const base = await start({ now: () => now, rateLimiter: new MemoryRateLimiter({ perSecond: 1, burst: 2, now: () => now }) });
  const client = new sdk.Client(KEY, SECRET);
  // the SDK stamps Date.now(); keep it inside the fixed server clock's window
  const stamp = (o: Record<string, string>) => ({ ...o, 'x-ca-timestamp': String(now) });
  await client.post(`${base}/echo`, { data: {}, headers: stamp({}) });
  await client.post(`${base}/echo`, { data: {}, headers: stamp({}) });
  const err = await sdkFailure(client.post(`${base}/echo`, { data: {}, headers: stamp({}) }));
  assert.equal(err.code, 429);
  assert.equal(err.data.headers['x-ca-error-message'], 'Throttled by APP Flow Control');
});

test('bad JSON is not a Fastify 400: the route sees jsonError and answers its own envelope', async () => {
  const base = await start();
  const broken = await send(base, { body: '{"source_url": ' });
  assert.equal(broken.status, 200);
  assert.deepEqual(broken.json, { appKey: KEY, body: null, jsonError: true });
  const poisoned = await send(base, { body: '{"__proto__": {"x": 1}}' });
  assert.equal(poisoned.status, 200);
  assert.equal(poisoned.json.jsonError, true);
});

test('every response carries X-Ca-Request-Id, skipped routes need no signature', async () => {
  const base = await start();
  const health = await request(`${base}/healthz`);
  assert.equal(health.statusCode, 200);
  assert.deepEqual(await health.body.json(), { ok: true });
  assert.match(String(health.headers['x-ca-request-id']), UUID);
  const ok = await send(base, { body: '{}' });
  assert.equal(ok.status, 200);
  assert.match(String(ok.headers['x-ca-request-id']), UUID);
  assert.notEqual(ok.headers['x-ca-request-id'], health.headers['x-ca-request-id']);
});

test('a failing store is a 500 (fail closed), still with X-Ca-Request-Id', async () => {
  const base = await start({
    nonceStore: { checkAndRemember: () => Promise.reject(new Error('redis down')) },
  });
  const res = await send(base, { body: '{}' });
  assert.equal(res.status, 500);
  assert.match(String(res.headers['x-ca-request-id']), UUID);
});
