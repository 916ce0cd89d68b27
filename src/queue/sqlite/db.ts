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
}
