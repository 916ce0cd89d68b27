// Per-stage times of the ONNX engine on this machine.
//   node --import tsx bench/onnx.ts [--model-dir DIR] [--provider cpu|cuda] [--runs N]
//                                   [--source FILE --target FILE] [--threads N] [--json]
// Without --model-dir (or WANXING_MODEL_DIR) it builds the tiny test models in a temp folder:
// the image stages are then real and the model stages are near zero. With real weights
// (inswapper_128 + w600k_r50) the embed and swap rows are the models' own cost.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { createOnnxEngine, type OnnxProvider } from '../src/engine/onnx/index.ts';
import { buildTinyModels } from '../test/helpers/onnx-models.ts';

const { values: args } = parseArgs({
  options: {
    'model-dir': { type: 'string' },
    provider: { type: 'string', default: 'cpu' },
    runs: { type: 'string', default: '5' },
    source: { type: 'string' },
    target: { type: 'string' },
    threads: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});

const SAMPLES = join(import.meta.dirname, '..', 'node_modules', '@vladmandic', 'human', 'assets', 'samples.jpg');

/** Default inputs: two single-face thumbnails of Human's sample sheet, enlarged to portrait sizes. */
async function inputs(): Promise<{ source: Uint8Array; target: Uint8Array; label: string }> {
  if (args.source && args.target) {
    return { source: await readFile(args.source), target: await readFile(args.target), label: `${args.source} → ${args.target}` };
  }
  const source = await sharp(SAMPLES).extract({ left: 322, top: 0, width: 214, height: 160 }).resize(1070).jpeg({ quality: 92 }).toBuffer();
  const target = await sharp(SAMPLES).extract({ left: 160, top: 0, width: 160, height: 160 }).resize(1000).jpeg({ quality: 92 }).toBuffer();
  return { source, target, label: 'samples.jpg thumbnails (1070×800 → 1000×1000)' };
}

const provider = args.provider as OnnxProvider;
const runs = Math.max(1, Number(args.runs));
let modelDir = args['model-dir'] ?? process.env.WANXING_MODEL_DIR;
let tmp: string | undefined;
if (!modelDir) {
  tmp = await mkdtemp(join(tmpdir(), 'wanxing-bench-onnx-'));
  await buildTinyModels(tmp);
  modelDir = tmp;
}

try {
  const { source, target, label } = await inputs();
  const t0 = performance.now();
  // No template cache: every run pays every stage.
  const engine = createOnnxEngine({ modelDir, provider, templateCacheBytes: 0, threads: args.threads ? Number(args.threads) : undefined });
  await engine.init();
  const initMs = performance.now() - t0;
  const rows: Record<string, number[]> = {};
  // One warm-up run (first-call allocations, WASM/ORT kernel set-up), not counted.
  await engine.swap({ source, target });
  for (let i = 0; i < runs; i++) {
    const res = await engine.swap({ source, target });
    for (const [k, v] of Object.entries(res.timings)) (rows[k] ??= []).push(v);
  }
  await engine.close();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const report = {
    provider,
    models: tmp ? 'tiny test models' : modelDir,
    inputs: label,
    runs,
    initMs: Math.round(initMs),
    stagesMs: Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, { median: +median(v).toFixed(1), min: +Math.min(...v).toFixed(1) }])),
  };
  if (args.json) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    console.log(`onnx engine, provider ${report.provider}, models: ${report.models}`);
    console.log(`inputs: ${report.inputs}; init ${report.initMs} ms; ${runs} runs after one warm-up`);
    console.log('stage            median ms     min ms');
    for (const [k, v] of Object.entries(report.stagesMs)) console.log(`${k.padEnd(16)} ${String(v.median).padStart(9)} ${String(v.min).padStart(10)}`);
  }
} finally {
  if (tmp) await rm(tmp, { recursive: true, force: true });
}
