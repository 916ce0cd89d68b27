import type { Database, Statement, Transaction } from 'better-sqlite3';
import { migrateNotify } from './schema.ts';

export type NotificationState = 'pending' | 'delivered' | 'exhausted';

export interface NewNotification {
  jobId: string;
  appKey: string;
  url: string;
  /** The exact bytes (as a string) to POST; never re-serialised. */
  body: string;
  /** Standard Webhooks `webhook-id`; stays the same across every re-send of this notification. */
  msgId: string;
  /** First attempt is due at this time (epoch ms). */
  now: number;
}

export interface Notification {
  jobId: string;
  appKey: string;
  url: string;
  body: string;
  msgId: string;
  state: NotificationState;
  /** Attempts completed in the current round (budget). */
  attempts: number;
  /** 0 for the first budget, +1 for each redelivery. */
  round: number;
  nextAttemptAt: number;
  /** Set while an attempt is in flight (or was, when the process died). */
  claimedAt: number | null;
  createdAt: number;
  deliveredAt: number | null;
  lastError: string | null;
}

export interface Attempt {
  jobId: string;
  /** 1, 2, 3… over the notification's whole life (all rounds). */
  n: number;
  round: number;
  at: number;
  httpStatus: number | null;
  ok: boolean;
  error: string | null;
  /** null for an attempt interrupted by a process stop (its outcome is unknown). */
  durationMs: number | null;
}

export interface AttemptResult {
  jobId: string;
  /** The round the attempt was claimed in (a redelivery during the attempt starts a fresh budget). */
  round: number;
  at: number;
  httpStatus: number | null;
  ok: boolean;
  error: string | null;
  durationMs: number;
}

/**
 * Given how many attempts the round has completed (this one included), when the next one is due
 * (epoch ms), or null when the budget is spent.
 */
export type RetryPolicy = (attemptsInRound: number, now: number) => number | null;

/** The persistence behind the notifier; SQLite here, replaceable by another backend (Redis) later. */
export interface NotificationStore {
  /** Inserts; false (and no change) when the job already has a notification. Synchronous. */
  enqueue(n: NewNotification): boolean;
  /** Pending notifications due at `now`, oldest due first. */
  due(now: number, limit: number): Notification[];
  /** The earliest next_attempt_at of any pending notification. */
  nextDueAt(): number | undefined;
  /**
   * Atomically takes a due notification for one attempt: pushes next_attempt_at to `leaseUntil` so that
   * nobody else (nor this process after a crash, until the lease ends) sends it meanwhile.
   * Undefined when it is no longer due/pending. An earlier claim never settled is logged as an
   * interrupted attempt.
   */
  claim(jobId: string, now: number, leaseUntil: number): Notification | undefined;
  /** Stores an attempt's outcome and the resulting state; returns the updated notification. */
  recordAttempt(r: AttemptResult, retry: RetryPolicy): Notification | undefined;
  attempts(jobId: string): Attempt[];
  get(jobId: string): Notification | undefined;
  /** Back to pending, due now, fresh budget (same body and msg id); false if unknown. */
  resetForRedelivery(jobId: string, now: number): boolean;
}

interface Row {
  job_id: string;
  app_key: string;
  url: string;
  body: string;
  msg_id: string;
  state: NotificationState;
  attempts: number;
  round: number;
  next_attempt_at: number;
  claimed_at: number | null;
  created_at: number;
  delivered_at: number | null;
  last_error: string | null;
}

interface AttemptRow {
  job_id: string;
  n: number;
  round: number;
  at: number;
  http_status: number | null;
  ok: number;
  error: string | null;
  duration_ms: number | null;
}

const toNotification = (r: Row): Notification => ({
  jobId: r.job_id,
  appKey: r.app_key,
  url: r.url,
  body: r.body,
  msgId: r.msg_id,
  state: r.state,
  attempts: r.attempts,
  round: r.round,
  nextAttemptAt: r.next_attempt_at,
  claimedAt: r.claimed_at,
  createdAt: r.created_at,
  deliveredAt: r.delivered_at,
  lastError: r.last_error,
});

const toAttempt = (r: AttemptRow): Attempt => ({
  jobId: r.job_id,
  n: r.n,
  round: r.round,
  at: r.at,
  httpStatus: r.http_status,
  ok: r.ok === 1,
  error: r.error,
  durationMs: r.duration_ms,
});

export const INTERRUPTED = 'interrupted: the process stopped during the attempt; outcome unknown';

export class SqliteNotificationStore implements NotificationStore {
  private readonly s: Record<
    'insert' | 'due' | 'nextDue' | 'get' | 'lease' | 'addAttempt' | 'settle' | 'attempts' | 'reset',
    Statement
  >;
  private readonly claimTx: Transaction<(jobId: string, now: number, leaseUntil: number) => Notification | undefined>;
  private readonly recordTx: Transaction<(r: AttemptResult, retry: RetryPolicy) => Notification | undefined>;

  constructor(private readonly db: Database) {
    migrateNotify(db);
    this.s = {
      insert: db.prepare(
        `INSERT INTO notifications (job_id, app_key, url, body, msg_id, state, next_attempt_at, created_at)
         VALUES (?, ?, ?, ?, ?, 'pending', ?, ?) ON CONFLICT (job_id) DO NOTHING`,
      ),
      due: db.prepare(
        `SELECT * FROM notifications WHERE state = 'pending' AND next_attempt_at <= ?
         ORDER BY next_attempt_at LIMIT ?`,
      ),
      nextDue: db.prepare(`SELECT MIN(next_attempt_at) AS t FROM notifications WHERE state = 'pending'`),
      get: db.prepare(`SELECT * FROM notifications WHERE job_id = ?`),
      lease: db.prepare(
        `UPDATE notifications SET next_attempt_at = ?, claimed_at = ?
         WHERE job_id = ? AND state = 'pending' AND next_attempt_at <= ?`,
      ),
      addAttempt: db.prepare(
        `INSERT INTO notify_attempts (job_id, n, round, at, http_status, ok, error, duration_ms)
         VALUES (?, (SELECT COALESCE(MAX(n), 0) + 1 FROM notify_attempts WHERE job_id = ?), ?, ?, ?, ?, ?, ?)`,
      ),
      settle: db.prepare(
        `UPDATE notifications SET state = ?, attempts = ?, next_attempt_at = ?, claimed_at = NULL,
           delivered_at = ?, last_error = ? WHERE job_id = ?`,
      ),
      attempts: db.prepare(`SELECT * FROM notify_attempts WHERE job_id = ? ORDER BY n`),
      reset: db.prepare(
        // An attempt still in flight keeps its lease (no parallel double send); its outcome is then
        // settled against the new round (see recordAttempt).
        `UPDATE notifications SET state = 'pending', attempts = 0, round = round + 1, delivered_at = NULL,
           next_attempt_at = CASE WHEN claimed_at IS NULL THEN ? ELSE next_attempt_at END
         WHERE job_id = ?`,
      ),
    };

    this.claimTx = db.transaction((jobId: string, now: number, leaseUntil: number) => {
      const before = this.s.get.get(jobId) as Row | undefined;
      if (!before || before.state !== 'pending' || before.next_attempt_at > now) return undefined;
      if (before.claimed_at !== null) {
        // A claim that was never settled: the process died mid-attempt. Keep it in the audit trail;
        // it does not use up the budget, so a crash cannot make a notification run out of attempts.
        this.s.addAttempt.run(jobId, jobId, before.round, before.claimed_at, null, 0, INTERRUPTED, null);
      }
      this.s.lease.run(leaseUntil, now, jobId, now);
      return toNotification(this.s.get.get(jobId) as Row);
    });

    this.recordTx = db.transaction((r: AttemptResult, retry: RetryPolicy) => {
      const row = this.s.get.get(r.jobId) as Row | undefined;
      if (!row) return undefined;
      this.s.addAttempt.run(r.jobId, r.jobId, r.round, r.at, r.httpStatus, r.ok ? 1 : 0, r.error, r.durationMs);
      const end = r.at + r.durationMs;
      if (r.ok) {
        this.s.settle.run('delivered', row.round === r.round ? row.attempts + 1 : row.attempts, row.next_attempt_at, end, null, r.jobId);
      } else if (row.round !== r.round) {
        // Redelivered while this attempt was in flight: the failure belongs to the old budget; send again now.
        this.s.settle.run('pending', row.attempts, end, null, r.error, r.jobId);
      } else {
        const attempts = row.attempts + 1;
        const next = retry(attempts, end);
        if (next === null) this.s.settle.run('exhausted', attempts, row.next_attempt_at, null, r.error, r.jobId);
        else this.s.settle.run('pending', attempts, next, null, r.error, r.jobId);
      }
      return toNotification(this.s.get.get(r.jobId) as Row);
    });
  }

  enqueue(n: NewNotification): boolean {
    return this.s.insert.run(n.jobId, n.appKey, n.url, n.body, n.msgId, n.now, n.now).changes === 1;
  }

  due(now: number, limit: number): Notification[] {
    return (this.s.due.all(now, limit) as Row[]).map(toNotification);
  }

  nextDueAt(): number | undefined {
    const t = (this.s.nextDue.get() as { t: number | null }).t;
    return t ?? undefined;
  }

  claim(jobId: string, now: number, leaseUntil: number): Notification | undefined {
    // IMMEDIATE: take the write lock before reading, so two processes cannot both claim.
    return this.claimTx.immediate(jobId, now, leaseUntil);
  }

  recordAttempt(r: AttemptResult, retry: RetryPolicy): Notification | undefined {
    return this.recordTx.immediate(r, retry);
  }

  attempts(jobId: string): Attempt[] {
    return (this.s.attempts.all(jobId) as AttemptRow[]).map(toAttempt);
  }

  get(jobId: string): Notification | undefined {
    const row = this.s.get.get(jobId) as Row | undefined;
    return row && toNotification(row);
  }

  resetForRedelivery(jobId: string, now: number): boolean {
    return this.s.reset.run(now, jobId).changes === 1;
  }
}
