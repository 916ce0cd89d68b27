// Webhook delivery on BullMQ: one job in the 'notify' queue per job (BullMQ job id = job id, so a
// repeated enqueue is a no-op), attempts = 1 + re-sends, the re-send schedule as a custom backoff.
// Every attempt is recorded in a Redis list, so /notify/redeliver and status work from any process.
// Same rule and signing as the embedded notifier (src/notify): delivered only on HTTP 200 with body
// "successfully"; Standard Webhooks headers with a webhook-id that stays the same across re-sends.
import { Queue, Worker, type Job as BullJob } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { NewNotification } from '../../jobs/ports.ts';
import { attemptDelivery, type Send } from '../../notify/attempt.ts';
import type { NotificationStatus } from '../../notify/notifier.ts';
import { nextAttemptAt } from '../../notify/schedule.ts';
import type { Attempt } from '../../notify/store.ts';
import { bullPrefix, connect, NOTIFY_QUEUE, type Keys } from './connection.ts';

interface NotifyData extends NewNotification {
  msgId: string;
  /** 0 for the first budget of attempts, +1 per redelivery. */
  round: number;
}

interface StoredAttempt extends Omit<Attempt, 'n'> {
  nextAttemptAt: number | null;
}

export interface BullNotifierOptions {
  redis: Redis;
  redisUrl: string;
  prefix: string;
  keys: Keys;
  send: Send;
  retryDelaysS: number[];
  attemptTimeoutMs: number;
  secretFor(appKey: string): Promise<string | undefined> | string | undefined;
  /** How long delivered/exhausted notifications and their attempt records are kept. */
  retentionMs: number;
  /** Lock on an attempt in progress (see BullSwapQueueOptions.lockMs). */
  lockMs: number;
  logger?: Logger;
  concurrency?: number;
}


export class BullNotifier {
  private readonly conn: Redis;
  private readonly queue: Queue<NotifyData>;
  private worker?: Worker<NotifyData>;
  private workerConn?: Redis;

  constructor(private readonly o: BullNotifierOptions) {
    this.conn = connect(o.redisUrl);
    this.queue = new Queue<NotifyData>(NOTIFY_QUEUE, { connection: this.conn, prefix: bullPrefix(o.prefix) });
  }

  private jobOpts(jobId: string) {
    const ageS = Math.ceil(this.o.retentionMs / 1000);
    return {
      jobId,
      attempts: 1 + this.o.retryDelaysS.length,
      backoff: { type: 'wanxing' },
      removeOnComplete: { age: ageS },
      removeOnFail: { age: ageS },
    };
  }

  /** Idempotent: a second enqueue for the same job changes nothing (the first final state won). */
  async enqueue(n: NewNotification, round = 0): Promise<void> {
    const data: NotifyData = { jobId: n.jobId, appKey: n.appKey, url: n.url, body: n.body, msgId: `msg_${n.jobId}`, round };
    await this.queue.add('notify', data, this.jobOpts(n.jobId));
  }

  /** Starts sending (any number of processes may do this). */
  start(): void {
    const delays = this.o.retryDelaysS;
    this.workerConn = connect(this.o.redisUrl, { blocking: true });
    this.worker = new Worker<NotifyData>(NOTIFY_QUEUE, (job) => this.attempt(job), {
      connection: this.workerConn,
      prefix: bullPrefix(this.o.prefix),
      concurrency: this.o.concurrency ?? 8,
      // Renewed every lockMs/2 while this process lives; after a crash its attempts move on after lockMs.
      lockDuration: this.o.lockMs,
      stalledInterval: Math.max(500, Math.floor(this.o.lockMs / 2)),
      // A sender that died mid-attempt: the attempt is repeated (at-least-once), never dropped.
      maxStalledCount: 100,
      settings: { backoffStrategy: (attemptsMade: number) => Math.round((delays[attemptsMade - 1] ?? 0) * 1000) },
    });
    this.worker.on('error', (err) => this.o.logger?.error({ err }, 'notify worker error'));
  }

  private async attempt(job: BullJob<NotifyData>): Promise<void> {
    const d = job.data;
    const { at, httpStatus, ok, error, durationMs } = await attemptDelivery(this.o.send, d, await this.o.secretFor(d.appKey), this.o.attemptTimeoutMs, Date.now);
    const next = ok ? null : nextAttemptAt(this.o.retryDelaysS, job.attemptsMade + 1, at + durationMs);
    const record: StoredAttempt = { jobId: d.jobId, round: d.round, at, httpStatus, ok, error, durationMs, nextAttemptAt: next };
    const key = this.o.keys.attempts(d.jobId);
    await this.o.redis.multi().rpush(key, JSON.stringify(record)).pexpire(key, this.o.retentionMs).exec();
    const ctx = { jobId: d.jobId, url: d.url, attempt: job.attemptsMade + 1, httpStatus, durationMs };
    if (ok) return void this.o.logger?.info(ctx, 'notification delivered');
    if (next === null) this.o.logger?.error({ ...ctx, error }, 'notification failed; attempts exhausted');
    else this.o.logger?.warn({ ...ctx, error, nextAttemptAt: next }, 'notification attempt failed');
    throw new Error(error ?? 'not delivered'); // BullMQ schedules the re-send (or marks it failed)
  }

  async attempts(jobId: string): Promise<Attempt[]> {
    const raw = await this.o.redis.lrange(this.o.keys.attempts(jobId), 0, -1);
    return raw.map((r, i) => {
      const { nextAttemptAt: _n, ...a } = JSON.parse(r) as StoredAttempt;
      return { ...a, n: i + 1 };
    });
  }

  async status(jobId: string): Promise<NotificationStatus | undefined> {
    const [job, raw] = await Promise.all([this.queue.getJob(jobId), this.o.redis.lrange(this.o.keys.attempts(jobId), 0, -1)]);
    const all = raw.map((r) => JSON.parse(r) as StoredAttempt);
    const last = all.at(-1);
    if (!job && !last) return undefined;
    const round = job?.data.round ?? last!.round;
    const inRound = all.filter((a) => a.round === round);
    const state = job ? await job.getState() : last!.ok ? 'completed' : 'failed';
    const delivered = state === 'completed';
    return {
      state: delivered ? 'delivered' : state === 'failed' ? 'exhausted' : 'pending',
      attempts: inRound.length,
      nextAttemptAt: delivered || state === 'failed' ? null : (last?.round === round ? last.nextAttemptAt : null) ?? Date.now(),
      lastError: inRound.at(-1)?.error ?? null,
      deliveredAt: delivered ? (job?.finishedOn ?? (last ? last.at + (last.durationMs ?? 0) : null)) : null,
    };
  }

  /**
   * Sends again with a fresh budget of attempts (same body and webhook-id). `fallback` rebuilds the
   * notification when BullMQ has already dropped it (older than the retention). False if unknown.
   */
  async redeliver(jobId: string, fallback?: () => Promise<NewNotification | undefined>): Promise<boolean> {
    const job = await this.queue.getJob(jobId);
    if (!job) {
      const n = await fallback?.();
      if (!n) return false;
      const attempts = await this.attempts(jobId);
      await this.enqueue(n, (attempts.at(-1)?.round ?? -1) + 1);
      return true;
    }
    const state = await job.getState();
    if (state === 'completed' || state === 'failed') {
      await job.updateData({ ...job.data, round: job.data.round + 1 });
      await job.retry(state, { resetAttemptsMade: true, resetAttemptsStarted: true });
    } else if (state === 'delayed') {
      await job.promote();
    }
    this.o.logger?.info({ jobId }, 'notification redelivery requested');
    return true;
  }

  async stop(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
    this.workerConn?.disconnect();
    this.conn.disconnect();
  }
}
