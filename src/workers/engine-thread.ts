// One engine per worker thread: the WASM face models run single-threaded, so one thread per core.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { EnginePriority } from '../config.ts';
import { loadEngine, type EngineSpec } from './engine-spec.ts';
import type { SwapRequest } from '../engine/types.ts';

const port = parentPort!;
const spec = workerData.spec as EngineSpec;

// Swaps are batch work; submits, queries and notifications are not. On Linux scheduling is per
// thread, so only this engine thread is lowered. The default puts it in SCHED_IDLE: any waking
// normal thread (the event loop answering a submit) preempts it at once, where a nice value only
// shrinks its share (measured with both engine threads swapping: bench:api p99 13–14 ms idle,
// 16–23 ms at nice 10). No Node API sets the policy, hence util-linux's chrt; without it, nice 19.
// Best effort: elsewhere it may apply to the whole process, or be refused.
function lowerPriority(setting: EnginePriority): void {
  if (process.platform !== 'linux' || setting === 0) return;
  if (setting !== 'idle') return os.setPriority(setting);
  try {
    const tid = fs.readlinkSync('/proc/thread-self').split('/').pop()!;
    execFileSync('chrt', ['--idle', '--pid', '0', tid], { stdio: 'ignore' });
  } catch {
    os.setPriority(19);
  }
}
try {
  lowerPriority((workerData.priority as EnginePriority | undefined) ?? 'idle');
} catch {
  /* not permitted: run at normal priority */
}

try {
  const engine = await loadEngine(spec);
  port.on('message', async (msg: { id: number; kind?: 'faces'; source: Uint8Array; target: Uint8Array } & Pick<SwapRequest, 'targetFace' | 'sourceFace' | 'faces' | 'targetFaces' | 'style'>) => {
    try {
      if (msg.kind === 'faces') {
        if (!engine.listFaces) throw new Error(`engine ${engine.name} cannot list faces`);
        port.postMessage({ type: 'result', id: msg.id, result: await engine.listFaces(msg.target) });
        return;
      }
      const { id, kind, ...req } = msg;
      const result = await engine.swap({ ...req, onStage: (stage) => port.postMessage({ type: 'stage', id, stage }) });
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
