// Per-AppKey throttling, the in-process counterpart of the gateway's APP flow control.

export interface RateLimiter {
  /** true when allowed */
  take(appKey: string): Promise<boolean> | boolean;
}

export interface TokenBucketOptions {
  /** sustained rate: tokens added per second */
  perSecond: number;
  /** bucket size: how many requests may arrive at once after a quiet spell */
  burst: number;
  now?: () => number;
  /** upper bound on tracked keys (default 100 000); least recently used are dropped first */
  maxKeys?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export function validateBucketOptions(opts: { perSecond: number; burst: number }): void {
  if (!(opts.perSecond > 0) || !Number.isFinite(opts.perSecond)) throw new RangeError('perSecond must be > 0');
  if (!(opts.burst >= 1) || !Number.isFinite(opts.burst)) throw new RangeError('burst must be >= 1');
}

/** Token bucket per key. A dropped (idle) key simply starts again with a full bucket. */
export class MemoryRateLimiter implements RateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #perMs: number;
  readonly #burst: number;
  readonly #now: () => number;
  readonly #maxKeys: number;

  constructor(opts: TokenBucketOptions) {
    validateBucketOptions(opts);
    this.#perMs = opts.perSecond / 1000;
    this.#burst = opts.burst;
    this.#now = opts.now ?? Date.now;
    this.#maxKeys = Math.max(1, opts.maxKeys ?? 100_000);
  }

  take(appKey: string): boolean {
    const now = this.#now();
    const prev = this.#buckets.get(appKey);
    let tokens = this.#burst;
    if (prev) {
      const elapsed = Math.max(0, now - prev.at); // a clock going backwards refills nothing
      tokens = Math.min(this.#burst, prev.tokens + elapsed * this.#perMs);
      this.#buckets.delete(appKey); // re-insert at the end: Map order is our LRU order
    } else if (this.#buckets.size >= this.#maxKeys) {
      const oldest = this.#buckets.keys().next().value;
      if (oldest !== undefined) this.#buckets.delete(oldest);
    }
    const allowed = tokens >= 1;
    this.#buckets.set(appKey, { tokens: allowed ? tokens - 1 : tokens, at: Math.max(now, prev?.at ?? now) });
    return allowed;
  }
}
