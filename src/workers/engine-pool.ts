// Runs swaps on a pool of worker threads, off the HTTP event loop. A task that is aborted (its
// caller's deadline passed) takes its thread down with it; a fresh thread replaces it.
import { Worker } from 'node:worker_threads';
import v8 from 'node:v8';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SwapRequest, SwapResult, TemplateFaces } from '../engine/types.ts';
import type { Face } from '../engine/analyse.ts';
import { contentHash } from '../engine/cache.ts';
import { LruMap } from './lru-map.ts';
import type { EngineRunner } from '../jobs/ports.ts';
import { ServiceError, toServiceError } from '../jobs/errors.ts';
import type { EnginePriority } from '../config.ts';
import type { EngineSpec } from './engine-spec.ts';
import { runnableUrl } from '../bundle.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const BOOTSTRAP = path.join(here, 'thread-bootstrap.mjs');
type FaceFields = Pick<SwapRequest, 'targetFace' | 'sourceFace' | 'faces' | 'targetFaces' | 'style' | 'visibleLabel'>;

const ENTRY = runnableUrl(pathToFileURL(path.join(here, 'engine-thread.ts')).href);

interface Task {
  id: number;
  /** 'faces': list a template's faces (POST /faces); else a swap. */
  kind?: 'faces';
  source: Uint8Array;
  target: Uint8Array;
  /** Face choice, group entries, an already analysed template, the style (SwapRequest). */
  choice?: FaceFields;
  onStage?: (stage: string) => void;
  resolve: (r: SwapResult & TemplateFaces) => void;
  reject: (e: Error) => void;
  signal?: AbortSignal;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  task?: Task;
  /** Its engine failed to load: replacing it at once would only fail again. */
  failed?: boolean;
  loaded?: boolean;
}

/**
 * V8 optimises a function once it has run ≈ 66 KB of bytecode (its interrupt budget). The engine's
 * kernels then still meet new input shapes and untaken branches, and are deoptimised and compiled
 * again, over and over in a thread's first swaps: ≈ 12 s of optimising-compiler CPU in the first 12
 * swaps of a thread, on V8's background threads, which is what kept two engine threads from scaling
 * on two cores. With 8× the budget a function is optimised later, with its feedback complete:
 * ≈ 6 s. V8's flags are the process's, so this is set once, before the first engine thread starts;
 * a budget given on Node's command line is kept.
 */
export const ENGINE_INTERRUPT_BUDGET = 540_000;
/**
 * A swap allocates ≈ 30 MB of short-lived planes over a heap of ≈ 30 MB that lives as long as the
 * thread (Human's and tfjs's models). With V8's default starting limit the old generation was
 * marked and compacted ≈ 1.3 times a swap (126 full GCs, 1.9 s of the engine threads' time, in a
 * 48-pair batch on two threads); starting it at 128 MB: 29 full GCs, 0.3 s.
 */
export const ENGINE_INITIAL_OLD_SPACE_MB = 128;
/**
 * The face models' WebAssembly (tfjs's wasm backend) starts in V8's baseline compiler, Liftoff, and
 * its hot functions are compiled again by TurboFan on a background thread, in every engine thread.
 * One thread alone gets that compile from the idle second core; with a thread per core it takes
 * swap time: a 48-pair batch on two threads ran 7 % faster, at 7 % less CPU a pair, on Liftoff's
 * code alone, and one thread no slower (BENCHMARKS.md, bench:batch; results bit-identical).
 */
export const ENGINE_WASM_FLAG = '--no-wasm-tier-up';
/** The engine threads' V8 flags, set before the first starts (flags are the process's); one given on Node's command line is kept. */
function engineIsolateFlags(): void {
  const given = (flag: string) => process.execArgv.some((a) => a.startsWith(flag));
  if (!given('--interrupt-budget')) v8.setFlagsFromString(`--interrupt-budget=${ENGINE_INTERRUPT_BUDGET}`);
  if (!given('--initial-old-space-size')) v8.setFlagsFromString(`--initial-old-space-size=${ENGINE_INITIAL_OLD_SPACE_MB}`);
  if (!given('--wasm-tier-up') && !given('--no-wasm-tier-up')) v8.setFlagsFromString(ENGINE_WASM_FLAG);
}

export class EnginePool implements EngineRunner {
  private readonly slots: Slot[] = [];
  private readonly waiting: Task[] = [];
  private nextId = 1;
  private closed = false;
  private started = false;
  private respawnDelayMs = 0;
  /** Template analyses from listFaces(), by content hash: handed to the thread that runs a swap on it. */
  private readonly analysed = new LruMap<string, Face[]>(128);

  constructor(
    private readonly spec: EngineSpec,
    readonly size: number,
    private readonly priority: EnginePriority = 'idle',
  ) {}

  /** Starts every thread and waits until each has loaded its models; rejects on a bad engine or model. */
  async init(): Promise<void> {
    engineIsolateFlags();
    for (let i = 0; i < this.size; i++) this.slots.push(this.spawn());
    await Promise.all(this.slots.map((s) => s.ready));
    this.started = true;
  }

  swap(req: { source: Uint8Array; target: Uint8Array } & FaceFields, opts: { signal?: AbortSignal; onStage?: (stage: string) => void } = {}): Promise<SwapResult> {
    const { source, target, ...choice } = req;
    // A template listed by POST /faces is not analysed again, whichever thread takes the swap.
    if (!choice.targetFaces && this.analysed.size > 0) choice.targetFaces = this.analysed.get(contentHash(target));
    return this.run({ source, target, choice }, opts);
  }

  /** Every face of a template (POST /faces), remembered so a later swap on it skips the analysis. */
  async listFaces(image: Uint8Array, opts: { signal?: AbortSignal } = {}): Promise<TemplateFaces> {
    const r = await this.run({ kind: 'faces', source: new Uint8Array(0), target: image }, opts);
    this.analysed.set(contentHash(image), r.faces);
    return { width: r.width, height: r.height, faces: r.faces };
  }

  private run(req: Pick<Task, 'kind' | 'source' | 'target' | 'choice'>, opts: { signal?: AbortSignal; onStage?: (stage: string) => void }): Promise<SwapResult & TemplateFaces> {
    return new Promise<SwapResult & TemplateFaces>((resolve, reject) => {
      if (this.closed) return reject(new ServiceError('InternalError', 'engine pool closed'));
      if (opts.signal?.aborted) return reject(opts.signal.reason ?? new Error('aborted'));
      const task: Task = { id: this.nextId++, ...req, onStage: opts.onStage, resolve, reject, signal: opts.signal };
      opts.signal?.addEventListener('abort', () => this.cancel(task), { once: true });
      this.waiting.push(task);
      this.dispatch();
    });
  }

  get busy(): number {
    return this.slots.filter((s) => s.task).length;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.waiting.splice(0)) t.reject(new ServiceError('InternalError', 'engine pool closed'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private spawn(): Slot {
    const worker = new Worker(BOOTSTRAP, { workerData: { entry: ENTRY, spec: this.spec, priority: this.priority } });
    const slot: Slot = { worker, ready: Promise.resolve() };
    slot.ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (msg) => {
        if (msg.type === 'ready') {
          this.respawnDelayMs = 0;
          slot.loaded = true;
          resolve();
          this.dispatch();
        } else if (msg.type === 'init-error') {
          slot.failed = true;
          reject(new Error(`engine failed to start: ${msg.error.message}`));
        } else this.onTaskMessage(slot, msg);
      });
      worker.once('error', (err) => {
        reject(err);
        this.replace(slot, err);
      });
      worker.once('exit', (code) => {
        if (!this.closed && this.slots.includes(slot)) this.replace(slot, new Error(`engine thread exited (${code})`));
      });
    });
    slot.ready.catch(() => undefined);
    return slot;
  }

  private onTaskMessage(slot: Slot, msg: { type: string; id: number; stage?: string; result?: SwapResult & TemplateFaces; error?: { errorName?: string; message: string } }): void {
    const task = slot.task;
    if (!task || task.id !== msg.id) return;
    if (msg.type === 'stage') return task.onStage?.(msg.stage!);
    slot.task = undefined;
    if (msg.type === 'result') task.resolve(msg.result!);
    else task.reject(toServiceError(Object.assign(new Error(msg.error!.message), { errorName: msg.error!.errorName })));
    this.dispatch();
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.task || !slot.loaded || this.waiting.length === 0) continue;
      const task = this.waiting.shift()!;
      slot.task = task;
      slot.worker.postMessage({ id: task.id, kind: task.kind, source: task.source, target: task.target, ...task.choice });
    }
  }

  private cancel(task: Task): void {
    const queued = this.waiting.indexOf(task);
    if (queued >= 0) this.waiting.splice(queued, 1);
    const slot = this.slots.find((s) => s.task === task);
    task.reject(task.signal?.reason ?? new Error('aborted'));
    if (slot) {
      slot.task = undefined;
      this.replace(slot);
    }
  }

  /** Ends a thread (stuck, crashed or cancelled) and puts a fresh one in its place. */
  private replace(slot: Slot, err?: Error): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    slot.task?.reject(new ServiceError('InternalError', err?.message ?? 'engine thread lost'));
    void slot.worker.terminate();
    // Before init() succeeded there is nothing to keep alive; after, a thread whose engine failed to
    // load (e.g. memory) is retried with a growing pause instead of a hot loop.
    if (this.closed || !this.started) return;
    const delay = slot.failed ? (this.respawnDelayMs = Math.min(30_000, Math.max(1000, this.respawnDelayMs * 2))) : 0;
    setTimeout(() => {
      if (this.closed) return;
      this.slots.push(this.spawn());
      this.dispatch();
    }, delay).unref();
  }
}
