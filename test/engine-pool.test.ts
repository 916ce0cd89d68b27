// The engine thread pool: swaps off the main thread, a thread lost mid-swap is replaced, an engine
// that cannot load fails the start instead of spinning.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import sharp from 'sharp';
import { EnginePool } from '../src/workers/engine-pool.ts';
import { TEST_ENGINE, tmpDir } from './helpers/service.ts';

const spec = { module: pathToFileURL(TEST_ENGINE).href, factory: 'createEngine', options: {} };
const img = (w: number, h: number) => sharp({ create: { width: w, height: h, channels: 3, background: '#808080' } }).jpeg().toBuffer();

test('swaps run in worker threads and report the running stage', async () => {
  const pool = new EnginePool(spec, 2);
  await pool.init();
  try {
    const stages: string[] = [];
    const [a, b] = await Promise.all([
      pool.swap({ source: await img(32, 32), target: await img(50, 40) }, { onStage: (s) => stages.push(s) }),
      pool.swap({ source: await img(32, 32), target: await img(30, 20) }),
    ]);
    assert.deepEqual([a.width, a.height, b.width, b.height], [50, 40, 30, 20]);
    assert.deepEqual(stages, ['running']);
    await assert.rejects(pool.swap({ source: await img(8, 8), target: await img(30, 20) }), { errorName: 'NoFaceInSource' });
  } finally {
    await pool.close();
  }
});

// Field 41 of /proc/<pid>/task/<tid>/stat is the scheduling policy; 5 is SCHED_IDLE.
const policy = (tid: string | number) => Number(fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[38]);
const policies = () =>
  fs.readdirSync('/proc/self/task').flatMap((tid) => {
    try {
      return [policy(tid)];
    } catch {
      return []; // a thread that ended meanwhile
    }
  });

test('engine threads run at SCHED_IDLE on Linux, so API work preempts a swap', { skip: process.platform !== 'linux' }, async () => {
  const idleBefore = policies().filter((p) => p === 5).length;
  const pool = new EnginePool(spec, 2);
  await pool.init();
  try {
    assert.equal(policies().filter((p) => p === 5).length - idleBefore, 2);
    assert.equal(policy(process.pid), 0, 'the main thread keeps the normal policy');
  } finally {
    await pool.close();
  }
});

test('a nice value instead of SCHED_IDLE when the setting asks for one', { skip: process.platform !== 'linux' }, async () => {
  const idleBefore = policies().filter((p) => p === 5).length;
  const pool = new EnginePool(spec, 1, 10);
  await pool.init();
  try {
    assert.equal(policies().filter((p) => p === 5).length, idleBefore, 'no thread put in SCHED_IDLE');
    // Field 19 of the stat line is the nice value.
    const nices = fs.readdirSync('/proc/self/task').map((tid) => Number(fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]));
    assert.ok(nices.includes(10), `nice values: ${nices.join(' ')}`);
  } finally {
    await pool.close();
  }
});

test('an aborted swap rejects at once and its thread is replaced', async () => {
  process.env.WANXING_TEST_ENGINE_DELAY_MS = '10000';
  const pool = new EnginePool(spec, 1);
  try {
    await pool.init();
    const controller = new AbortController();
    const pending = pool.swap({ source: await img(32, 32), target: await img(20, 20) }, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('deadline')), 100);
    await assert.rejects(pending, /deadline/);
    delete process.env.WANXING_TEST_ENGINE_DELAY_MS; // the replacement thread copies this env
    await new Promise((r) => setTimeout(r, 50));
    const r = await pool.swap({ source: await img(32, 32), target: await img(20, 20) });
    assert.equal(r.width, 20);
  } finally {
    delete process.env.WANXING_TEST_ENGINE_DELAY_MS;
    await pool.close();
  }
});

test('an engine that cannot load rejects init() and stops', async () => {
  const dir = tmpDir();
  const bad = path.join(dir, 'bad-engine.mjs');
  fs.writeFileSync(bad, `export function createEngine() { return { name: 'bad', async init() { throw new Error('model missing: x.onnx'); }, async swap() {}, async close() {} }; }`);
  const pool = new EnginePool({ module: pathToFileURL(bad).href, factory: 'createEngine', options: {} }, 2);
  await assert.rejects(pool.init(), /model missing: x\.onnx/);
  await pool.close();
  assert.equal(pool.busy, 0);
});
