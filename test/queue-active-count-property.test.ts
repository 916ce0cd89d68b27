// The active-job counter that admission control reads (kept by triggers, src/queue/sqlite/db.ts)
// always equals a real count, whatever sequence of submits, claims, completions and crashes happens;
// and it is rebuilt from the jobs when an older database without it is opened.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Job } from '../src/jobs/job.ts';
import { openDatabase } from '../src/queue/sqlite/db.ts';
import { SqliteJobStore } from '../src/queue/sqlite/job-store.ts';

const realCount = (db: ReturnType<typeof openDatabase>) =>
  db.prepare(`SELECT count(*) FROM jobs WHERE state IN ('pending','preparing','running')`).pluck().get() as number;

function job(n: number): Job {
  return { id: `job${n}`, appKey: 'k', sourceUrl: 'http://a/s.jpg', targetUrl: 'http://a/t.jpg', notifyUrl: 'http://a/n', timeoutS: 60, state: 'pending', createdAt: n, updatedAt: n, deadlineAt: 1e12, runs: 0 };
}

type Op = { kind: 'submit' } | { kind: 'claim' } | { kind: 'finish' | 'fail' | 'running' | 'delete'; pick: number } | { kind: 'requeue' };
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.constant({ kind: 'submit' as const }),
  fc.constant({ kind: 'claim' as const }),
  fc.constant({ kind: 'requeue' as const }),
  fc.record({ kind: fc.constantFrom('finish' as const, 'fail' as const, 'running' as const, 'delete' as const), pick: fc.nat() }),
);

test('property: the stored active count equals count(*) after any sequence of operations', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wanxing-count-'));
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), fc.integer({ min: 1, max: 20 }), async (ops, maxActive) => {
        const file = `c${Math.random().toString(36).slice(2)}.db`;
        const db = openDatabase(dir, file);
        const store = new SqliteJobStore(db, () => {});
        let n = 0;
        for (const o of ops) {
          const ids = (db.prepare(`SELECT id FROM jobs ORDER BY id`).pluck().all() as string[]);
          const target = 'pick' in o && ids.length ? ids[o.pick % ids.length]! : undefined;
          if (o.kind === 'submit') {
            const before = realCount(db);
            assert.equal(await store.submit(job(n++), maxActive), before < maxActive); // admission uses the counter
          } else if (o.kind === 'claim') store.claimNext(1);
          else if (o.kind === 'requeue') store.requeueOrphans(1);
          else if (target && o.kind === 'running') await store.transition(target, 'preparing', 'running', 2);
          else if (target && o.kind === 'delete') db.prepare(`DELETE FROM jobs WHERE id = ?`).run(target);
          else if (target) {
            const outcome = o.kind === 'finish' ? { state: 'finish' as const, resultUrl: 'u', resultExpiresAt: 3 } : { state: 'fail' as const, errorName: 'InternalError' as const, reason: 'r' };
            await store.complete(target, outcome, { jobId: target, appKey: 'k', url: 'u', body: '{}' }, 3);
          }
          assert.equal(await store.activeCount(), realCount(db));
        }
        db.close();
      }),
      { numRuns: 60 },
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a database written before the counter existed gets it rebuilt on open', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wanxing-count-'));
  try {
    let db = openDatabase(dir);
    const store = new SqliteJobStore(db, () => {});
    for (let i = 0; i < 5; i++) void store.submit(job(i), 100);
    store.claimNext(1);
    // Simulate the old schema: no counter table, no triggers.
    db.exec(`DROP TRIGGER jobs_count_insert; DROP TRIGGER jobs_count_update; DROP TRIGGER jobs_count_delete; DROP TABLE job_counts;`);
    db.prepare(`INSERT INTO jobs (id, app_key, source_url, target_url, notify_url, timeout_s, state, created_at, updated_at, deadline_at, runs)
      VALUES ('old-done', 'k', 'a', 'b', 'c', 1, 'finish', 1, 1, 1, 1)`).run();
    db.close();
    db = openDatabase(dir);
    assert.equal(db.prepare(`SELECT active FROM job_counts`).pluck().get(), 5);
    db.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
