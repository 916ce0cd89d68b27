// Group commit: writes of one event-loop turn share a transaction; a failing write is rolled back alone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { WriteBatcher } from '../src/queue/sqlite/write-batcher.ts';
import { SqliteNonceStore } from '../src/queue/sqlite/nonce-store.ts';

test('writes in one turn commit together; a throwing one rejects alone and leaves nothing behind', async () => {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (v INTEGER PRIMARY KEY)');
  const commits: number[] = [];
  const batcher = new WriteBatcher(db);
  const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
  const results = await Promise.allSettled([
    batcher.run(() => insert.run(1).changes),
    batcher.run(() => {
      insert.run(2);
      throw new Error('half-done write');
    }),
    batcher.run(() => {
      commits.push(db.inTransaction ? 1 : 0);
      return insert.run(3).changes;
    }),
  ]);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  assert.match(String((results[1] as PromiseRejectedResult).reason), /half-done write/);
  assert.deepEqual(db.prepare('SELECT v FROM t ORDER BY v').pluck().all(), [1, 3]);
  assert.deepEqual(commits, [1], 'the writes ran inside the shared transaction');
  assert.equal(db.inTransaction, false);
});

test('a nonce sent twice in the same burst is accepted once', async () => {
  const db = new Database(':memory:');
  const nonces = new SqliteNonceStore(db, Date.now, new WriteBatcher(db));
  const answers = await Promise.all([1, 2, 3].map(() => nonces.checkAndRemember('app', 'n-1', 60_000)));
  assert.deepEqual(answers.sort(), [false, false, true]);
  assert.equal(await nonces.checkAndRemember('app', 'n-2', 60_000), true);
});

test('WAL checkpoints happen off the main thread', async () => {
  const { openDatabase } = await import('../src/queue/sqlite/db.ts');
  const { startCheckpointer } = await import('../src/queue/sqlite/checkpointer.ts');
  const { tmpDir } = await import('./helpers/service.ts');
  const fs = await import('node:fs');
  const dir = tmpDir();
  const db = openDatabase(dir, 'cp.db');
  const stop = startCheckpointer(db, 50);
  try {
    db.exec('CREATE TABLE t (v TEXT)');
    const before = fs.statSync(`${dir}/cp.db`).size;
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    for (let i = 0; i < 2000; i++) insert.run('x'.repeat(200)); // 2,000 commits, far below the 20,000-page backstop
    const deadline = Date.now() + 10_000;
    while (fs.statSync(`${dir}/cp.db`).size < before + 300_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(fs.statSync(`${dir}/cp.db`).size >= before + 300_000, 'the rows reached the database file through a checkpoint');
  } finally {
    await stop();
    db.close();
  }
});
