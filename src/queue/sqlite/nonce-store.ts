// Nonces in SQLite, so a replay is refused even across a restart of the embedded service.
import type { Db } from './db.ts';
import type { WriteBatcher } from './write-batcher.ts';

export class SqliteNonceStore {
  private readonly insert;
  private readonly purge;
  private lastPurge = 0;

  constructor(
    db: Db,
    private readonly now: () => number = Date.now,
    /** Group commit with the submit that usually follows (optional). */
    private readonly writes?: WriteBatcher,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS nonces (app_key TEXT NOT NULL, nonce TEXT NOT NULL, expires_at INTEGER NOT NULL,
      PRIMARY KEY (app_key, nonce)) WITHOUT ROWID`);
    this.insert = db.prepare(`INSERT INTO nonces (app_key, nonce, expires_at) VALUES (?, ?, ?)
      ON CONFLICT (app_key, nonce) DO UPDATE SET expires_at = excluded.expires_at WHERE nonces.expires_at <= ?`);
    this.purge = db.prepare(`DELETE FROM nonces WHERE expires_at <= ?`);
  }

  checkAndRemember(appKey: string, nonce: string, ttlMs: number): boolean | Promise<boolean> {
    return this.writes ? this.writes.run(() => this.remember(appKey, nonce, ttlMs)) : this.remember(appKey, nonce, ttlMs);
  }

  private remember(appKey: string, nonce: string, ttlMs: number): boolean {
    const now = this.now();
    if (now - this.lastPurge > 60_000) {
      this.purge.run(now);
      this.lastPurge = now;
    }
    // Inserted, or an expired entry refreshed: first use. Otherwise a replay.
    return this.insert.run(appKey, nonce, now + ttlMs, now).changes > 0;
  }
}
