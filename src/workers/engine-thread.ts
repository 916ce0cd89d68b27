// One engine per worker thread: the WASM face models run single-threaded, so one thread per core.
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { loadEngine, type EngineSpec } from './engine-spec.ts';

const port = parentPort!;
const spec = workerData.spec as EngineSpec;

// Swaps are batch work; submits, queries and notifications are not. On Linux the nice value is per
// thread, so this lowers only this engine thread and the event loop keeps answering in milliseconds
// while every core swaps. Best effort: elsewhere it may apply to the whole process, or be refused.
try {
  if (process.platform === 'linux' && process.env.WANXING_ENGINE_NICE !== '0') os.setPriority(Number(process.env.WANXING_ENGINE_NICE ?? 10));
} catch {
  /* not permitted: run at normal priority */
}

try {
  const engine = await loadEngine(spec);
  port.on('message', async (msg: { id: number; source: Uint8Array; target: Uint8Array }) => {
    try {
      const result = await engine.swap({
        source: msg.source,
        target: msg.target,
        onStage: (stage) => port.postMessage({ type: 'stage', id: msg.id, stage }),
      });
      port.postMessage({ type: 'result', id: msg.id, result }, [result.image.buffer as ArrayBuffer]);
    } catch (err) {
      const e = err as Error & { errorName?: string };
      port.postMessage({ type: 'error', id: msg.id, error: { errorName: e.errorName, message: e.message } });
    }
  });
  port.postMessage({ type: 'ready' });
} catch (err) {
  port.postMessage({ type: 'init-error', error: { message: (err as Error).message } });
}
