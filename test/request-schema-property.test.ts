// Fuzzing the request schema (POST /swapface and /query): any JSON value either parses into a job
// input that keeps every rule, or is InvalidArguments; nothing else escapes. Then the same through
// the real server: random signed bodies always get HTTP 200 with status 0 or -310001.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { signGatewayRequest } from '../src/api/gateway-auth/sign.ts';
import { ServiceError } from '../src/jobs/errors.ts';
import { parseQueryRequest, parseSwapRequest } from '../src/jobs/validate.ts';
import { APP_KEY, APP_SECRET, startTestService } from './helpers/service.ts';

const RULES = { defaultTimeoutS: 7200, maxTimeoutS: 86_400 };
const FIELDS = ['source_url', 'target_url', 'notify_url'] as const;

const httpUrl = fc.webUrl({ validSchemes: ['http', 'https'], withQueryParameters: true, withFragments: true }).filter((u) => u.length <= 2048);
const anyValue = fc.oneof(fc.anything(), fc.string(), fc.string({ unit: 'grapheme' }), fc.double(), fc.constantFrom('', null, 'ftp://x/a.jpg', 'http://', 'http:///a', 'javascript:x', 'http://a b/', 'http://[::1/'));
const bodyWith = (url: fc.Arbitrary<string>) =>
  fc.oneof(
    fc.anything(),
    fc.record({ source_url: fc.oneof(url, anyValue), target_url: fc.oneof(url, anyValue), notify_url: fc.oneof(url, anyValue), timeout: fc.oneof(fc.double(), fc.integer(), anyValue) }, { requiredKeys: [] }),
  );
const body = bodyWith(httpUrl);
// Through the server, accepted jobs may time out and be notified: only hosts that can never resolve.
const invalidHostUrl = fc.tuple(fc.webPath(), fc.webQueryParameters()).map(([p, q]) => `http://fuzz.invalid${p}?${q}`);

function rulesHold(input: ReturnType<typeof parseSwapRequest>) {
  for (const url of [input.sourceUrl, input.targetUrl, input.notifyUrl]) {
    assert.equal(typeof url, 'string');
    assert.ok(url.length <= 2048);
    assert.ok(!/[\u0000-\u0020\u007f-\u009f]/.test(url));
    assert.ok(['http:', 'https:'].includes(new URL(url).protocol));
  }
  assert.ok(Number.isFinite(input.timeoutS) && input.timeoutS >= 1 && input.timeoutS <= RULES.maxTimeoutS);
}

const isInvalidArguments = (err: unknown) => err instanceof ServiceError && err.errorName === 'InvalidArguments';

test('property: parseSwapRequest accepts only inputs that keep every rule, refuses the rest as InvalidArguments', () => {
  fc.assert(
    fc.property(body, (b) => {
      try {
        rulesHold(parseSwapRequest(b, RULES));
      } catch (err) {
        assert.ok(isInvalidArguments(err), String(err));
      }
    }),
    { numRuns: 3000 },
  );
});

test('property: valid bodies are accepted exactly as sent; breaking any one field refuses them', () => {
  fc.assert(
    fc.property(
      fc.tuple(httpUrl, httpUrl, httpUrl),
      fc.option(fc.double({ min: 1, max: RULES.maxTimeoutS, noNaN: true }), { nil: undefined }),
      fc.constantFrom(...FIELDS, 'timeout'),
      fc.oneof(fc.constantFrom(undefined, null, '', 0, 'file:///etc/passwd', `http://x/${'a'.repeat(2048)}`, 'http://a\tb/', [], {}), fc.double({ max: 0.999, noNaN: true }), fc.double({ min: RULES.maxTimeoutS + 0.001 })),
      ([s, t, n], timeout, broken, bad) => {
        const good = { source_url: s, target_url: t, notify_url: n, ...(timeout !== undefined && { timeout }) };
        assert.deepEqual(parseSwapRequest(good, RULES), { sourceUrl: s, targetUrl: t, notifyUrl: n, timeoutS: timeout ?? RULES.defaultTimeoutS });
        // undefined/null timeout means the default: not a break.
        fc.pre(!(broken === 'timeout' && (bad === undefined || bad === null)));
        // A double is only bad for the timeout; for a URL field any non-string is bad anyway.
        assert.throws(() => parseSwapRequest({ ...good, [broken]: bad }, RULES), isInvalidArguments);
      },
    ),
    { numRuns: 1500 },
  );
});

test('property: parseQueryRequest returns a 1–128 character string id or refuses', () => {
  fc.assert(
    fc.property(fc.oneof(fc.anything(), fc.record({ job_id: anyValue })), (b) => {
      try {
        const id = parseQueryRequest(b);
        assert.ok(typeof id === 'string' && id.length >= 1 && id.length <= 128);
      } catch (err) {
        assert.ok(isInvalidArguments(err), String(err));
      }
    }),
    { numRuns: 2000 },
  );
});

test('property: random signed JSON bodies through the real server: HTTP 200, status 0 or -310001, still serving', async () => {
  // No engine threads: accepted jobs are never downloaded (their URLs are random hosts).
  const svc = await startTestService({ WANXING_WORKERS: '0', WANXING_RATE_LIMIT_PER_S: '0' });
  try {
    await fc.assert(
      fc.asyncProperty(fc.oneof(bodyWith(invalidHostUrl), fc.jsonValue()), fc.constantFrom('/swapface', '/query'), async (b, path) => {
        const text = JSON.stringify(b) ?? 'null';
        fc.pre(Buffer.byteLength(text) < 60_000);
        const headers = signGatewayRequest({ method: 'POST', url: path, appKey: APP_KEY, appSecret: APP_SECRET, body: text, headers: { 'content-type': 'application/json', accept: 'application/json' } });
        const res = await fetch(svc.url + path, { method: 'POST', headers, body: text });
        assert.equal(res.status, 200);
        const answer = await res.json();
        assert.ok([0, -310001, -310002].includes(answer.status), JSON.stringify(answer));
        if (path === '/swapface') assert.notEqual(answer.status, -310002);
      }),
      { numRuns: 300 },
    );
    assert.equal((await fetch(`${svc.url}/healthz`)).status, 200);
  } finally {
    await svc.close();
  }
});
