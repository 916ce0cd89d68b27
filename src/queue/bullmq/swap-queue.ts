// The JobQueue port on BullMQ: the 'swap' queue holds one BullMQ job per accepted job (same id).
// Any number of worker processes consume it; BullMQ's locks and stalled-job check hand the job of a
// crashed worker to another one (at-least-once swapping; the job store's "first completion wins"
// keeps the caller's outcome single).
import { Queue, Worker, type Job as BullJob } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { JobHandler, JobQueue } from '../types.ts';
import { bullPrefix, connect, SWAP_QUEUE } from './connection.ts';
import type { RedisJobStore } from './job-store.ts';

export interface BullSwapQueueOptions {
  redisUrl: string;
  prefix: string;
  store: RedisJobStore;
  /** Lock on a running job; renewed every lockMs/2 while the worker lives; a crashed worker's job moves on after it. */
  lockMs: number;
  logger?: Logger;
  now?: () => number;
}

export class BullSwapQueue implements JobQueue {
  private readonly conn: Redis;
  private readonly queue: Queue;
  private worker?: Worker;
  private workerConn?: Redis;
  private readonly running = new Map<string, AbortController>();

  constructor(private readonly opts: BullSwapQueueOptions) {
    this.conn = connect(opts.redisUrl);
    this.queue = new Queue(SWAP_QUEUE, { connection: this.conn, prefix: bullPrefix(opts.prefix) });
  }

  /** Producer side (API): idempotent, the BullMQ job id is the job id. */
  async add(jobId: string): Promise<void> {
    await this.queue.add(
      'swap',
      { id: jobId },
      {
        jobId,
        // Only Redis trouble makes the processor throw (runJob records its own failures).
        attempts: 5,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: { age: 3600, count: 10_000 },
        removeOnFail: { age: 7 * 86_400 },
      },
    );
  }

  /** Consumer side (worker processes). */
  start(handler: JobHandler, concurrency: number): void {
    const now = this.opts.now ?? Date.now;
    this.workerConn = connect(this.opts.redisUrl, { blocking: true });
    this.worker = new Worker(
      SWAP_QUEUE,
      async (bj: BullJob<{ id: string }>) => {
        const job = await this.opts.store.claim(bj.data.id, now());
        if (!job) return 'skipped'; // ended, timed out or unknown: nothing to do
        const controller = new AbortController();
        const deadline = setTimeout(() => controller.abort(new Error('deadline')), Math.max(0, job.deadlineAt - now()));
        this.running.set(job.id, controller);
        try {
          await handler(job, controller.signal);
        } finally {
          clearTimeout(deadline);
          this.running.delete(job.id);
        }
        return 'done';
      },
      {
        connection: this.workerConn,
        prefix: bullPrefix(this.opts.prefix),
        concurrency: Math.max(1, concurrency),
        lockDuration: this.opts.lockMs,
        stalledInterval: Math.max(500, Math.floor(this.opts.lockMs / 2)),
        // A job whose worker died is handed on this many times before BullMQ gives up on it (the
        // caller then gets Timeout from the sweeper at its deadline).
        maxStalledCount: 5,
      },
    );
    this.worker.on('error', (err) => this.opts.logger?.error({ err }, 'swap worker error'));
    this.worker.on('stalled', (id) => this.opts.logger?.warn({ jobId: id }, 'swap job stalled (its worker died?); handed to another worker'));
  }

  notify(): void {}

  /**
   * BullMQ jobs that BullMQ gave up on (their processor threw on every attempt, i.e. Redis trouble,
   * or they stalled more than maxStalledCount times: a job that keeps killing its worker). `settle`
   * records the caller's outcome; then the BullMQ job is removed. Idempotent across processes.
   */
  async settleFailed(settle: (jobId: string, reason: string) => Promise<void>, limit = 100): Promise<number> {
    const failed = await this.queue.getFailed(0, limit - 1);
    for (const bj of failed) {
      if (!bj?.id) continue;
      await settle(bj.id, bj.failedReason ?? 'failed');
      await bj.remove().catch(() => undefined); // another process removed it first
    }
    return failed.length;
  }

  /** Aborts a job running here (its deadline passed). */
  abort(jobId: string): void {
    this.running.get(jobId)?.abort(new Error('deadline'));
  }

  /** Waits for running jobs, then closes. */
  async stop(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
    this.workerConn?.disconnect();
    this.conn.disconnect();
  }
}
