// Group and couple jobs in the distributed mode: the face fields travel through Redis and BullMQ to
// a worker process's engine thread (classic engine), results in S3.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startRedisTestService, teardownDistributed } from './helpers/distributed.ts';
import { faceC, faceD, rawRgb, twoFaces } from './engine-fixtures.ts';

let base: string;
let server: http.Server;
let svc: Awaited<ReturnType<typeof startRedisTestService>>;
let template: Buffer;

before(async () => {
  template = await twoFaces();
  const images: Record<string, Buffer> = { '/two.png': template, '/c.png': await faceC(), '/d.png': await faceD() };
  server = http.createServer((req, res) => {
    if (req.method === 'POST') return void req.resume().on('end', () => res.end('successfully'));
    const img = images[req.url ?? ''];
    if (!img) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'image/png' }).end(img);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  svc = await startRedisTestService({ WANXING_ENGINE: 'classic' });
});

after(async () => {
  await svc?.close();
  await new Promise((r) => server.close(r));
  await teardownDistributed();
});

const parse = (x: unknown) => (typeof x === 'string' ? JSON.parse(x) : x);
const post = async (path: string, data: unknown) => parse(await svc.client.post(`${svc.url}${path}`, { data, timeout: 60_000 }));

async function run(extra: Record<string, unknown>): Promise<any> {
  const sub = await post('/swapface', { target_url: `${base}/two.png`, notify_url: `${base}/notify`, label: false, ...extra });
  assert.equal(sub.status, 0, JSON.stringify(sub));
  for (let i = 0; i < 600; i++) {
    const answer = await post('/query', { job_id: sub.data.job_id });
    if (answer.data?.job_status === 'finish' || answer.data?.job_status === 'fail') return answer.data;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('job did not end');
}

async function changedHalves(resultUrl: string): Promise<[number, number]> {
  const out = await rawRgb(new Uint8Array(await (await fetch(resultUrl)).arrayBuffer()));
  const tpl = await rawRgb(template);
  let left = 0, right = 0;
  for (let i = 0; i < tpl.data.length; i++) if (out.data[i] !== tpl.data[i]) (Math.floor(i / 3) % tpl.width < tpl.width / 2 ? left++ : right++);
  return [left, right];
}

test('distributed: target_face, group jobs, FaceNotFound and V1 MultipleFacesInTarget', async () => {
  const one = await run({ source_url: `${base}/c.png`, target_face: { x: 620, y: 250 } });
  assert.equal(one.job_status, 'finish', JSON.stringify(one));
  const [left, right] = await changedHalves(one.result_url[0]);
  assert.equal(left, 0, 'left half bit-identical');
  assert.ok(right > 10_000);

  const group = await run({ faces: [{ source_url: `${base}/c.png`, target_face: 0 }, { source_url: `${base}/d.png`, target_face: 1 }] });
  assert.equal(group.job_status, 'finish', JSON.stringify(group));
  const [l2, r2] = await changedHalves(group.result_url[0]);
  assert.ok(l2 > 10_000 && r2 > 10_000, `both faces (${l2}, ${r2})`);

  const missing = await run({ source_url: `${base}/c.png`, target_face: 3 });
  assert.equal(missing.code, -330008);
  assert.match(missing.reason, /2 faces found/);
  assert.equal((await run({ source_url: `${base}/c.png` })).code, -330004);
});

test('distributed: POST /faces on the API process (engine thread started on first use); a face it does not list is refused at submit', async () => {
  const answer = await post('/faces', { image_url: `${base}/two.png` });
  assert.equal(answer.status, 0, JSON.stringify(answer));
  assert.deepEqual(answer.data.faces.map((f: any) => [f.index, f.check.ok]), [[0, true], [1, true]]);
  const refused = await post('/swapface', { source_url: `${base}/c.png`, target_url: `${base}/two.png`, notify_url: `${base}/notify`, target_face: 2 });
  assert.equal(refused.error, 'InvalidArguments');
  assert.match(refused.errmsg, /2 faces found/);
});
