// Group and couple portraits through the service (embedded mode, the classic engine in a real
// engine thread, the official gateway SDK): POST /faces, target_face, `faces` group jobs, their
// submit-time and job-time failures.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestService } from './helpers/service.ts';
import { faceC, faceD, noFace, rawRgb, twoFaces } from './engine-fixtures.ts';

let base: string;
let server: http.Server;
let svc: Awaited<ReturnType<typeof startTestService>>;
let template: Buffer;

before(async () => {
  template = await twoFaces();
  const images: Record<string, Buffer> = { '/two.png': template, '/c.png': await faceC(), '/d.png': await faceD(), '/none.png': await noFace() };
  server = http.createServer((req, res) => {
    if (req.method === 'POST') {
      req.resume();
      req.on('end', () => res.end('successfully'));
      return;
    }
    const img = images[(req.url ?? '').split('?')[0]];
    if (!img) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'image/png' }).end(img);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  svc = await startTestService({ WANXING_ENGINE: 'classic' });
});

after(async () => {
  await svc?.close();
  await new Promise((r) => server.close(r));
});

const parse = (x: unknown) => (typeof x === 'string' ? JSON.parse(x) : x);
const post = async (path: string, data: unknown) => parse(await svc.client.post(`${svc.url}${path}`, { data, timeout: 60_000 }));

async function finished(jobId: string): Promise<any> {
  for (let i = 0; i < 600; i++) {
    const answer = await post('/query', { job_id: jobId });
    if (answer.data?.job_status === 'finish' || answer.data?.job_status === 'fail') return answer.data;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`job ${jobId} did not end`);
}

async function submit(extra: Record<string, unknown>): Promise<any> {
  return post('/swapface', { target_url: `${base}/two.png`, notify_url: `${base}/notify`, label: false, ...extra });
}

test('POST /faces lists both faces left to right with their checks; a bad body is InvalidArguments', async () => {
  const answer = await post('/faces', { image_url: `${base}/two.png` });
  assert.equal(answer.status, 0, JSON.stringify(answer));
  const { faces, width, height } = answer.data;
  assert.deepEqual([width, height], [840, 440]);
  assert.deepEqual(faces.map((f: any) => f.index), [0, 1]);
  assert.ok(faces[0].box[0] < 420 && faces[1].box[0] >= 400, JSON.stringify(faces.map((f: any) => f.box)));
  for (const f of faces) {
    assert.equal(f.box.length, 4);
    assert.ok(f.score > 0.6 && typeof f.angles.yaw === 'number');
    assert.deepEqual(f.check, { ok: true });
  }
  assert.equal((await post('/faces', {})).error, 'InvalidArguments');
  assert.equal((await post('/faces', { image_url: 'ftp://x/y.png' })).error, 'InvalidArguments');
  const missing = await post('/faces', { image_url: `${base}/missing.png` });
  assert.equal(missing.error, 'ImageDownloadFailed');
});

test('target_face 1 replaces only the right face (left half bit-identical), with the analysis from /faces', async () => {
  const sub = await submit({ source_url: `${base}/c.png`, target_face: 1 });
  assert.equal(sub.status, 0, JSON.stringify(sub));
  const data = await finished(sub.data.job_id);
  assert.equal(data.job_status, 'finish', JSON.stringify(data));
  const job = await svc.jobs.store.get(sub.data.job_id);
  assert.ok(job?.timings && !('analyseTarget' in job.timings), `template analysis skipped: ${JSON.stringify(job?.timings)}`);
  const res = await fetch(data.result_url[0]);
  const [out, tpl] = await Promise.all([rawRgb(new Uint8Array(await res.arrayBuffer())), rawRgb(template)]);
  assert.deepEqual([out.width, out.height], [tpl.width, tpl.height]);
  let left = 0, right = 0;
  for (let i = 0; i < tpl.data.length; i++) {
    if (out.data[i] === tpl.data[i]) continue;
    if (Math.floor(i / 3) % tpl.width < tpl.width / 2) left++;
    else right++;
  }
  assert.equal(left, 0, 'left half bit-identical');
  assert.ok(right > 10_000, `right face changed (${right} values)`);
});

test('V1 on two faces is still MultipleFacesInTarget; a face that is not there: InvalidArguments when known, else FaceNotFound', async () => {
  const v1 = await finished((await submit({ source_url: `${base}/c.png` })).data.job_id);
  assert.equal(v1.code, -330004);

  // /faces listed two.png: index 2 and a point off both faces are refused at submit.
  const known = await submit({ source_url: `${base}/c.png`, target_face: 2 });
  assert.equal(known.error, 'InvalidArguments');
  assert.match(known.errmsg, /target_face 2: 2 faces found/);
  assert.equal((await submit({ source_url: `${base}/c.png`, target_face: { x: 10, y: 430 } })).error, 'InvalidArguments');
  assert.equal((await submit({ faces: [{ source_url: `${base}/c.png`, target_face: 0 }, { source_url: `${base}/d.png`, target_face: 3 }] })).error, 'InvalidArguments');

  // Not listed (another URL): the job fails with FaceNotFound, saying how many faces there are.
  const unknown = await post('/swapface', { source_url: `${base}/c.png`, target_url: `${base}/two.png?v=2`, notify_url: `${base}/notify`, target_face: 2 });
  assert.equal(unknown.status, 0);
  const failed = await finished(unknown.data.job_id);
  assert.equal(failed.code, -330008);
  assert.match(failed.reason, /2 faces found/);
});

test('a group job: one result with both faces replaced; a failing entry is named; field errors at submit', async () => {
  const sub = await submit({ faces: [{ source_url: `${base}/c.png`, target_face: 0 }, { source_url: `${base}/d.png`, target_face: { x: 620, y: 250 } }] });
  assert.equal(sub.status, 0, JSON.stringify(sub));
  const data = await finished(sub.data.job_id);
  assert.equal(data.job_status, 'finish', JSON.stringify(data));
  assert.equal(data.result_url.length, 1);
  const out = await rawRgb(new Uint8Array(await (await fetch(data.result_url[0])).arrayBuffer()));
  const tpl = await rawRgb(template);
  let left = 0, right = 0;
  for (let i = 0; i < tpl.data.length; i++) if (out.data[i] !== tpl.data[i]) (Math.floor(i / 3) % tpl.width < tpl.width / 2 ? left++ : right++);
  assert.ok(left > 10_000 && right > 10_000, `both faces changed (${left}, ${right})`);

  const bad = await finished((await submit({ faces: [{ source_url: `${base}/c.png`, target_face: 0 }, { source_url: `${base}/none.png`, target_face: 1 }] })).data.job_id);
  assert.equal(bad.code, -330001);
  assert.match(bad.reason, /faces\[1\]: NoFaceInSource/);
  const download = await finished((await submit({ faces: [{ source_url: `${base}/c.png`, target_face: 0 }, { source_url: `${base}/gone.png`, target_face: 1 }] })).data.job_id);
  assert.equal(download.code, -320001);
  assert.match(download.reason, /faces\[1\]: ImageDownloadFailed/);

  for (const body of [
    { faces: [] },
    { faces: [{ source_url: `${base}/c.png` }] },
    { faces: [{ source_url: `${base}/c.png`, target_face: 0 }], source_url: `${base}/c.png` },
    { faces: Array.from({ length: 7 }, (_, i) => ({ source_url: `${base}/c.png`, target_face: i })) },
    { faces: [{ source_url: `${base}/c.png`, target_face: 0 }, { source_url: `${base}/d.png`, target_face: 0 }] },
    { source_url: `${base}/c.png`, target_face: -1 },
    { source_url: `${base}/c.png`, target_face: 1.5 },
    { source_url: `${base}/c.png`, target_face: { x: 1 } },
    { source_url: `${base}/c.png`, target_face: '1' },
  ]) {
    const answer = await submit(body);
    assert.equal(answer.error, 'InvalidArguments', JSON.stringify(body));
    assert.equal(answer.status, -310001);
  }
});

test('the typed client: listFaces, submit with targetFace and faces, FaceNotFound as JobFailedError', async () => {
  const { WanxingClient, JobFailedError } = await import('../src/client/index.ts');
  const { APP_KEY, APP_SECRET } = await import('./helpers/service.ts');
  const client = new WanxingClient({ baseUrl: svc.url, appKey: APP_KEY, appSecret: APP_SECRET, timeoutMs: 60_000 });
  const listed = await client.listFaces(`${base}/two.png?client=1`);
  assert.deepEqual(listed.faces.map((f) => f.index), [0, 1]);
  const group = await client.submit({ targetUrl: `${base}/two.png?client=1`, notifyUrl: `${base}/notify`, faces: [{ sourceUrl: `${base}/d.png`, targetFace: 1 }, { sourceUrl: `${base}/c.png`, targetFace: 0 }] });
  assert.match(await client.waitForResult(group, { intervalMs: 100 }), /\/results\//);
  const one = await client.submit({ sourceUrl: `${base}/c.png`, targetUrl: `${base}/two.png?client=2`, notifyUrl: `${base}/notify`, targetFace: 4 });
  await assert.rejects(client.waitForResult(one, { intervalMs: 100 }), (e: unknown) => e instanceof JobFailedError && e.code === -330008);
});
