// npm run bench:e2e [-- <photo dir>] [--runs 3] [--jobs 10] [--concurrency 1,2,8] [--workers N]
// npm run bench:e2e -- --cold-templates 8 [--runs 3]: p50 with template_id against target_url (lib/cold-templates.ts)
// Submit → notification latency of real swaps with the default engine (classic) on ~1 MP pairs:
// closed loop, `c` clients each submit a job and submit the next one when its notification arrives.
// Reports p50/p95 latency per concurrency and the sustained jobs/minute; targets p50 ≤ 1.5 s at
// concurrency 1, ≥ 40 jobs/min. Latency is measured by the client: from sending the signed submit to
// the notification reaching the loopback receiver (download, analysis, swap, store, notify included).
// Photos: faces cropped from @vladmandic/human's sample pictures, or every jpg/png in <photo dir>;
// pairs rotate over them (templates repeat, as a template catalogue does, so the engine's template
// cache is in play; sources too).
import { asImages, loadFaces } from './lib/faces.ts';
import { startFixtures } from './lib/fixtures.ts';
import { BENCH_CREDS, sampler, startService } from './lib/service.ts';
import { signedPost } from './lib/signer.ts';
import { loadAverage, machine, mb, median, parseArgs, percentile } from './lib/stats.ts';

const { positional, opts } = parseArgs(process.argv.slice(2));
const runs = Number(opts.runs ?? 3);
const jobsPerLevel = Number(opts.jobs ?? 10); // at least; each client runs ceil(jobs / concurrency)
const levels = (opts.concurrency ?? '1,2,8').split(',').map(Number);

const faces = await loadFaces(positional[0]);
if (opts['cold-templates']) {
  // What a registered template saves (template_id against target_url), on cold services: bench/lib/cold-templates.ts.
  const { coldTemplates } = await import('./lib/cold-templates.ts');
  console.log(JSON.stringify(await coldTemplates(faces, Number(opts['cold-templates']), Number(opts.runs ?? 3), opts.workers), null, 2));
  process.exit(0);
}
const fx = await startFixtures(asImages(faces));
const svc = await startService({ WANXING_ENGINE: 'classic', ...(opts.workers && { WANXING_WORKERS: opts.workers }) });
console.error(`service up (pid ${svc.pid}); ${faces.length} faces of ~1 MP`);

let pairNo = 0;
function nextBody() {
  const i = pairNo++ % faces.length;
  const j = (i + 1 + (Math.floor(pairNo / faces.length) % (faces.length - 1))) % faces.length;
  return { source_url: `${fx.base}/img/face${i}.jpg`, target_url: `${fx.base}/img/face${j}.jpg`, notify_url: `${fx.base}/notify`, timeout: 600 };
}

interface Sample {
  ms: number;
  ok: boolean;
  error?: string;
}

async function oneJob(): Promise<Sample> {
  const t0 = Date.now();
  const a = await signedPost(svc.url, BENCH_CREDS, '/swapface', nextBody());
  if (a.body?.status !== 0) throw new Error(`submit refused: ${JSON.stringify(a.body)}`);
  const n = await fx.notified(a.body.data.job_id);
  return { ms: n.at - t0, ok: n.status === 0, error: n.error };
}

async function level(concurrency: number, jobs: number) {
  const samples: Sample[] = [];
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let k = 0; k < jobs; k++) samples.push(await oneJob());
    }),
  );
  const elapsedS = (Date.now() - t0) / 1000;
  const ms = samples.map((s) => s.ms);
  return {
    concurrency,
    jobs: samples.length,
    failed: samples.filter((s) => !s.ok).map((s) => s.error),
    p50Ms: percentile(ms, 50),
    p95Ms: percentile(ms, 95),
    jobsPerMin: Math.round((samples.length / elapsedS) * 60 * 10) / 10,
    loadAvg1m: loadAverage(),
  };
}

try {
  // Warm-up: one job per engine thread (JIT, template cache); not counted.
  await Promise.all(Array.from({ length: Number(opts.workers ?? 2) }, () => oneJob()));
  const rss = sampler(() => svc.rss(), 1000);
  const rows: Array<Awaited<ReturnType<typeof level>> & { run: number }> = [];
  for (let run = 1; run <= runs; run++) {
    for (const c of levels) {
      const row = { run, ...(await level(c, Math.ceil(jobsPerLevel / c))) };
      rows.push(row);
      console.error(JSON.stringify(row));
    }
  }
  rss.stop();
  const byLevel = levels.map((c) => {
    const r = rows.filter((x) => x.concurrency === c);
    return {
      concurrency: c,
      jobsPerRun: r[0]!.jobs,
      failed: r.reduce((n, x) => n + x.failed.length, 0),
      p50Ms: median(r.map((x) => x.p50Ms)),
      p95Ms: median(r.map((x) => x.p95Ms)),
      jobsPerMin: median(r.map((x) => x.jobsPerMin)),
    };
  });
  const summary = {
    machine: machine(),
    command: `npm run bench:e2e -- ${process.argv.slice(2).join(' ')}`.trim(),
    engine: 'classic',
    workers: opts.workers ?? 'one per core',
    runs,
    medianOfRuns: byLevel,
    sustainedJobsPerMin: Math.max(...byLevel.map((l) => l.jobsPerMin)),
    rssMaxMb: mb(Math.max(...rss.samples.map((s) => s.v))),
    loadAvg1m: median(rows.map((r) => r.loadAvg1m)),
    targets: { p50MsAtConcurrency1: '<= 1500', jobsPerMin: '>= 40' },
    met: (byLevel.find((l) => l.concurrency === 1)?.p50Ms ?? Infinity) <= 1500 && Math.max(...byLevel.map((l) => l.jobsPerMin)) >= 40,
  };
  console.log(JSON.stringify(summary, null, 2));
} finally {
  await svc.stop();
  await fx.close();
}
