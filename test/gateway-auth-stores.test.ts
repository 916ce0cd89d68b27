// Nonce stores and rate limiters: in-memory (fake clock) and Redis-backed (real Redis on loopback).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { MemoryNonceStore } from '../src/api/gateway-auth/nonce-store.ts';
import { MemoryRateLimiter } from '../src/api/gateway-auth/rate-limiter.ts';
import { RedisNonceStore, RedisRateLimiter } from '../src/api/gateway-auth/redis-stores.ts';

test('MemoryNonceStore: first use passes, a replay within ttl fails, expiry frees it', () => {
  let now = 1000;
  const store = new MemoryNonceStore({ now: () => now });
  assert.equal(store.checkAndRemember('app', 'n1', 500), true);
  assert.equal(store.checkAndRemember('app', 'n1', 500), false);
  assert.equal(store.checkAndRemember('other-app', 'n1', 500), true, 'nonces are per AppKey');
  now += 499;
  assert.equal(store.checkAndRemember('app', 'n1', 500), false);
  now += 1;
  assert.equal(store.checkAndRemember('app', 'n1', 500), true);
});

test('MemoryNonceStore stays bounded, dropping expired entries before live ones', () => {
  let now = 0;
  const store = new MemoryNonceStore({ maxEntries: 10, now: () => now });
  for (let i = 0; i < 5; i++) store.checkAndRemember('a', `short-${i}`, 10);
  for (let i = 0; i < 5; i++) store.checkAndRemember('a', `long-${i}`, 10_000);
  now = 100; // the short ones have expired
  for (let i = 0; i < 5; i++) assert.equal(store.checkAndRemember('a', `new-${i}`, 10_000), true);
  assert.ok(store.size <= 10);
  assert.equal(store.checkAndRemember('a', 'long-0', 10_000), false, 'live nonces survived the sweep');
  for (let i = 0; i < 100; i++) store.checkAndRemember('a', `flood-${i}`, 10_000);
  assert.ok(store.size <= 10);
});

test('MemoryRateLimiter: burst, refill at perSecond, independent keys, no refill backwards', () => {
  let now = 10_000;
  const limiter = new MemoryRateLimiter({ perSecond: 2, burst: 3, now: () => now });
  assert.deepEqual([1, 2, 3, 4].map(() => limiter.take('a')), [true, true, true, false]);
  assert.equal(limiter.take('b'), true, 'another key has its own bucket');
  now += 499;
  assert.equal(limiter.take('a'), false);
  now += 1; // 500 ms at 2/s = one token
  assert.equal(limiter.take('a'), true);
  assert.equal(limiter.take('a'), false);
  now -= 5_000;
  assert.equal(limiter.take('a'), false, 'a clock going backwards gives nothing');
  assert.throws(() => new MemoryRateLimiter({ perSecond: 0, burst: 1 }), RangeError);
});

test('MemoryRateLimiter keeps at most maxKeys buckets', () => {
  const limiter = new MemoryRateLimiter({ perSecond: 1, burst: 1, maxKeys: 2, now: () => 0 });
  assert.equal(limiter.take('a'), true);
  assert.equal(limiter.take('b'), true);
  assert.equal(limiter.take('c'), true); // evicts 'a', the least recently used
  assert.equal(limiter.take('b'), false, 'b was kept and is still empty');
  assert.equal(limiter.take('a'), true, 'a was forgotten, so it starts full again');
});

// Redis-backed stores: each run uses its own key prefix and deletes what it wrote.
const prefix = `wanxing:test:gw:${randomUUID()}:`;
let redis: Redis;

before(async () => {
  redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
});

after(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

test('RedisNonceStore: SET NX PX semantics, per AppKey, with an expiry', async () => {
  const store = new RedisNonceStore(redis, prefix);
  assert.equal(await store.checkAndRemember('app:1', 'n1', 60_000), true);
  assert.equal(await store.checkAndRemember('app:1', 'n1', 60_000), false);
  assert.equal(await store.checkAndRemember('app', '1:n1', 60_000), true, "':' in a key cannot alias another key");
  const [key] = await redis.keys(`${prefix}nonce:app%3A1:*`);
  assert.ok(key);
  const pttl = await redis.pttl(key);
  assert.ok(pttl > 0 && pttl <= 60_000, `pttl ${pttl}`);
  // concurrent first uses: exactly one wins
  const results = await Promise.all(Array.from({ length: 20 }, () => store.checkAndRemember('app', 'race', 60_000)));
  assert.equal(results.filter(Boolean).length, 1);
});

test('RedisRateLimiter: token bucket shared through Redis, atomic under concurrency', async () => {
  let now = 1_780_000_000_000;
  const limiter = new RedisRateLimiter(redis, { perSecond: 1, burst: 2, prefix, now: () => now });
  assert.deepEqual([await limiter.take('k'), await limiter.take('k'), await limiter.take('k')], [true, true, false]);
  now += 1000;
  assert.equal(await limiter.take('k'), true);
  assert.equal(await limiter.take('k'), false);
  // a second limiter object (another API process) sees the same bucket
  const other = new RedisRateLimiter(redis, { perSecond: 1, burst: 2, prefix, now: () => now });
  assert.equal(await other.take('k'), false);
  assert.ok((await redis.pttl(`${prefix}rate:k`)) > 0, 'idle buckets expire');

  const burst = new RedisRateLimiter(redis, { perSecond: 0.001, burst: 5, prefix, now: () => now });
  const results = await Promise.all(Array.from({ length: 25 }, () => burst.take('parallel')));
  assert.equal(results.filter(Boolean).length, 5);
});

test('the plugin with Redis stores refuses a replay and throttles across app instances', async () => {
  const { default: Fastify } = await import('fastify');
  const { request } = await import('undici');
  const { gatewayAuth } = await import('../src/api/gateway-auth/plugin.ts');
  const { signGatewayRequest } = await import('../src/api/gateway-auth/sign.ts');
  const now = Date.now();
  const make = async () => {
    const app = Fastify();
    await app.register(gatewayAuth, {
      secretFor: (k) => (k === 'k1' ? 's1' : undefined),
      nonceStore: new RedisNonceStore(redis, prefix),
      rateLimiter: new RedisRateLimiter(redis, { perSecond: 0.001, burst: 2, prefix, now: () => now }),
      now: () => now,
    });
    app.post('/echo', async (req) => ({ appKey: req.appKey }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    assert.ok(address && typeof address === 'object');
    return { app, base: `http://127.0.0.1:${address.port}` };
  };
  const [one, two] = [await make(), await make()];
  try {
    const call = async (base: string, headers: Record<string, string>) => {
      const res = await request(`${base}/echo`, { method: 'POST', headers, body: '{}' });
      await res.body.dump();
      return [res.statusCode, res.headers['x-ca-error-message']];
    };
    const sign = () => signGatewayRequest({
      method: 'POST', url: '/echo', appKey: 'k1', appSecret: 's1', body: '{}', now,
      headers: { 'content-type': 'application/json' },
    });
    const signed = sign();
    assert.deepEqual(await call(one.base, signed), [200, undefined]);
    assert.deepEqual(await call(two.base, signed), [400, 'Nonce Used'], 'replayed against another process');
    assert.deepEqual(await call(two.base, sign()), [200, undefined]);
    assert.deepEqual(await call(one.base, sign()), [429, 'Throttled by APP Flow Control']);
  } finally {
    await one.app.close();
    await two.app.close();
  }
});
