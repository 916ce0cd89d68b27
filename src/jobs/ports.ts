// The small interfaces the domain needs; adapters live in queue/, storage/, workers/, fetch/, notify/.
import type { SwapResult } from '../engine/types.ts';
import type { Job, JobState, Outcome } from './job.ts';

export interface NewNotification {
  jobId: string;
  appKey: string;
  url: string;
  body: string;
}

export interface JobStore {
  /** Inserts the job unless maxActive jobs are already queued or running; false means QueueFull. Durable on return. */
  submit(job: Job, maxActive: number): Promise<boolean>;
  get(id: string): Promise<Job | undefined>;
  /** Moves a job between active states; false when it is no longer in `from` (e.g. it timed out meanwhile). */
  transition(id: string, from: JobState, to: JobState, now: number): Promise<boolean>;
  /** Ends an active job and enqueues its notification in one atomic step; false when it had already ended. */
  complete(id: string, outcome: Outcome, notification: NewNotification, now: number): Promise<boolean>;
  /** Active jobs whose deadline has passed. */
  expired(now: number, limit: number): Promise<Job[]>;
  activeCount(): Promise<number>;
}

export interface ResultStore {
  /** Stores the result and returns the caller-facing URL, valid until expiresAt (ms). */
  put(jobId: string, image: Uint8Array, format: 'jpeg' | 'png', expiresAt: number): Promise<string>;
  /** Deletes results past their expiry; returns how many. */
  sweep(now: number): Promise<number>;
}

export interface DownloadedImage {
  bytes: Uint8Array;
  format: 'jpeg' | 'png';
  width: number;
  height: number;
}

export type ImageFetcher = (url: string, signal: AbortSignal) => Promise<DownloadedImage>;

export interface EngineRunner {
  swap(
    req: { source: Uint8Array; target: Uint8Array },
    opts: { signal?: AbortSignal; onStage?: (stage: string) => void },
  ): Promise<SwapResult>;
  close(): Promise<void>;
}

export interface Clock {
  now(): number;
}
