// Per-stage wall time, summed by name: what SwapResult.timings reports.
import { performance } from 'node:perf_hooks';

export function stageTimer(): { timings: Record<string, number>; time: <T>(name: string, fn: () => Promise<T> | T) => Promise<T> } {
  const timings: Record<string, number> = {};
  const time = async <T>(name: string, fn: () => Promise<T> | T): Promise<T> => {
    const t = performance.now();
    try {
      return await fn();
    } finally {
      timings[name] = (timings[name] ?? 0) + performance.now() - t;
    }
  };
  return { timings, time };
}
