// bench:e2e --cold-templates N: what a registered template saves. N distinct ~1 MP templates (crops of
// the bench faces, so every job's template is new to the engine threads: nothing cached), one job at a
// time, submit → notification latency on a freshly started service:
//   by URL:  target_url (download + decode + analysis of the template in the job);
//   by id:   the N templates registered first (POST /templates, not timed), then the service
//            restarted (cold threads, empty caches) and the jobs sent with template_id.
// Each run starts both services afresh; the p50s are medians over runs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { startFixtures } from './fixtures.ts';
import { BENCH_CREDS, startService } from './service.ts';
import { signedPost } from './signer.ts';
import { loadAverage, machine, median, percentile } from './stats.ts';

async function variants(faces: Buffer[], n: number): Promise<Buffer[]> {
  return Promise.all(
    Array.from({ length: n }, async (_, k) => {
      const face = faces[k % faces.length]!;
      const m = await sharp(face).metadata();
      // A different 1–4 % crop per template: other bytes, same face, still ~1 MP.
      const cut = 1 + Math.floor(k / faces.length);
      const dx = Math.round((m.width! * cut) / 100);
      const dy = Math.round((m.height! * cut) / 100);
      return sharp(face).extract({ left: dx, top: dy, width: m.width! - 2 * dx, height: m.height! - 2 * dy }).jpeg({ quality: 92 }).toBuffer();
    }),
  );
}

export async function coldTemplates(faces: Buffer[], n: number, runs: number, workers?: string) {
  const templates = await variants(faces, n);
  const images: Record<string, Buffer> = Object.fromEntries([...faces.map((f, i) => [`face${i}.jpg`, f]), ...templates.map((t, k) => [`tpl${k}.jpg`, t])]);
  const fx = await startFixtures(images);
  // Engine threads at normal priority: on a shared machine SCHED_IDLE threads wait on everyone else.
  const env = { WANXING_ENGINE: 'classic', WANXING_ENGINE_NICE: '0', ...(workers && { WANXING_WORKERS: workers }) };
  // Sources: a face other than the template's.
  const source = (k: number) => `${fx.base}/img/face${(k + 1) % faces.length}.jpg`;
  const job = async (url: string, body: Record<string, unknown>) => {
    const t0 = Date.now();
    const a = await signedPost(url, BENCH_CREDS, '/swapface', { ...body, notify_url: `${fx.base}/notify`, timeout: 600 });
    if (a.body?.status !== 0) throw new Error(`submit refused: ${JSON.stringify(a.body)}`);
    const note = await fx.notified(a.body.data.job_id);
    if (note.status !== 0) throw new Error(`job failed: ${note.error}`);
    return note.at - t0;
  };
  const rows: { run: number; byUrlP50: number; byIdP50: number; byUrl: number[]; byId: number[]; load: number }[] = [];
  try {
    for (let run = 1; run <= runs; run++) {
      let svc = await startService(env, 600_000);
      const byUrl: number[] = [];
      try {
        for (let k = 0; k < n; k++) byUrl.push(await job(svc.url, { source_url: source(k), target_url: `${fx.base}/img/tpl${k}.jpg` }));
      } finally {
        await svc.stop();
      }
      // Its own data directory, kept across the restart (stop() removes only the one it made).
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wanxing-bench-tpl-'));
      svc = await startService({ ...env, WANXING_DATA_DIR: dataDir }, 600_000);
      const ids: string[] = [];
      try {
        for (let k = 0; k < n; k++) {
          const r = await signedPost(svc.url, BENCH_CREDS, '/templates', { image_url: `${fx.base}/img/tpl${k}.jpg` });
          if (r.body?.status !== 0) throw new Error(`register refused: ${JSON.stringify(r.body)}`);
          ids.push(r.body.data.template_id);
        }
      } finally {
        await svc.stop();
      }
      svc = await startService({ ...env, WANXING_DATA_DIR: dataDir }, 600_000);
      const byId: number[] = [];
      try {
        for (let k = 0; k < n; k++) byId.push(await job(svc.url, { source_url: source(k), template_id: ids[k] }));
      } finally {
        await svc.stop();
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
      const row = { run, byUrlP50: percentile(byUrl, 50), byIdP50: percentile(byId, 50), byUrl, byId, load: loadAverage() };
      console.error(JSON.stringify(row));
      rows.push(row);
    }
  } finally {
    await fx.close();
  }
  const url = median(rows.map((r) => r.byUrlP50));
  const id = median(rows.map((r) => r.byIdP50));
  return {
    machine: machine(),
    command: `npm run bench:e2e -- ${process.argv.slice(2).join(' ')}`.trim(),
    templates: n,
    runs,
    p50Ms: { targetUrl: url, templateId: id },
    savedMs: url - id,
    savedShare: +((url - id) / url).toFixed(3),
    loadAvg1m: median(rows.map((r) => r.load)),
  };
}
