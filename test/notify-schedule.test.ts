// The retry schedule (WANXING_NOTIFY_RETRY_DELAYS) and the signature headers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { DEFAULT_RETRY_DELAYS_S, nextAttemptAt, parseRetryDelays } from '../src/notify/schedule.ts';
import { webhookHeaders, webhookKey } from '../src/notify/sign.ts';

test('default schedule: 10 re-sends, non-decreasing; unset or blank means the default', () => {
  assert.equal(DEFAULT_RETRY_DELAYS_S.length, 10);
  assert.ok(DEFAULT_RETRY_DELAYS_S.every((d, i) => i === 0 || d >= DEFAULT_RETRY_DELAYS_S[i - 1]!));
  assert.deepEqual(parseRetryDelays(undefined), DEFAULT_RETRY_DELAYS_S);
  assert.deepEqual(parseRetryDelays('  '), DEFAULT_RETRY_DELAYS_S);
  // A copy: callers cannot change the default by mutating the result.
  parseRetryDelays(undefined).push(1);
  assert.equal(DEFAULT_RETRY_DELAYS_S.length, 10);
});

test('parseRetryDelays accepts 1..10 non-negative decimals', () => {
  assert.deepEqual(parseRetryDelays('5'), [5]);
  assert.deepEqual(parseRetryDelays(' 0, 0.5 ,10,3600 '), [0, 0.5, 10, 3600]);
  assert.deepEqual(parseRetryDelays('1,2,3,4,5,6,7,8,9,10'), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
});

test('parseRetryDelays rejects junk with a message naming the variable', () => {
  for (const bad of ['a', '-1', '1,,2', '1,', ',1', '1,2,3,4,5,6,7,8,9,10,11', '0x10', 'Infinity', 'NaN', '5s', '1;2', '1 2']) {
    assert.throws(() => parseRetryDelays(bad), /WANXING_NOTIFY_RETRY_DELAYS=.*expected 1 to 10/, bad);
  }
});

test('parseRetryDelays round-trips any valid list', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: 1, maxLength: 10 }), (xs) => {
      assert.deepEqual(parseRetryDelays(xs.join(',')), xs);
    }),
  );
});

test('nextAttemptAt: delay i follows failed attempt i; none after the last re-send', () => {
  const d = [1, 2.5, 60];
  assert.equal(nextAttemptAt(d, 1, 1000), 2000);
  assert.equal(nextAttemptAt(d, 2, 1000), 3500);
  assert.equal(nextAttemptAt(d, 3, 1000), 61_000);
  assert.equal(nextAttemptAt(d, 4, 1000), null);
  assert.equal(nextAttemptAt(DEFAULT_RETRY_DELAYS_S, 11, 0), null);
});

test('webhookHeaders: verifiable with new Webhook(base64(secret)), tamper-evident, stable id', () => {
  const body = '{"job_id":"j","status":0,"data":{"result_url":["https://x/y.png"]}}';
  const now = new Date();
  const h = webhookHeaders('msg_1', body, 'sëcret', now);
  assert.equal(h['webhook-id'], 'msg_1');
  assert.equal(h['webhook-timestamp'], String(Math.floor(now.getTime() / 1000)));
  assert.match(h['webhook-signature']!, /^v1,[A-Za-z0-9+/]+=*$/);
  assert.equal(webhookKey('sëcret'), Buffer.from('sëcret', 'utf8').toString('base64'));
  const wh = new Webhook(webhookKey('sëcret'));
  assert.deepEqual(wh.verify(body, h), JSON.parse(body));
  assert.throws(() => wh.verify(body.replace('"status":0', '"status":1'), h));
  assert.throws(() => wh.verify(body, { ...h, 'webhook-id': 'msg_2' }));
  assert.equal(webhookHeaders('msg_1', body, undefined, now)['webhook-signature'], undefined);
  assert.equal(webhookHeaders('msg_1', body, '', now)['webhook-signature'], undefined);
});
