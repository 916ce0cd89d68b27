// /metrics (Prometheus text), /healthz and /readyz of the real service after a few jobs.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startFixtures, startTestService, until } from './helpers/service.ts';

/** The value of one sample line, e.g. metric('x_total{a="b"}'). */
function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('metrics and health', () => {
  let svc: Awaited<ReturnType<typeof startTestService>>;
  let fx: Awaited<ReturnType<typeof startFixtures>>;

  before(async () => {
    svc = await startTestService();
    fx = await startFixtures();
  });
  after(async () => {
    await svc.close();
    await fx.close();
  });

  it('answers /healthz and /readyz without a signature', async () => {
    assert.deepEqual(await (await fetch(`${svc.url}/healthz`)).json(), { ok: true });
    assert.deepEqual(await (await fetch(`${svc.url}/readyz`)).json(), { ready: true });
  });

  it('counts jobs, stage timings, notification attempts and HTTP latency', async () => {
    fx.setReceiver((n) => (n === 1 ? [503, 'busy'] : [200, 'successfully']));
    const ok = await svc.client.post(`${svc.url}/swapface`, { data: { source_url: `${fx.base}/img/source.jpg`, target_url: `${fx.base}/img/target.jpg`, notify_url: `${fx.base}/notify` } });
    const bad = await svc.client.post(`${svc.url}/swapface`, { data: { source_url: `${fx.base}/img/tiny.png`, target_url: `${fx.base}/img/target.jpg`, notify_url: `${fx.base}/notify` } });
    assert.equal(ok.status, 0);
    assert.equal(bad.status, 0);
    await fx.waitFor(3); // one failed attempt, then both delivered

    const text = await until(async () => {
      const t = await (await fetch(`${svc.url}/metrics`)).text();
      return sample(t, 'wanxing_notify_attempts_total{result="delivered"}') === 2 && t;
    }, 10_000, 'metrics');
    assert.equal(sample(text, 'wanxing_jobs_submitted_total'), 2);
    assert.equal(sample(text, 'wanxing_jobs_completed_total{state="finish",error=""}'), 1);
    assert.equal(sample(text, 'wanxing_jobs_completed_total{state="fail",error="NoFaceInSource"}'), 1);
    assert.equal(sample(text, 'wanxing_job_duration_seconds_count{state="finish"}'), 1);
    assert.equal(sample(text, 'wanxing_job_stage_duration_seconds_count{stage="queued"}'), 2);
    assert.equal(sample(text, 'wanxing_job_stage_duration_seconds_count{stage="download"}'), 4);
    assert.equal(sample(text, 'wanxing_job_stage_duration_seconds_count{stage="test"}'), 1); // the test engine's one stage
    assert.equal(sample(text, 'wanxing_notify_attempts_total{result="failed"}'), 1);
    assert.equal(sample(text, 'wanxing_queue_depth'), 0);
    assert.equal(sample(text, 'wanxing_http_request_duration_seconds_count{method="POST",route="/swapface",status="200"}'), 2);
    assert.ok(sample(text, 'wanxing_process_resident_memory_bytes')! > 0);
  });

  it('shows active jobs in wanxing_queue_depth', async () => {
    // An image server that never answers keeps the job in 'preparing' until it times out.
    const hang = http.createServer(() => {});
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    const slow = `http://127.0.0.1:${(hang.address() as AddressInfo).port}/never.jpg`;
    try {
      const r = await svc.client.post(`${svc.url}/swapface`, { data: { source_url: slow, target_url: slow, notify_url: `${fx.base}/notify`, timeout: 3 } });
      assert.equal(r.status, 0);
      assert.equal(sample(await (await fetch(`${svc.url}/metrics`)).text(), 'wanxing_queue_depth'), 1);
      const text = await until(async () => {
        const t = await (await fetch(`${svc.url}/metrics`)).text();
        return sample(t, 'wanxing_jobs_completed_total{state="fail",error="Timeout"}') === 1 && t;
      }, 15_000, 'timeout counted');
      assert.equal(sample(text, 'wanxing_queue_depth'), 0);
    } finally {
      hang.closeAllConnections();
      hang.close();
    }
  });
});

describe('metrics in the distributed mode (API process)', () => {
  it('serves /metrics with submissions, queue depth and HTTP latency', async () => {
    const { startRedisTestService, teardownDistributed } = await import('./helpers/distributed.ts');
    const fx = await startFixtures();
    const svc = await startRedisTestService();
    try {
      const r = await svc.client.post(`${svc.url}/swapface`, { data: { source_url: `${fx.base}/img/source.jpg`, target_url: `${fx.base}/img/target.jpg`, notify_url: `${fx.base}/notify` } });
      assert.equal(r.status, 0);
      await fx.waitFor(1);
      const text = await (await fetch(`${svc.url}/metrics`)).text();
      assert.equal(sample(text, 'wanxing_jobs_submitted_total'), 1);
      assert.equal(sample(text, 'wanxing_queue_depth'), 0);
      assert.equal(sample(text, 'wanxing_http_request_duration_seconds_count{method="POST",route="/swapface",status="200"}'), 1);
      assert.equal((await fetch(`${svc.url}/openapi.json`)).status, 200);
    } finally {
      await svc.close();
      await fx.close();
      await teardownDistributed();
    }
  });
});
