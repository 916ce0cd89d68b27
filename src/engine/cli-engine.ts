// The engine of a one-shot CLI run: the same setting (WANXING_ENGINE, or --engine) and the same
// construction (engineSpecFor ▸ loadEngine) as the service and the distributed workers.
import { loadConfig } from '../config.ts';
import { engineSpecFor, loadEngine } from '../workers/engine-spec.ts';
import type { FaceEngine } from './types.ts';

export async function loadCliEngine(engine?: string, env: NodeJS.ProcessEnv = process.env): Promise<FaceEngine> {
  // No screening wrapper: the CLI screens on a thread of its own, alongside (src/compliance/screen-async.ts).
  const { screening: _screenedApart, ...spec } = engineSpecFor(loadConfig({ ...env, ...(engine && { WANXING_ENGINE: engine }) }));
  // One swap and exit: a warm-up would compile the kernels that the swap compiles anyway.
  return loadEngine({ ...spec, options: { ...spec.options, warmup: false } });
}
