// The audit trail (jobs/ports.ts AuditStore) in each mode's job store: a table in the embedded
// SQLite file, keys with a TTL in Redis. Records older than the retention are deleted: in SQLite
// on the next write after a minute, in Redis by the keys' expiry (and the index trimmed on write).
import type { Redis } from 'ioredis';
import type { AuditRecord, AuditStore } from '../jobs/ports.ts';
import type { Db } from '../queue/sqlite/db.ts';

const DAY_MS = 86_400_000;

export class SqliteAuditStore implements AuditStore {
  private readonly stmts;
  private lastSweep = 0;

  constructor(
    private readonly db: Db,
    private readonly retentionMs: number,
    private readonly now: () => number = Date.now,
  ) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS audit (
        job_id TEXT PRIMARY KEY,
        app_key TEXT NOT NULL,
        ended_at INTEGER NOT NULL,
        record TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS audit_ended ON audit (ended_at);
    `);
    this.stmts = {
      put: db.prepare(`INSERT OR REPLACE INTO audit (job_id, app_key, ended_at, record) VALUES (?, ?, ?, ?)`),
      get: db.prepare(`SELECT record FROM audit WHERE job_id = ? AND ended_at >= ?`).pluck(),
      since: db.prepare(`SELECT record FROM audit WHERE ended_at >= ? ORDER BY ended_at LIMIT ?`).pluck(),
      sweep: db.prepare(`DELETE FROM audit WHERE ended_at < ?`),
    };
  }

  async record(r: AuditRecord): Promise<void> {
    this.stmts.put.run(r.jobId, r.appKey, r.endedAt, JSON.stringify(r));
    if (this.now() - this.lastSweep > 60_000) this.sweep();
  }

  async get(jobId: string): Promise<AuditRecord | undefined> {
    const raw = this.stmts.get.get(jobId, this.cutoff()) as string | undefined;
    return raw ? (JSON.parse(raw) as AuditRecord) : undefined;
  }

  async since(since: number, limit: number): Promise<AuditRecord[]> {
    return (this.stmts.since.all(Math.max(since, this.cutoff()), limit) as string[]).map((raw) => JSON.parse(raw) as AuditRecord);
  }

  /** Deletes records past the retention; returns how many. */
  sweep(): number {
    this.lastSweep = this.now();
    return this.stmts.sweep.run(this.cutoff()).changes;
  }

  private cutoff(): number {
    return this.now() - this.retentionMs;
  }
}

export class RedisAuditStore implements AuditStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly retentionMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  private key(jobId: string): string {
    return `${this.prefix}:audit:${jobId}`;
  }

  private get index(): string {
    return `${this.prefix}:audit-index`;
  }

  async record(r: AuditRecord): Promise<void> {
    const ttl = Math.max(1, r.endedAt + this.retentionMs - this.now());
    await this.redis
      .multi()
      .set(this.key(r.jobId), JSON.stringify(r), 'PX', ttl)
      .zadd(this.index, r.endedAt, r.jobId)
      .zremrangebyscore(this.index, '-inf', `(${this.now() - this.retentionMs}`)
      .exec();
  }

  async get(jobId: string): Promise<AuditRecord | undefined> {
    const raw = await this.redis.get(this.key(jobId));
    return raw ? (JSON.parse(raw) as AuditRecord) : undefined;
  }

  async since(since: number, limit: number): Promise<AuditRecord[]> {
    const from = Math.max(since, this.now() - this.retentionMs);
    const ids = await this.redis.zrangebyscore(this.index, from, '+inf', 'LIMIT', 0, limit);
    if (!ids.length) return [];
    const raws = await this.redis.mget(ids.map((id) => this.key(id)));
    return raws.flatMap((raw) => (raw ? [JSON.parse(raw) as AuditRecord] : []));
  }
}

export function retentionMs(days: number): number {
  return days * DAY_MS;
}
