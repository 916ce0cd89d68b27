// Notifications survive the process: enqueued rows, unfinished retries and attempts cut by a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Webhook } from 'standardwebhooks';
import { Notifier } from '../src/notify/notifier.ts';
import { INTERRUPTED, SqliteNotificationStore } from '../src/notify/store.ts';
import { webhookKey } from '../src/notify/sign.ts';
import { fileDb, receiver, undiciSend, until, SECRET, successBody, failureBody } from './notify-helpers.ts';

const notifierOn = (db: ReturnType<typeof fileDb>['db'], extra: Partial<ConstructorParameters<typeof Notifier>[0]> = {}) =>
  new Notifier({
    store: new SqliteNotificationStore(db),
    send: undiciSend,
    retryDelaysS: [0.01, 0.01, 0.01],
    attemptTimeoutMs: 2000,
    secretFor: () => SECRET,
    pollMs: 20,
    ...extra,
  });

test('enqueued before a stop, delivered by the next process on the same file', async (ctx) => {
  const rx = await receiver(() => ({ status: 200, body: 'successfully' }));
  ctx.after(() => rx.close());
  const a = fileDb();
  const first = notifierOn(a.db); // never started: as if the process stopped right after the commit
  first.enqueue({ jobId: 'j', appKey: 'app1', url: rx.url, body: failureBody('j') });
  await first.stop();
  a.db.close();

  const b = fileDb(a.path);
  const second = notifierOn(b.db);
  ctx.after(async () => {
    await second.stop();
    b.db.close();
  });
  second.start();
  await until(() => second.status('j')?.state === 'delivered');
  assert.equal(rx.got.length, 1);
  assert.equal(rx.got[0]!.body, failureBody('j'));
});

test('retries left when the process stops are resumed after restart, attempt count carried over', async (ctx) => {
  let healthy = false;
  const rx = await receiver(() => (healthy ? { status: 200, body: 'successfully' } : { status: 500 }));
  ctx.after(() => rx.close());
  const a = fileDb();
  const first = notifierOn(a.db, { retryDelaysS: [0.01, 60, 0.01] });
  ctx.after(() => first.stop());
  first.start();
  first.enqueue({ jobId: 'j', appKey: 'app1', url: rx.url, body: successBody('j') });
  await until(() => first.status('j')?.attempts === 2); // the 2nd failure schedules the 3rd in 60 s
  await first.stop();
  a.db.close();

  healthy = true;
  const b = fileDb(a.path);
  const second = notifierOn(b.db, { retryDelaysS: [0.01, 60, 0.01], now: () => Date.now() + 61_000 });
  ctx.after(async () => {
    await second.stop();
    b.db.close();
  });
  second.start();
  await until(() => second.status('j')?.state === 'delivered');
  assert.deepEqual(second.attempts('j').map((x) => x.ok), [false, false, true]);
  assert.equal(rx.got.length, 3);
});

test('a process killed mid-attempt: the attempt is repeated after restart (at-least-once, same webhook-id)', async (ctx) => {
  let crashed = false;
  const rx = await receiver(() => (crashed ? { status: 200, body: 'successfully' } : 'hang'));
  ctx.after(() => rx.close());
  const a = fileDb();
  a.db.close();

  // The child enqueues and starts sending; the receiver never answers; we SIGKILL the child.
  const dir = mkdtempSync(join(tmpdir(), 'wanxing-notify-child-'));
  const script = join(dir, 'child.ts');
  const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
  writeFileSync(
    script,
    `import { Notifier } from ${JSON.stringify(here('../src/notify/notifier.ts'))};
     import { SqliteNotificationStore } from ${JSON.stringify(here('../src/notify/store.ts'))};
     import { fileDb, undiciSend } from ${JSON.stringify(here('./notify-helpers.ts'))};
     const { db } = fileDb(process.env.DB_PATH);
     const n = new Notifier({ store: new SqliteNotificationStore(db), send: undiciSend, retryDelaysS: [1],
       attemptTimeoutMs: 30000, secretFor: () => ${JSON.stringify(SECRET)} });
     n.enqueue({ jobId: 'j', appKey: 'app1', url: process.env.URL, body: process.env.BODY });
     n.start();`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: here('..'),
    env: { ...process.env, DB_PATH: a.path, URL: rx.url, BODY: successBody('j') },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  ctx.after(() => void child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  const exited = new Promise<NodeJS.Signals | null>((ok) => child.on('exit', (_code, sig) => ok(sig)));
  await until(() => rx.got.length === 1 || child.exitCode !== null, 'the child to send', 30_000);
  assert.equal(rx.got.length, 1, `child did not send: ${stderr}`);
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');
  crashed = true;

  const b = fileDb(a.path);
  const lease = b.db.prepare(`SELECT next_attempt_at, claimed_at FROM notifications WHERE job_id = 'j'`).get() as { next_attempt_at: number; claimed_at: number };
  assert.ok(lease.claimed_at !== null, 'the dead attempt left its claim');
  // Before the lease ends nobody re-sends (the attempt might still be running elsewhere)…
  assert.equal(new SqliteNotificationStore(b.db).due(Date.now(), 10).length, 0);
  // …after it (attempt timeout + margin), the next process does.
  const second = notifierOn(b.db, { now: () => Date.now() + 60_000 });
  ctx.after(async () => {
    await second.stop();
    b.db.close();
  });
  second.start();
  await until(() => second.status('j')?.state === 'delivered');

  assert.equal(rx.got.length, 2);
  assert.equal(rx.got[0]!.headers['webhook-id'], rx.got[1]!.headers['webhook-id']);
  for (const r of rx.got) {
    assert.equal(r.body, successBody('j'));
    new Webhook(webhookKey(SECRET)).verify(r.body, r.headers as Record<string, string>);
  }
  const attempts = second.attempts('j');
  assert.deepEqual(attempts.map((x) => [x.ok, x.error]), [[false, INTERRUPTED], [true, null]]);
  // The interrupted attempt is kept for the record but does not use up the budget.
  assert.equal(second.status('j')?.attempts, 1);
});
