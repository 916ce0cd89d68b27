// Submit, query and the life of a job, over ports only (no framework, no database here).
import { randomUUID } from 'node:crypto';
import { ServiceError, toServiceError, type ErrorName } from './errors.ts';
import type { Job, JobInput, Outcome } from './job.ts';
import { notificationBody, queryData } from './payloads.ts';
import type { Clock, EngineRunner, ImageFetcher, JobStore, ResultStore } from './ports.ts';

export interface JobServiceDeps {
  store: JobStore;
  clock?: Clock;
  maxQueueDepth: number;
}

export class JobService {
  readonly store: JobStore;
  private readonly clock: Clock;
  private readonly maxQueueDepth: number;

  constructor(deps: JobServiceDeps) {
    this.store = deps.store;
    this.clock = deps.clock ?? { now: () => Date.now() };
    this.maxQueueDepth = deps.maxQueueDepth;
  }

  /** Accepts a job; it is durable once this resolves. */
  async submit(appKey: string, input: JobInput): Promise<Job> {
    const now = this.clock.now();
    const job: Job = {
      ...input,
      id: randomUUID().replace(/-/g, ''),
      appKey,
      state: 'pending',
      createdAt: now,
      updatedAt: now,
      deadlineAt: now + Math.round(input.timeoutS * 1000),
      runs: 0,
    };
    if (!(await this.store.submit(job, this.maxQueueDepth))) throw new ServiceError('QueueFull');
    return job;
  }

  /** Jobs are visible only to the app that submitted them. */
  async query(appKey: string, jobId: string): Promise<Record<string, unknown>> {
    const job = await this.store.get(jobId);
    if (!job || job.appKey !== appKey) throw new ServiceError('JobNotFound');
    return queryData(job);
  }

  /** Ends a job (if it has not ended yet) and queues its notification atomically. */
  async complete(job: Job, outcome: Outcome): Promise<boolean> {
    return this.store.complete(
      job.id,
      outcome,
      { jobId: job.id, appKey: job.appKey, url: job.notifyUrl, body: notificationBody(job.id, outcome) },
      this.clock.now(),
    );
  }

  async fail(job: Job, errorName: ErrorName, reason: string): Promise<boolean> {
    return this.complete(job, { state: 'fail', errorName, reason });
  }

  /** Fails every active job whose caller timeout has passed; returns their ids. */
  async expireOverdue(limit = 500): Promise<string[]> {
    const overdue = await this.store.expired(this.clock.now(), limit);
    const ended: string[] = [];
    for (const job of overdue) {
      if (await this.fail(job, 'Timeout', `任务超时（${job.timeoutS}秒）`)) ended.push(job.id);
    }
    return ended;
  }
}

export interface JobRunnerDeps {
  jobs: JobService;
  fetchImage: ImageFetcher;
  engine: EngineRunner;
  results: ResultStore;
  resultTtlMs: number;
  clock?: Clock;
}

/**
 * Runs one claimed job (already in 'preparing'): download both images, swap, store, complete.
 * The signal aborts when the caller's deadline passes; the Timeout outcome is then recorded here.
 */
export async function runJob(job: Job, deps: JobRunnerDeps, signal: AbortSignal): Promise<void> {
  const clock = deps.clock ?? { now: () => Date.now() };
  try {
    const [source, target] = await Promise.all([
      deps.fetchImage(job.sourceUrl, signal),
      deps.fetchImage(job.targetUrl, signal),
    ]);
    signal.throwIfAborted();
    const result = await deps.engine.swap(
      { source: source.bytes, target: target.bytes },
      {
        signal,
        onStage: (stage) => {
          if (stage === 'running') void deps.jobs.store.transition(job.id, 'preparing', 'running', clock.now());
        },
      },
    );
    signal.throwIfAborted();
    const expiresAt = clock.now() + deps.resultTtlMs;
    const resultUrl = await deps.results.put(job.id, result.image, result.format, expiresAt);
    await deps.jobs.complete(job, { state: 'finish', resultUrl, resultExpiresAt: expiresAt, timings: result.timings });
  } catch (err) {
    if (signal.aborted) {
      await deps.jobs.fail(job, 'Timeout', `任务超时（${job.timeoutS}秒）`);
      return;
    }
    const e = toServiceError(err);
    await deps.jobs.fail(job, e.errorName, e.message);
  }
}
