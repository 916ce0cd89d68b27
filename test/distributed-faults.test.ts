// Fault injection on the distributed mode, all real processes: an API process and two worker
// processes (`bin/wanxing.js serve --queue redis`, `bin/wanxing.js worker`) on Redis and S3. 50 jobs;
// one worker is SIGKILLed mid-swap and the API process is SIGKILLed once and restarted. Every job must
// end in finish or a legitimate fail, every job's notification must reach the receiver, and no job may
// be notified twice with different results.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Client } from 'aliyun-api-gateway';
import { APP_KEY, APP_SECRET, startFixtures, until } from './helpers/service.ts';
import { redisEnv, spawnApi, spawnWorker, teardownDistributed, type Spawned } from './helpers/distributed.ts';

const JOBS = 50;
const LEGITIMATE_FAILS = new Set([-340001]); // Timeout: the only way a good job may end badly

after(() => teardownDistributed());

test('two workers, 50 jobs, SIGKILL of one worker mid-swap and of the API: every job ends, every notification arrives, none twice with different results', async () => {
  const fx = await startFixtures();
  const env = await redisEnv({ WANXING_TEST_ENGINE_DELAY_MS: '400', WANXING_WORKERS: '2', WANXING_LOCK_MS: '2000' });
  const url = `http://127.0.0.1:${env.PORT}`;
  const client = new Client(APP_KEY, APP_SECRET);
  const procs: Spawned[] = [];
  const start = (p: Spawned) => (procs.push(p), p);
  try {
    let api = start(spawnApi(env));
    await api.ready; // the API creates nothing the workers need, but start it first like an operator would
    const workerA = start(spawnWorker(env));
    const workerB = start(spawnWorker(env));
    await Promise.all([workerA.ready, workerB.ready]);

    const ids: string[] = [];
    for (let i = 0; i < JOBS; i++) {
      const a = await client.post(`${url}/swapface`, {
        data: { source_url: `${fx.base}/img/source.jpg`, target_url: `${fx.base}/img/target.jpg`, notify_url: `${fx.base}/notify`, timeout: 300 },
      });
      assert.equal(a.status, 0, JSON.stringify(a));
      ids.push(a.data.job_id);
    }

    // Mid-run: both workers are busy (4 engine threads, 50 jobs of 400 ms each).
    await fx.waitFor(6, 30_000);
    await workerA.kill('SIGKILL');
    await fx.waitFor(15, 30_000);
    await api.kill('SIGKILL');
    api = start(spawnApi(env));
    await api.ready;

    const jobsNotified = () => new Set(fx.received.map((r) => JSON.parse(r.body).job_id as string));
    await until(async () => jobsNotified().size >= JOBS, 90_000, `notifications for all ${JOBS} jobs`);
    await new Promise((r) => setTimeout(r, 1000)); // room for late duplicates to show up

    // The killed worker had swaps in progress: the survivor took them over through BullMQ's stalled check.
    assert.match(workerB.output(), /stalled/, 'a job of the killed worker was recovered');

    const bodiesByJob = new Map<string, Set<string>>();
    for (const r of fx.received) {
      const id = JSON.parse(r.body).job_id as string;
      if (!bodiesByJob.has(id)) bodiesByJob.set(id, new Set());
      bodiesByJob.get(id)!.add(r.body);
    }
    assert.deepEqual([...bodiesByJob.keys()].sort(), [...ids].sort(), 'every job notified, no stranger');
    for (const [id, bodies] of bodiesByJob) assert.equal(bodies.size, 1, `job ${id} notified with different results: ${[...bodies].join(' | ')}`);

    let finished = 0;
    for (const id of ids) {
      const q = await client.post(`${url}/query`, { data: { job_id: id } });
      const note = JSON.parse([...bodiesByJob.get(id)!][0]!);
      if (q.data.job_status === 'finish') {
        finished++;
        assert.deepEqual(note, { job_id: id, status: 0, data: { result_url: q.data.result_url } });
      } else {
        assert.equal(q.data.job_status, 'fail', `job ${id} ended: ${JSON.stringify(q)}`);
        assert.ok(LEGITIMATE_FAILS.has(q.data.code), `job ${id} failed with ${q.data.code} ${q.data.reason}`);
        assert.equal(note.status, q.data.code);
      }
    }
    const dupes = fx.received.length - JOBS;
    console.log(`# ${finished}/${JOBS} finished, ${fx.received.length} notifications received (${dupes} identical re-sends)`);
    // One finished result is really there.
    const sample = JSON.parse([...bodiesByJob.get(ids[0]!)!][0]!);
    if (sample.status === 0) {
      const res = await fetch(sample.data.result_url[0]);
      assert.equal(res.status, 200);
      assert.ok((await res.arrayBuffer()).byteLength > 0);
    }
  } finally {
    await Promise.all(procs.map((p) => p.kill('SIGKILL')));
    await fx.close();
  }
});
