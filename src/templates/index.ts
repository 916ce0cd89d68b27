// Builds the template catalogue of each mode (records + blobs + what registering needs).
import type { Redis } from 'ioredis';
import { DEFAULT_LIMITS, type AnalyseLimits } from '../engine/analyse.ts';
import type { Config } from '../config.ts';
import type { ImageFetcher } from '../jobs/ports.ts';
import type { Db } from '../queue/sqlite/db.ts';
import { DiskTemplateBlobs, S3TemplateBlobs } from './blobs.ts';
import { TemplateCatalogue, type TemplateAnalyser } from './catalogue.ts';
import { RedisTemplateRecords } from './redis-records.ts';
import { SqliteTemplateRecords } from './sqlite-records.ts';

export { TemplateCatalogue, TEMPLATE_SCHEME, isTemplateRef, templateJson } from './catalogue.ts';
export type { TemplateRecord, TemplateAnalyser } from './catalogue.ts';

/** The engine's input checks as configured (the same the swaps apply). */
export function templateLimits(face: Config['face']): AnalyseLimits {
  const { templateCacheMb: _c, jpegQuality: _q, ...limits } = face;
  return { ...DEFAULT_LIMITS, ...limits };
}

/** A deleted template's blobs outlive every job that may still use it: the longest timeout, plus a margin. */
const graceMs = (config: Config) => config.jobs.maxTimeoutS * 1000 + 10 * 60_000;

/** Embedded: SQLite records, files under the data directory. */
export function embeddedCatalogue(config: Config, db: Db, fetchImage: ImageFetcher, analyser?: TemplateAnalyser): TemplateCatalogue {
  return new TemplateCatalogue({
    records: new SqliteTemplateRecords(db),
    blobs: new DiskTemplateBlobs(config.dataDir),
    limits: templateLimits(config.face),
    graceMs: graceMs(config),
    fetchImage,
    imageLimits: config.download,
    analyser: analyser && (async () => analyser),
  });
}

/**
 * Distributed: Redis records; blobs in the bucket (WANXING_STORAGE=s3), else under the data directory
 * (a volume every process shares). An API process registers templates with `fetchImage` and an
 * analyser it starts on first use; a worker only reads them.
 */
export function distributedCatalogue(config: Config, redis: Redis, opts: { fetchImage?: ImageFetcher; analyser?: () => Promise<TemplateAnalyser> } = {}): { catalogue: TemplateCatalogue; close(): void } {
  const blobs = config.storage === 's3' ? new S3TemplateBlobs(config.s3) : new DiskTemplateBlobs(config.dataDir);
  const catalogue = new TemplateCatalogue({
    records: new RedisTemplateRecords(redis, config.redisPrefix),
    blobs,
    limits: templateLimits(config.face),
    graceMs: graceMs(config),
    fetchImage: opts.fetchImage,
    imageLimits: config.download,
    analyser: opts.analyser,
  });
  return { catalogue, close: () => (blobs instanceof S3TemplateBlobs ? blobs.close() : undefined) };
}

/**
 * One engine thread, started on the first template registration, for a process that has no engine
 * (the distributed API): registering is rare, so it costs nothing until used.
 */
export function lazyEngineAnalyser(config: Config): { get: () => Promise<TemplateAnalyser>; close(): Promise<void> } {
  let pool: Promise<import('../workers/engine-pool.ts').EnginePool> | undefined;
  return {
    get: () =>
      (pool ??= (async () => {
        const [{ EnginePool }, { engineSpecFor }] = await Promise.all([import('../workers/engine-pool.ts'), import('../workers/engine-spec.ts')]);
        const p = new EnginePool(engineSpecFor(config), 1, config.enginePriority);
        await p.init().catch(async (err) => {
          await p.close();
          pool = undefined; // the next registration tries again
          throw err;
        });
        return p;
      })()),
    async close() {
      await (await pool?.catch(() => undefined))?.close();
    },
  };
}
