// Small numeric helpers for the bench scripts.
import os from 'node:os';

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i]!;
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

export const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Parses `--name value` and `--flag` options after positional arguments. */
export function parseArgs(argv: string[]): { positional: string[]; opts: Record<string, string> } {
  const positional: string[] = [];
  const opts: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) opts[a.slice(2)] = 'true';
      else opts[a.slice(2)] = argv[++i]!;
    } else positional.push(a);
  }
  return { positional, opts };
}

/** Machine facts every BENCHMARKS.md figure carries. */
export function machine(): string {
  return `${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? '?'}), ${mb(os.totalmem())} MB RAM, node ${process.version}, ${new Date().toISOString().slice(0, 16)}Z`;
}

/** The 1-minute load average: other processes on a shared machine skew every figure. */
export const loadAverage = () => Number(os.loadavg()[0]!.toFixed(2));
