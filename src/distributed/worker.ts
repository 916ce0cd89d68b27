// A worker process of the distributed mode: engine threads fed by the BullMQ 'swap' queue; it also
// sends notifications. Start as many as the load needs, on any machine that reaches Redis and S3.
import pino, { type Logger } from 'pino';
import type { Config } from '../config.ts';
import { downloadImage } from '../fetch/index.ts';
import { runJob } from '../jobs/job-service.ts';
import type { EngineRunner, ImageFetcher } from '../jobs/ports.ts';
import { EnginePool } from '../workers/engine-pool.ts';
import { engineSpecFor } from '../workers/engine-spec.ts';
import { openCluster } from './cluster.ts';
import { distributedCatalogue } from '../templates/index.ts';
import { createJobCompliance, redisLabelKey } from '../compliance/index.ts';

export interface WorkerProcess {
  config: Config;
  close(): Promise<void>;
}

export async function startWorker(config: Config, overrides: { logger?: Logger; engine?: EngineRunner; createBucket?: boolean } = {}): Promise<WorkerProcess> {
  const logger = overrides.logger ?? pino({ level: config.logLevel });
  if (config.workers < 1 && !overrides.engine) throw new Error('wanxing worker needs WANXING_WORKERS >= 1');
  let engine = overrides.engine;
  if (!engine) {
    const pool = new EnginePool(engineSpecFor(config), config.workers, config.enginePriority);
    try {
      await pool.init();
    } catch (err) {
      await pool.close();
      throw err;
    }
    engine = pool;
  }
  const cluster = await openCluster(config, logger, { createBucket: overrides.createBucket });
  // A job on a registered template reads its image and analysis from the store, never the network.
  const templates = distributedCatalogue(config, cluster.redis);
  const fetchImage: ImageFetcher = templates.catalogue.fetcher((url, signal) => downloadImage(url, { dispatcher: cluster.dispatcher, limits: config.download, signal }));
  const runner = engine;
  // One label key for every worker: from the settings, else shared through Redis.
  const labelKey = await redisLabelKey(cluster.redis, config.redisPrefix, config.compliance.labelKey);
  const compliance = createJobCompliance({ settings: config.compliance, labelKey, jpegQuality: config.face.jpegQuality });
  cluster.swapQueue.start(
    (job, signal) => runJob(job, { jobs: cluster.jobs, fetchImage, engine: runner, results: cluster.results, resultTtlMs: config.resultTtlS * 1000, compliance }, signal),
    Math.max(1, config.workers),
  );
  cluster.notifier.start();
  logger.info({ engine: config.engine, workers: config.workers, storage: config.storage }, 'wanxing worker is ready');
  return {
    config,
    async close() {
      await cluster.close(); // waits for the swaps in progress
      await runner.close();
      templates.close();
    },
  };
}
