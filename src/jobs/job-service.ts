// Submit, query and the life of a job, over ports only (no framework, no database here).
import { createHash, randomUUID } from 'node:crypto';
import { ERRORS, ServiceError, toServiceError, type ErrorName } from './errors.ts';
import type { Job, JobInput, Outcome } from './job.ts';
import { notificationBody, queryData } from './payloads.ts';
import { engineFaceFields, entryError } from './face-selection.ts';
import type { AuditEvidence, AuditStore, Clock, EngineRunner, ImageFetcher, JobCompliance, JobStore, ResultStore } from './ports.ts';

export interface JobServiceDeps {
  store: JobStore;
  clock?: Clock;
  maxQueueDepth: number;
  /** Where each ended job's audit record goes (docs/COMPLIANCE.md). */
  audit?: AuditStore;
  /** An audit record that could not be written (the job itself has ended regardless). */
  onAuditError?: (err: unknown, jobId: string) => void;
}

export class JobService {
  readonly store: JobStore;
  private readonly clock: Clock;
  private readonly maxQueueDepth: number;
  private readonly audit?: AuditStore;
  private readonly onAuditError?: (err: unknown, jobId: string) => void;

  constructor(deps: JobServiceDeps) {
    this.store = deps.store;
    this.audit = deps.audit;
    this.onAuditError = deps.onAuditError;
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
  async complete(job: Job, outcome: Outcome, evidence: AuditEvidence = {}): Promise<boolean> {
    const now = this.clock.now();
    const ended = await this.store.complete(
      job.id,
      outcome,
      { jobId: job.id, appKey: job.appKey, url: job.notifyUrl, body: notificationBody(job.id, outcome) },
      now,
    );
    // Every ended job (finished, failed, timed out, in a run or in the queue) leaves a record.
    if (ended && this.audit) {
      const fail = outcome.state === 'fail' ? { error: outcome.errorName, code: ERRORS[outcome.errorName].status, reason: outcome.reason } : {};
      await this.audit
        .record({ jobId: job.id, appKey: job.appKey, submittedAt: job.createdAt, endedAt: now, outcome: outcome.state, ...fail, ...evidence })
        .catch((err) => this.onAuditError?.(err, job.id));
    }
    return ended;
  }

  async fail(job: Job, errorName: ErrorName, reason: string, evidence?: AuditEvidence): Promise<boolean> {
    return this.complete(job, { state: 'fail', errorName, reason }, evidence);
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
  compliance: JobCompliance;
  clock?: Clock;
}

/**
 * Runs one claimed job (already in 'preparing'): download both images, swap, store, complete.
 * The signal aborts when the caller's deadline passes; the Timeout outcome is then recorded here.
 */
export async function runJob(job: Job, deps: JobRunnerDeps, signal: AbortSignal): Promise<void> {
  const clock = deps.clock ?? { now: () => Date.now() };
  const evidence: AuditEvidence = {};
  try {
    // A group job downloads each entry's source (a failure names the entry) instead of sourceUrl.
    const group = job.faces?.group;
    const [source, target, ...sources] = await Promise.all([
      group ? undefined : deps.fetchImage(job.sourceUrl, signal),
      deps.fetchImage(job.targetUrl, signal),
      ...(group ?? []).map((e, i) => deps.fetchImage(e.sourceUrl, signal).catch((err) => Promise.reject(signal.aborted ? err : entryError(i, err)))),
    ]);
    signal.throwIfAborted();
    evidence.sourceSha256 = source && sha256(source.bytes);
    evidence.targetSha256 = sha256(target!.bytes);
    if (sources.length) evidence.otherSourcesSha256 = sources.map((s) => sha256(s!.bytes));
    let result = await deps.engine.swap(
      { source: source?.bytes ?? new Uint8Array(0), target: target!.bytes, ...(target!.faces && { targetFaces: target!.faces }), ...engineFaceFields(job.faces, sources.map((s) => s!.bytes)), ...(job.style && { style: job.style }), ...deps.compliance.swapRequest(job) },
      {
        signal,
        onStage: (stage) => {
          if (stage === 'running') void deps.jobs.store.transition(job.id, 'preparing', 'running', clock.now());
        },
      },
    );
    signal.throwIfAborted();
    evidence.screening = result.screening;
    const labelled = await deps.compliance.label(result, job);
    result = labelled.result;
    evidence.label = labelled.label;
    evidence.resultSha256 = sha256(result.image);
    const expiresAt = clock.now() + deps.resultTtlMs;
    const resultUrl = await deps.results.put(job.id, result.image, result.format, expiresAt);
    await deps.jobs.complete(job, { state: 'finish', resultUrl, resultExpiresAt: expiresAt, timings: result.timings }, evidence);
  } catch (err) {
    if (signal.aborted) {
      await deps.jobs.fail(job, 'Timeout', `任务超时（${job.timeoutS}秒）`, evidence);
      return;
    }
    const e = toServiceError(err);
    await deps.jobs.fail(job, e.errorName, e.message, evidence);
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
