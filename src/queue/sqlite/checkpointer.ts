// WAL checkpoints copy the log back into the database file; SQLite runs them inside a commit on the
// main thread, which shows up as latency spikes under load. A second connection on a worker thread
// does them instead; the main connection keeps a high auto-checkpoint only as a backstop.
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Db } from './db.ts';

const CODE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
const timer = setInterval(() => { try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {} }, workerData.everyMs);
parentPort.on('message', () => { clearInterval(timer); db.close(); process.exit(0); });
`;

export function startCheckpointer(db: Db, everyMs = 500): () => Promise<void> {
  db.pragma('wal_autocheckpoint = 20000');
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(CODE, { eval: true, workerData: { driver, file: path.resolve(db.name), everyMs } });
  worker.unref();
  return async () => {
    worker.ref(); // keep the loop alive until it has closed its connection
    worker.postMessage('stop');
    await new Promise((r) => worker.once('exit', r));
  };
}
