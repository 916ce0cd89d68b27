// Claiming the next job must stay cheap however many jobs are queued: it runs on the event loop
// that answers submits, once per job.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { Job } from '../src/jobs/job.ts';
import { openDatabase } from '../src/queue/sqlite/db.ts';
import { CLAIM_SQL, SqliteJobStore } from '../src/queue/sqlite/job-store.ts';

function job(id: string, createdAt: number, deadlineAt: number): Job {
  return { id, appKey: 'k', sourceUrl: 'http://a/s.jpg', targetUrl: 'http://a/t.jpg', notifyUrl: 'http://a/n', timeoutS: 60, state: 'pending', createdAt, updatedAt: createdAt, deadlineAt, runs: 0 };
}

test('claimNext takes the oldest pending job whose deadline has not passed, through the active-jobs index', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wanxing-claim-'));
  const db = openDatabase(dir);
  try {
    const store = new SqliteJobStore(db, () => {});
    await store.submit(job('late', 5, 100), 1e9); // past its deadline at now = 200: left to the expiry sweep
    await store.submit(job('second', 20, 1e12), 1e9);
    await store.submit(job('first', 10, 1e12), 1e9);
    for (let i = 0; i < 2000; i++) await store.submit(job(`bulk${i}`, 100 + i, 1e12), 1e9);
    db.exec('ANALYZE'); // statistics must not talk the planner into a table scan

    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${CLAIM_SQL}`).all({ now: 200 }) as Array<{ detail: string }>).map((r) => r.detail);
    assert.ok(plan.some((d) => d.includes('USING INDEX jobs_active')), plan.join('\n'));
    assert.ok(!plan.some((d) => /^SCAN jobs\b/.test(d)), plan.join('\n'));

    assert.equal(store.claimNext(200)?.id, 'first');
    assert.equal(store.claimNext(200)?.id, 'second');
    const third = store.claimNext(200)!;
    assert.equal(third.id, 'bulk0');
    assert.equal(third.state, 'preparing');
    assert.equal(third.runs, 1);
    assert.equal((await store.get('late'))?.state, 'pending');
  } finally {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
