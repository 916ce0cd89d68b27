import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Attempt, Notification, NotificationState, NotificationStore } from './store.ts';
import { MAX_RESENDS, nextAttemptAt } from './schedule.ts';
import { attemptDelivery, type Send } from './attempt.ts';

export type { Send };

export interface NotifierOptions {
  store: NotificationStore;
  send: Send;
  /** Waits before each re-send, seconds (see parseRetryDelays); length = number of re-sends. */
  retryDelaysS: number[];
  attemptTimeoutMs: number;
  /** The app secret that signs webhook-signature; undefined → sent unsigned. */
  secretFor(appKey: string): string | undefined;
  logger?: Logger;
  /** Scheduling clock (epoch ms); injectable for tests. Signature timestamps always use the wall clock. */
  now?: () => number;
  /** Longest sleep between looks at the store (picks up redeliveries made by another process). */
  pollMs?: number;
  /** Attempts in flight at once. */
  concurrency?: number;
  /** Extra lease past the attempt timeout before a claimed attempt counts as abandoned (crash). */
  leaseMarginMs?: number;
  /** Told after each recorded attempt (metrics). */
  onAttempt?: (a: { ok: boolean; httpStatus: number | null; durationMs: number; exhausted: boolean }) => void;
}

export interface NotificationStatus {
  state: NotificationState;
  attempts: number;
  nextAttemptAt: number | null;
  lastError: string | null;
  deliveredAt: number | null;
}

/**
 * Durable webhook delivery. enqueue() is a synchronous insert (call it inside the transaction that
 * records the job's final state); a loop sends due notifications, records every attempt and schedules
 * the next one. At-least-once: a crash mid-attempt means the attempt is repeated after restart.
 */
export class Notifier {
  private readonly store: NotificationStore;
  private readonly send: Send;
  private readonly delays: number[];
  private readonly timeoutMs: number;
  private readonly secretFor: (appKey: string) => string | undefined;
  private readonly log: Logger | undefined;
  private readonly now: () => number;
  private readonly pollMs: number;
  private readonly concurrency: number;
  private readonly leaseMarginMs: number;
  private readonly onAttempt: NotifierOptions['onAttempt'];
  private readonly inflight = new Map<string, Promise<void>>();
  private running = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(opts: NotifierOptions) {
    if (!(opts.attemptTimeoutMs > 0)) throw new Error('Notifier: attemptTimeoutMs must be > 0');
    // Checked here too (not only in parseRetryDelays): a NaN delay would make every outcome unrecordable.
    if (opts.retryDelaysS.length > MAX_RESENDS || !opts.retryDelaysS.every((d) => Number.isFinite(d) && d >= 0)) {
      throw new Error(`Notifier: retryDelaysS must be at most ${MAX_RESENDS} non-negative numbers`);
    }
    this.store = opts.store;
    this.send = opts.send;
    this.delays = [...opts.retryDelaysS];
    this.timeoutMs = opts.attemptTimeoutMs;
    this.secretFor = opts.secretFor;
    this.log = opts.logger;
    this.now = opts.now ?? Date.now;
    this.pollMs = opts.pollMs ?? 1000;
    this.concurrency = Math.max(1, opts.concurrency ?? 8);
    this.leaseMarginMs = opts.leaseMarginMs ?? 5000;
    this.onAttempt = opts.onAttempt;
  }

  /**
   * Persists a notification, due now. Synchronous, so it commits with the caller's db.transaction.
   * Returns false if the job already has one (the first final state wins).
   */
  enqueue(n: { jobId: string; appKey: string; url: string; body: string }): boolean {
    const msgId = `msg_${randomUUID().replace(/-/g, '')}`;
    const added = this.store.enqueue({ ...n, msgId, now: this.now() });
    // Deferred: inside a caller's transaction the row is not committed yet; the tick runs after it.
    if (added) this.wake();
    return added;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.wake();
  }

  /** Stops picking new work and waits for attempts in flight (each ends within its timeout). */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.allSettled([...this.inflight.values()]);
  }

  /** Sends again (same body and webhook-id), now, with a fresh budget of attempts; false if unknown. */
  redeliver(jobId: string): boolean {
    const ok = this.store.resetForRedelivery(jobId, this.now());
    if (ok) {
      this.log?.info({ jobId }, 'notification redelivery requested');
      this.wake();
    }
    return ok;
  }

  attempts(jobId: string): Attempt[] {
    return this.store.attempts(jobId);
  }

  status(jobId: string): NotificationStatus | undefined {
    const n = this.store.get(jobId);
    if (!n) return undefined;
    return {
      state: n.state,
      attempts: n.attempts,
      nextAttemptAt: n.state === 'pending' ? n.nextAttemptAt : null,
      lastError: n.lastError,
      deliveredAt: n.deliveredAt,
    };
  }

  private wake(): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), 0);
  }

  private tick(): void {
    this.timer = undefined;
    if (!this.running) return;
    let sleep = this.pollMs;
    try {
      const now = this.now();
      const free = this.concurrency - this.inflight.size;
      if (free > 0) {
        for (const due of this.store.due(now, free + this.inflight.size)) {
          if (this.inflight.size >= this.concurrency) break;
          if (this.inflight.has(due.jobId)) continue;
          const claimed = this.store.claim(due.jobId, now, now + this.timeoutMs + this.leaseMarginMs);
          if (claimed) this.launch(claimed);
        }
      }
      const next = this.store.nextDueAt();
      // When full, a finishing attempt wakes the loop; otherwise sleep until the next due one.
      if (next !== undefined && this.inflight.size < this.concurrency) {
        sleep = Math.min(this.pollMs, Math.max(0, next - this.now()));
      }
    } catch (err) {
      this.log?.error({ err }, 'notifier loop failed; retrying');
    }
    if (this.running) this.timer = setTimeout(() => this.tick(), sleep);
  }

  private launch(n: Notification): void {
    const p = this.attempt(n)
      .catch((err) => this.log?.error({ err, jobId: n.jobId }, 'recording a notification attempt failed'))
      .finally(() => {
        this.inflight.delete(n.jobId);
        this.wake();
      });
    this.inflight.set(n.jobId, p);
  }

  private async attempt(n: Notification): Promise<void> {
    const { at, httpStatus, ok, error, durationMs } = await attemptDelivery(this.send, n, this.secretFor(n.appKey), this.timeoutMs, this.now);
    const after = this.store.recordAttempt(
      { jobId: n.jobId, round: n.round, at, httpStatus, ok, error, durationMs },
      (done, end) => nextAttemptAt(this.delays, done, end),
    );
    this.onAttempt?.({ ok, httpStatus, durationMs, exhausted: after?.state === 'exhausted' });
    const ctx = { jobId: n.jobId, url: n.url, attempt: after?.attempts, httpStatus, durationMs };
    if (ok) this.log?.info(ctx, 'notification delivered');
    else if (after?.state === 'exhausted') this.log?.error({ ...ctx, error }, 'notification failed; attempts exhausted');
    else this.log?.warn({ ...ctx, error, nextAttemptAt: after?.nextAttemptAt }, 'notification attempt failed');
  }
}
