// Pure parts of the gateway signature: StringToSign layout, verification outcomes, and properties.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { parse as parseQuery, stringify as stringifyQuery } from 'node:querystring';
import { parse as parseUrl } from 'node:url';
import fc from 'fast-check';
import { buildStringToSign } from '../src/api/gateway-auth/string-to-sign.ts';
import { verifyGatewayRequest, type VerifyDeps } from '../src/api/gateway-auth/verify.ts';
import { signGatewayRequest } from '../src/api/gateway-auth/sign.ts';

const require = createRequire(import.meta.url);
type SdkClient = {
  buildStringToSign(method: string, headers: object, signed: string, url: object, data?: object): string;
  getSignHeaderKeys(headers: object, signHeaders: object): string[];
  getSignedHeadersString(keys: string[], headers: object): string;
};
const { Client } = require('aliyun-api-gateway') as { Client: new (key: string, secret: string) => SdkClient };

const NOW = 1_780_000_000_000;
const KEY = '203799999';
const SECRET = 's3cr3t-value';
const deps: VerifyDeps = { secretFor: (k) => (k === KEY ? SECRET : undefined), now: () => NOW };

test('StringToSign follows the gateway layout exactly (golden vector)', () => {
  const sts = buildStringToSign({
    method: 'POST',
    path: '/swapface',
    headers: {
      Accept: 'application/json',
      'Content-MD5': 'md5value==',
      'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8',
      Date: 'Thu, 26 Nov 2026 13:00:00 GMT',
      'X-Ca-Key': KEY,
      'X-Ca-Nonce': 'n-1',
      'X-Ca-Timestamp': '1780000000000',
      'X-Custom': 'v',
      'X-Not-Signed': 'ignored',
      // listed in any order and case; accept/content-type are never repeated in the header block
      'X-Ca-Signature-Headers': 'x-custom,X-Ca-Timestamp, x-ca-nonce,x-ca-key,accept,content-type',
    },
    query: { b: '2', a: '1', empty: '' },
    form: { c: 'hello world', a: 'from-form' },
  });
  assert.equal(
    sts,
    [
      'POST',
      'application/json',
      'md5value==',
      'application/x-www-form-urlencoded; charset=UTF-8',
      'Thu, 26 Nov 2026 13:00:00 GMT',
      'x-ca-key:203799999',
      'x-ca-nonce:n-1',
      'x-ca-timestamp:1780000000000',
      'x-custom:v',
      '/swapface?a=from-form&b=2&c=hello world&empty',
    ].join('\n'),
  );
});

test('empty lines stay when Accept/Content-MD5/Content-Type/Date are absent; form ignored for JSON', () => {
  const sts = buildStringToSign({
    method: 'GET',
    path: '/query',
    headers: { 'content-type': 'application/json' },
    form: { ignored: 'yes' },
  });
  assert.equal(sts, 'GET\n\n\napplication/json\n\n/query');
});

test('HmacSHA1 is honoured when X-Ca-Signature-Method says so (signature computed by hand)', () => {
  const headers: Record<string, string> = {
    'x-ca-key': KEY,
    'x-ca-timestamp': String(NOW),
    'x-ca-nonce': 'abc',
    'x-ca-signature-method': 'HmacSHA1',
    'x-ca-signature-headers': 'x-ca-key,x-ca-nonce,x-ca-signature-method,x-ca-timestamp',
  };
  const sts = `GET\n\n\n\n\nx-ca-key:${KEY}\nx-ca-nonce:abc\nx-ca-signature-method:HmacSHA1\nx-ca-timestamp:${NOW}\n/query?id=7`;
  headers['x-ca-signature'] = createHmac('sha1', SECRET).update(sts).digest('base64');
  const req = { method: 'GET', path: '/query', headers, query: { id: '7' } };
  assert.deepEqual(verifyGatewayRequest(req, deps), { ok: true, appKey: KEY, nonce: 'abc', timestamp: NOW });
  // the same bytes signed with SHA-256 do not pass as SHA-1
  headers['x-ca-signature'] = createHmac('sha256', SECRET).update(sts).digest('base64');
  assert.equal(verifyGatewayRequest(req, deps).ok, false);
});

test('verification failures carry the gateway status and message', () => {
  const body = Buffer.from('{"a":1}');
  const base = signGatewayRequest({
    method: 'POST', url: '/swapface', appKey: KEY, appSecret: SECRET, now: NOW, body,
    headers: { 'content-type': 'application/json' },
  });
  const run = (headers: Record<string, string | undefined>, rawBody = body, d: VerifyDeps = deps) =>
    verifyGatewayRequest({ method: 'POST', path: '/swapface', headers, rawBody }, d);

  assert.equal(run(base).ok, true);
  assert.deepEqual(run({ ...base, 'x-ca-key': 'nobody' }), { ok: false, httpStatus: 403, message: 'Invalid AppKey' });
  assert.deepEqual(run({ ...base, 'x-ca-nonce': undefined }), { ok: false, httpStatus: 400, message: 'Header `X-Ca-Nonce` is Required' });
  assert.deepEqual(run(base, body, { ...deps, now: () => NOW + 15 * 60_000 + 1 }), { ok: false, httpStatus: 400, message: 'Invalid Timestamp' });
  assert.equal(run(base, body, { ...deps, now: () => NOW - 15 * 60_000 }).ok, true, 'the window is inclusive, both ways');
  assert.deepEqual(run({ ...base, 'x-ca-timestamp': '12ab' }), { ok: false, httpStatus: 400, message: 'Invalid Timestamp' });
  assert.deepEqual(run(base, Buffer.from('{"a":2}')), { ok: false, httpStatus: 400, message: 'Invalid Content-MD5' });
  assert.deepEqual(run({ ...base, 'content-md5': undefined }), { ok: false, httpStatus: 400, message: 'Header `Content-MD5` is Required' });
  const noMd5 = run({ ...base, 'content-md5': undefined }, body, { ...deps, requireContentMd5: false });
  assert.ok(!noMd5.ok && noMd5.message.startsWith('Invalid Signature'), 'Content-MD5 is part of the StringToSign');
  const sig = run({ ...base, 'x-ca-signature-method': 'HmacMD5' });
  assert.equal(sig.ok === false && sig.httpStatus, 400);
  const unsignedNonce = run({ ...base, 'x-ca-signature-headers': 'x-ca-key,x-ca-timestamp' });
  assert.equal(unsignedNonce.ok === false && unsignedNonce.message.includes('X-Ca-Signature-Headers'), true);

  const bad = run({ ...base, 'x-ca-signature': 'AAAA' });
  assert.equal(bad.ok, false);
  if (!bad.ok) {
    assert.equal(bad.httpStatus, 400);
    assert.equal(bad.stringToSign, buildStringToSign({ method: 'POST', path: '/swapface', headers: base }));
    assert.equal(bad.message, `Invalid Signature, Server StringToSign:\`${bad.stringToSign!.replace(/\n/g, '#')}\``);
  }
});

test('the server StringToSign equals the official SDK StringToSign (property)', () => {
  const client = new Client(KEY, SECRET);
  const keyArb = fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/);
  fc.assert(
    fc.property(
      fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
      fc.stringMatching(/^(\/[a-zA-Z0-9_.-]{1,8}){1,3}$/),
      fc.dictionary(keyArb, fc.oneof(fc.constant(''), fc.string({ maxLength: 12 })), { maxKeys: 5 }),
      fc.dictionary(keyArb, fc.string({ maxLength: 12 }), { maxKeys: 4 }),
      fc.boolean(),
      (method, path, query, form, isForm) => {
        const contentType = isForm ? 'application/x-www-form-urlencoded; charset=UTF-8' : 'application/json';
        const headers: Record<string, string> = {
          accept: 'application/json',
          'content-type': contentType,
          'x-ca-key': KEY,
          'x-ca-nonce': 'nonce',
          'x-ca-timestamp': String(NOW),
          'x-ca-stage': 'RELEASE',
        };
        const keys = client.getSignHeaderKeys(headers, {});
        const signedStr = client.getSignedHeadersString(keys, headers);
        const qs = stringifyQuery(query);
        const url = parseUrl(qs ? `${path}?${qs}` : path, true);
        const sdk = client.buildStringToSign(method, headers, signedStr, url, isForm ? { ...form } : undefined);
        const ours = buildStringToSign({
          method,
          path,
          headers: { ...headers, 'x-ca-signature-headers': keys.join(',') },
          query: qs ? (parseQuery(qs) as Record<string, string>) : undefined,
          form: parseQuery(stringifyQuery(form)) as Record<string, string>,
        });
        assert.equal(ours, sdk);
      },
    ),
    { numRuns: 300 },
  );
});

test('buildStringToSign is deterministic under header order and name case (property)', () => {
  const nameArb = fc.stringMatching(/^x-[a-z]{1,6}$/);
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.tuple(nameArb, fc.string({ maxLength: 10 })), { selector: ([n]) => n, minLength: 1, maxLength: 6 }),
      fc.infiniteStream(fc.boolean()),
      fc.func(fc.integer()),
      (entries, upper, order) => {
        const all: [string, string][] = [
          ...entries,
          ['accept', 'application/json'],
          ['content-type', 'application/json'],
          ['x-ca-signature-headers', entries.map(([n]) => n).join(',')],
        ];
        const reference = buildStringToSign({ method: 'POST', path: '/p', headers: Object.fromEntries(all) });
        const it = upper[Symbol.iterator]();
        const recased = all.map(([n, v]): [string, string] => [it.next().value ? n.toUpperCase() : n, v]);
        const shuffled = recased.map((e, i) => ({ e, k: order(i) })).sort((a, b) => a.k - b.k).map(({ e }) => e);
        const listed = [...entries.map(([n]) => n)].reverse().map((n) => (it.next().value ? n.toUpperCase() : ` ${n}`));
        const headers = Object.fromEntries(shuffled);
        for (const key of Object.keys(headers)) if (key.toLowerCase() === 'x-ca-signature-headers') headers[key] = listed.join(',');
        assert.equal(buildStringToSign({ method: 'POST', path: '/p', headers }), reference);
      },
    ),
    { numRuns: 300 },
  );
});

test('any change to method, path, query, body or a signed header invalidates the signature (property)', () => {
  const md5 = (b: Buffer) => createHash('md5').update(b).digest('base64');
  type Mutation = 'method' | 'path' | 'query' | 'body' | 'header' | 'timestamp' | 'nonce';
  fc.assert(
    fc.property(
      fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
      fc.stringMatching(/^(\/[a-z0-9_-]{1,6}){1,3}$/),
      fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
      fc.string({ maxLength: 16 }),
      fc.constantFrom<Mutation>('method', 'path', 'query', 'body', 'header', 'timestamp', 'nonce'),
      fc.uint8Array({ minLength: 1, maxLength: 8 }),
      (method, path, body, custom, mutation, noise) => {
        const headers = signGatewayRequest({
          method, url: `${path}?q=1`, appKey: KEY, appSecret: SECRET, now: NOW, body,
          headers: { 'content-type': 'application/octet-stream', 'x-custom': custom },
          signHeaders: ['x-custom'],
        });
        const req = { method, path, headers: { ...headers }, query: { q: '1' }, rawBody: body };
        assert.equal(verifyGatewayRequest(req, deps).ok, true, 'unchanged request verifies');

        const tweak = Buffer.from(noise).toString('hex');
        if (mutation === 'method') req.method = method === 'GET' ? 'POST' : 'GET';
        if (mutation === 'path') req.path = `${path}/${tweak}`;
        if (mutation === 'query') req.query = { q: `1${tweak}` };
        if (mutation === 'body') req.rawBody = Buffer.concat([body, Buffer.from(noise)]);
        if (mutation === 'header') req.headers['x-custom'] = custom + tweak;
        if (mutation === 'timestamp') req.headers['x-ca-timestamp'] = String(NOW - 1 - noise[0]!);
        if (mutation === 'nonce') req.headers['x-ca-nonce'] += tweak;
        const result = verifyGatewayRequest(req, deps);
        assert.equal(result.ok, false, `mutating ${mutation} must fail`);
        if (mutation === 'body' && !result.ok) {
          // a body change is caught by Content-MD5 (or by its absence), never silently accepted
          assert.match(result.message, /Content-MD5/);
          assert.notEqual(md5(req.rawBody), headers['content-md5']);
        }
      },
    ),
    { numRuns: 400 },
  );
});
