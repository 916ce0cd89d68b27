// Redis-backed NonceStore and RateLimiter, shared by every API process in distributed mode.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { NonceStore } from './nonce-store.ts';
import { validateBucketOptions, type RateLimiter } from './rate-limiter.ts';

const DEFAULT_PREFIX = 'wanxing:gw:';

// AppKeys are percent-encoded so that ':' inside one cannot collide with another key's namespace.
const keyPart = (appKey: string) => encodeURIComponent(appKey);

/** SET key 1 NX PX ttl: atomic "first one wins" across processes; Redis expires it for us. */
export class RedisNonceStore implements NonceStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = DEFAULT_PREFIX,
  ) {}

  async checkAndRemember(appKey: string, nonce: string, ttlMs: number): Promise<boolean> {
    const key = `${this.prefix}nonce:${keyPart(appKey)}:${nonce}`;
    const reply = await this.redis.set(key, '1', 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX');
    return reply === 'OK';
  }
}

// Token bucket in one round trip. State: hash {t = tokens, ts = last refill ms}. The key expires once
// the bucket would be full again, since an absent key means exactly that.
const TOKEN_BUCKET_LUA = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 't', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
if now > ts then
  tokens = math.min(burst, tokens + (now - ts) * rate)
  ts = now
end
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'ts', tostring(ts))
redis.call('PEXPIRE', KEYS[1], ttl)
return allowed
`;
const TOKEN_BUCKET_SHA = createHash('sha1').update(TOKEN_BUCKET_LUA).digest('hex');

export interface RedisRateLimiterOptions {
  perSecond: number;
  burst: number;
  prefix?: string;
  /** clock in ms; API processes are assumed NTP-synced (a clock behind simply refills nothing) */
  now?: () => number;
}

export class RedisRateLimiter implements RateLimiter {
  readonly #perMs: number;
  readonly #burst: number;
  readonly #ttlMs: number;
  readonly #prefix: string;
  readonly #now: () => number;

  constructor(
    private readonly redis: Redis,
    opts: RedisRateLimiterOptions,
  ) {
    validateBucketOptions(opts);
    this.#perMs = opts.perSecond / 1000;
    this.#burst = opts.burst;
    this.#ttlMs = Math.ceil((opts.burst / opts.perSecond) * 1000) + 1000;
    this.#prefix = opts.prefix ?? DEFAULT_PREFIX;
    this.#now = opts.now ?? Date.now;
  }

  async take(appKey: string): Promise<boolean> {
    const key = `${this.#prefix}rate:${keyPart(appKey)}`;
    const args = [String(this.#perMs), String(this.#burst), String(Math.floor(this.#now())), String(this.#ttlMs)];
    let reply: unknown;
    try {
      reply = await this.redis.evalsha(TOKEN_BUCKET_SHA, 1, key, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      reply = await this.redis.eval(TOKEN_BUCKET_LUA, 1, key, ...args);
    }
    return Number(reply) === 1;
  }
}
