// The typed client (`import { WanxingClient } from 'wanxing'`) and the notification receiver,
// against the real service.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  createNotificationReceiver,
  JobFailedError,
  NotificationVerificationError,
  verifyNotification,
  WanxingApiError,
  WanxingClient,
  type JobStatus,
  type Notification,
} from 'wanxing';
import { webhookHeaders } from '../src/notify/sign.ts';
import { APP_KEY, APP_SECRET, startFixtures, startTestService, until } from './helpers/service.ts';

describe('WanxingClient', () => {
  let svc: Awaited<ReturnType<typeof startTestService>>;
  let fx: Awaited<ReturnType<typeof startFixtures>>;
  let client: WanxingClient;
  let receiver: http.Server;
  let receiverUrl = '';
  const received: Notification[] = [];
  let failNext = 0;

  before(async () => {
    svc = await startTestService();
    fx = await startFixtures();
    client = new WanxingClient({ baseUrl: svc.url, appKey: APP_KEY, appSecret: APP_SECRET });
    receiver = http.createServer(
      createNotificationReceiver({
        appSecret: APP_SECRET,
        onNotification: (n) => {
          if (failNext-- > 0) throw new Error('not now');
          received.push(n);
        },
      }),
    );
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  });
  after(async () => {
    await svc.close();
    await fx.close();
    await new Promise((r) => receiver.close(r));
  });

  it('submits, follows the states and returns the result URL; the receiver verifies and answers successfully', async () => {
    failNext = 1; // the receiver's handler fails once: the service must send again
    const jobId = await client.submit({ sourceUrl: `${fx.base}/img/source.jpg`, targetUrl: `${fx.base}/img/target.jpg`, notifyUrl: receiverUrl, timeout: 60 });
    assert.match(jobId, /^[0-9a-f]{32}$/);
    const seen: JobStatus[] = [];
    const url = await client.waitForResult(jobId, { intervalMs: 20, onStatus: (s) => seen.push(s) });
    assert.equal(seen.at(-1), 'finish');
    assert.equal((await fetch(url)).status, 200);
    assert.deepEqual(await client.query(jobId), { jobStatus: 'finish', resultUrl: url });

    await until(async () => received.length === 1, 10_000, 'notification');
    assert.deepEqual(received[0], { job_id: jobId, status: 0, data: { result_url: [url] } });
    // The receiver has answered; the notifier records the attempt a moment later.
    const attempts = await until(async () => {
      const a = svc.notifier.attempts(jobId);
      return a.length >= 2 && a;
    }, 10_000, 'second attempt recorded');
    assert.equal(attempts.length, 2);
    assert.equal(attempts[0]!.httpStatus, 500);
    assert.equal(attempts[1]!.ok, true);
  });

  it('rejects with JobFailedError carrying the code when the job fails', async () => {
    const jobId = await client.submit({ sourceUrl: `${fx.base}/img/tiny.png`, targetUrl: `${fx.base}/img/target.jpg`, notifyUrl: receiverUrl });
    const err = await client.waitForResult(jobId, { intervalMs: 20 }).catch((e) => e);
    assert.ok(err instanceof JobFailedError, String(err));
    assert.equal(err.code, -330001);
    assert.match(err.reason, /人脸/);
  });

  it('turns error envelopes and gateway refusals into WanxingApiError', async () => {
    const notFound = await client.query('0'.repeat(32)).catch((e) => e);
    assert.ok(notFound instanceof WanxingApiError);
    assert.equal(notFound.status, -310002);
    assert.equal(notFound.error, 'JobNotFound');
    const bad = await client.submit({ sourceUrl: 'ftp://x/y.jpg', targetUrl: 'https://e.com/t.jpg', notifyUrl: 'https://e.com/n' }).catch((e) => e);
    assert.equal(bad.error, 'InvalidArguments');
    const wrong = new WanxingClient({ baseUrl: svc.url, appKey: APP_KEY, appSecret: 'not-the-secret' });
    const refused = await wrong.query('x').catch((e) => e);
    assert.ok(refused instanceof WanxingApiError);
    assert.equal(refused.httpStatus, 400);
    assert.match(refused.errmsg, /Invalid Signature/);
  });

  it('redelivers through the signed endpoint', async () => {
    const jobId = await client.submit({ sourceUrl: `${fx.base}/img/source.jpg`, targetUrl: `${fx.base}/img/target.jpg`, notifyUrl: receiverUrl });
    await client.waitForResult(jobId, { intervalMs: 20 });
    await until(async () => svc.notifier.status(jobId)?.state === 'delivered', 10_000, 'delivery');
    await client.redeliver(jobId);
    await until(async () => svc.notifier.attempts(jobId).length === 2, 10_000, 'redelivery');
  });
});

describe('verifyNotification', () => {
  const body = JSON.stringify({ job_id: 'j1', status: 0, data: { result_url: ['https://x/r.jpg'] } });
  const headers = webhookHeaders('msg_1', body, APP_SECRET, new Date());

  it('accepts a signed notification and returns its body', () => {
    assert.deepEqual(verifyNotification({ body, headers, appSecret: APP_SECRET }), JSON.parse(body));
    assert.deepEqual(verifyNotification({ body: Buffer.from(body), headers: new Headers(headers), appSecret: APP_SECRET }), JSON.parse(body));
  });

  it('refuses a changed body, another secret, a missing signature and an old timestamp', () => {
    const refuse = (input: Parameters<typeof verifyNotification>[0]) => assert.throws(() => verifyNotification(input), NotificationVerificationError);
    refuse({ body: body.replace('r.jpg', 's.jpg'), headers, appSecret: APP_SECRET });
    refuse({ body, headers, appSecret: 'other' });
    refuse({ body, headers: { ...headers, 'webhook-signature': undefined }, appSecret: APP_SECRET });
    const old = webhookHeaders('msg_1', body, APP_SECRET, new Date(Date.now() - 3600_000));
    refuse({ body, headers: old, appSecret: APP_SECRET });
  });
});
