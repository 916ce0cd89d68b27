// The real service as a child process (`wanxing serve`), so that the bench's own load generator and
// fixtures do not share its event loop. Its memory is read from /proc (RSS covers the engine threads).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Credentials } from './signer.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BENCH_CREDS: Credentials = { appKey: 'bench-app-key', appSecret: 'bench-app-secret-0123456789' };

export interface RunningService {
  url: string;
  pid: number;
  child: ChildProcess;
  dataDir: string;
  /** resident set size of the whole service process, bytes */
  rss(): number;
  /** seconds of CPU (user + system) the service process has used so far, all threads */
  cpuSeconds(): number;
  /** the same for its main thread only (HTTP, queue, notifier; not the engine threads) */
  mainThreadCpuSeconds(): number;
  output(): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** `BENCH_NODE_ARGS` (space-separated) is passed to the service's node, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof". */
export async function startService(env: Record<string, string>, readyTimeoutMs = 120_000): Promise<RunningService> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wanxing-bench-'));
  const child = spawn(process.execPath, [...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []), path.join(ROOT, 'bin/wanxing.js'), 'serve'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      WANXING_PUBLIC_URL: `http://127.0.0.1:${port}`,
      WANXING_DATA_DIR: dataDir,
      WANXING_APP_KEY: BENCH_CREDS.appKey,
      WANXING_APP_SECRET: BENCH_CREDS.appSecret,
      WANXING_ALLOW_PRIVATE_URLS: '1',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  // Readiness: /readyz answers 200 once the engines are loaded and the server listens.
  const end = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`service exited (${child.exitCode}): ${out}`);
    const ok = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > end) {
      child.kill('SIGKILL');
      throw new Error(`service not ready after ${readyTimeoutMs} ms: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const pid = child.pid!;
  const cpuOf = (statFile: string) => {
    const f = fs.readFileSync(statFile, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in USER_HZ (100 on Linux)
  };
  return {
    url,
    pid,
    child,
    dataDir,
    rss() {
      const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? Number(m[1]) * 1024 : NaN;
    },
    cpuSeconds: () => cpuOf(`/proc/${pid}/stat`),
    mainThreadCpuSeconds: () => cpuOf(`/proc/${pid}/task/${pid}/stat`),
    output: () => out,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(t);
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Samples a value every `everyMs` until stopped. */
export function sampler(read: () => number, everyMs: number): { samples: Array<{ t: number; v: number }>; stop(): void } {
  const t0 = Date.now();
  const samples: Array<{ t: number; v: number }> = [];
  const take = () => {
    try {
      samples.push({ t: Date.now() - t0, v: read() });
    } catch {
      /* process gone */
    }
  };
  take();
  const timer = setInterval(take, everyMs);
  return { samples, stop: () => (take(), clearInterval(timer)) };
}
