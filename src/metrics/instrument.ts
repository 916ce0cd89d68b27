// Small wrappers that report into Metrics without the domain knowing: the engine (stage timings),
// the image fetcher (download time), the queue handler (outcome and duration of each job).
import type { Job } from '../jobs/job.ts';
import type { EngineRunner, ImageFetcher } from '../jobs/ports.ts';
import type { Metrics } from './metrics.ts';

/** Observes SwapResult.timings (ms per engine stage). */
export function instrumentEngine(engine: EngineRunner, m: Metrics): EngineRunner {
  return {
    async swap(req, opts) {
      const result = await engine.swap(req, opts);
      for (const [stage, ms] of Object.entries(result.timings ?? {})) {
        if (Number.isFinite(ms)) m.stageDuration.observe({ stage }, ms / 1000);
      }
      return result;
    },
    close: () => engine.close(),
  };
}

export function instrumentFetcher(fetch: ImageFetcher, m: Metrics): ImageFetcher {
  return async (url, signal) => {
    const end = m.stageDuration.startTimer({ stage: 'download' });
    try {
      return await fetch(url, signal);
    } finally {
      end();
    }
  };
}

/**
 * Records how a job ended and how long it took, once per job: a running job that times out is seen
 * both by the timeout sweep and by its own handler.
 */
export function jobEndRecorder(m: Metrics, remember = 10_000): (job: Job | undefined) => void {
  const seen = new Set<string>();
  return (job) => {
    if (!job || (job.state !== 'finish' && job.state !== 'fail') || seen.has(job.id)) return;
    seen.add(job.id);
    if (seen.size > remember) seen.delete(seen.values().next().value!);
    m.jobsCompleted.inc({ state: job.state, error: job.errorName ?? '' });
    if (job.finishedAt) m.jobDuration.observe({ state: job.state }, (job.finishedAt - job.createdAt) / 1000);
  };
}

/** Wraps a queue handler: queue wait when it starts, the outcome (read back from the store) when it returns. */
export function instrumentHandler(
  handler: (job: Job, signal: AbortSignal) => Promise<void>,
  m: Metrics,
  load: (id: string) => Promise<Job | undefined>,
  recordEnd: (job: Job | undefined) => void,
): (job: Job, signal: AbortSignal) => Promise<void> {
  return async (job, signal) => {
    m.stageDuration.observe({ stage: 'queued' }, Math.max(0, (job.startedAt ?? Date.now()) - job.createdAt) / 1000);
    try {
      await handler(job, signal);
    } finally {
      recordEnd(await load(job.id).catch(() => undefined));
    }
  };
}
