// The HTTP face of the service: one Fastify app, one plugin per concern.
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { gatewayAuth } from './gateway-auth/plugin.ts';
import type { NonceStore } from './gateway-auth/nonce-store.ts';
import type { RateLimiter } from './gateway-auth/rate-limiter.ts';
import { healthRoutes } from './routes/health.ts';
import { jobRoutes } from './routes/jobs.ts';
import { notifyRoutes, type RedeliveryPort } from './routes/notify.ts';
import { resultRoutes } from './routes/results.ts';
import { consoleRoutes, type ConsoleOptions } from './routes/console.ts';
import { templateRoutes } from './routes/templates.ts';
import type { TemplateCatalogue } from '../templates/catalogue.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { openApiRoutes } from './routes/openapi.ts';
import { facesRoutes, type FaceListing } from './routes/faces.ts';
import { installHttpMetrics, type Metrics } from '../metrics/index.ts';
import type { JobService } from '../jobs/job-service.ts';
import type { TimeoutRules } from '../jobs/validate.ts';
import type { LocalResultStore } from '../storage/local-result-store.ts';

export interface ServerDeps {
  logger: Logger;
  jobs: JobService;
  notifier: RedeliveryPort;
  /** Local results are served here; S3 results are fetched from the bucket through presigned URLs. */
  results?: LocalResultStore;
  timeouts: TimeoutRules;
  secretFor(appKey: string): string | undefined | Promise<string | undefined>;
  nonceStore: NonceStore;
  rateLimiter?: RateLimiter;
  maxSkewMs: number;
  onSubmitted?: () => void;
  ready: () => boolean;
  /** Registered templates (POST /templates…, `template_id` on /swapface); omitted: none. */
  templates?: TemplateCatalogue;
  /** The download size cap (WANXING_MAX_IMAGE_BYTES): also the cap of an inline template image. */
  maxImageBytes?: number;
  /** Prometheus metrics at /metrics and HTTP latencies (omitted: no /metrics). */
  metrics?: Metrics;
  /** The console page at / and its session-authenticated API under /console (omitted: no console). */
  console?: Omit<ConsoleOptions, 'jobs' | 'timeouts' | 'secretFor' | 'onSubmitted'>;
  /** Base URL written into /openapi.json's servers. */
  publicUrl?: string;
  /** POST /faces (omitted: no engine in this process to analyse templates). */
  faces?: FaceListing;
}

const PUBLIC_PREFIXES = ['/results/', '/healthz', '/readyz', '/metrics', '/openapi.json', '/docs'];

/** Routes without a gateway signature: public GETs, the console page, and /console (session cookie). */
function isUnsigned(req: { method: string; url: string }): boolean {
  if (req.url.startsWith('/console/') || req.url === '/console') return true;
  if (req.method !== 'GET') return false;
  return req.url === '/' || req.url.startsWith('/?') || PUBLIC_PREFIXES.some((p) => req.url.startsWith(p));
}

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger,
    bodyLimit: 64 * 1024, // a submit is three URLs and a number
    // Per-request logs would dominate the cost of a submit; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: false,
  });
  await app.register(gatewayAuth, {
    secretFor: deps.secretFor,
    nonceStore: deps.nonceStore,
    rateLimiter: deps.rateLimiter,
    maxSkewMs: deps.maxSkewMs,
    skip: isUnsigned,
  });
  if (deps.metrics) installHttpMetrics(app as unknown as FastifyInstance, deps.metrics);
  await app.register(jobRoutes, { jobs: deps.jobs, timeouts: deps.timeouts, onSubmitted: deps.onSubmitted, knownTemplates: deps.faces?.known, templates: deps.templates });
  if (deps.templates) await app.register(templateRoutes, { templates: deps.templates, maxImageBytes: deps.maxImageBytes ?? 20 * 1024 * 1024 });
  if (deps.faces) await app.register(facesRoutes, deps.faces);
  await app.register(notifyRoutes, { jobs: deps.jobs, notifier: deps.notifier });
  if (deps.results) await app.register(resultRoutes, { results: deps.results });
  await app.register(healthRoutes, { ready: deps.ready });
  await app.register(openApiRoutes, { timeouts: deps.timeouts, publicUrl: deps.publicUrl });
  if (deps.metrics) await app.register(metricsRoutes, { metrics: deps.metrics });
  if (deps.console) {
    await app.register(consoleRoutes, { ...deps.console, jobs: deps.jobs, timeouts: deps.timeouts, secretFor: deps.secretFor, onSubmitted: deps.onSubmitted, faces: deps.faces, templates: deps.templates });
  }
  return app as unknown as FastifyInstance;
}
