// npm run bench:api [-- <photo dir>] [--duration 10] [--connections 16] [--runs 3] [--workers N]
// (--workers 0: no engine threads, the API alone, for comparison)
// Submit throughput and latency of POST /swapface against the real server (child process, loopback)
// while its engine threads are busy swapping real 1 MP photos. Every request is signed with a fresh
// nonce and timestamp (autocannon's setupRequest hook). Targets: ≥ 2,000 submits/s, p99 ≤ 20 ms.
//
// The server runs with WANXING_RATE_LIMIT_PER_S=0 (throttling off: the default 100/s per AppKey would
// answer 429 to one client) and a queue depth of 10,000,000 (the submits pile up as real jobs).
// The submitted jobs point at real photos on a loopback image server, so the engine threads stay busy
// for the whole run; a warm-up batch is submitted first and the load starts once swaps are running.
import autocannon from 'autocannon';
import { asImages, loadFaces } from './lib/faces.ts';
import { startFixtures } from './lib/fixtures.ts';
import { BENCH_CREDS, sampler, startService } from './lib/service.ts';
import { signedJsonHeaders, signedPost } from './lib/signer.ts';
import { loadAverage, machine, mb, median, parseArgs, sleep } from './lib/stats.ts';

const { positional, opts } = parseArgs(process.argv.slice(2));
const duration = Number(opts.duration ?? 10);
const connections = Number(opts.connections ?? 16);
const runs = Number(opts.runs ?? 3);

const faces = await loadFaces(positional[0]);
const fx = await startFixtures(asImages(faces));
const svc = await startService({
  WANXING_RATE_LIMIT_PER_S: '0',
  WANXING_MAX_QUEUE_DEPTH: '10000000',
  ...(opts.workers && { WANXING_WORKERS: opts.workers }),
});
console.error(`service up (pid ${svc.pid}, rss ${mb(svc.rss())} MB); ${faces.length} faces`);

let pairNo = 0;
const nextBody = () => {
  const i = pairNo++ % faces.length;
  const j = (i + 1 + (Math.floor(pairNo / faces.length) % (faces.length - 1))) % faces.length;
  return JSON.stringify({
    source_url: `${fx.base}/img/face${i}.jpg`,
    target_url: `${fx.base}/img/face${j}.jpg`,
    notify_url: `${fx.base}/notify`,
    timeout: 86_400,
  });
};

try {
  // Warm-up: real jobs; wait until the first one is swapped, so that the engines are running.
  const warm: string[] = [];
  for (let i = 0; i < 8; i++) {
    const a = await signedPost(svc.url, BENCH_CREDS, '/swapface', JSON.parse(nextBody()));
    if (a.body?.status !== 0) throw new Error(`warm-up submit failed: ${JSON.stringify(a.body)}`);
    warm.push(a.body.data.job_id);
  }
  // --workers 0: no engine threads at all (the API alone, for comparison).
  if (opts.workers !== '0') {
    const first = await Promise.race([fx.notified(warm[0]!), new Promise<null>((r) => setTimeout(() => r(null), 120_000).unref())]);
    if (!first) throw new Error('no swap finished within 120 s');
    console.error(`engines busy: first warm-up job ${first.status === 0 ? 'swapped' : `failed ${first.error}`}`);
  }

  const results: Array<Record<string, number>> = [];
  for (let run = 1; run <= runs; run++) {
    const notifiedBefore = fx.received.length;
    const cpu0 = svc.cpuSeconds();
    const main0 = svc.mainThreadCpuSeconds();
    let ok = 0;
    let refused = 0;
    const rss = sampler(() => svc.rss(), 250);
    const r = await autocannon({
      url: svc.url,
      connections,
      duration,
      requests: [
        {
          method: 'POST',
          path: '/swapface',
          setupRequest: (req) => {
            const body = nextBody();
            return { ...req, body, headers: signedJsonHeaders(BENCH_CREDS, '/swapface', body) };
          },
          onResponse: (status, body) => {
            if (status === 200 && body.startsWith('{"status":0,')) ok++;
            else refused++;
          },
        },
      ],
    });
    rss.stop();
    const swapped = fx.received.length - notifiedBefore;
    const row = {
      run,
      submitsPerS: Math.round(r.requests.average),
      total: r.requests.total,
      accepted: ok,
      notAccepted: refused,
      errors: r.errors + r.timeouts,
      p50: r.latency.p50,
      p99: r.latency.p99,
      max: r.latency.max,
      rssMaxMb: mb(Math.max(...rss.samples.map((s) => s.v))),
      rssEndMb: mb(rss.samples.at(-1)!.v),
      serverCpuPct: Math.round(((svc.cpuSeconds() - cpu0) / r.duration) * 100),
      // CPU the API thread spent per submit: what bounds throughput on a dedicated core.
      apiCpuMsPerSubmit: Number((((svc.mainThreadCpuSeconds() - main0) * 1000) / Math.max(1, r.requests.total)).toFixed(3)),
      swapsDuringRun: swapped,
      loadAvg1m: loadAverage(),
    };
    results.push(row);
    console.error(JSON.stringify(row));
    await sleep(1000);
  }
  const med = (k: keyof (typeof results)[number]) => median(results.map((r) => r[k] as number));
  const summary = {
    machine: machine(),
    command: `npm run bench:api -- ${process.argv.slice(2).join(' ')}`.trim(),
    workers: opts.workers ?? 'one per core',
    connections,
    durationS: duration,
    runs,
    median: {
      submitsPerS: med('submitsPerS'),
      p50Ms: med('p50'),
      p99Ms: med('p99'),
      rssMaxMb: med('rssMaxMb'),
      serverCpuPct: med('serverCpuPct'),
      apiCpuMsPerSubmit: med('apiCpuMsPerSubmit'),
      swapsDuringRun: med('swapsDuringRun'),
      loadAvg1m: med('loadAvg1m'),
    },
    targets: { submitsPerS: '>= 2000', p99Ms: '<= 20' },
    met: med('submitsPerS') >= 2000 && med('p99') <= 20,
    runsDetail: results,
  };
  console.log(JSON.stringify(summary, null, 2));
} finally {
  await svc.stop();
  await fx.close();
}
