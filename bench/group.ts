// npm run bench:group [-- --runs N]
// Cost of group jobs (`faces`, issue 13) against one-face jobs on the default engine, one engine
// thread, templates served from the cache (their analysis is shared by the swaps of a job anyway).
// Templates are tiles of faces from @vladmandic/human's assets (512 px each): one face alone, two
// side by side, four in a 2×2 grid; each face gets a different source photo.
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { createDefaultEngine } from '../src/engine/index.ts';
import type { SwapRequest } from '../src/engine/types.ts';

const require = createRequire(import.meta.url);
const ASSETS = path.join(path.dirname(require.resolve('@vladmandic/human')), '..', 'assets');
const TILE = 512;

/** Four different faces, each a TILE-px square. */
async function tiles(): Promise<Buffer[]> {
  const crops: [string, number, number, number][] = [
    ['screenshot-faceid.jpg', 0, 100, 220],
    ['screenshot-facematch.jpg', 0, 0, 200],
    ['screenshot-facematch.jpg', 1270, 720, 130],
    ['screenshot-facematch.jpg', 1398, 720, 130],
  ];
  return Promise.all(crops.map(([f, left, top, s]) => sharp(path.join(ASSETS, f)).extract({ left, top, width: s, height: s }).resize(TILE, TILE, { kernel: 'lanczos3' }).png().toBuffer()));
}

async function grid(faces: Buffer[], cols: number): Promise<Buffer> {
  const rows = Math.ceil(faces.length / cols);
  const gap = 20;
  return sharp({ create: { width: cols * TILE + (cols - 1) * gap, height: rows * TILE + (rows - 1) * gap, channels: 3, background: '#808080' } })
    .composite(faces.map((input, i) => ({ input, left: (i % cols) * (TILE + gap), top: Math.floor(i / cols) * (TILE + gap) })))
    .jpeg({ quality: 92 })
    .toBuffer();
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const runs = argv.includes('--runs') ? Number(argv[argv.indexOf('--runs') + 1]) : 7;
  const t = await tiles();
  // Source i is face (i+1) mod 4: never the face it replaces.
  const sources = await Promise.all(t.map((_, i) => sharp(t[(i + 1) % 4]).jpeg({ quality: 92 }).toBuffer()));
  const one = await sharp(t[0]).jpeg({ quality: 92 }).toBuffer();
  const two = await grid(t.slice(0, 2), 2);
  const four = await grid(t, 2);
  const group = (n: number) => Array.from({ length: n }, (_, i) => ({ source: sources[i], targetFace: i }));
  const cases: [string, SwapRequest, string][] = [
    ['1 face, V1 (one-face template)', { source: sources[0], target: one }, 'single'],
    ...[0, 1].map((i): [string, SwapRequest, string] => [`1 face, target_face ${i} (two-face template)`, { source: sources[i], target: two, targetFace: i }, '1×2 row']),
    ['2 faces, group (two-face template)', { source: new Uint8Array(0), target: two, faces: group(2) }, '1×2 row'],
    ...[0, 1, 2, 3].map((i): [string, SwapRequest, string] => [`1 face, target_face ${i} (four-face template)`, { source: sources[i], target: four, targetFace: i }, '2×2 grid']),
    ['4 faces, group (four-face template)', { source: new Uint8Array(0), target: four, faces: group(4) }, '2×2 grid'],
  ];
  const engine = createDefaultEngine();
  await engine.init();
  // Template analysis, once per template (POST /faces or the first job pays it; the rest hit the cache).
  const analysis: string[] = [];
  for (const [name, bytes] of [['one face', one], ['two faces, 1×2 row', two], ['four faces, 2×2 grid', four]] as const) {
    const t0 = performance.now();
    const listed = await engine.listFaces(bytes);
    analysis.push(`| ${name} | ${listed.width}×${listed.height} | ${listed.faces.length} | ${(performance.now() - t0).toFixed(0)} |`);
  }
  for (let i = 0; i < 2; i++) await engine.swap(cases[0][1]); // JIT warm-up of the swap stages
  // Round robin (case 1, 2, 3, 4, case 1, …): a busy spell of the shared machine hits every case alike.
  type Samples = { wall: number[]; cpu: number[]; stages: Record<string, number[]> };
  const samples: Samples[] = [];
  for (const [, req] of cases) {
    await engine.swap(req);
    samples.push({ wall: [], cpu: [], stages: {} });
  }
  for (let i = 0; i < runs; i++) {
    for (const [k, [, req]] of cases.entries()) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const r = await engine.swap(req);
      samples[k].wall.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      samples[k].cpu.push((c.user + c.system) / 1000);
      for (const [name, v] of Object.entries(r.timings)) (samples[k].stages[name] ??= []).push(v);
    }
    console.error(`round ${i + 1}/${runs}: done`);
  }
  const rows: string[] = [];
  const base = median(samples[0].wall);
  const baseCpu = median(samples[0].cpu);
  for (const [k, [label, req, shape]] of cases.entries()) {
    const meta = await sharp(req.target).metadata();
    const { wall, cpu, stages } = samples[k];
    const m = median(wall);
    const st = (name: string) => (stages[name] ? median(stages[name]).toFixed(0) : '—');
    const swapMs = ['warp', 'mask', 'colour', 'blend', 'texture', 'enhance', 'composite'].reduce((sum, name) => sum + (stages[name] ? median(stages[name]) : 0), 0);
    rows.push(
      `| ${label} | ${shape} ${meta.width}×${meta.height} | ${st('analyseSource')} | ${swapMs.toFixed(0)} | ${st('compose')} | ${st('encode')} | **${m.toFixed(0)}** | ${median(cpu).toFixed(0)} | ${(m / base).toFixed(2)}× / ${(median(cpu) / baseCpu).toFixed(2)}× |`,
    );
  }
  // A group of N against the N one-face jobs it replaces (same template, same sources, same faces).
  const med = (k: number, key: 'wall' | 'cpu') => median(samples[k][key]);
  const summary = [
    ['2 faces', 3, [1, 2]],
    ['4 faces', 8, [4, 5, 6, 7]],
  ].map(([name, g, singles]) => {
    const ids = singles as number[];
    const sumWall = ids.reduce((a, k) => a + med(k, 'wall'), 0);
    const sumCpu = ids.reduce((a, k) => a + med(k, 'cpu'), 0);
    const gi = g as number;
    return `| ${name} | ${sumWall.toFixed(0)} | ${sumCpu.toFixed(0)} | ${med(gi, 'wall').toFixed(0)} | ${med(gi, 'cpu').toFixed(0)} | ${(med(gi, 'wall') / sumWall).toFixed(2)} / ${(med(gi, 'cpu') / sumCpu).toFixed(2)} |`;
  });
  await engine.close();
  process.stdout.write(
    [
      `Group bench — ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'cpu'}), one engine thread, Node ${process.version}, load average ${os.loadavg().map((v) => v.toFixed(1)).join(' / ')}; median of ${runs} rounds (each case once per round, round robin) after a warm-up job per case; templates analysed first, then cached`,
      '',
      '| template | size | faces found | analysis (ms, once per template) |',
      '|---|---|---|---|',
      ...analysis,
      '',
      '| job | template | analyseSource (ms) | swap stages (ms) | compose (ms) | encode (ms) | **wall (ms)** | CPU (ms) | vs 1-face V1 (wall / CPU) |',
      '|---|---|---|---|---|---|---|---|---|',
      ...rows,
      '',
      '| group | N one-face jobs, wall (ms, sum) | CPU (ms, sum) | one group job, wall (ms) | CPU (ms) | group / N jobs (wall / CPU) |',
      '|---|---|---|---|---|---|',
      ...summary,
    ].join('\n') + '\n',
  );
}

await main();
