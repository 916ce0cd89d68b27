// The queue port: something that hands claimed jobs (state 'preparing') to a handler, at most
// `concurrency` at a time, with a signal that aborts at the job's deadline.
import type { Job } from '../jobs/job.ts';

export type JobHandler = (job: Job, signal: AbortSignal) => Promise<void>;

export interface JobQueue {
  start(handler: JobHandler, concurrency: number): void;
  /** Wakes the queue after a submit, so a new job starts without waiting for the poll. */
  notify(): void;
  stop(): Promise<void>;
}
