// The notifier against a loopback receiver: delivery rule, retries, budget, timeout, redirects, signing.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { Webhook } from 'standardwebhooks';
import { Notifier, type Send } from '../src/notify/notifier.ts';
import { SqliteNotificationStore } from '../src/notify/store.ts';
import { webhookKey } from '../src/notify/sign.ts';
import { ServiceError } from '../src/jobs/errors.ts';
import { receiver, undiciSend, until, SECRET, successBody, failureBody, type Reply, type Received } from './notify-helpers.ts';

const TINY = [0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01];

async function setup(ctx: TestContext, reply: (i: number, r: Received) => Reply, opts: { delays?: number[]; timeoutMs?: number; send?: Send; secret?: string | undefined } = {}) {
  const rx = await receiver(reply);
  const db = new Database(':memory:');
  const store = new SqliteNotificationStore(db);
  const secret = 'secret' in opts ? opts.secret : SECRET;
  const notifier = new Notifier({
    store,
    send: opts.send ?? undiciSend,
    retryDelaysS: opts.delays ?? TINY,
    attemptTimeoutMs: opts.timeoutMs ?? 2000,
    secretFor: (k) => (k === 'app1' ? secret : undefined),
    pollMs: 20,
  });
  notifier.start();
  // Cleanup also runs when an assertion fails, so a failing test cannot hang the run.
  ctx.after(async () => {
    await rx.close(); // first: frees hanging requests so stop() need not wait for their timeout
    await notifier.stop();
    db.close();
  });
  return { rx, db, store, notifier };
}

const ok: Reply = { status: 200, body: 'successfully' };
const settled = (n: Notifier, id: string) => () => ['delivered', 'exhausted'].includes(n.status(id)?.state ?? '');

test('delivered on 200 + "successfully": one attempt, byte-identical body, verifiable signature', async (ctx) => {
  const t = await setup(ctx, () => ok);
  const body = successBody('job-1');
  t.notifier.enqueue({ jobId: 'job-1', appKey: 'app1', url: `${t.rx.url}/hook?x=1`, body });
  await until(settled(t.notifier, 'job-1'));
  assert.equal(t.notifier.status('job-1')?.state, 'delivered');
  assert.equal(t.rx.got.length, 1);
  const r = t.rx.got[0]!;
  assert.equal(r.path, '/hook?x=1');
  assert.equal(r.body, body);
  assert.match(String(r.headers['content-type']), /^application\/json/);
  const verified = new Webhook(webhookKey(SECRET)).verify(r.body, r.headers as Record<string, string>);
  assert.deepEqual(verified, JSON.parse(body));
  // A receiver using the raw secret as if it were the key must fail: the key is base64(secret).
  assert.throws(() => new Webhook(webhookKey('other')).verify(r.body, r.headers as Record<string, string>));
  const a = t.notifier.attempts('job-1');
  assert.equal(a.length, 1);
  assert.equal(a[0]!.ok, true);
  assert.equal(a[0]!.httpStatus, 200);
});

test('surrounding whitespace around "successfully" still counts as delivered', async (ctx) => {
  const t = await setup(ctx, () => ({ status: 200, body: '\r\n  successfully \n' }));
  t.notifier.enqueue({ jobId: 'j', appKey: 'app1', url: t.rx.url, body: failureBody('j') });
  await until(settled(t.notifier, 'j'));
  assert.equal(t.notifier.status('j')?.state, 'delivered');
  assert.equal(t.rx.got.length, 1);
});

test('200 with another body, and 500, are failures that get re-sent', async (ctx) => {
  const answers: Reply[] = [{ status: 200, body: 'SUCCESSFULLY' }, { status: 200, body: 'ok' }, { status: 500, body: 'successfully' }, ok];
  const t = await setup(ctx, (i) => answers[i]!);
  t.notifier.enqueue({ jobId: 'j', appKey: 'app1', url: t.rx.url, body: successBody('j') });
  await until(settled(t.notifier, 'j'));
  const a = t.notifier.attempts('j');
  assert.deepEqual(a.map((x) => [x.httpStatus, x.ok]), [[200, false], [200, false], [500, false], [200, true]]);
  assert.match(a[1]!.error!, /HTTP 200: "ok"/);
  assert.equal(t.rx.got.length, 4);
  // Every re-send is the same message: same webhook-id, same bytes.
  assert.equal(new Set(t.rx.got.map((r) => r.headers['webhook-id'])).size, 1);
  assert.ok(t.rx.got.every((r) => r.body === successBody('j')));
});

test('a 302 is not followed and counts as a failed attempt', async (ctx) => {
  const t = await setup(ctx, (_i, r) => (r.path === '/target' ? ok : { status: 302, headers: { location: '/target' } }), { delays: [0.01] });
  t.notifier.enqueue({ jobId: 'j', appKey: 'app1', url: `${t.rx.url}/hook`, body: successBody('j') });
  await until(settled(t.notifier, 'j'));
  assert.equal(t.notifier.status('j')?.state, 'exhausted');
  assert.deepEqual(t.rx.got.map((r) => r.path), ['/hook', '/hook']);
  assert.deepEqual(t.notifier.attempts('j').map((x) => x.httpStatus), [302, 302]);
});

test('a receiver failing 3 times then answering gets exactly 4 attempts', async (ctx) => {
  const t = await setup(ctx, (i) => (i < 3 ? { status: 503 } : ok));
  t.notifier.enqueue({ jobId: 'j', appKey: 'app1', url: t.rx.url, body: successBody('j') });
  await until(settled(t.notifier, 'j'));
  await sleep(100); // a few loop turns: nothing more may be sent
  assert.equal(t.rx.got.length, 4);
  assert.equal(t.notifier.attempts('j').length, 4);
  const s = t.notifier.status('j')!;
  assert.equal(s.state, 'delivered');
  assert.equal(s.attempts, 4);
  assert.equal(s.nextAttemptAt, null);
});

test('a receiver that never answers correctly gets exactly 11 attempts, then exhausted and queryable', async (ctx) => {
  const t = await setup(ctx, () => ({ status: 404, body: 'nope' }));
  t.notifier.enqueue({ jobId: 'j', appKey: 'app1', url: t.rx.url, body: failureBody('j') });
  await until(settled(t.notifier, 'j'));
  await sleep(100);
  assert.equal(t.rx.got.length, 11);
  const s = t.notifier.status('j')!;
  assert.equal(s.state, 'exhausted');
  assert.equal(s.attempts, 11);
  assert.match(s.lastError!, /HTTP 404/);
  assert.equal(t.notifier.attempts('j').length, 11);
});

test('the schedule follows the configured delays', async (ctx) => {
  const t = await setup(ctx, () => ({ status: 500 }), { delays: [0.05, 0.15] });
  t.notifier.enqueue({ jobId: 'j', appKey: 'app1', url: t.rx.url, body: failureBody('j') });
  await until(settled(t.notifier, 'j'));
  const a = t.notifier.attempts('j');
  assert.equal(a.length, 3);
  // Lower bounds only (never flaky): each re-send waits at least its delay after the previous attempt.
  assert.ok(a[1]!.at - a[0]!.at >= 50, `gap 1 was ${a[1]!.at - a[0]!.at} ms`);
  assert.ok(a[2]!.at - a[1]!.at >= 150, `gap 2 was ${a[2]!.at - a[1]!.at} ms`);
});

test('an attempt times out when the receiver hangs, and is re-sent', async (ctx) => {
  const t = await setup(ctx, (i) => (i === 0 ? 'hang' : ok), { timeoutMs: 150 });
  t.notifier.enqueue({ jobId: 'j', appKey: 'app1', url: t.rx.url, body: successBody('j') });
  await until(settled(t.notifier, 'j'));
  const a = t.notifier.attempts('j');
  assert.equal(a.length, 2);
  assert.equal(a[0]!.ok, false);
  assert.equal(a[0]!.httpStatus, null);
  assert.ok(a[0]!.error);
  assert.ok(a[0]!.durationMs! >= 140);
  assert.equal(a[1]!.ok, true);
});

test('the notifier enforces the timeout even if the sender ignores it', async (ctx) => {
  let calls = 0;
  const stuck: Send = () => (++calls === 1 ? new Promise(() => {}) : Promise.resolve({ status: 200, body: 'successfully' }));
  const t = await setup(ctx, () => ok, { timeoutMs: 50, send: stuck });
  t.notifier.enqueue({ jobId: 'j', appKey: 'app1', url: t.rx.url, body: successBody('j') });
  await until(settled(t.notifier, 'j'));
  assert.match(t.notifier.attempts('j')[0]!.error!, /ATTEMPT_TIMEOUT/);
  assert.equal(t.notifier.status('j')?.state, 'delivered');
});

test('a refused address (UrlForbidden) is a failed attempt with its reason recorded', async (ctx) => {
  const refuse: Send = () => Promise.reject(new ServiceError('UrlForbidden', '10.0.0.1 is private'));
  const t = await setup(ctx, () => ok, { send: refuse, delays: [0.01] });
  t.notifier.enqueue({ jobId: 'j', appKey: 'app1', url: 'http://10.0.0.1/', body: successBody('j') });
  await until(settled(t.notifier, 'j'));
  const a = t.notifier.attempts('j');
  assert.equal(a.length, 2);
  assert.match(a[0]!.error!, /^UrlForbidden: .*10\.0\.0\.1 is private/);
  assert.equal(t.notifier.status('j')?.state, 'exhausted');
});

test('redeliver after exhaustion sends again (same webhook-id, fresh budget); unknown job → false', async (ctx) => {
  let healthy = false;
  const t = await setup(ctx, () => (healthy ? ok : { status: 500 }), { delays: [0.01] });
  t.notifier.enqueue({ jobId: 'j', appKey: 'app1', url: t.rx.url, body: successBody('j') });
  await until(settled(t.notifier, 'j'));
  assert.equal(t.notifier.status('j')?.state, 'exhausted');
  assert.equal(t.rx.got.length, 2);
  healthy = true;
  assert.equal(t.notifier.redeliver('j'), true);
  await until(() => t.notifier.status('j')?.state === 'delivered');
  assert.equal(t.rx.got.length, 3);
  assert.equal(new Set(t.rx.got.map((r) => r.headers['webhook-id'])).size, 1);
  assert.deepEqual(t.notifier.attempts('j').map((a) => [a.n, a.round, a.ok]), [[1, 0, false], [2, 0, false], [3, 1, true]]);
  assert.equal(t.notifier.status('j')?.attempts, 1);
  // Redelivering a delivered one sends once more.
  assert.equal(t.notifier.redeliver('j'), true);
  await until(() => t.rx.got.length === 4 && t.notifier.status('j')?.state === 'delivered');
  assert.equal(t.notifier.redeliver('nope'), false);
});

test('without a known app secret the notification is still sent, unsigned', async (ctx) => {
  const t = await setup(ctx, () => ok, { secret: undefined });
  t.notifier.enqueue({ jobId: 'j', appKey: 'app1', url: t.rx.url, body: successBody('j') });
  await until(settled(t.notifier, 'j'));
  const h = t.rx.got[0]!.headers;
  assert.ok(h['webhook-id']);
  assert.ok(h['webhook-timestamp']);
  assert.equal(h['webhook-signature'], undefined);
});

test("enqueue joins the caller's transaction: a rollback sends nothing; a second enqueue for a job is refused", async (ctx) => {
  const t = await setup(ctx, () => ok);
  const tx = t.db.transaction(() => {
    assert.equal(t.notifier.enqueue({ jobId: 'rolled', appKey: 'app1', url: t.rx.url, body: successBody('rolled') }), true);
    throw new Error('caller failed after enqueue');
  });
  assert.throws(() => tx(), /caller failed/);
  assert.equal(t.notifier.status('rolled'), undefined);
  t.db.transaction(() => {
    t.notifier.enqueue({ jobId: 'kept', appKey: 'app1', url: t.rx.url, body: successBody('kept') });
  })();
  assert.equal(t.notifier.enqueue({ jobId: 'kept', appKey: 'app1', url: t.rx.url, body: failureBody('kept') }), false);
  await until(settled(t.notifier, 'kept'));
  await sleep(60);
  assert.deepEqual(t.rx.got.map((r) => r.body), [successBody('kept')]);
});

test('many notifications with limited concurrency are all delivered once', async (ctx) => {
  let open = 0;
  let maxOpen = 0;
  const counting: Send = async (...args) => {
    maxOpen = Math.max(maxOpen, ++open);
    try {
      return await undiciSend(...args);
    } finally {
      open--;
    }
  };
  const rx = await receiver(() => ok);
  const db = new Database(':memory:');
  const n = new Notifier({ store: new SqliteNotificationStore(db), send: counting, retryDelaysS: TINY, attemptTimeoutMs: 2000, secretFor: () => SECRET, concurrency: 3, pollMs: 20 });
  n.start();
  ctx.after(async () => {
    await rx.close();
    await n.stop();
    db.close();
  });
  for (let i = 0; i < 30; i++) n.enqueue({ jobId: `j${i}`, appKey: 'a', url: `${rx.url}/${i}`, body: successBody(`j${i}`) });
  await until(() => Array.from({ length: 30 }, (_, i) => n.status(`j${i}`)?.state).every((s) => s === 'delivered'));
  assert.equal(rx.got.length, 30);
  assert.ok(maxOpen <= 3, `max in flight ${maxOpen}`);
});

test('the notifier refuses a schedule it cannot follow', () => {
  const store = new SqliteNotificationStore(new Database(':memory:'));
  const make = (retryDelaysS: number[]) => new Notifier({ store, send: undiciSend, retryDelaysS, attemptTimeoutMs: 1000, secretFor: () => undefined });
  assert.throws(() => make([1, Number.NaN]), /retryDelaysS/);
  assert.throws(() => make([-1]), /retryDelaysS/);
  assert.throws(() => make(Array(11).fill(1)), /retryDelaysS/);
  assert.doesNotThrow(() => make([]));
});
