// The engine runs inside a worker thread the way the service runs it: a JS bootstrap registers
// tsx, imports the engine, one instance per thread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { faceA, faceB } from './engine-fixtures.ts';

const BOOTSTRAP = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const { register } = await import(workerData.tsx);
  register();
  const { createDefaultEngine } = await import(workerData.engine);
  const engine = createDefaultEngine();
  await engine.init();
  try {
    const r = await engine.swap({ source: workerData.source, target: workerData.target });
    parentPort.postMessage({ ok: true, width: r.width, height: r.height, format: r.format, bytes: r.image.length });
  } catch (err) {
    parentPort.postMessage({ ok: false, errorName: err.errorName, message: String(err.message) });
  } finally {
    await engine.close();
  }
})().catch((err) => parentPort.postMessage({ ok: false, message: String(err && err.stack || err) }));
`;

function runInWorker(source: Uint8Array, target: Uint8Array): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const w = new Worker(BOOTSTRAP, {
      eval: true,
      workerData: { tsx: import.meta.resolve('tsx/esm/api'), engine: import.meta.resolve('../src/engine/index.ts'), source, target },
    });
    w.once('message', (m) => {
      resolve(m);
      void w.terminate();
    });
    w.once('error', reject);
  });
}

test('the engine works in a worker thread, and coded errors cross the boundary', async () => {
  const [a, b] = await Promise.all([faceA(), faceB('jpeg')]);
  const ok = await runInWorker(a, b);
  assert.equal(ok.ok, true, String(ok.message));
  assert.equal(ok.width, 400);
  assert.equal(ok.height, 400);
  assert.equal(ok.format, 'jpeg');
  const bad = await runInWorker(new TextEncoder().encode('nope'), b);
  assert.equal(bad.ok, false);
  assert.equal(bad.errorName, 'ImageFormatUnsupported');
});
