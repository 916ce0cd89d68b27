// The small interfaces the domain needs; adapters live in queue/, storage/, workers/, fetch/, notify/.
import type { SwapRequest, SwapResult, TemplateFaces } from '../engine/types.ts';
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
  /** As found; results are JPEG, or PNG for a PNG template. */
  format: 'jpeg' | 'png' | 'webp' | 'avif';
  width: number;
  height: number;
  /** A registered template's stored analysis (src/templates): the engine does not analyse it again. */
  faces?: SwapRequest['targetFaces'];
}

export type ImageFetcher = (url: string, signal: AbortSignal) => Promise<DownloadedImage>;

export interface EngineRunner {
  swap(
    req: { source: Uint8Array; target: Uint8Array } & Pick<SwapRequest, 'targetFace' | 'sourceFace' | 'faces' | 'targetFaces' | 'style' | 'visibleLabel'>,
    opts: { signal?: AbortSignal; onStage?: (stage: string) => void },
  ): Promise<SwapResult>;
  /** Every face of a template (POST /faces); a later swap on it skips the analysis. */
  listFaces?(image: Uint8Array, opts: { signal?: AbortSignal }): Promise<TemplateFaces>;
  close(): Promise<void>;
}

/** AIGC labels (and screening, audit) of each job, the same in every mode: src/compliance. */
export interface JobCompliance {
  /** What the job's swap request carries for the label (the engine draws the visible one in its encode). */
  swapRequest(job: Job): Pick<SwapRequest, 'visibleLabel'>;
  /** The result with its visible label (unless the job turned it off) and its signed XMP label. */
  label(result: SwapResult, job: Job): Promise<{ result: SwapResult; label: { contentId: string; visible: boolean } }>;
}

/** What a job's run adds to its audit record (hashes, screening scores, the label). */
export interface AuditEvidence {
  sourceSha256?: string;
  targetSha256?: string;
  /** A group job's further sources, in order. */
  otherSourcesSha256?: string[];
  resultSha256?: string;
  /** The XMP label's content ID (the job id) and whether the visible label was drawn. */
  label?: { contentId: string; visible: boolean };
  screening?: unknown;
}

/** One job's audit record (docs/COMPLIANCE.md): kept for the configured retention, then deleted. */
export interface AuditRecord extends AuditEvidence {
  jobId: string;
  appKey: string;
  submittedAt: number;
  endedAt: number;
  outcome: 'finish' | 'fail';
  error?: string;
  code?: number;
  reason?: string;
}

export interface AuditStore {
  record(r: AuditRecord): Promise<void>;
  get(jobId: string): Promise<AuditRecord | undefined>;
  /** Records of jobs ended at or after `since` (ms), oldest first. */
  since(since: number, limit: number): Promise<AuditRecord[]>;
}

export interface Clock {
  now(): number;
}
