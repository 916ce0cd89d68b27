// SqliteNotificationStore: claims are exclusive, outcomes settle state, redelivery resets the budget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { INTERRUPTED, SqliteNotificationStore, type RetryPolicy } from '../src/notify/store.ts';
import { migrateNotify } from '../src/notify/schema.ts';
import { fileDb } from './notify-helpers.ts';

const never: RetryPolicy = () => null;
const in1s: RetryPolicy = (_n, now) => now + 1000;

function withOne(now = 100) {
  const db = new Database(':memory:');
  const s = new SqliteNotificationStore(db);
  assert.equal(s.enqueue({ jobId: 'j', appKey: 'k', url: 'http://x/', body: '{"a":1}', msgId: 'msg_1', now }), true);
  return { db, s };
}

test('migrateNotify is idempotent and switches a file database to WAL', () => {
  const { db } = fileDb();
  migrateNotify(db);
  migrateNotify(db);
  db.pragma('journal_mode = DELETE');
  migrateNotify(db);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  db.close();
});

test('enqueue: due at once, once per job', () => {
  const { s } = withOne();
  assert.equal(s.enqueue({ jobId: 'j', appKey: 'k', url: 'http://other/', body: '{}', msgId: 'msg_2', now: 1 }), false);
  const n = s.get('j')!;
  assert.equal(n.url, 'http://x/');
  assert.equal(n.state, 'pending');
  assert.equal(s.due(99, 10).length, 0);
  assert.deepEqual(s.due(100, 10).map((x) => x.jobId), ['j']);
  assert.equal(s.nextDueAt(), 100);
});

test('claim is exclusive until the lease ends; a lapsed claim is logged as interrupted, not counted', () => {
  const { s } = withOne();
  const c = s.claim('j', 100, 5000)!;
  assert.equal(c.nextAttemptAt, 5000);
  assert.equal(s.claim('j', 100, 5000), undefined);
  assert.equal(s.claim('j', 4999, 9000), undefined);
  assert.equal(s.due(4999, 10).length, 0);
  const again = s.claim('j', 5000, 9000)!;
  assert.equal(again.attempts, 0);
  assert.deepEqual(s.attempts('j').map((a) => [a.n, a.ok, a.error, a.durationMs]), [[1, false, INTERRUPTED, null]]);
  s.recordAttempt({ jobId: 'j', round: 0, at: 5000, httpStatus: 200, ok: true, error: null, durationMs: 3 }, never);
  const d = s.get('j')!;
  assert.equal(d.state, 'delivered');
  assert.equal(d.attempts, 1);
  assert.equal(d.deliveredAt, 5003);
  assert.equal(d.claimedAt, null);
  assert.equal(s.claim('j', 1e12, 1e12), undefined);
});

test('a failure is rescheduled by the policy, or exhausts the notification', () => {
  const { s } = withOne();
  s.claim('j', 100, 5000);
  let n = s.recordAttempt({ jobId: 'j', round: 0, at: 100, httpStatus: 500, ok: false, error: 'HTTP 500', durationMs: 10 }, in1s)!;
  assert.deepEqual([n.state, n.attempts, n.nextAttemptAt, n.lastError], ['pending', 1, 1110, 'HTTP 500']);
  s.claim('j', 1110, 6000);
  n = s.recordAttempt({ jobId: 'j', round: 0, at: 1110, httpStatus: null, ok: false, error: 'ECONNREFUSED', durationMs: 1 }, never)!;
  assert.deepEqual([n.state, n.attempts, n.lastError], ['exhausted', 2, 'ECONNREFUSED']);
  assert.equal(s.due(1e12, 10).length, 0);
  assert.equal(s.nextDueAt(), undefined);
});

test('resetForRedelivery: fresh budget now; during an attempt it keeps the lease and resends after', () => {
  const { s } = withOne();
  assert.equal(s.resetForRedelivery('nope', 0), false);
  s.claim('j', 100, 5000);
  s.recordAttempt({ jobId: 'j', round: 0, at: 100, httpStatus: 500, ok: false, error: 'x', durationMs: 1 }, never);
  assert.equal(s.resetForRedelivery('j', 200), true);
  let n = s.get('j')!;
  assert.deepEqual([n.state, n.attempts, n.round, n.nextAttemptAt, n.msgId], ['pending', 0, 1, 200, 'msg_1']);

  s.claim('j', 200, 9000); // attempt of round 1 in flight…
  assert.equal(s.resetForRedelivery('j', 300), true); // …redelivered meanwhile
  n = s.get('j')!;
  assert.equal(n.nextAttemptAt, 9000, 'no second parallel send');
  n = s.recordAttempt({ jobId: 'j', round: 1, at: 200, httpStatus: 500, ok: false, error: 'y', durationMs: 5 }, never)!;
  // The old round's failure does not exhaust the new round: it is due again at once.
  assert.deepEqual([n.state, n.attempts, n.round, n.nextAttemptAt], ['pending', 0, 2, 205]);
  assert.deepEqual(s.attempts('j').map((a) => [a.n, a.round]), [[1, 0], [2, 1]]);
});
