// What API and worker processes of the distributed mode share: one Redis (job records, BullMQ queues,
// apps, nonces, rate limits) and one result store (S3, or a shared directory).
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { createGuardedAgent, postJson } from '../fetch/index.ts';
import { JobService } from '../jobs/job-service.ts';
import type { NewNotification, ResultStore } from '../jobs/ports.ts';
import { connect, keys, type Keys } from '../queue/bullmq/connection.ts';
import { RedisJobStore } from '../queue/bullmq/job-store.ts';
import { BullNotifier } from '../queue/bullmq/notifications.ts';
import { BullSwapQueue } from '../queue/bullmq/swap-queue.ts';
import { LocalResultStore } from '../storage/local-result-store.ts';
import { S3ResultStore } from '../storage/s3-result-store.ts';
import { loadOrCreateKey } from '../storage/signing-key.ts';
import { RedisAppStore } from './app-store.ts';
import { RedisAuditStore, retentionMs } from '../compliance/audit.ts';

/** How long a finished job stays queryable (and its notification re-deliverable). */
export const JOB_RETENTION_MS = 7 * 86_400_000;

export interface Cluster {
  redis: Redis;
  keys: Keys;
  apps: RedisAppStore;
  store: RedisJobStore;
  jobs: JobService;
  swapQueue: BullSwapQueue;
  notifier: BullNotifier;
  results: ResultStore & { sweep(now: number): Promise<number> };
  localResults?: LocalResultStore;
  dispatcher: ReturnType<typeof createGuardedAgent>;
  /** Re-delivery that also works once BullMQ has dropped the notification: rebuilt from the job record. */
  redeliver(jobId: string): Promise<boolean>;
  close(): Promise<void>;
}

export async function openCluster(config: Config, logger: Logger, opts: { createBucket?: boolean } = {}): Promise<Cluster> {
  const redis = connect(config.redisUrl);
  await redis.ping();
  const k = keys(config.redisPrefix);
  const apps = new RedisAppStore(redis, k.apps);
  if (config.appKey && config.appSecret) await apps.ensure('env', { appKey: config.appKey, appSecret: config.appSecret });

  const dispatcher = createGuardedAgent({ allowPrivate: config.allowPrivateUrls });
  const notifier = new BullNotifier({
    redis,
    redisUrl: config.redisUrl,
    prefix: config.redisPrefix,
    keys: k,
    send: (url, body, headers, timeoutMs) => postJson(url, body, { dispatcher, headers, timeoutMs }),
    retryDelaysS: config.notify.retryDelaysS,
    attemptTimeoutMs: config.notify.attemptTimeoutMs,
    secretFor: (appKey) => apps.secretFor(appKey),
    retentionMs: JOB_RETENTION_MS,
    lockMs: config.lockMs,
    logger: logger.child({ component: 'notify' }),
  });
  // The store hands off to the queues; the swap queue claims through the store.
  let swapQueue: BullSwapQueue | undefined;
  const store = new RedisJobStore(redis, k, {
    enqueueSwap: (id) => swapQueue!.add(id),
    enqueueNotification: (n) => notifier.enqueue(n),
    retentionMs: JOB_RETENTION_MS,
    onHandOffError: (err, jobId) => logger.warn({ err, jobId }, 'hand-off to BullMQ failed; the outbox drain repeats it'),
  });
  swapQueue = new BullSwapQueue({ redisUrl: config.redisUrl, prefix: config.redisPrefix, store, lockMs: config.lockMs, logger: logger.child({ component: 'swap' }) });
  const audit = new RedisAuditStore(redis, config.redisPrefix, retentionMs(config.compliance.auditRetentionDays));
  const jobs = new JobService({ store, maxQueueDepth: config.jobs.maxQueueDepth, audit, onAuditError: (err, jobId) => logger.error({ err, jobId }, 'audit record lost') });

  let results: Cluster['results'];
  let localResults: LocalResultStore | undefined;
  let s3: S3ResultStore | undefined;
  if (config.storage === 's3') {
    s3 = new S3ResultStore(config.s3, config.resultTtlS * 1000);
    const { lifecycle } = await s3.init({ create: opts.createBucket });
    logger.info({ bucket: config.s3.bucket, lifecycle }, lifecycle ? 'results expire by bucket lifecycle and sweeper' : 'results expire by sweeper (no lifecycle support)');
    results = s3;
  } else {
    // Only right when every process sees the same directory (one machine, or a shared volume).
    localResults = new LocalResultStore(config.dataDir, config.publicUrl, loadOrCreateKey(config.dataDir), config.resultTtlS * 1000);
    results = localResults;
  }

  return {
    redis,
    keys: k,
    apps,
    store,
    jobs,
    swapQueue,
    notifier,
    results,
    localResults,
    dispatcher,
    async redeliver(jobId) {
      return notifier.redeliver(jobId, async () => {
        const raw = await redis.hget(k.job(jobId), 'notification');
        return raw ? (JSON.parse(raw) as NewNotification) : undefined;
      });
    },
    async close() {
      await swapQueue!.stop();
      await notifier.stop();
      s3?.close();
      await dispatcher.close();
      redis.disconnect();
    },
  };
}
