// npm run bench:engine [-- <dir with two or more photos>] [--runs N]
// Per-stage median times of the default engine for ~1 MP pairs on one core (one engine thread):
// cold (template analysed every time) and with the template served from the cache.
// Without a dir it uses faces from @vladmandic/human's assets, resized to 1024×1024.
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { createDefaultEngine } from '../src/engine/index.ts';

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

async function run(label: string, cacheBytes: number, source: Buffer, target: Buffer, runs: number): Promise<Record<string, number>> {
  const engine = createDefaultEngine({ templateCacheBytes: cacheBytes });
  const t0 = performance.now();
  await engine.init();
  const initMs = performance.now() - t0;
  await engine.swap({ source, target }); // first swap: fills the cache, JIT warm-up
  const samples: Record<string, number[]> = {};
  for (let i = 0; i < runs; i++) {
    const r = await engine.swap({ source, target });
    for (const [k, v] of Object.entries(r.timings)) (samples[k] ??= []).push(v);
  }
  await engine.close();
  const med = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
  med.init = initMs;
  console.error(`${label}: done`);
  return med;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let runs = 7;
  let dir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') runs = Number(argv[++i]);
    else dir = argv[i];
  }
  const [source, target] = dir ? await dirPair(dir) : await assetPair();
  const [sm, tm] = await Promise.all([sharp(source).metadata(), sharp(target).metadata()]);
  const cold = await run('cold', 0, source, target, runs);
  const cached = await run('cached', 256 * 1024 * 1024, source, target, runs);
  const stages = ['decode', 'analyseTarget', 'analyseSource', 'warp', 'mask', 'colour', 'blend', 'enhance', 'composite', 'encode', 'total'];
  const f = (v: number | undefined) => (v === undefined ? '—' : v.toFixed(0));
  const lines = [
    `Engine bench — ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'cpu'}), one engine thread, Node ${process.version}`,
    `pair: source ${sm.width}×${sm.height}, template ${tm.width}×${tm.height} (${dir ? `from ${dir}` : "@vladmandic/human's assets, resized"}); median of ${runs} runs after one warm-up swap`,
    '',
    '| stage | cold template (ms) | cached template (ms) |',
    '|---|---|---|',
    ...stages.map((s) => `| ${s} | ${f(cold[s])} | ${f(cached[s])} |`),
    `| engine init (model load + warm-up, once per thread) | ${f(cold.init)} | ${f(cached.init)} |`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

await main();
