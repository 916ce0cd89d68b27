// Embedded queue: polls SQLite for the oldest pending job. Claims are single UPDATE … RETURNING
// statements, so two loops (or processes) on one file never take the same job.
import type { Job } from '../../jobs/job.ts';
import type { JobHandler, JobQueue } from '../types.ts';
import type { SqliteJobStore } from './job-store.ts';

export class SqliteJobQueue implements JobQueue {
  private handler?: JobHandler;
  private concurrency = 1;
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private timer?: NodeJS.Timeout;
  private stopped = true;

  constructor(
    private readonly store: SqliteJobStore,
    private readonly opts: { pollMs?: number; now?: () => number } = {},
  ) {}

  start(handler: JobHandler, concurrency: number): void {
    this.handler = handler;
    this.concurrency = Math.max(1, concurrency);
    this.stopped = false;
    // Anything left mid-way by a crashed process goes back to pending.
    this.store.requeueOrphans(this.now());
    this.timer = setInterval(() => this.fill(), this.opts.pollMs ?? 500);
    this.fill();
  }

  notify(): void {
    if (!this.stopped) setImmediate(() => this.fill());
  }

  /** Aborts a running job (its deadline passed, found by the expiry sweep). */
  abort(jobId: string): void {
    this.running.get(jobId)?.controller.abort(new Error('deadline'));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
  }

  get busy(): number {
    return this.running.size;
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  private fill(): void {
    while (!this.stopped && this.running.size < this.concurrency) {
      const job = this.store.claimNext(this.now());
      if (!job) return;
      this.launch(job);
    }
  }

  private launch(job: Job): void {
    const controller = new AbortController();
    const deadline = setTimeout(() => controller.abort(new Error('deadline')), Math.max(0, job.deadlineAt - this.now()));
    const done = this.handler!(job, controller.signal)
      .catch(() => undefined) // the handler records its own failures
      .finally(() => {
        clearTimeout(deadline);
        this.running.delete(job.id);
        this.fill();
      });
    this.running.set(job.id, { controller, done });
  }
}
