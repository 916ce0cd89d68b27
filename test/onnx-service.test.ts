// The service with WANXING_ENGINE=onnx on the tiny models: a swap goes through the API, the engine
// thread and the notification; a missing model stops `wanxing serve` at start.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import sharp from 'sharp';
import { spawnService, startTestService, testEnv, tmpDir } from './helpers/service.ts';
import { buildTinyModels } from './helpers/onnx-models.ts';

const SAMPLES = join(import.meta.dirname, '..', 'node_modules', '@vladmandic', 'human', 'assets', 'samples.jpg');

let modelDir: string;
let base: string;
let server: http.Server;
let template: Buffer;
const notes: string[] = [];

before(async () => {
  modelDir = tmpDir('wanxing-onnx-service-');
  await buildTinyModels(modelDir);
  // Two single-face thumbnails of Human's sample sheet, enlarged.
  template = await sharp(SAMPLES).extract({ left: 160, top: 0, width: 160, height: 160 }).resize(480).png().toBuffer();
  const images: Record<string, Buffer> = {
    '/target.png': template,
    '/source.jpg': await sharp(SAMPLES).extract({ left: 322, top: 0, width: 214, height: 160 }).resize(642).jpeg({ quality: 95 }).toBuffer(),
  };
  server = http.createServer((req, res) => {
    if (req.method === 'POST') {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        notes.push(body);
        res.end('successfully');
      });
      return;
    }
    const img = images[req.url ?? ''];
    if (!img) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': req.url!.endsWith('.png') ? 'image/png' : 'image/jpeg' }).end(img);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise((r) => server.close(r));
});

const parse = (x: unknown) => (typeof x === 'string' ? JSON.parse(x) : x);

test('a swap through the service with the onnx engine finishes, is notified, and changes the face only', async () => {
  const svc = await startTestService({ WANXING_ENGINE: 'onnx', WANXING_MODEL_DIR: modelDir, WANXING_ONNX_PROVIDER: 'cpu' });
  try {
    const sub = parse(await svc.client.post(`${svc.url}/swapface`, {
      // The visible AIGC label (on by default) is drawn after the swap; off, the pixels outside
      // the face are the template's.
      data: { source_url: `${base}/source.jpg`, target_url: `${base}/target.png`, notify_url: `${base}/notify`, label: false },
    }));
    assert.equal(sub.status, 0);
    const jobId = sub.data.job_id;
    let answer: any;
    for (let i = 0; i < 240; i++) {
      answer = parse(await svc.client.post(`${svc.url}/query`, { data: { job_id: jobId } }));
      if (answer.data.job_status === 'finish' || answer.data.job_status === 'fail') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(answer.data.job_status, 'finish', JSON.stringify(answer));
    const [resultUrl] = answer.data.result_url;
    const res = await fetch(resultUrl);
    assert.equal(res.status, 200);
    const result = Buffer.from(await res.arrayBuffer());
    const meta = await sharp(result).metadata();
    assert.equal(meta.format, 'png');
    assert.deepEqual([meta.width, meta.height], [480, 480]);

    const a = await sharp(template).removeAlpha().raw().toBuffer();
    const b = await sharp(result).removeAlpha().raw().toBuffer();
    const changed = (x0: number, y0: number, x1: number, y1: number) => {
      let n = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) {
        const i = (y * 480 + x) * 3;
        if (a[i] !== b[i] || a[i + 1] !== b[i + 1] || a[i + 2] !== b[i + 2]) n++;
      }
      return n;
    };
    assert.ok(changed(190, 100, 250, 160) > 0.8 * 60 * 60, 'face centre changed');
    assert.equal(changed(0, 380, 480, 480), 0, 'bottom band untouched');

    for (let i = 0; i < 40 && notes.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    const note = JSON.parse(notes[0]);
    assert.equal(note.job_id, jobId);
    assert.equal(note.status, 0);
    assert.deepEqual(note.data.result_url, answer.data.result_url);
  } finally {
    await svc.close();
  }
});

test('the service does not start when a model is missing, and says which', async () => {
  // As a child process: `wanxing serve` must exit, not wait for jobs it cannot run.
  const empty = tmpDir('wanxing-onnx-empty-');
  const svc = spawnService(await testEnv({ WANXING_ENGINE: 'onnx', WANXING_MODEL_DIR: empty }));
  try {
    await assert.rejects(svc.ready, (err: unknown) => {
      assert.match((err as Error).message, /service exited \(1\)/);
      assert.match((err as Error).message, /inswapper_128\.onnx: model file not found/);
      assert.ok((err as Error).message.includes(empty));
      return true;
    });
  } finally {
    svc.child.kill();
  }
});
