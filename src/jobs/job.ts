// The job: what a caller submitted and where it stands. States follow the seed exactly.
import type { ErrorName } from './errors.ts';
import type { FaceChoice } from '../engine/faces.ts';
import type { SwapRequest } from '../engine/types.ts';

export const JOB_STATES = ['pending', 'preparing', 'running', 'finish', 'fail'] as const;
export type JobState = (typeof JOB_STATES)[number];
export const ACTIVE_STATES: readonly JobState[] = ['pending', 'preparing', 'running'];

export interface JobInput {
  sourceUrl: string;
  targetUrl: string;
  notifyUrl: string;
  timeoutS: number;
  /** Which faces (target_face, source_face, or a group's `faces`); absent on a V1 job. */
  faces?: FaceSelection;
  /** The request's `label` choice (docs/COMPLIANCE.md); absent: the service's default. */
  label?: { visible?: boolean };
  /** The request's `style`: the template's make-up or the user's own (engine/style.ts); absent: 'template'. */
  style?: SwapStyle;
}

export type SwapStyle = NonNullable<SwapRequest['style']>;
export const SWAP_STYLES: readonly SwapStyle[] = ['template', 'source'];

export interface FaceSelection {
  targetFace?: FaceChoice;
  sourceFace?: FaceChoice;
  /** A group job: one entry per face; sourceUrl then repeats the first entry's (for listings). */
  group?: { sourceUrl: string; targetFace: FaceChoice; sourceFace?: FaceChoice }[];
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
