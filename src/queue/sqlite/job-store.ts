// JobStore on SQLite (embedded mode). All calls are synchronous underneath; the port is async so
// that a Redis adapter fits the same shape.
import type { ErrorName } from '../../jobs/errors.ts';
import type { Job, JobState, Outcome } from '../../jobs/job.ts';
import type { JobStore, NewNotification } from '../../jobs/ports.ts';
import type { Db } from './db.ts';
import type { WriteBatcher } from './write-batcher.ts';

interface Row {
  id: string;
  app_key: string;
  source_url: string;
  target_url: string;
  notify_url: string;
  timeout_s: number;
  state: JobState;
  created_at: number;
  updated_at: number;
  deadline_at: number;
  started_at: number | null;
  finished_at: number | null;
  runs: number;
  result_url: string | null;
  result_expires_at: number | null;
  error_name: string | null;
  reason: string | null;
  timings: string | null;
  label: string | null;
  faces: string | null;
  style: string | null;
}

function fromRow(r: Row): Job {
  return {
    id: r.id,
    appKey: r.app_key,
    sourceUrl: r.source_url,
    targetUrl: r.target_url,
    notifyUrl: r.notify_url,
    timeoutS: r.timeout_s,
    state: r.state,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    deadlineAt: r.deadline_at,
    startedAt: r.started_at ?? undefined,
    finishedAt: r.finished_at ?? undefined,
    runs: r.runs,
    resultUrl: r.result_url ?? undefined,
    resultExpiresAt: r.result_expires_at ?? undefined,
    errorName: (r.error_name as ErrorName | null) ?? undefined,
    reason: r.reason ?? undefined,
    timings: r.timings ? JSON.parse(r.timings) : undefined,
    ...(r.label ? { label: JSON.parse(r.label) } : {}),
    ...(r.faces ? { faces: JSON.parse(r.faces) } : {}),
    ...(r.style ? { style: r.style as Job['style'] } : {}),
  };
}

const ACTIVE = `state IN ('pending','preparing','running')`;

// The partial index serves only queries that repeat its WHERE term verbatim; without that term (or
// after an ANALYZE, without INDEXED BY) SQLite scans the whole table: 13 ms a claim, on the event
// loop, at 200,000 queued jobs.
export const CLAIM_SQL = `UPDATE jobs SET state = 'preparing', updated_at = @now, started_at = @now, runs = runs + 1
  WHERE id = (SELECT id FROM jobs INDEXED BY jobs_active WHERE ${ACTIVE} AND state = 'pending' AND deadline_at > @now
    ORDER BY created_at LIMIT 1)
  RETURNING *`;

export class SqliteJobStore implements JobStore {
  private readonly stmts;
  private readonly submitTx;
  private readonly completeTx;

  constructor(
    private readonly db: Db,
    /** Synchronous insert of the notification into the same database (the notifier's store). */
    enqueueNotification: (n: NewNotification) => void,
    /** Group commit for submits (optional: without it each submit is its own transaction). */
    private readonly writes?: WriteBatcher,
  ) {
    this.stmts = {
      count: db.prepare(`SELECT active FROM job_counts WHERE id = 1`).pluck(), // kept by triggers (db.ts)
      insert: db.prepare(`INSERT INTO jobs (id, app_key, source_url, target_url, notify_url, timeout_s, state,
        created_at, updated_at, deadline_at, runs, label, faces, style) VALUES (@id, @appKey, @sourceUrl, @targetUrl, @notifyUrl, @timeoutS,
        @state, @createdAt, @updatedAt, @deadlineAt, 0, @label, @faces, @style)`),
      get: db.prepare(`SELECT * FROM jobs WHERE id = ?`),
      transition: db.prepare(`UPDATE jobs SET state = @to, updated_at = @now WHERE id = @id AND state = @from`),
      finish: db.prepare(`UPDATE jobs SET state = 'finish', updated_at = @now, finished_at = @now, result_url = @resultUrl,
        result_expires_at = @resultExpiresAt, timings = @timings WHERE id = @id AND ${ACTIVE}`),
      fail: db.prepare(`UPDATE jobs SET state = 'fail', updated_at = @now, finished_at = @now, error_name = @errorName,
        reason = @reason WHERE id = @id AND ${ACTIVE}`),
      expired: db.prepare(`SELECT * FROM jobs WHERE ${ACTIVE} AND deadline_at <= ? ORDER BY deadline_at LIMIT ?`),
      claim: db.prepare(CLAIM_SQL),
      requeue: db.prepare(`UPDATE jobs SET state = 'pending', updated_at = @now
        WHERE ${ACTIVE} AND state IN ('preparing','running') AND deadline_at > @now`),
      recent: db.prepare(`SELECT * FROM jobs WHERE app_key = ? ORDER BY created_at DESC LIMIT ?`),
    };
    this.submitTx = db.transaction((job: Job, maxActive: number): boolean => {
      if ((this.stmts.count.get() as number) >= maxActive) return false;
      this.stmts.insert.run({ ...job, label: job.label ? JSON.stringify(job.label) : null, faces: job.faces ? JSON.stringify(job.faces) : null, style: job.style ?? null });
      return true;
    });
    this.completeTx = db.transaction((id: string, outcome: Outcome, n: NewNotification, now: number): boolean => {
      const changed =
        outcome.state === 'finish'
          ? this.stmts.finish.run({ id, now, resultUrl: outcome.resultUrl, resultExpiresAt: outcome.resultExpiresAt, timings: outcome.timings ? JSON.stringify(outcome.timings) : null })
          : this.stmts.fail.run({ id, now, errorName: outcome.errorName, reason: outcome.reason });
      if (changed.changes === 0) return false;
      enqueueNotification(n);
      return true;
    });
  }

  async submit(job: Job, maxActive: number): Promise<boolean> {
    return this.writes ? this.writes.run(() => this.submitTx(job, maxActive)) : this.submitTx.immediate(job, maxActive);
  }

  async get(id: string): Promise<Job | undefined> {
    const row = this.stmts.get.get(id) as Row | undefined;
    return row && fromRow(row);
  }

  async transition(id: string, from: JobState, to: JobState, now: number): Promise<boolean> {
    return this.stmts.transition.run({ id, from, to, now }).changes > 0;
  }

  async complete(id: string, outcome: Outcome, notification: NewNotification, now: number): Promise<boolean> {
    return this.completeTx.immediate(id, outcome, notification, now);
  }

  async expired(now: number, limit: number): Promise<Job[]> {
    return (this.stmts.expired.all(now, limit) as Row[]).map(fromRow);
  }

  async activeCount(): Promise<number> {
    return this.stmts.count.get() as number;
  }

  /** Oldest pending job → preparing, or undefined. */
  claimNext(now: number): Job | undefined {
    const row = this.stmts.claim.get({ now }) as Row | undefined;
    return row && fromRow(row);
  }

  /** After a crash: jobs that were being worked on go back to pending (overdue ones are left to the expiry sweep). */
  requeueOrphans(now: number): number {
    return this.stmts.requeue.run({ now }).changes;
  }

  recent(appKey: string, limit: number): Job[] {
    return (this.stmts.recent.all(appKey, limit) as Row[]).map(fromRow);
  }
}
