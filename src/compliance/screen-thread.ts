// The input screening of a one-shot `wanxing swap`, on a thread of its own (started by
// screen-async.ts): the model loads and the photos are classified while the main thread loads the
// engine and swaps, on the other core. The photos are read and scaled to 224² (libvips' threads)
// while the model loads. One message back, then the thread ends:
// { kind: 'passed', scores } | { kind: 'rejected', message } | { kind: 'unreadable' | 'failed', message }.
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { ServiceError } from '../jobs/errors.ts';
import { judge, Screener, type ClassScores } from './screening.ts';

export interface ScreenThreadData {
  /** In the order they are judged (the template first, as the engine threads do); `which` names a photo in a refusal. */
  photos: { which: string; file: string }[];
  threshold: number;
  maxPixels: number;
}

export type ScreenThreadReply =
  | { kind: 'passed'; scores: ClassScores[]; ms: number; loadMs: number }
  | { kind: 'rejected'; message: string }
  | { kind: 'unreadable' | 'failed'; message: string };

const { photos, threshold, maxPixels } = workerData as ScreenThreadData;
// The swap on the main thread is the critical path; this thread has until the swap is done. On a
// two-core machine it shared the second core with the main thread's libvips, garbage-collector and
// compiler threads, and slowed the swap down. Linux's nice is per thread: only this one is lowered.
try {
  os.setPriority(10);
} catch {
  /* not permitted: normal priority */
}
const reply = (r: ScreenThreadReply) => parentPort!.postMessage(r);

const t0 = performance.now();
const pixels = photos.map((p) => readFile(p.file).then((bytes) => Screener.pixels(bytes, maxPixels)));
for (const p of pixels) p.catch(() => undefined); // reported in order below, not as unhandled
let screener: Screener | undefined;
try {
  screener = await Screener.load({ warmup: false }); // the first photo pays the kernels' set-up instead
} catch (err) {
  reply({ kind: 'failed', message: `screening: ${(err as Error).message}` });
}
if (screener) {
  const loadMs = performance.now() - t0;
  const t1 = performance.now();
  let scores: ClassScores[];
  try {
    const rgbs: Uint8Array[] = [];
    for (const p of pixels) {
      try {
        rgbs.push(await p); // in order: an unreadable photo is named as the first one that failed
      } catch (err) {
        throw Object.assign(new Error((err as Error).message), { unreadable: true });
      }
    }
    scores = await screener.scorePixels(rgbs); // one batch: the kernels' set-up is paid once
    photos.forEach((p, i) => judge(p.which, scores[i]!, threshold));
    reply({ kind: 'passed', scores, ms: performance.now() - t1, loadMs });
  } catch (err) {
    const e = err as Error & { unreadable?: boolean };
    if (err instanceof ServiceError) reply({ kind: 'rejected', message: e.message });
    else reply({ kind: e.unreadable ? 'unreadable' : 'failed', message: e.message });
  }
}
