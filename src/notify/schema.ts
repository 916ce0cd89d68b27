import type { Database } from 'better-sqlite3';

// One row per job: a job has exactly one final notification (success or failure), so job_id is the key.
// `attempts` counts attempts in the current budget (`round`); `redeliver` starts a new round.
// `claimed_at` is set while an attempt is in flight, so a restart can tell an interrupted attempt.
// Times are epoch milliseconds.
const DDL = `
CREATE TABLE IF NOT EXISTS notifications (
  job_id          TEXT PRIMARY KEY,
  app_key         TEXT NOT NULL,
  url             TEXT NOT NULL,
  body            TEXT NOT NULL,
  msg_id          TEXT NOT NULL,
  state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'exhausted')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  round           INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  claimed_at      INTEGER,
  created_at      INTEGER NOT NULL,
  delivered_at    INTEGER,
  last_error      TEXT
);
CREATE INDEX IF NOT EXISTS notifications_due ON notifications (state, next_attempt_at);
CREATE TABLE IF NOT EXISTS notify_attempts (
  job_id      TEXT NOT NULL,
  n           INTEGER NOT NULL,
  round       INTEGER NOT NULL,
  at          INTEGER NOT NULL,
  http_status INTEGER,
  ok          INTEGER NOT NULL,
  error       TEXT,
  duration_ms INTEGER,
  PRIMARY KEY (job_id, n)
);
`;

/** Creates the notification tables; idempotent. Also switches a file database to WAL (persistent). */
export function migrateNotify(db: Database): void {
  // WAL: a committed enqueue survives a process crash, and readers (CLI, /query) do not block the loop.
  if (!db.memory && !db.inTransaction) db.pragma('journal_mode = WAL');
  db.exec(DDL);
}
