// The job: what a caller submitted and where it stands. States follow the seed exactly.
import type { ErrorName } from './errors.ts';

export const JOB_STATES = ['pending', 'preparing', 'running', 'finish', 'fail'] as const;
export type JobState = (typeof JOB_STATES)[number];
export const ACTIVE_STATES: readonly JobState[] = ['pending', 'preparing', 'running'];

export interface JobInput {
  sourceUrl: string;
  targetUrl: string;
  notifyUrl: string;
  timeoutS: number;
}

export interface Job extends JobInput {
  id: string;
  appKey: string;
  state: JobState;
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** createdAt + timeout: past it the job stops and the caller gets Timeout. */
  deadlineAt: number;
  updatedAt: number;
  startedAt?: number;
  finishedAt?: number;
  /** How many times a worker picked the job up (more than 1 after a crash). */
  runs: number;
  resultUrl?: string;
  resultExpiresAt?: number;
  errorName?: ErrorName;
  reason?: string;
  timings?: Record<string, number>;
}

export function isTerminal(state: JobState): boolean {
  return state === 'finish' || state === 'fail';
}

/** How a job ended: stored on the job and sent to the caller, atomically. */
export type Outcome =
  | { state: 'finish'; resultUrl: string; resultExpiresAt: number; timings?: Record<string, number> }
  | { state: 'fail'; errorName: ErrorName; reason: string };
