// npm run bench:soak [-- --jobs 10000] [--submitters 32] [--engine test|classic]
// 10,000 jobs queued at once (admission control on: WANXING_MAX_QUEUE_DEPTH=10000, exactly the
// number submitted) drain with none lost: every job is notified exactly once and ends 'finish';
// RSS of the service is sampled every second (flat = no growth with jobs processed).
// Engine: by default the test engine (test/helpers/test-engine.ts: a real sharp decode/encode, no face
// analysis) on small generated images, so the soak exercises the service (queue, workers, store,
// notifier) rather than the face models; `--engine classic` uses the real engine with ~0.1 MP faces.
// The per-key rate limit is off (WANXING_RATE_LIMIT_PER_S=0): one client submits everything.
import path from 'node:path';
import sharp from 'sharp';
import { asImages, loadFaces } from './lib/faces.ts';
import { startFixtures } from './lib/fixtures.ts';
import { BENCH_CREDS, ROOT, sampler, startService } from './lib/service.ts';
import { signedPost } from './lib/signer.ts';
import { loadAverage, machine, mb, parseArgs, sleep } from './lib/stats.ts';

const { opts } = parseArgs(process.argv.slice(2));
const total = Number(opts.jobs ?? 10_000);
const submitters = Number(opts.submitters ?? 32);
const engine = opts.engine ?? 'test';

const images =
  engine === 'classic'
    ? asImages(await loadFaces(undefined, 100_000))
    : {
        'face0.jpg': await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 40, b: 40 } } }).jpeg().toBuffer(),
        'face1.jpg': await sharp({ create: { width: 120, height: 90, channels: 3, background: { r: 20, g: 20, b: 220 } } }).jpeg().toBuffer(),
      };
const fx = await startFixtures(images);
const svc = await startService({
  WANXING_ENGINE: engine === 'classic' ? 'classic' : path.join(ROOT, 'test/helpers/test-engine.ts'),
  WANXING_MAX_QUEUE_DEPTH: String(total),
  WANXING_RATE_LIMIT_PER_S: '0',
});
const rss = sampler(() => svc.rss(), 1000);
const t0 = Date.now();

try {
  // Submit everything at once (`submitters` requests in flight).
  const ids: string[] = [];
  const refused: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: submitters }, async () => {
      while (next < total) {
        const i = next++;
        const a = await signedPost(svc.url, BENCH_CREDS, '/swapface', {
          source_url: `${fx.base}/img/face${i % 2}.jpg`,
          target_url: `${fx.base}/img/face${(i + 1) % 2}.jpg`,
          notify_url: `${fx.base}/notify`,
          timeout: 86_400,
        });
        if (a.body?.status === 0) ids.push(a.body.data.job_id);
        else refused.push(a.body?.error ?? String(a.status));
      }
    }),
  );
  const submittedS = (Date.now() - t0) / 1000;
  const backlogAtSubmitEnd = ids.length - fx.counts.size;
  console.error(`submitted ${ids.length} in ${submittedS.toFixed(1)} s (${refused.length} refused); ${backlogAtSubmitEnd} still to notify`);

  // Wait for the drain; log progress and RSS.
  const timeline: Array<{ s: number; notified: number; rssMb: number }> = [];
  let last = -1;
  let stalledSince = Date.now();
  while (fx.counts.size < ids.length) {
    await sleep(1000);
    const row = { s: Math.round((Date.now() - t0) / 1000), notified: fx.counts.size, rssMb: mb(svc.rss()) };
    timeline.push(row);
    if (row.s % 10 === 0) console.error(JSON.stringify(row));
    if (row.notified !== last) {
      last = row.notified;
      stalledSince = Date.now();
    } else if (Date.now() - stalledSince > 120_000) throw new Error(`no progress for 120 s at ${row.notified}/${ids.length}`);
  }
  const drainedS = (Date.now() - t0) / 1000;
  await sleep(3000); // room for a duplicate notification to show up
  rss.stop();

  const duplicates = [...fx.counts.values()].filter((c) => c > 1).length;
  const idSet = new Set(ids);
  const unknown = [...fx.counts.keys()].filter((id) => !idSet.has(id)).length;
  const failed = fx.received.filter((n) => n.status !== 0).length;
  // Query a sample through the API too: the stored state agrees with the notification.
  const sample = ids.filter((_, i) => i % Math.ceil(ids.length / 50) === 0);
  const states = await Promise.all(sample.map(async (id) => (await signedPost(svc.url, BENCH_CREDS, '/query', { job_id: id })).body?.data?.job_status));
  const quarter = (f: number) => timeline[Math.min(timeline.length - 1, Math.floor(timeline.length * f))]?.rssMb;
  const summary = {
    machine: machine(),
    command: `npm run bench:soak -- ${process.argv.slice(2).join(' ')}`.trim(),
    engine,
    jobs: total,
    accepted: ids.length,
    refused: refused.length,
    notified: fx.counts.size,
    lost: ids.length - fx.counts.size,
    duplicates,
    unknown,
    failed,
    sampleQueriedFinish: `${states.filter((s) => s === 'finish').length}/${sample.length}`,
    submitS: Number(submittedS.toFixed(1)),
    drainS: Number(drainedS.toFixed(1)),
    jobsPerS: Math.round(ids.length / drainedS),
    rssMb: {
      start: mb(rss.samples[0]!.v),
      at25pct: quarter(0.25),
      at50pct: quarter(0.5),
      at75pct: quarter(0.75),
      end: mb(rss.samples.at(-1)!.v),
      max: mb(Math.max(...rss.samples.map((s) => s.v))),
    },
    loadAvg1m: loadAverage(),
    ok: refused.length === 0 && ids.length === total && fx.counts.size === total && duplicates === 0 && unknown === 0 && failed === 0,
  };
  console.log(JSON.stringify(summary, null, 2));
  if (!summary.ok) process.exitCode = 1;
} finally {
  rss.stop();
  await svc.stop();
  await fx.close();
}
