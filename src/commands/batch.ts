// `wanxing swap --target T --source A.jpg B.jpg … | --source <dir> --out-dir D`: many sources into one
// template, locally, no server. One engine thread per core (the service's EnginePool); each thread
// analyses the template once and keeps it in its template cache. Goes on past failed items, and
// exits 1 if any failed; --resume skips outputs that exist (outputs are written to a temporary name
// and renamed, so an interrupted run never leaves a half-written file that --resume would keep).
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config.ts';
import { labelKeyOf } from '../compliance/cli.ts';
import { Labeller } from '../compliance/labeller.ts';
import { toServiceError } from '../jobs/errors.ts';
import { EnginePool } from '../workers/engine-pool.ts';
import { engineSpecFor } from '../workers/engine-spec.ts';
import type { FaceChoice } from '../engine/faces.ts';

export interface BatchOptions {
  source: string[];
  target: string;
  outDir: string;
  json?: boolean;
  resume?: boolean;
  /** Engine threads; default one per core. */
  workers?: string | number;
  /** Engine: classic, onnx or a module path (as WANXING_ENGINE). */
  engine?: string;
  /** false: no visible AIGC label where the operator allows opting out (the XMP label is always written). */
  label?: boolean;
  /** The template face to replace (a group template), as `--target-face`. */
  targetFace?: FaceChoice;
  /** 'source': the user's own make-up, as `--style`. */
  style?: 'template' | 'source';
}

/** Photo files the decoder takes; a folder source contributes these, sorted by name. */
const PHOTO = /\.(jpe?g|png|webp|avif)$/i;

export interface BatchItem {
  source: string;
  out: string;
}

/** Expands folders (their photos, sorted, not recursive) and names each output after its source. */
export async function planBatch(sources: string[], outDir: string, targetBytes: Uint8Array): Promise<BatchItem[]> {
  const files: string[] = [];
  for (const s of sources) {
    const st = await stat(s).catch(() => undefined);
    if (st?.isDirectory()) {
      const names = (await readdir(s)).filter((n) => PHOTO.test(n)).sort();
      files.push(...names.map((n) => path.join(s, n)));
    } else files.push(s); // a missing file becomes a failed item, reported with the rest
  }
  // Results are PNG for a PNG template, else JPEG (the engine's rule).
  const ext = isPng(targetBytes) ? '.png' : '.jpg';
  const taken = new Set<string>();
  return files.map((source) => {
    const base = path.basename(source, path.extname(source));
    // Two sources with the same name (a.jpg, a.png, or one in each folder) must not overwrite each other.
    let name = base + ext;
    for (let i = 2; taken.has(name); i++) name = `${base}-${i}${ext}`;
    taken.add(name);
    return { source, out: path.join(outDir, name) };
  });
}

const isPng = (b: Uint8Array) => b.length > 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;

interface ItemResult {
  type: 'item';
  source: string;
  out: string;
  ok: boolean;
  skipped?: boolean;
  ms?: number;
  status?: number;
  error?: string;
  errmsg?: string;
}

/** Runs the batch; returns the exit code (0 all written or skipped, 1 an item failed, 2 bad arguments). */
export async function runBatchCommand(opts: BatchOptions, err: NodeJS.WriteStream = process.stderr, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const targetBytes = await readFile(opts.target).catch((e: Error) => {
    err.write(`wanxing: cannot read --target ${opts.target}: ${e.message}\n`);
    return undefined;
  });
  if (!targetBytes) return 2;
  const items = await planBatch(opts.source, opts.outDir, targetBytes);
  if (items.length === 0) {
    err.write(`wanxing: no photos (${PHOTO.source}) in ${opts.source.join(', ')}\n`);
    return 2;
  }
  await mkdir(opts.outDir, { recursive: true });

  const results: ItemResult[] = [];
  const report = (r: ItemResult) => {
    results.push(r);
    if (opts.json) out.write(JSON.stringify(r) + '\n');
    bar.update(results.length, results.filter((x) => !x.ok).length);
  };
  const todo: BatchItem[] = [];
  for (const item of items) {
    if (opts.resume && (await stat(item.out).catch(() => undefined))?.isFile()) results.push({ type: 'item', ...item, ok: true, skipped: true });
    else todo.push(item);
  }
  if (opts.json) for (const r of results) out.write(JSON.stringify(r) + '\n');

  const env = { ...process.env, ...(opts.workers !== undefined && { WANXING_WORKERS: String(opts.workers) }), ...(opts.engine && { WANXING_ENGINE: opts.engine }) };
  const config = loadConfig(env);
  const size = Math.max(1, Math.min(config.workers || os.availableParallelism(), todo.length || 1));
  const spec = engineSpecFor(config);
  // Labelled like every service result (docs/COMPLIANCE.md), each with its own content ID.
  const labeller = new Labeller(config.compliance, await labelKeyOf(config), config.face.jpegQuality);
  const labelChoice = opts.label === false ? { visible: false } : undefined;
  // The first swap compiles the kernels anyway: a warm-up would pay it twice per thread.
  spec.options = { ...spec.options, warmup: false };
  const bar = progressBar(items.length, results.length, !opts.json && err.isTTY ? err : undefined);

  const t0 = performance.now();
  // Engine threads at normal priority: this process is the batch, nothing here waits on them.
  const pool = new EnginePool(spec, size, 0);
  let readyMs = 0;
  let cpuAtReady = cpuSeconds();
  try {
    if (todo.length > 0) {
      bar.label('loading the engine');
      await pool.init();
      // The template analysed once for the whole batch: the pool hands that analysis to every thread's
      // swaps (an engine without listFaces analyses it once per thread instead).
      let analysis;
      try {
        analysis = await pool.listFaces(targetBytes);
      } catch (e) {
        if (/cannot list faces/.test((e as Error).message)) analysis = undefined;
        else {
          const se = toServiceError(e);
          err.write(`wanxing: --target ${opts.target}: ${se.errorName} (${se.status}) ${se.message}\n`);
          return 2;
        }
      }
      // Every item would fail the same way: stop before the first.
      if (analysis && analysis.faces.length === 0) {
        err.write(`wanxing: --target ${opts.target}: NoFaceInTarget (-330003) no face in the template\n`);
        return 2;
      }
      readyMs = performance.now() - t0;
      cpuAtReady = cpuSeconds();
      bar.label('');
    }
    // Feed the pool a few items ahead of the threads, not the whole folder's bytes at once.
    let next = 0;
    const lane = async () => {
      while (next < todo.length) {
        const item = todo[next++];
        const started = performance.now();
        try {
          const source = await readFile(item.source);
          const swapped = await pool.swap({ source, target: targetBytes, ...(opts.targetFace !== undefined && { targetFace: opts.targetFace }), ...(opts.style && { style: opts.style }), ...labeller.requestFor(labelChoice) });
          const r = (await labeller.apply(swapped, randomUUID().replace(/-/g, ''), labelChoice)).result;
          const tmp = path.join(path.dirname(item.out), `.${path.basename(item.out)}.${process.pid}.partial`);
          await writeFile(tmp, r.image);
          await rename(tmp, item.out).catch(async (e) => {
            await unlink(tmp).catch(() => undefined);
            throw e;
          });
          report({ type: 'item', ...item, ok: true, ms: Math.round(performance.now() - started) });
        } catch (e) {
          const ms = Math.round(performance.now() - started);
          // A file that cannot be read or written (ENOENT, EACCES…) is named by its system code; the engine's refusals by theirs.
          const code = (e as NodeJS.ErrnoException).code;
          if (typeof code === 'string') report({ type: 'item', ...item, ok: false, ms, error: code, errmsg: (e as Error).message });
          else {
            const se = toServiceError(e);
            report({ type: 'item', ...item, ok: false, ms, status: se.status, error: se.errorName, errmsg: se.message });
          }
        }
      }
    };
    await Promise.all(Array.from({ length: size * 2 }, lane));
  } finally {
    await pool.close();
    bar.done();
  }

  const failed = results.filter((r) => !r.ok);
  const written = results.filter((r) => r.ok && !r.skipped).length;
  const skipped = results.length - written - failed.length;
  const swapSeconds = (performance.now() - t0 - readyMs) / 1000;
  const rate = todo.length > 0 && swapSeconds > 0 ? todo.length / swapSeconds : 0;
  const summary = {
    type: 'summary',
    total: results.length,
    written,
    skipped,
    failed: failed.length,
    threads: size,
    engineLoadMs: Math.round(readyMs),
    seconds: +((performance.now() - t0) / 1000).toFixed(2),
    pairsPerSecond: +rate.toFixed(3),
    // CPU while swapping (engine load excluded), all threads and the main thread alone: on a shared
    // machine the steadier figure (Linux /proc; absent elsewhere).
    ...cpuSummary(cpuAtReady, cpuSeconds(), todo.length),
  };
  if (opts.json) out.write(JSON.stringify(summary) + '\n');
  else {
    for (const f of failed) err.write(`✗ ${f.source}: ${f.error}${f.status !== undefined ? ` (${f.status})` : ''} ${f.errmsg}\n`);
    err.write(
      `${written} written, ${skipped} skipped, ${failed.length} failed of ${results.length} in ${summary.seconds} s` +
        ` (${size} engine thread${size > 1 ? 's' : ''}, ${rate.toFixed(2)} pairs/s after ${(readyMs / 1000).toFixed(1)} s loading) → ${opts.outDir}\n`,
    );
  }
  return failed.length > 0 ? 1 : 0;
}

/** Seconds of CPU so far: the whole process and its main thread (Linux), from /proc. */
function cpuSeconds(): { process: number; main: number } | undefined {
  try {
    const ticks = (file: string) => {
      const f = readFileSync(file, 'utf8').split(') ')[1]!.split(' ');
      return (Number(f[11]) + Number(f[12])) / 100; // utime + stime in USER_HZ (100 on Linux)
    };
    return { process: ticks('/proc/self/stat'), main: ticks(`/proc/self/task/${process.pid}/stat`) };
  } catch {
    return undefined;
  }
}

function cpuSummary(a: ReturnType<typeof cpuSeconds>, b: ReturnType<typeof cpuSeconds>, n: number) {
  if (!a || !b || n === 0) return {};
  return { cpuSecondsPerPair: +((b.process - a.process) / n).toFixed(3), mainThreadCpuSecondsPerPair: +((b.main - a.main) / n).toFixed(3) };
}

/** A progress bar with rate and ETA on a terminal; nothing elsewhere (pipes and logs stay clean). */
function progressBar(total: number, doneAtStart: number, stream?: NodeJS.WriteStream) {
  if (!stream) return { update() {}, label() {}, done() {} };
  let t0 = Date.now();
  let done = doneAtStart;
  let failed = 0;
  let text = '';
  const draw = () => {
    const width = 24;
    const filled = Math.round((done / total) * width);
    const secs = (Date.now() - t0) / 1000;
    const ran = done - doneAtStart;
    const rate = ran > 0 ? ran / secs : 0;
    const eta = rate > 0 ? fmt((total - done) / rate) : '–';
    const fail = failed ? `  ✗ ${failed}` : '';
    const line = text ? `${text}… ${secs.toFixed(1)}s` : `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${done}/${total}  ${rate.toFixed(2)} pairs/s  ETA ${eta}${fail}`;
    stream.write(`\r\x1b[2K${line}`);
  };
  const timer = setInterval(draw, 250);
  timer.unref();
  draw();
  return {
    update(n: number, f: number) {
      done = n;
      failed = f;
      draw();
    },
    label(l: string) {
      text = l;
      if (!l) t0 = Date.now(); // the rate counts swapping time, not the engine's start
      draw();
    },
    done() {
      clearInterval(timer);
      draw();
      stream.write('\n');
    },
  };
}

function fmt(s: number): string {
  const t = Math.round(s);
  return t >= 3600 ? `${Math.floor(t / 3600)}:${String(Math.floor(t / 60) % 60).padStart(2, '0')}:${String(t % 60).padStart(2, '0')}` : `${Math.floor(t / 60)}:${String(t % 60).padStart(2, '0')}`;
}
