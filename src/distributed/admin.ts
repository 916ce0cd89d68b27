// What the `wanxing keys` and `wanxing notify` commands need in redis mode, without starting a process's
// queues and stores.
import type { Config } from '../config.ts';
import type { NewNotification } from '../jobs/ports.ts';
import { connect, keys } from '../queue/bullmq/connection.ts';
import { BullNotifier } from '../queue/bullmq/notifications.ts';
import { RedisAppStore } from './app-store.ts';
import { JOB_RETENTION_MS } from './cluster.ts';

/** Runs fn with the Redis app store, then disconnects. */
export async function withRedisApps<T>(config: Config, fn: (apps: RedisAppStore) => Promise<T>): Promise<T> {
  const redis = connect(config.redisUrl);
  try {
    return await fn(new RedisAppStore(redis, keys(config.redisPrefix).apps));
  } finally {
    redis.disconnect();
  }
}

/** Queues a job's notification for re-delivery; the running processes send it. False if unknown. */
export async function redeliverInRedis(config: Config, jobId: string): Promise<boolean> {
  const redis = connect(config.redisUrl);
  const k = keys(config.redisPrefix);
  const notifier = new BullNotifier({
    redis,
    redisUrl: config.redisUrl,
    prefix: config.redisPrefix,
    keys: k,
    send: async () => ({ status: 0, body: '' }), // never started: this process only queues
    retryDelaysS: config.notify.retryDelaysS,
    attemptTimeoutMs: config.notify.attemptTimeoutMs,
    secretFor: () => undefined,
    retentionMs: JOB_RETENTION_MS,
    lockMs: config.lockMs,
  });
  try {
    return await notifier.redeliver(jobId, async () => {
      const raw = await redis.hget(k.job(jobId), 'notification');
      return raw ? (JSON.parse(raw) as NewNotification) : undefined;
    });
  } finally {
    await notifier.stop();
    redis.disconnect();
  }
}
