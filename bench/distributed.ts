// node --import tsx bench/distributed.ts [--jobs 400] [--concurrency 16]
// Orchestration cost per job, embedded vs distributed, with the stand-in engine (test/helpers/test-engine.ts,
// no swap delay) so that queue, storage and notification dominate: submit latency through the official
// SDK and end-to-end throughput (first submit → last notification) for
//   embedded:    `wanxing serve` (SQLite, local results), 2 engine threads
//   distributed: `wanxing serve --queue redis` + `wanxing worker` (BullMQ on the local Redis, s3rver), 2 threads in 1 or 2 workers
// All processes are children on this machine (loopback), so the numbers include their CPU competition.
import { performance } from 'node:perf_hooks';
import { Client } from 'aliyun-api-gateway';
import { redisEnv, spawnApi, spawnWorker, teardownDistributed, type Spawned } from '../test/helpers/distributed.ts';
import { APP_KEY, APP_SECRET, spawnService, startFixtures, testEnv } from '../test/helpers/service.ts';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const JOBS = arg('jobs', 400);
const CONCURRENCY = arg('concurrency', 16);
const common = { WANXING_RATE_LIMIT_PER_S: '0', WANXING_MAX_QUEUE_DEPTH: '100000', LOG_LEVEL: 'info', WANXING_TEST_ENGINE_DELAY_MS: '0' };

const fx = await startFixtures();
const client = new Client(APP_KEY, APP_SECRET);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function run(label: string, url: string) {
  fx.received.length = 0;
  const lat: number[] = [];
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < JOBS) {
        next++;
        const s = performance.now();
        const a = await client.post(`${url}/swapface`, {
          data: { source_url: `${fx.base}/img/source.jpg`, target_url: `${fx.base}/img/target.jpg`, notify_url: `${fx.base}/notify`, timeout: 600 },
        });
        lat.push(performance.now() - s);
        if (a.status !== 0) throw new Error(JSON.stringify(a));
      }
    }),
  );
  const submitted = performance.now() - t0;
  const progress = setInterval(() => console.error(`  ${label}: ${fx.received.length}/${JOBS} notified`), 5000);
  await fx.waitFor(JOBS, 600_000).finally(() => clearInterval(progress));
  const total = performance.now() - t0;
  const row = {
    mode: label,
    jobs: JOBS,
    'submit p50 ms': +pct(lat, 50).toFixed(1),
    'submit p99 ms': +pct(lat, 99).toFixed(1),
    'submits/s': Math.round(JOBS / (submitted / 1000)),
    'jobs/s end to end': +(JOBS / (total / 1000)).toFixed(1),
  };
  console.log(JSON.stringify(row));
  return row;
}

const rows = [];
const procs: Spawned[] = [];
try {
  if (!process.argv.includes('--distributed-only')) {
    const env = await testEnv({ ...common, WANXING_WORKERS: '2' });
    const s = spawnService(env);
    await s.ready;
    rows.push(await run('embedded (SQLite, 2 threads)', `http://127.0.0.1:${env.PORT}`));
    s.child.kill('SIGTERM');
    await new Promise((r) => s.child.once('exit', r));
  }
  for (const [workers, threads] of [
    [1, 2],
    [2, 1],
  ] as const) {
    const env = await redisEnv({ ...common, WANXING_WORKERS: String(threads) });
    const api = spawnApi(env);
    procs.push(api);
    const ws = Array.from({ length: workers }, () => spawnWorker(env));
    procs.push(...ws);
    await Promise.all([api.ready, ...ws.map((w) => w.ready)]);
    rows.push(await run(`distributed (Redis/BullMQ/S3, ${workers} worker × ${threads} threads)`, `http://127.0.0.1:${env.PORT}`));
    await Promise.all([api, ...ws].map((p) => p.kill('SIGTERM')));
  }
  console.table(rows);
} finally {
  await Promise.all(procs.map((p) => p.kill('SIGKILL')));
  await teardownDistributed();
  await fx.close();
}
