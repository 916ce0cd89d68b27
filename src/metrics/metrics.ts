// Prometheus metrics of one service process (prom-client), on a registry of its own so that several
// services in one process (tests) do not collide. Adapters report into it through small hooks.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  jobsSubmitted: Counter<never>;
  jobsCompleted: Counter<'state' | 'error'>;
  jobDuration: Histogram<'state'>;
  stageDuration: Histogram<'stage'>;
  notifyAttempts: Counter<'result'>;
  notifyExhausted: Counter<never>;
  notifyDuration: Histogram<never>;
}

export interface MetricsOptions {
  /** Jobs queued or running now (read at scrape time). */
  queueDepth?: () => Promise<number> | number;
  /** Node process metrics (CPU, memory, event loop lag); on by default. */
  processMetrics?: boolean;
}

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const STAGE_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300];
const JOB_SECONDS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600];

export function createMetrics(opts: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'wanxing_' });
  const queueDepth = opts.queueDepth;
  new Gauge({
    name: 'wanxing_queue_depth',
    help: 'Jobs queued or running (pending, preparing, running)',
    registers: [registry],
    async collect() {
      if (queueDepth) this.set(await queueDepth());
    },
  });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'wanxing_http_request_duration_seconds',
      help: 'HTTP request latency by route',
      labelNames: ['method', 'route', 'status'],
      buckets: SECONDS,
      registers: [registry],
    }),
    jobsSubmitted: new Counter({ name: 'wanxing_jobs_submitted_total', help: 'Jobs accepted', registers: [registry] }),
    jobsCompleted: new Counter({
      name: 'wanxing_jobs_completed_total',
      help: 'Jobs ended, by final state and error name',
      labelNames: ['state', 'error'],
      registers: [registry],
    }),
    jobDuration: new Histogram({
      name: 'wanxing_job_duration_seconds',
      help: 'Submission to final state',
      labelNames: ['state'],
      buckets: JOB_SECONDS,
      registers: [registry],
    }),
    stageDuration: new Histogram({
      name: 'wanxing_job_stage_duration_seconds',
      help: 'Time per job stage: queued (waiting for a worker), download, and each engine stage',
      labelNames: ['stage'],
      buckets: STAGE_SECONDS,
      registers: [registry],
    }),
    notifyAttempts: new Counter({
      name: 'wanxing_notify_attempts_total',
      help: 'Notification attempts, by result (delivered or failed)',
      labelNames: ['result'],
      registers: [registry],
    }),
    notifyExhausted: new Counter({
      name: 'wanxing_notify_exhausted_total',
      help: 'Notifications that used up all their attempts',
      registers: [registry],
    }),
    notifyDuration: new Histogram({
      name: 'wanxing_notify_attempt_duration_seconds',
      help: 'Time of one notification attempt',
      buckets: SECONDS,
      registers: [registry],
    }),
  };
}
