// Registered templates (POST /templates, /templates/list, /templates/delete; `template_id` on
// /swapface) with the real engine, in the embedded and the distributed mode: a template registered
// once serves swaps after a restart, on a worker that never saw it, without being downloaded or
// analysed again; another app's id is refused; deleting never breaks a job already queued on it.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import pino from 'pino';
import sharp from 'sharp';
import { Client } from 'aliyun-api-gateway';
import { loadConfig } from '../src/config.ts';
import { startService } from '../src/service.ts';
import { startApi } from '../src/distributed/api.ts';
import { startWorker } from '../src/distributed/worker.ts';
import { faceA, faceB, noFace } from './engine-fixtures.ts';
import { dropPrefix, redisEnv, stopSharedS3 } from './helpers/distributed.ts';
import { APP_KEY, APP_SECRET, testEnv, until, type GatewayClient } from './helpers/service.ts';
import type { Job } from '../src/jobs/job.ts';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** Photos and a notification receiver on loopback, counting downloads per path. */
async function fixtures() {
  const images: Record<string, Buffer> = { '/me.jpg': await faceA('jpeg'), '/template.jpg': await faceB('jpeg'), '/empty.png': await noFace() };
  const hits: Record<string, number> = {};
  const notes: Record<string, unknown>[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '';
      if (url === '/notify') {
        notes.push(JSON.parse(Buffer.concat(chunks).toString()));
        return res.writeHead(200).end('successfully');
      }
      hits[url] = (hits[url] ?? 0) + 1;
      const img = images[url];
      if (!img) return res.writeHead(404).end();
      res.writeHead(200, { 'content-type': url.endsWith('.png') ? 'image/png' : 'image/jpeg' }).end(img);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    hits,
    note: (jobId: string) => until(async () => notes.find((n) => n.job_id === jobId), 120_000, `notification of ${jobId}`) as Promise<any>,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

interface Running {
  url: string;
  apps: { create(name: string): unknown };
  jobs: { store: { get(id: string): Promise<Job | undefined> } };
  close(): Promise<void>;
}

interface Mode {
  name: string;
  env(): Promise<Record<string, string>>;
  /** A fresh start on the same data (database, data dir or Redis prefix and bucket). */
  start(env: Record<string, string>): Promise<Running>;
  teardown(env: Record<string, string>): Promise<void>;
}

const embedded: Mode = {
  name: 'embedded',
  env: () => testEnv({ WANXING_ENGINE: 'classic', WANXING_WORKERS: '1' }),
  start: (env) => startService(loadConfig(env), { logger, sweepMs: 50 }),
  teardown: async () => {},
};

const distributed: Mode = {
  name: 'distributed',
  env: () => redisEnv({ WANXING_ENGINE: 'classic', WANXING_WORKERS: '1' }),
  async start(env) {
    // A new API and a new worker each time: the worker has never seen the template.
    const config = loadConfig(env);
    const api = await startApi(config, { logger, sweepMs: 50, createBucket: true });
    const worker = await startWorker(config, { logger });
    const closeApi = api.close.bind(api);
    return Object.assign(api, {
      async close() {
        await closeApi();
        await worker.close();
      },
    });
  },
  async teardown(env) {
    await dropPrefix(loadConfig(env).redisPrefix);
  },
};

for (const mode of [embedded, distributed]) {
  describe(`[${mode.name}] registered templates`, () => {
    after(() => (mode === distributed ? stopSharedS3() : undefined));

    test('register once; swaps by template_id after a restart skip the download and the analysis; apps are isolated; delete is safe', async () => {
      const fx = await fixtures();
      const env = await mode.env();
      let svc = await mode.start(env);
      const a: GatewayClient = new Client(APP_KEY, APP_SECRET);
      const other = (await svc.apps.create('other')) as { appKey: string; appSecret: string };
      const b: GatewayClient = new Client(other.appKey, other.appSecret);
      const post = (c: GatewayClient, path: string, data: unknown) => c.post(`${svc.url}${path}`, { data, timeout: 60_000 });
      try {
        const reg = await post(a, '/templates', { image_url: `${fx.base}/template.jpg`, name: 'studio' });
        assert.equal(reg.status, 0, JSON.stringify(reg));
        const t = reg.data;
        assert.match(t.template_id, /^tpl_[0-9a-f]{24}$/);
        assert.equal(t.name, 'studio');
        assert.deepEqual([t.width, t.height, t.format], [400, 400, 'jpeg']);
        assert.equal(t.faces.length, 1);
        assert.deepEqual(Object.keys(t.faces[0]).sort(), ['angles', 'box', 'check', 'index', 'score']);
        assert.equal(t.faces[0].check.ok, true);

        // Input checks at registration: a photo without a face, a bad URL.
        const empty = await post(a, '/templates', { image_url: `${fx.base}/empty.png` });
        assert.equal(empty.error, 'NoFaceInTarget');
        assert.equal(empty.status, -330003);
        assert.equal((await post(a, '/templates', { image_url: 'ftp://x/y.jpg' })).error, 'InvalidArguments');
        assert.equal((await post(a, '/templates', {})).error, 'InvalidArguments');

        // Listing: the app's own only.
        const listA = await post(a, '/templates/list', {});
        assert.deepEqual(listA.data.templates.map((x: { template_id: string }) => x.template_id), [t.template_id]);
        assert.deepEqual((await post(b, '/templates/list', {})).data, { templates: [] });

        const swap = (c: GatewayClient, extra: Record<string, unknown>) =>
          post(c, '/swapface', { source_url: `${fx.base}/me.jpg`, notify_url: `${fx.base}/notify`, timeout: 600, ...extra });
        // Exactly one of target_url / template_id; another app's id reads like an unknown one.
        assert.equal((await swap(a, { template_id: t.template_id, target_url: `${fx.base}/template.jpg` })).error, 'InvalidArguments');
        assert.equal((await swap(a, {})).error, 'InvalidArguments');
        const foreign = await swap(b, { template_id: t.template_id });
        assert.equal(foreign.error, 'InvalidArguments');
        assert.match(foreign.errmsg, /template_id/);
        assert.equal((await swap(a, { template_id: 'tpl_000000000000000000000000' })).error, 'InvalidArguments');

        const runOn = async (s: Running) => {
          const sub = await swap(a, { template_id: t.template_id });
          assert.equal(sub.status, 0, JSON.stringify(sub));
          const note = await fx.note(sub.data.job_id);
          assert.equal(note.status, 0, JSON.stringify(note));
          const res = await fetch(note.data.result_url[0]);
          const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
          assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 400, 400]);
          const job = (await s.jobs.store.get(sub.data.job_id))!;
          // The stored analysis was handed to the engine: no template detection in this job.
          assert.equal(job.timings?.analyseTarget, undefined, JSON.stringify(job.timings));
          assert.ok(job.timings!.analyseSource! > 0);
        };
        await runOn(svc);
        await svc.close();
        svc = await mode.start(env);
        await runOn(svc);
        assert.equal(fx.hits['/template.jpg'], 1, 'downloaded once, at registration');

        // Deleting: another app cannot; a job queued before the deletion still finishes; new swaps are refused.
        assert.equal((await post(b, '/templates/delete', { template_id: t.template_id })).error, 'InvalidArguments');
        const queued = await swap(a, { template_id: t.template_id });
        const del = await post(a, '/templates/delete', { template_id: t.template_id });
        assert.deepEqual(del.data, { template_id: t.template_id, deleted: true });
        assert.equal((await post(a, '/templates/delete', { template_id: t.template_id })).error, 'InvalidArguments');
        assert.deepEqual((await post(a, '/templates/list', {})).data, { templates: [] });
        assert.equal((await swap(a, { template_id: t.template_id })).error, 'InvalidArguments');
        assert.equal((await fx.note(queued.data.job_id)).status, 0, 'the job queued before the deletion finished');
      } finally {
        await svc.close();
        await mode.teardown(env);
        await fx.close();
      }
    });
  });
}
