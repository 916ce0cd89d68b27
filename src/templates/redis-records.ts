// Template records in Redis (distributed mode): one JSON string per template, a sorted set per app
// (score: creation time) for listing, and a sorted set of deleted ids (score: deletion time) for the purge.
import type { Redis } from 'ioredis';
import type { TemplateRecord, TemplateRecords } from './catalogue.ts';

export class RedisTemplateRecords implements TemplateRecords {
  private readonly k;

  /** `prefix`: the installation's Redis prefix (REDIS_PREFIX). */
  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    const p = `${prefix}:tpl:`;
    this.k = { rec: (id: string) => `${p}rec:${id}`, app: (appKey: string) => `${p}app:${appKey}`, deleted: `${p}deleted` };
  }

  async insert(rec: TemplateRecord): Promise<void> {
    await this.redis.multi().set(this.k.rec(rec.id), JSON.stringify(rec)).zadd(this.k.app(rec.appKey), rec.createdAt, rec.id).exec();
  }

  async get(id: string): Promise<TemplateRecord | undefined> {
    const raw = await this.redis.get(this.k.rec(id));
    return raw ? (JSON.parse(raw) as TemplateRecord) : undefined;
  }

  async list(appKey: string, after: { createdAt: number; id: string } | undefined, limit: number): Promise<TemplateRecord[]> {
    // Newest first; ties in the same millisecond go by id, descending, as in SQLite. A page fetches a
    // few extra to step over the ties before the cursor.
    const max = after ? String(after.createdAt) : '+inf';
    const flat = await this.redis.zrange(this.k.app(appKey), max, '-inf', 'BYSCORE', 'REV', 'LIMIT', 0, limit + 64, 'WITHSCORES');
    const entries: { id: string; at: number }[] = [];
    for (let i = 0; i < flat.length; i += 2) entries.push({ id: flat[i], at: Number(flat[i + 1]) });
    entries.sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1));
    const ids = entries.filter((e) => !after || e.at < after.createdAt || e.id < after.id).slice(0, limit).map((e) => e.id);
    if (ids.length === 0) return [];
    const raws = await this.redis.mget(ids.map((id) => this.k.rec(id)));
    return raws.flatMap((r) => (r ? [JSON.parse(r) as TemplateRecord] : [])).filter((r) => r.deletedAt === undefined);
  }

  async countLive(appKey: string): Promise<number> {
    return this.redis.zcard(this.k.app(appKey));
  }

  async markDeleted(appKey: string, id: string, now: number): Promise<boolean> {
    // Atomic: only a live template of this app is marked, once.
    const done = (await this.redis.eval(
      `local raw = redis.call('GET', KEYS[1])
       if not raw then return 0 end
       local rec = cjson.decode(raw)
       if rec.appKey ~= ARGV[1] or rec.deletedAt then return 0 end
       rec.deletedAt = tonumber(ARGV[3])
       redis.call('SET', KEYS[1], cjson.encode(rec))
       redis.call('ZREM', KEYS[2], ARGV[2])
       redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2])
       return 1`,
      3,
      this.k.rec(id),
      this.k.app(appKey),
      this.k.deleted,
      appKey,
      id,
      String(now),
    )) as number;
    return done === 1;
  }

  async deletedBefore(before: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.k.deleted, '-inf', `(${before}`, 'LIMIT', 0, limit);
  }

  async forget(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.redis.multi().del(...ids.map((id) => this.k.rec(id))).zrem(this.k.deleted, ...ids).exec();
  }
}
