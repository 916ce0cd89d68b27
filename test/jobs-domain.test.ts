// The domain's pure rules: field validation, wire payloads, error mapping.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ERRORS, ServiceError, toServiceError } from '../src/jobs/errors.ts';
import { notificationBody, queryData } from '../src/jobs/payloads.ts';
import { parseQueryRequest, parseSwapRequest } from '../src/jobs/validate.ts';
import type { Job } from '../src/jobs/job.ts';

const rules = { defaultTimeoutS: 7200, maxTimeoutS: 86400 };
const ok = { source_url: 'https://a.example/s.jpg', target_url: 'http://b.example/t.png', notify_url: 'https://c.example/n' };

test('a valid submit gets the default timeout; an explicit one is kept', () => {
  assert.equal(parseSwapRequest(ok, rules).timeoutS, 7200);
  assert.equal(parseSwapRequest({ ...ok, timeout: 180 }, rules).timeoutS, 180);
  assert.equal(parseSwapRequest({ ...ok, timeout: 1.5 }, rules).timeoutS, 1.5);
});

test('every field rule answers InvalidArguments naming the field', () => {
  const bad: Array<[unknown, RegExp]> = [
    [null, /JSON/],
    ['text', /JSON/],
    [{ ...ok, source_url: undefined }, /source_url/],
    [{ ...ok, target_url: 'file:///etc/passwd' }, /target_url/],
    [{ ...ok, notify_url: 'javascript:alert(1)' }, /notify_url/],
    [{ ...ok, timeout: 0 }, /timeout/],
    [{ ...ok, timeout: 86401 }, /timeout/],
    [{ ...ok, timeout: Number.NaN }, /timeout/],
    [{ ...ok, timeout: '60' }, /timeout/],
  ];
  for (const [body, re] of bad) {
    assert.throws(() => parseSwapRequest(body, rules), (e: ServiceError) => e.errorName === 'InvalidArguments' && re.test(e.message));
  }
  assert.throws(() => parseQueryRequest({ job_id: 5 }), { errorName: 'InvalidArguments' });
  assert.equal(parseQueryRequest({ job_id: 'abc' }), 'abc');
});

test('notification bodies are byte-exact to the seed', () => {
  assert.equal(
    notificationBody('j1', { state: 'finish', resultUrl: 'https://x/r.jpg', resultExpiresAt: 0 }),
    '{"job_id":"j1","status":0,"data":{"result_url":["https://x/r.jpg"]}}',
  );
  assert.equal(
    notificationBody('j1', { state: 'fail', errorName: 'Timeout', reason: 'late' }),
    '{"job_id":"j1","status":-340001,"error":"Timeout","data":{}}',
  );
});

test('query answers per state', () => {
  const job = { state: 'fail', errorName: 'NoFaceInTarget', reason: '模板图片中未检测到人脸' } as Job;
  assert.deepEqual(queryData(job), { job_status: 'fail', reason: '模板图片中未检测到人脸', code: -330003 });
  assert.deepEqual(queryData({ state: 'preparing' } as Job), { job_status: 'preparing' });
});

test('errors crossing a thread boundary keep their code and message once', () => {
  const original = new ServiceError('FaceTooSmall', '12 px');
  const wire = { errorName: original.errorName, message: original.message };
  const back = toServiceError(Object.assign(new Error(wire.message), { errorName: wire.errorName }));
  assert.equal(back.errorName, 'FaceTooSmall');
  assert.equal(back.message, original.message);
  assert.equal(toServiceError(new TypeError('boom')).status, ERRORS.InternalError.status);
});
