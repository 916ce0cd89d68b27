// The production wiring: Notifier + postJson through the SSRF-guarded dispatcher (as src/service.ts does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { Webhook } from 'standardwebhooks';
import { createGuardedAgent, postJson } from '../src/fetch/index.ts';
import { Notifier } from '../src/notify/notifier.ts';
import { SqliteNotificationStore } from '../src/notify/store.ts';
import { webhookKey } from '../src/notify/sign.ts';
import { receiver, until, SECRET, successBody } from './notify-helpers.ts';

function wired(allowPrivate: boolean) {
  const db = new Database(':memory:');
  const dispatcher = createGuardedAgent({ allowPrivate });
  const notifier = new Notifier({
    store: new SqliteNotificationStore(db),
    send: (url, body, headers, timeoutMs) => postJson(url, body, { dispatcher, headers, timeoutMs }),
    retryDelaysS: [0.01],
    attemptTimeoutMs: 2000,
    secretFor: () => SECRET,
    pollMs: 20,
  });
  notifier.start();
  return { db, notifier };
}

test('postJson carries the signed headers and the exact body; a 302 is not followed', async (ctx) => {
  const rx = await receiver((_i, r) => (r.path === '/ok' ? { status: 200, body: 'successfully\n' } : { status: 302, headers: { location: '/ok' } }));
  const { db, notifier } = wired(true);
  ctx.after(async () => {
    await rx.close();
    await notifier.stop();
    db.close();
  });
  notifier.enqueue({ jobId: 'a', appKey: 'k', url: `${rx.url}/ok`, body: successBody('a') });
  notifier.enqueue({ jobId: 'b', appKey: 'k', url: `${rx.url}/moved`, body: successBody('b') });
  await until(() => notifier.status('a')?.state === 'delivered' && notifier.status('b')?.state === 'exhausted');
  const a = rx.got.find((r) => r.body === successBody('a'))!;
  assert.deepEqual(new Webhook(webhookKey(SECRET)).verify(a.body, a.headers as Record<string, string>), JSON.parse(successBody('a')));
  assert.deepEqual(notifier.attempts('b').map((x) => x.httpStatus), [302, 302]);
  assert.equal(rx.got.filter((r) => r.path === '/ok').length, 1, 'the redirect target was never requested');
});

test('a loopback notify_url refused by the guard is recorded as UrlForbidden and retried', async (ctx) => {
  const rx = await receiver(() => ({ status: 200, body: 'successfully' }));
  const { db, notifier } = wired(false);
  ctx.after(async () => {
    await rx.close();
    await notifier.stop();
    db.close();
  });
  notifier.enqueue({ jobId: 'j', appKey: 'k', url: rx.url, body: successBody('j') });
  await until(() => notifier.status('j')?.state === 'exhausted');
  assert.equal(rx.got.length, 0);
  const a = notifier.attempts('j');
  assert.equal(a.length, 2);
  assert.ok(a.every((x) => x.httpStatus === null && /^UrlForbidden: /.test(x.error!)), JSON.stringify(a));
});
