// One SQLite file for the embedded mode: jobs, apps, nonces and notifications share it, so a job's
// final state and its notification are written in one transaction.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;

export function openDatabase(dataDir: string, file = 'wanxing.db'): Db {
  fs.mkdirSync(dataDir, { recursive: true });
  const db = new Database(path.join(dataDir, file));
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: a committed transaction survives any process crash (not a power cut).
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  migrateJobs(db);
  return db;
}

function migrateJobs(db: Db): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS jobs (
      id TEXT PRIMARY KEY,
      app_key TEXT NOT NULL,
      source_url TEXT NOT NULL,
      target_url TEXT NOT NULL,
      notify_url TEXT NOT NULL,
      timeout_s REAL NOT NULL,
      state TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      deadline_at INTEGER NOT NULL,
      started_at INTEGER,
      finished_at INTEGER,
      runs INTEGER NOT NULL DEFAULT 0,
      result_url TEXT,
      result_expires_at INTEGER,
      error_name TEXT,
      reason TEXT,
      timings TEXT
    );
    CREATE INDEX IF NOT EXISTS jobs_active ON jobs (state, created_at) WHERE state IN ('pending','preparing','running');
    CREATE INDEX IF NOT EXISTS jobs_deadline ON jobs (deadline_at) WHERE state IN ('pending','preparing','running');
    CREATE INDEX IF NOT EXISTS jobs_app_created ON jobs (app_key, created_at);
  `);
  // Columns added since: put into an existing file in place.
  const columns = new Set((db.prepare(`PRAGMA table_info(jobs)`).all() as { name: string }[]).map((c) => c.name));
  if (!columns.has('label')) db.exec(`ALTER TABLE jobs ADD COLUMN label TEXT`); // the request's AIGC label choice (JSON)
  if (!columns.has('faces')) db.exec(`ALTER TABLE jobs ADD COLUMN faces TEXT`); // target_face / source_face / group entries (JSON)
  if (!columns.has('style')) db.exec(`ALTER TABLE jobs ADD COLUMN style TEXT`); // the request's style ('template' | 'source'); NULL: the default
  // Admission control reads the number of active jobs on every submit; counting the index costs
  // 0.4 ms at 10,000 queued jobs, so triggers keep the number in a one-row table instead (in the
  // same transactions, so every process sharing the file sees it exact).
  db.transaction(() => {
    db.exec(`
      CREATE TABLE IF NOT EXISTS job_counts (id INTEGER PRIMARY KEY CHECK (id = 1), active INTEGER NOT NULL);
      INSERT OR IGNORE INTO job_counts (id, active) SELECT 1, count(*) FROM jobs WHERE ${ACTIVE};
      CREATE TRIGGER IF NOT EXISTS jobs_count_insert AFTER INSERT ON jobs WHEN NEW.state IN ${ACTIVE_STATES}
      BEGIN UPDATE job_counts SET active = active + 1 WHERE id = 1; END;
      CREATE TRIGGER IF NOT EXISTS jobs_count_update AFTER UPDATE OF state ON jobs
      WHEN (OLD.state IN ${ACTIVE_STATES}) <> (NEW.state IN ${ACTIVE_STATES})
      BEGIN UPDATE job_counts SET active = active + (CASE WHEN NEW.state IN ${ACTIVE_STATES} THEN 1 ELSE -1 END) WHERE id = 1; END;
      CREATE TRIGGER IF NOT EXISTS jobs_count_delete AFTER DELETE ON jobs WHEN OLD.state IN ${ACTIVE_STATES}
      BEGIN UPDATE job_counts SET active = active - 1 WHERE id = 1; END;
    `);
  }).immediate();
}

const ACTIVE_STATES = `('pending','preparing','running')`;
const ACTIVE = `state IN ${ACTIVE_STATES}`;
