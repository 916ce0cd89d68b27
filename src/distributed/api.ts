// An API process of the distributed mode: HTTP, admission, /query, the timeout sweep, the outbox
// drain and notification sending. No engine: swaps run in `wanxing worker` processes.
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { RedisNonceStore, RedisRateLimiter } from '../api/gateway-auth/redis-stores.ts';
import { buildServer } from '../api/server.ts';
import type { Config } from '../config.ts';
import type { JobService } from '../jobs/job-service.ts';
import type { BullNotifier } from '../queue/bullmq/notifications.ts';
import type { RedisAppStore } from './app-store.ts';
import { openCluster } from './cluster.ts';
import { createMetrics } from '../metrics/index.ts';
import { downloadImage } from '../fetch/index.ts';
import { distributedCatalogue, lazyEngineAnalyser, templateLimits } from '../templates/index.ts';
import { KnownTemplates } from '../jobs/known-templates.ts';

export interface ApiProcess {
  config: Config;
  app: FastifyInstance;
  apps: RedisAppStore;
  jobs: JobService;
  notifier: Pick<BullNotifier, 'status' | 'attempts'> & { redeliver(jobId: string): Promise<boolean> };
  url: string;
  close(): Promise<void>;
}

export async function startApi(config: Config, overrides: { logger?: Logger; sweepMs?: number; createBucket?: boolean } = {}): Promise<ApiProcess> {
  const logger = overrides.logger ?? pino({ level: config.logLevel });
  const cluster = await openCluster(config, logger, { createBucket: overrides.createBucket });
  const { apps, jobs, notifier, redis } = cluster;
  if (!(await apps.hasActive())) {
    const created = await apps.create('default');
    process.stdout.write(`\nCreated an app for this service (stored in Redis):\n  AppKey:    ${created.appKey}\n  AppSecret: ${created.appSecret}\n\n`);
  }

  const notifications = {
    status: (id: string) => notifier.status(id),
    attempts: (id: string) => notifier.attempts(id),
    redeliver: (id: string) => cluster.redeliver(id),
  };
  // Templates: registered here (guarded download, one engine thread started on first use), read by the workers.
  const analyser = lazyEngineAnalyser(config);
  const templates = distributedCatalogue(config, redis, {
    fetchImage: (url, signal) => downloadImage(url, { dispatcher: cluster.dispatcher, limits: config.download, signal }),
    analyser: analyser.get,
  });
  // POST /faces: on the same lazily started engine thread; workers analyse the template again on
  // their first swap of it (a registered template, POST /templates, carries its analysis to them).
  const faces = {
    fetchImage: (url: string, signal: AbortSignal) => downloadImage(url, { dispatcher: cluster.dispatcher, limits: config.download, signal }),
    listFaces: async (image: Uint8Array, opts: { signal?: AbortSignal }) => (await analyser.get()).listFaces(image, opts),
    limits: templateLimits(config.face),
    known: new KnownTemplates(),
  };
  let ready = false;
  // HTTP latencies, submissions and queue depth; job stage timings are the workers' (no /metrics there yet).
  const metrics = createMetrics({ queueDepth: () => jobs.store.activeCount() });
  const app = await buildServer({
    logger,
    jobs,
    notifier: notifications,
    results: cluster.localResults,
    timeouts: config.jobs,
    secretFor: (k) => apps.secretFor(k),
    nonceStore: new RedisNonceStore(redis, cluster.keys.gateway),
    rateLimiter: config.rateLimit.perSecond > 0 ? new RedisRateLimiter(redis, { ...config.rateLimit, prefix: cluster.keys.gateway }) : undefined,
    maxSkewMs: config.signatureMaxSkewMs,
    ready: () => ready && redis.status === 'ready',
    metrics,
    onSubmitted: () => metrics.jobsSubmitted.inc(),
    publicUrl: config.publicUrl,
    templates: templates.catalogue,
    maxImageBytes: config.download.maxBytes,
    faces,
  });

  notifier.start();
  // A swap BullMQ gave up on ends as InternalError now rather than as Timeout at its deadline.
  const settle = async (jobId: string, reason: string) => {
    const job = await jobs.store.get(jobId);
    if (job && (await jobs.fail(job, 'InternalError', `内部错误: ${reason}`))) logger.error({ jobId, reason }, 'swap abandoned by the queue');
  };
  // Every API process sweeps; each step is idempotent (first final state wins, BullMQ ids dedupe).
  const sweep = setInterval(() => {
    Promise.all([jobs.expireOverdue(), cluster.store.drainOutbox(Date.now()), cluster.swapQueue.settleFailed(settle)]).catch((err) =>
      logger.error({ err }, 'sweep failed'),
    );
  }, overrides.sweepMs ?? 1000);
  const resultSweep = setInterval(() => void cluster.results.sweep(Date.now()).catch((err) => logger.error({ err }, 'result sweep failed')), 10 * 60_000);

  const address = await app.listen({ port: config.port, host: config.host });
  ready = true;
  const port = (app.server.address() as { port: number }).port;
  logger.info({ address, queue: 'redis', storage: config.storage }, 'wanxing is serving');

  return {
    config,
    app,
    apps,
    jobs,
    notifier: notifications,
    url: `http://127.0.0.1:${port}`,
    async close() {
      ready = false;
      clearInterval(sweep);
      clearInterval(resultSweep);
      await app.close();
      await analyser.close();
      templates.close();
      await cluster.close();
    },
  };
}
