// npm run bench:batch [-- <dir of photos>] [--pairs N] [--runs R]
// The CLI as a user runs it (node bin/wanxing.js, the prebuilt bundle when fresh: run `npm run build`
// first after editing):
//  1. one-shot `wanxing swap` of a ~1 MP pair, start-up included (wall time of the whole process),
//     with input screening on (the default) and off, alternated; then one `--json` run of each for
//     where the time goes (start-up, engine load, stages, screening's load and how long the result
//     waited for its verdict);
//  2. batch throughput, `wanxing swap --source <dir> --target T --out-dir D`, with 1 and with 2
//     engine threads: pairs per second while swapping (the summary's pairsPerSecond, engine load
//     excluded) and for the whole command; and, where `taskset` exists, 1 engine thread held to one
//     core. One engine thread already keeps more than a core busy (libvips' decode and encode
//     threads, V8's background compiler and GC), so "2 threads / 1" is not "2 cores / 1 core".
//     Each thread compiles its own code, so short batches scale worse: --pairs 48 or more.
//  3. the host's ceiling: two independent one-thread batches at once, each held to its own core.
// Medians of R runs (default 3), alternated so both settings see the same machine load.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freshBundle } from '../bin/bundle.mjs';
import { loadFaces } from './lib/faces.ts';
import { loadAverage, machine, median, parseArgs } from './lib/stats.ts';

const exec = promisify(execFile);
const { positional, opts } = parseArgs(process.argv.slice(2));
const PAIRS = Number(opts.pairs ?? 48);
const RUNS = Number(opts.runs ?? 3);
const BIN = path.resolve(import.meta.dirname, '../bin/wanxing.js');

const faces = await loadFaces(positional[0]);
const work = await mkdtemp(path.join(os.tmpdir(), 'wanxing-bench-batch-'));
const target = path.join(work, 'template.jpg');
await writeFile(target, faces[faces.length - 1]!);
const sources = path.join(work, 'sources');
await mkdir(sources);
// Sources cycle through the other faces; each is analysed afresh, as any user's photo would be.
for (let i = 0; i < PAIRS; i++) await writeFile(path.join(sources, `p${String(i).padStart(3, '0')}.jpg`), faces[i % (faces.length - 1)]!);

const TASKSET = ['/usr/bin/taskset', '/bin/taskset'].find((f) => existsSync(f));
const wanxing = async (args: string[], env: Record<string, string> = {}, oneCore = false, core = 0) => {
  const t0 = performance.now();
  const cmd = oneCore ? [TASKSET!, '-c', String(core), process.execPath] : [process.execPath];
  const r = await exec(cmd[0]!, [...cmd.slice(1), BIN, ...args], { env: { ...process.env, WANXING_WORKERS: '', ...env }, maxBuffer: 1 << 24 });
  return { ms: performance.now() - t0, stdout: r.stdout };
};

console.log(`${machine()}; bundle ${freshBundle() ? 'fresh (dist/)' : 'absent or stale: running the sources with tsx'}; load ${loadAverage()}`);
const oneShotArgs = ['swap', '-s', path.join(sources, 'p000.jpg'), '-t', target, '-o', path.join(work, 'one.jpg')];
const oneShot: Record<'on' | 'off', number[]> = { on: [], off: [] };
for (let i = 0; i < RUNS; i++) for (const screening of ['on', 'off'] as const) oneShot[screening].push((await wanxing(oneShotArgs, { WANXING_SCREENING: screening })).ms);
for (const screening of ['on', 'off'] as const) {
  const runs = oneShot[screening];
  console.log(`one-shot swap (1 MP pair, whole process), screening ${screening}: ${runs.map((v) => (v / 1000).toFixed(2)).join(', ')} s → median ${(median(runs) / 1000).toFixed(2)} s`);
}
for (const screening of ['on', 'off'] as const) {
  const r = await wanxing([...oneShotArgs, '--json'], { WANXING_SCREENING: screening });
  const j = JSON.parse(r.stdout);
  // --json also checks the result (a detection with the embedding model): its wall time is longer.
  const parts = [`start-up ${j.startupMs} ms`, `engine load ${j.modelLoadMs} ms`, `stages ${j.timings.total} ms`, ...(j.screening ? [`screening thread: model ${j.screeningLoadMs} ms, photos ${Math.round(j.screening.ms)} ms, result waited ${j.screeningWaitMs} ms for the verdict`] : [])];
  console.log(`  --json, screening ${screening}: ${(r.ms / 1000).toFixed(2)} s; ${parts.join('; ')}`);
}

// Settings: 1 and 2 engine threads on the whole machine; 0 = 1 engine thread held to one core.
const settings = TASKSET && os.availableParallelism() >= 2 ? [1, 2, 0] : [1, 2];
const rates: Record<number, number[]> = { 0: [], 1: [], 2: [] };
const cpu: Record<number, number[]> = { 0: [], 1: [], 2: [] };
const mainCpu: Record<number, number[]> = { 0: [], 1: [], 2: [] };
const walls: Record<number, number[]> = { 0: [], 1: [], 2: [] };
for (let i = 0; i < RUNS; i++) {
  for (const threads of settings) {
    const out = path.join(work, `out-${threads}`);
    await rm(out, { recursive: true, force: true });
    const r = await wanxing(['swap', '-s', sources, '-t', target, '--out-dir', out, '--json', '--workers', String(Math.max(1, threads))], {}, threads === 0);
    const summary = JSON.parse(r.stdout.trim().split('\n').pop()!);
    if (summary.written !== PAIRS) throw new Error(`batch wrote ${summary.written} of ${PAIRS}: ${r.stdout}`);
    rates[threads]!.push(summary.pairsPerSecond);
    if (summary.cpuSecondsPerPair !== undefined) {
      cpu[threads]!.push(summary.cpuSecondsPerPair);
      mainCpu[threads]!.push(summary.mainThreadCpuSecondsPerPair);
    }
    walls[threads]!.push(PAIRS / (r.ms / 1000));
  }
}
// The host's own ceiling for two cores: two independent one-thread batches at once, each held to
// its own core (nothing shared but the machine: caches, memory bandwidth, a hyperthread sibling),
// against the one-core runs above. No two-thread batch can scale past it.
const side: number[] = [];
if (rates[0]!.length) {
  for (let i = 0; i < RUNS; i++) {
    const both = await Promise.all([0, 1].map(async (core) => {
      const out = path.join(work, `out-side-${core}`);
      await rm(out, { recursive: true, force: true });
      const r = await wanxing(['swap', '-s', sources, '-t', target, '--out-dir', out, '--json', '--workers', '1'], {}, true, core);
      return JSON.parse(r.stdout.trim().split('\n').pop()!).pairsPerSecond as number;
    }));
    side.push(both[0]! + both[1]!);
  }
}
const what = (t: number) => (t === 0 ? '1 engine thread on one core (taskset -c 0)' : `${t} engine thread${t > 1 ? 's' : ''}`);
for (const t of settings) {
  console.log(`batch, ${what(t)}, ${PAIRS} pairs: swapping ${rates[t]!.map((v) => v.toFixed(2)).join(', ')} pairs/s → median ${median(rates[t]!).toFixed(2)}; whole command median ${median(walls[t]!).toFixed(2)} pairs/s`);
}
for (const t of settings) {
  if (cpu[t]!.length) console.log(`  CPU per pair, ${what(t)}: ${median(cpu[t]!).toFixed(2)} s (main thread ${median(mainCpu[t]!).toFixed(2)} s)`);
}
// On a shared machine (Linux groups CPU time per session: more threads get no more of it), the
// throughput two idle cores would give: both cores busy, or the main thread's serial part, whichever binds.
if (cpu[2]!.length) {
  const c = median(cpu[2]!);
  const m = median(mainCpu[2]!);
  console.log(`  2 idle cores, from the CPU per pair: ≤ ${Math.min(2 / c, 1 / m).toFixed(2)} pairs/s, against ${(1 / median(cpu[1]!)).toFixed(2)} for one engine thread on one core: ${(Math.min(2 / c, 1 / m) * median(cpu[1]!)).toFixed(2)}×`);
}
console.log(`speed-up 2 threads / 1: ${(median(rates[2]!) / median(rates[1]!)).toFixed(2)}× swapping, ${(median(walls[2]!) / median(walls[1]!)).toFixed(2)}× whole command`);
if (rates[0]!.length) console.log(`speed-up 2 threads on 2 cores / 1 thread on one core: ${(median(rates[2]!) / median(rates[0]!)).toFixed(2)}× swapping, ${(median(walls[2]!) / median(walls[0]!)).toFixed(2)}× whole command`);
if (side.length) console.log(`host ceiling: two one-thread batches side by side, one core each: ${side.map((v) => v.toFixed(2)).join(', ')} pairs/s in all → median ${median(side).toFixed(2)}, ${(median(side) / median(rates[0]!)).toFixed(2)}× one on one core (2.00× if the two cores shared nothing)`);
console.log(`load ${loadAverage()}`);
await rm(work, { recursive: true, force: true });
