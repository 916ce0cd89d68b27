// Input screening of a one-shot `wanxing swap`, off its critical path: screen-thread.ts loads the
// classifier and judges the photos on another thread (the other core) while the engine loads and
// swaps. The result is written only once the verdict is in and every photo passed; a refusal is the
// same ContentRejected (exit 2, same message) as when screening ran first, and wins over an engine
// failure, as it did then. Light on purpose: the main thread imports it before the engine.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { runnableUrl } from '../bundle.ts';
import { loadConfig } from '../config.ts';
import { ServiceError, toServiceError } from '../jobs/errors.ts';
import type { ScreeningScores } from './screening.ts';
import type { ScreenThreadData, ScreenThreadReply } from './screen-thread.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
// The engine threads' bootstrap: registers tsx when the entry is TypeScript (the sources), not for the bundle.
const BOOTSTRAP = path.join(here, '../workers/thread-bootstrap.mjs');
const ENTRY = runnableUrl(pathToFileURL(path.join(here, 'screen-thread.ts')).href);

export interface CliScreening {
  /** The scores once every photo passed; throws ContentRejected, or why the photos could not be screened. */
  verdict(): Promise<ScreeningScores>;
  /** The verdict's refusal, if it refuses (waits for it): what a failed swap reports instead of its own error. */
  refusal(): Promise<ServiceError | undefined>;
  /** Model load time on its thread (ms), once passed. */
  loadMs?: number;
}

/**
 * Starts screening the photos of a CLI swap (the template, then each source) on a worker thread;
 * undefined when screening is off (WANXING_SCREENING=off) or the settings do not load (the engine's
 * load then reports that, as before).
 */
export function startCliScreening(photos: { target: string; sources: string[] }, env: NodeJS.ProcessEnv = process.env): CliScreening | undefined {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(env);
  } catch {
    return undefined;
  }
  if (!config.compliance.screening.enabled) return undefined;
  const data: ScreenThreadData = {
    photos: [{ which: '模板图片', file: path.resolve(photos.target) }, ...photos.sources.map((s) => ({ which: '用户图片', file: path.resolve(s) }))],
    threshold: config.compliance.screening.threshold,
    maxPixels: config.download.maxPixels,
  };
  const worker = new Worker(BOOTSTRAP, { workerData: { entry: ENTRY, ...data }, env });
  const reply = new Promise<ScreenThreadReply>((resolve) => {
    worker.once('message', (r: ScreenThreadReply) => resolve(r));
    worker.once('error', (err) => resolve({ kind: 'failed', message: `screening: ${err.message}` }));
    worker.once('exit', (code) => resolve({ kind: 'failed', message: `screening: its thread ended (${code}) without a verdict` }));
  }).finally(() => void worker.terminate());
  const handle: CliScreening = {
    async verdict() {
      const r = await reply;
      if (r.kind === 'passed') {
        handle.loadMs = Math.round(r.loadMs);
        const [target, source, ...others] = r.scores;
        return { source: source!, target: target!, ...(others.length > 0 && { others }), ms: r.ms };
      }
      if (r.kind === 'rejected') throw toServiceError({ errorName: 'ContentRejected', message: r.message });
      // A photo the classifier's decoder refused, where the engine decoded it: named as the service does.
      if (r.kind === 'unreadable') throw new ServiceError('ImageFormatUnsupported', r.message);
      throw new Error(r.message);
    },
    async refusal() {
      const r = await reply;
      return r.kind === 'rejected' ? toServiceError({ errorName: 'ContentRejected', message: r.message }) : undefined;
    },
  };
  return handle;
}
