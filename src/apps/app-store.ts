// Apps are callers: an AppKey and its AppSecret, as the API gateway issues them.
import { randomBytes } from 'node:crypto';
import type { Db } from '../queue/sqlite/db.ts';

export interface App {
  appKey: string;
  appSecret: string;
  name: string;
  createdAt: number;
  revokedAt?: number;
}

export function newCredentials(): { appKey: string; appSecret: string } {
  // Gateway keys are 8-digit numbers for humans; ours are random and long enough to be unguessable.
  return { appKey: randomBytes(12).toString('hex'), appSecret: randomBytes(24).toString('base64url') };
}

export class SqliteAppStore {
  private readonly cache = new Map<string, string | null>();
  private readonly stmts;

  constructor(private readonly db: Db) {
    db.exec(`CREATE TABLE IF NOT EXISTS apps (app_key TEXT PRIMARY KEY, app_secret TEXT NOT NULL, name TEXT NOT NULL,
      created_at INTEGER NOT NULL, revoked_at INTEGER)`);
    this.stmts = {
      get: db.prepare(`SELECT app_secret FROM apps WHERE app_key = ? AND revoked_at IS NULL`).pluck(),
      list: db.prepare(`SELECT * FROM apps ORDER BY created_at`),
      upsert: db.prepare(`INSERT INTO apps (app_key, app_secret, name, created_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (app_key) DO UPDATE SET app_secret = excluded.app_secret, revoked_at = NULL`),
      revoke: db.prepare(`UPDATE apps SET revoked_at = ? WHERE app_key = ? AND revoked_at IS NULL`),
    };
  }

  /** The secret of an active app; cached briefly because every signed request asks. */
  secretFor(appKey: string): string | undefined {
    if (!this.cache.has(appKey)) {
      this.cache.set(appKey, (this.stmts.get.get(appKey) as string | undefined) ?? null);
      setTimeout(() => this.cache.delete(appKey), 5000).unref();
    }
    return this.cache.get(appKey) ?? undefined;
  }

  create(name = 'default', creds = newCredentials()): App {
    const createdAt = Date.now();
    this.stmts.upsert.run(creds.appKey, creds.appSecret, name, createdAt);
    this.cache.delete(creds.appKey);
    return { ...creds, name, createdAt };
  }

  list(): App[] {
    return (this.stmts.list.all() as Array<{ app_key: string; app_secret: string; name: string; created_at: number; revoked_at: number | null }>).map((r) => ({
      appKey: r.app_key,
      appSecret: r.app_secret,
      name: r.name,
      createdAt: r.created_at,
      revokedAt: r.revoked_at ?? undefined,
    }));
  }

  revoke(appKey: string): boolean {
    this.cache.delete(appKey);
    return this.stmts.revoke.run(Date.now(), appKey).changes > 0;
  }

  hasActive(): boolean {
    return this.list().some((a) => !a.revokedAt);
  }
}
