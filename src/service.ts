// The composition root: builds the embedded service (one process: API, SQLite queue, engine threads,
// notifier, sweepers) from a Config. Everything is chosen here and nowhere else.
import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { buildServer } from './api/server.ts';
import { MemoryRateLimiter } from './api/gateway-auth/rate-limiter.ts';
import { SqliteAppStore } from './apps/app-store.ts';
import type { Config } from './config.ts';
import { createGuardedAgent, downloadImage, postJson } from './fetch/index.ts';
import { JobService, runJob } from './jobs/job-service.ts';
import type { EngineRunner, ImageFetcher } from './jobs/ports.ts';
import { migrateNotify, Notifier, SqliteNotificationStore } from './notify/index.ts';
import { openDatabase, type Db } from './queue/sqlite/db.ts';
import { SqliteJobQueue } from './queue/sqlite/job-queue.ts';
import { SqliteJobStore } from './queue/sqlite/job-store.ts';
import { lockDataDir } from './queue/sqlite/instance-lock.ts';
import { SqliteNonceStore } from './queue/sqlite/nonce-store.ts';
import { WriteBatcher } from './queue/sqlite/write-batcher.ts';
import { startCheckpointer } from './queue/sqlite/checkpointer.ts';
import { LocalResultStore } from './storage/local-result-store.ts';
import { sessionKey } from './console/session.ts';
import { withConsoleSink } from './console/sink.ts';
import { UploadStore } from './console/uploads.ts';
import { createMetrics, instrumentEngine, instrumentFetcher, instrumentHandler, jobEndRecorder } from './metrics/index.ts';
import { loadOrCreateKey } from './storage/signing-key.ts';
import { EnginePool } from './workers/engine-pool.ts';
import { createJobCompliance, localLabelKey } from './compliance/index.ts';
import { retentionMs, SqliteAuditStore } from './compliance/audit.ts';
import { engineSpecFor } from './workers/engine-spec.ts';
import { embeddedCatalogue, templateLimits, type TemplateAnalyser } from './templates/index.ts';
import { KnownTemplates } from './jobs/known-templates.ts';

export interface Service {
  config: Config;
  app: FastifyInstance;
  db: Db;
  apps: SqliteAppStore;
  jobs: JobService;
  notifier: Notifier;
  url: string;
  close(): Promise<void>;
}

export interface ServiceOverrides {
  logger?: Logger;
  /** Replaces the engine threads (tests; the CLI's own swap). */
  engine?: EngineRunner;
  /** Sweep/poll cadence, shortened by tests. */
  sweepMs?: number;
}

export function openAppStore(config: Config, db: Db): SqliteAppStore {
  const apps = new SqliteAppStore(db);
  if (config.appKey && config.appSecret) apps.create('env', { appKey: config.appKey, appSecret: config.appSecret });
  return apps;
}

export async function startService(config: Config, overrides: ServiceOverrides = {}): Promise<Service> {
  const logger = overrides.logger ?? pino({ level: config.logLevel });
  fs.mkdirSync(config.dataDir, { recursive: true });
  const unlock = lockDataDir(config.dataDir);
  const db = openDatabase(config.dataDir);
  migrateNotify(db);
  const apps = openAppStore(config, db);
  if (!apps.hasActive()) {
    const created = apps.create('default');
    // Printed once, on the first start, like a gateway console shows a new app's credentials.
    process.stdout.write(
      `\nCreated an app for this service (stored in ${config.dataDir}):\n  AppKey:    ${created.appKey}\n  AppSecret: ${created.appSecret}\n\n`,
    );
  }

  const dispatcher = createGuardedAgent({ allowPrivate: config.allowPrivateUrls });
  // Queue depth is read at scrape time, once the store below exists.
  const m = createMetrics({ queueDepth: () => store.activeCount() });
  const notifier = new Notifier({
    store: new SqliteNotificationStore(db),
    send: withConsoleSink((url, body, headers, timeoutMs) => postJson(url, body, { dispatcher, headers, timeoutMs })),
    onAttempt: (a) => {
      m.notifyAttempts.inc({ result: a.ok ? 'delivered' : 'failed' });
      m.notifyDuration.observe(a.durationMs / 1000);
      if (a.exhausted) m.notifyExhausted.inc();
    },
    retryDelaysS: config.notify.retryDelaysS,
    attemptTimeoutMs: config.notify.attemptTimeoutMs,
    secretFor: (k) => apps.secretFor(k),
    logger: logger.child({ component: 'notify' }),
    pollMs: overrides.sweepMs,
  });
  const writes = new WriteBatcher(db);
  const stopCheckpointer = startCheckpointer(db);
  const store = new SqliteJobStore(db, (n) => notifier.enqueue(n), writes);
  const audit = new SqliteAuditStore(db, retentionMs(config.compliance.auditRetentionDays));
  const jobs = new JobService({ store, maxQueueDepth: config.jobs.maxQueueDepth, audit, onAuditError: (err, jobId) => logger.error({ err, jobId }, 'audit record lost') });
  const results = new LocalResultStore(config.dataDir, config.publicUrl, loadOrCreateKey(config.dataDir), config.resultTtlS * 1000);
  const queue = new SqliteJobQueue(store, { pollMs: overrides.sweepMs });
  const recordJobEnd = jobEndRecorder(m);
  const uploads = new UploadStore(config.dataDir, config.download, config.resultTtlS * 1000);
  const compliance = createJobCompliance({ settings: config.compliance, labelKey: localLabelKey(config.dataDir, config.compliance.labelKey), jpegQuality: config.face.jpegQuality });

  let engine = overrides.engine;
  if (!engine && config.workers > 0) {
    const pool = new EnginePool(engineSpecFor(config), config.workers, config.enginePriority);
    try {
      await pool.init();
    } catch (err) {
      await pool.close();
      await stopCheckpointer();
      db.close();
      unlock();
      throw err;
    }
    engine = pool;
  }

  // Console uploads are read from disk; every other URL goes through the guarded download.
  const download: ImageFetcher = uploads.fetcher((url, signal) => downloadImage(url, { dispatcher, limits: config.download, signal }));
  // Registered templates: downloaded and analysed once (by the engine threads), then read from the data directory.
  const templates = embeddedCatalogue(config, db, download, engine && 'listFaces' in engine ? (engine as EngineRunner & TemplateAnalyser) : undefined);
  const fetchImage: ImageFetcher = instrumentFetcher(templates.fetcher(download), m);
  let ready = false;
  // POST /faces analyses on the engine threads (the pool keeps the analysis for the swap).
  const listing = engine;
  const faces = listing?.listFaces
    ? { fetchImage, listFaces: listing.listFaces.bind(listing), limits: templateLimits(config.face), known: new KnownTemplates() }
    : undefined;
  const app = await buildServer({
    faces,
    logger,
    jobs,
    notifier,
    results,
    timeouts: config.jobs,
    secretFor: (k) => apps.secretFor(k),
    nonceStore: new SqliteNonceStore(db, Date.now, writes),
    rateLimiter: config.rateLimit.perSecond > 0 ? new MemoryRateLimiter(config.rateLimit) : undefined,
    maxSkewMs: config.signatureMaxSkewMs,
    onSubmitted: () => {
      m.jobsSubmitted.inc();
      queue.notify();
    },
    ready: () => ready,
    templates,
    maxImageBytes: config.download.maxBytes,
    metrics: m,
    publicUrl: config.publicUrl,
    console: {
      notifier,
      uploads,
      sessionKey: sessionKey(loadOrCreateKey(config.dataDir)),
      recentJobs: (appKey, limit) => store.recent(appKey, limit),
      audit,
      secureCookie: config.publicUrl.startsWith('https://'),
    },
  });

  notifier.start();
  if (engine) {
    const runner = instrumentEngine(engine, m);
    queue.start(
      instrumentHandler((job, signal) => runJob(job, { jobs, fetchImage, engine: runner, results, resultTtlMs: config.resultTtlS * 1000, compliance }, signal), m, (id) => store.get(id), recordJobEnd),
      config.workers || 1,
    );
  }
  // Caller timeouts of queued jobs, expired results.
  const sweep = setInterval(() => {
    jobs
      .expireOverdue()
      .then((ids) =>
        ids.forEach((id) => {
          queue.abort(id);
          void store.get(id).then(recordJobEnd);
        }),
      )
      .catch((err) => logger.error({ err }, 'timeout sweep failed'));
  }, overrides.sweepMs ?? 1000);
  const resultSweep = setInterval(() => void results.sweep(Date.now()).catch((err) => logger.error({ err }, 'result sweep failed')), 10 * 60_000);

  const address = await app.listen({ port: config.port, host: config.host });
  ready = true;
  const port = (app.server.address() as { port: number }).port;
  logger.info({ address, engine: config.engine, workers: config.workers }, 'wanxing is serving');

  return {
    config,
    app,
    db,
    apps,
    jobs,
    notifier,
    url: `http://127.0.0.1:${port}`,
    async close() {
      ready = false;
      clearInterval(sweep);
      clearInterval(resultSweep);
      await app.close();
      await queue.stop();
      await notifier.stop();
      await engine?.close();
      await dispatcher.close();
      await stopCheckpointer();
      db.close();
      unlock();
    },
  };
}
