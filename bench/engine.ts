// npm run bench:engine [-- <dir with two or more photos>] [--runs N] [--warmup W]
// Per-stage median times of the default engine for ~1 MP pairs on one core (one engine thread):
// cold (template analysed every time) and with the template served from the cache.
// Without a dir it uses faces from @vladmandic/human's assets, resized to 1024×1024.
// --warmup W: swaps before the timed ones (default 1). A service or batch thread runs with the V8
// flags EnginePool sets (src/workers/engine-pool.ts) and has swapped many times before; to time
// that state: node --interrupt-budget=540000 --initial-old-space-size=128 --import tsx bench/engine.ts --warmup 8
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { createDefaultEngine } from '../src/engine/index.ts';
import { EsrganUpscaler, esrganModelDir } from '../src/engine/upscale.ts';
import { loadHuman } from '../src/engine/human.ts';

const require = createRequire(import.meta.url);
const ASSETS = path.join(path.dirname(require.resolve('@vladmandic/human')), '..', 'assets');

async function assetPair(): Promise<[Buffer, Buffer]> {
  const a = await sharp(path.join(ASSETS, 'screenshot-faceid.jpg')).extract({ left: 0, top: 60, width: 300, height: 300 }).resize(1024, 1024, { kernel: 'lanczos3' }).jpeg({ quality: 92 }).toBuffer();
  const b = await sharp(path.join(ASSETS, 'screenshot-facematch.jpg')).extract({ left: 0, top: 0, width: 240, height: 240 }).resize(1024, 1024, { kernel: 'lanczos3' }).jpeg({ quality: 92 }).toBuffer();
  return [a, b];
}

/** Two photos from a directory, resized to about 1 MP. */
async function dirPair(dir: string): Promise<[Buffer, Buffer]> {
  const files = (await readdir(dir)).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort();
  const pick = ['obama.jpg', 'rose_leslie_img2.jpg'].every((f) => files.includes(f)) ? ['rose_leslie_img2.jpg', 'obama.jpg'] : files.slice(0, 2);
  return Promise.all(
    pick.map(async (f) => {
      const img = sharp(await readFile(path.join(dir, f)));
      const m = await img.metadata();
      const scale = Math.sqrt(1_000_000 / (m.width! * m.height!));
      return img.resize(Math.round(m.width! * scale), Math.round(m.height! * scale)).jpeg({ quality: 92 }).toBuffer();
    }),
  ) as Promise<[Buffer, Buffer]>;
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

interface Bench {
  engine: ReturnType<typeof createDefaultEngine>;
  samples: Record<string, number[]>;
  init: number;
}

async function prepare(cacheBytes: number, source: Buffer, target: Buffer, warmup: number): Promise<Bench> {
  const engine = createDefaultEngine({ templateCacheBytes: cacheBytes });
  const t0 = performance.now();
  await engine.init();
  const init = performance.now() - t0;
  // First swaps: fill the cache, JIT warm-up (a service thread has done many before its next job).
  for (let i = 0; i < warmup; i++) await engine.swap({ source, target });
  return { engine, samples: {}, init };
}

async function sample(b: Bench, source: Buffer, target: Buffer): Promise<void> {
  // CPU time of the whole process (all threads) per swap: the one-core cost, unlike wall
  // time it does not grow when other processes share the machine.
  const c0 = process.cpuUsage();
  const r = await b.engine.swap({ source, target });
  const c = process.cpuUsage(c0);
  for (const [k, v] of Object.entries(r.timings)) (b.samples[k] ??= []).push(v);
  (b.samples.cpu ??= []).push((c.user + c.system) / 1000);
}

function medians(b: Bench): Record<string, number> {
  const med = Object.fromEntries(Object.entries(b.samples).map(([k, v]) => [k, median(v)]));
  med.init = b.init;
  return med;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let runs = 7;
  let warmup = 1;
  let dir: string | undefined;
  let esrgan = esrganModelDir(2);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') runs = Number(argv[++i]);
    else if (argv[i] === '--warmup') warmup = Math.max(1, Number(argv[++i]));
    else if (argv[i] === '--esrgan') esrgan = argv[++i];
    else dir = argv[i];
  }
  const [source, target] = dir ? await dirPair(dir) : await assetPair();
  const [sm, tm] = await Promise.all([sharp(source).metadata(), sharp(target).metadata()]);
  // Both engines warmed up first, then their swaps alternate: neither column pays the process's
  // JIT warm-up or runs under a different load than the other.
  const coldB = await prepare(0, source, target, warmup);
  const cachedB = await prepare(256 * 1024 * 1024, source, target, warmup);
  for (let i = 0; i < runs; i++) {
    await sample(coldB, source, target);
    await sample(cachedB, source, target);
  }
  await coldB.engine.close();
  await cachedB.engine.close();
  const cold = medians(coldB);
  const cached = medians(cachedB);
  const stages = ['decode', 'analyseTarget', 'analyseSource', 'upscale', 'warp', 'mask', 'colour', 'blend', 'texture', 'enhance', 'composite', 'encode', 'total'];
  const f = (v: number | undefined) => (v === undefined ? '—' : v.toFixed(0));
  const lines = [
    `Engine bench — ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'cpu'}), one engine thread, Node ${process.version}, load average ${os.loadavg().map((v) => v.toFixed(1)).join(' / ')}`,
    `pair: source ${sm.width}×${sm.height}, template ${tm.width}×${tm.height} (${dir ? `from ${dir}` : "@vladmandic/human's assets, resized"}); median of ${runs} runs after ${warmup === 1 ? 'one warm-up swap' : `${warmup} warm-up swaps`} each, cold and cached alternating; V8 flags: ${process.execArgv.filter((a) => a.startsWith('--') && !a.startsWith('--import')).join(' ') || 'none'}`,
    '',
    '| stage (wall ms) | cold template | cached template |',
    '|---|---|---|',
    ...stages.map((s) => `| ${s} | ${f(cold[s])} | ${f(cached[s])} |`),
    `| **CPU time per swap** (process user+sys, all threads) | ${f(cold.cpu)} | ${f(cached.cpu)} |`,
    `| engine init (model load + warm-up, once per thread) | ${f(cold.init)} | ${f(cached.init)} |`,
  ];
  if (esrgan) lines.push('', ...(await esrganBench(esrgan, source, target, runs)));
  else lines.push('', 'ESRGAN: no model (install @upscalerjs/esrgan-slim or pass --esrgan <dir of the x2 model>).');
  process.stdout.write(lines.join('\n') + '\n');
}

/** ESRGAN ×2 cost by input size, and a small-source swap with the upscale stage off and on. */
async function esrganBench(dir: string, source: Buffer, target: Buffer, runs: number): Promise<string[]> {
  const { human } = await loadHuman({ embedding: false });
  const up = await EsrganUpscaler.load(human.tf, dir);
  const rows: string[] = ['| ESRGAN ×2 input (px) | output (px) | median (ms) |', '|---|---|---|'];
  for (const n of [64, 128, 192, 256]) {
    const img = { width: n, height: n, data: new Uint8Array(n * n * 3).map((_, i) => (i * 31) % 256), format: 'png' as const };
    up.upscale(img);
    const t: number[] = [];
    for (let i = 0; i < Math.min(runs, 3); i++) {
      const t0 = performance.now();
      up.upscale(img);
      t.push(performance.now() - t0);
    }
    rows.push(`| ${n}×${n} | ${n * 2}×${n * 2} | ${median(t).toFixed(0)} |`);
  }
  up.dispose();
  // A small source: the bench source shrunk so its face is ~1/3 of the template's.
  const small = await sharp(source).resize(340, 340).jpeg({ quality: 92 }).toBuffer();
  const res: string[] = [];
  for (const enabled of [false, true]) {
    const engine = createDefaultEngine({ upscale: { enabled, modelDir: dir } });
    await engine.init();
    await engine.swap({ source: small, target });
    const tot: number[] = [];
    const ups: number[] = [];
    for (let i = 0; i < runs; i++) {
      const r = await engine.swap({ source: small, target });
      tot.push(r.timings.total);
      ups.push(r.timings.upscale ?? 0);
    }
    await engine.close();
    res.push(`| ${enabled ? 'on' : 'off'} | ${median(ups).toFixed(0)} | ${median(tot).toFixed(0)} |`);
  }
  return [
    ...rows,
    '',
    `Small source (340×340, face ≈ 1/3 of the template's) onto the ${(await sharp(target).metadata()).width}-px template, template cached:`,
    '',
    '| upscale stage | upscale (ms) | total (ms) |',
    '|---|---|---|',
    ...res,
  ];
}

await main();
