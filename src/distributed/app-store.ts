// Apps (AppKey/AppSecret) in a Redis hash, so every API process of the distributed mode knows them;
// `wanxing keys` manages the same hash. Secrets are cached a few seconds per process (every signed
// request asks); a revocation takes effect everywhere within that time.
import type { Redis } from 'ioredis';
import { newCredentials, type App } from '../apps/app-store.ts';

const CACHE_MS = 5000;

export class RedisAppStore {
  private readonly cache = new Map<string, { secret: string | undefined; until: number }>();

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
  ) {}

  async secretFor(appKey: string): Promise<string | undefined> {
    const hit = this.cache.get(appKey);
    if (hit && hit.until > Date.now()) return hit.secret;
    const raw = await this.redis.hget(this.key, appKey);
    const app = raw ? (JSON.parse(raw) as App) : undefined;
    const secret = app && !app.revokedAt ? app.appSecret : undefined;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(appKey, { secret, until: Date.now() + CACHE_MS });
    return secret;
  }

  async create(name = 'default', creds = newCredentials()): Promise<App> {
    const app: App = { ...creds, name, createdAt: Date.now() };
    await this.redis.hset(this.key, creds.appKey, JSON.stringify(app));
    this.cache.delete(creds.appKey);
    return app;
  }

  /** Adds the env-defined app unless it is already there with the same secret (keeps its createdAt). */
  async ensure(name: string, creds: { appKey: string; appSecret: string }): Promise<void> {
    const raw = await this.redis.hget(this.key, creds.appKey);
    const app = raw ? (JSON.parse(raw) as App) : undefined;
    if (!app || app.appSecret !== creds.appSecret || app.revokedAt) await this.create(name, creds);
  }

  async list(): Promise<App[]> {
    const all = Object.values(await this.redis.hgetall(this.key)).map((r) => JSON.parse(r) as App);
    return all.sort((a, b) => a.createdAt - b.createdAt);
  }

  async revoke(appKey: string): Promise<boolean> {
    this.cache.delete(appKey);
    const raw = await this.redis.hget(this.key, appKey);
    const app = raw ? (JSON.parse(raw) as App) : undefined;
    if (!app || app.revokedAt) return false;
    await this.redis.hset(this.key, appKey, JSON.stringify({ ...app, revokedAt: Date.now() }));
    return true;
  }

  async hasActive(): Promise<boolean> {
    return (await this.list()).some((a) => !a.revokedAt);
  }
}
