// Remembers X-Ca-Nonce values so that a signed request cannot be replayed while its timestamp is valid.

export interface NonceStore {
  /** true when first seen (and now remembered for ttlMs); false when replayed */
  checkAndRemember(appKey: string, nonce: string, ttlMs: number): Promise<boolean> | boolean;
}

export interface MemoryNonceStoreOptions {
  /** upper bound on remembered nonces; past it the oldest are forgotten first (default 200 000) */
  maxEntries?: number;
  now?: () => number;
}

/**
 * In-process store for one API process. Bounded: when full it first drops expired entries, then the
 * oldest ones (down to 90 % so the sweep is amortised). Forgetting early only matters under a flood
 * larger than maxEntries within the timestamp window; use RedisNonceStore to share across processes.
 */
export class MemoryNonceStore implements NonceStore {
  readonly #expiresAt = new Map<string, number>();
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(opts: MemoryNonceStoreOptions = {}) {
    this.#maxEntries = Math.max(1, opts.maxEntries ?? 200_000);
    this.#now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.#expiresAt.size;
  }

  checkAndRemember(appKey: string, nonce: string, ttlMs: number): boolean {
    const now = this.#now();
    const key = `${appKey}\u0000${nonce}`;
    const expiresAt = this.#expiresAt.get(key);
    if (expiresAt !== undefined && expiresAt > now) return false;
    this.#expiresAt.delete(key); // re-insert at the end: Map order is our age order
    if (this.#expiresAt.size >= this.#maxEntries) this.#makeRoom(now);
    this.#expiresAt.set(key, now + Math.max(0, ttlMs));
    return true;
  }

  #makeRoom(now: number): void {
    for (const [key, expiresAt] of this.#expiresAt) if (expiresAt <= now) this.#expiresAt.delete(key);
    const target = Math.floor(this.#maxEntries * 0.9);
    for (const key of this.#expiresAt.keys()) {
      if (this.#expiresAt.size <= target) break;
      this.#expiresAt.delete(key);
    }
  }
}
