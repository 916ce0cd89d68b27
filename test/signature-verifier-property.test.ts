// Fuzzing the gateway signature verifier: whatever arrives, it answers (never throws), refuses with a
// gateway status and a message that is a legal header value, and accepts only a request signed with
// the app's secret inside the timestamp window.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { signGatewayRequest } from '../src/api/gateway-auth/sign.ts';
import { verifyGatewayRequest, type VerifyDeps } from '../src/api/gateway-auth/verify.ts';

const NOW = 1_780_000_000_000;
const KEY = 'fuzz-key';
const SECRET = 'fuzz-secret-0123456789';
const deps: VerifyDeps = { secretFor: (k) => (k === KEY ? SECRET : undefined), now: () => NOW };
const WINDOW = 15 * 60 * 1000;

// Names the verifier looks at, plus noise; values of every kind a raw HTTP parser could hand over.
const headerName = fc.oneof(
  fc.constantFrom('x-ca-key', 'X-Ca-Signature', 'x-ca-timestamp', 'x-ca-nonce', 'x-ca-signature-method', 'x-ca-signature-headers', 'content-md5', 'content-type', 'accept', 'date'),
  fc.string({ minLength: 1, maxLength: 12 }),
);
const headerValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(KEY, String(NOW), 'HmacSHA256', 'hmacsha1', 'md5', 'x-ca-timestamp,x-ca-nonce', ''),
  fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
  fc.string({ minLength: 200, maxLength: 400 }),
);
const request = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'get'),
  path: fc.oneof(fc.constantFrom('/swapface', '/query'), fc.webPath()),
  headers: fc.dictionary(headerName, headerValue, { maxKeys: 12 }),
  query: fc.option(fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.string({ maxLength: 10 }), fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }))), { nil: undefined }),
  rawBody: fc.option(fc.uint8Array({ maxLength: 128 }).map((a) => Buffer.from(a)), { nil: undefined }),
});

const isHeaderValue = (s: string) => /^[\x20-\x7e]*$/.test(s);

test('property: arbitrary requests are refused with 400/403 and a header-safe message, never a throw', () => {
  fc.assert(
    fc.property(request, (req) => {
      const r = verifyGatewayRequest(req, deps);
      assert.equal(r.ok, false);
      if (!r.ok) {
        assert.ok(r.httpStatus === 400 || r.httpStatus === 403, String(r.httpStatus));
        assert.ok(isHeaderValue(r.message), r.message);
      }
    }),
    { numRuns: 2000 },
  );
});

test('property: a correctly formed request with any other signature is refused as Invalid Signature', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 60 }), fc.uint8Array({ maxLength: 64 }), fc.string({ unit: 'grapheme', maxLength: 30 }), (forged, body, nonce) => {
      const headers = signGatewayRequest({ method: 'POST', url: '/swapface', appKey: KEY, appSecret: SECRET, now: NOW, nonce: nonce || 'n', body: Buffer.from(body), headers: { 'content-type': 'application/json' } });
      fc.pre(forged !== headers['x-ca-signature'] && forged !== '');
      const r = verifyGatewayRequest({ method: 'POST', path: '/swapface', headers: { ...headers, 'x-ca-signature': forged }, rawBody: Buffer.from(body) }, deps);
      assert.equal(r.ok, false);
      if (!r.ok && (nonce || 'n').length <= 128) {
        assert.equal(r.httpStatus, 400);
        assert.match(r.message, /^Invalid Signature, Server StringToSign:/);
        assert.ok(isHeaderValue(r.message));
      }
    }),
    { numRuns: 1000 },
  );
});

test('property: signed with another secret is never accepted; with the right one, exactly inside the window', () => {
  fc.assert(
    fc.property(fc.string({ minLength: 1, maxLength: 30 }), fc.integer({ min: -2 * WINDOW, max: 2 * WINDOW }), fc.json({ maxDepth: 2 }), (secret, offset, json) => {
      const sign = (appSecret: string) =>
        signGatewayRequest({ method: 'POST', url: '/query', appKey: KEY, appSecret, now: NOW + offset, body: json, headers: { 'content-type': 'application/json' } });
      const verify = (headers: Record<string, string>) => verifyGatewayRequest({ method: 'POST', path: '/query', headers, rawBody: Buffer.from(json) }, deps);
      if (secret !== SECRET) assert.equal(verify(sign(secret)).ok, false);
      assert.equal(verify(sign(SECRET)).ok, Math.abs(offset) <= WINDOW, `offset ${offset}`);
    }),
    { numRuns: 1000 },
  );
});
