// Input screening with nsfwjs: the classifier itself rates the test images (built from photos in
// npm packages; no explicit material anywhere). A close crop of cheek skin is what it rates
// "porn" most; the test's threshold sits between that crop and normal portraits, and proves the
// refusal path end to end. Normal portraits must pass the default threshold.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import type net from 'node:net';
import sharp from 'sharp';
import { explicitScore, judge, Screener, withScreening, type ClassScores } from '../src/compliance/screening.ts';
import { complianceSettings } from '../src/compliance/settings.ts';
import type { FaceEngine, SwapRequest } from '../src/engine/types.ts';
import { ServiceError } from '../src/jobs/errors.ts';
import { WanxingClient, JobFailedError } from '../src/client/index.ts';
import { faceA, faceB, faceC } from './engine-fixtures.ts';
import { APP_KEY, APP_SECRET, ROOT, startTestService, tmpDir } from './helpers/service.ts';

let screener: Screener;
let skin: Buffer;
let skinScore: number;
let portraitMax: number;
let threshold: number;

/** A close crop of the FaceID photo's cheek: skin filling the frame. */
async function skinCrop(): Promise<Buffer> {
  return sharp(await faceA()).extract({ left: 120, top: 200, width: 100, height: 100 }).resize(400, 400).png().toBuffer();
}

before(async () => {
  screener = await Screener.load();
  skin = await skinCrop();
  skinScore = explicitScore(await screener.score(skin));
  const portraits = await Promise.all([faceA(), faceB(), faceC()]);
  const scores: ClassScores[] = [];
  for (const p of portraits) scores.push(await screener.score(p));
  portraitMax = Math.max(...scores.map(explicitScore));
  threshold = (skinScore + portraitMax) / 2;
});

test('normal portraits pass the default threshold; the skin crop rates far higher', () => {
  const def = complianceSettings({}).screening;
  assert.equal(def.enabled, true, 'on by default');
  assert.ok(portraitMax < def.threshold / 10, `portraits score ${portraitMax}`);
  assert.ok(skinScore > 10 * portraitMax, `skin ${skinScore} vs portraits ${portraitMax}`);
  assert.throws(() => judge('用户图片', { drawing: 0, hentai: 0.3, neutral: 0, porn: 0.5, sexy: 0.2 }, 0.7), (e) => e instanceof ServiceError && e.status === -330007 && /用户图片.*porn 0\.50/.test(e.message));
});

test('the screened engine refuses before swapping and passes scores on', async () => {
  const swapped: SwapRequest[] = [];
  // A stand-in engine: only whether it is reached matters here.
  const inner: FaceEngine = {
    name: 'recorder',
    init: async () => {},
    close: async () => {},
    swap: async (req) => {
      swapped.push(req);
      return { image: new Uint8Array(req.target), format: 'png', width: 400, height: 400, timings: {} };
    },
  };
  const engine = withScreening(inner, screener, { threshold });
  await assert.rejects(engine.swap({ source: skin, target: await faceB() }), (e) => e instanceof ServiceError && e.errorName === 'ContentRejected' && /用户图片/.test(e.message));
  await assert.rejects(engine.swap({ source: await faceB(), target: skin }), (e) => e instanceof ServiceError && e.errorName === 'ContentRejected' && /模板图片/.test(e.message));
  assert.equal(swapped.length, 0, 'a refused job never reaches the engine');
  const ok = await engine.swap({ source: await faceA(), target: await faceB() });
  assert.equal(swapped.length, 1);
  assert.ok(ok.screening && explicitScore(ok.screening.source) < threshold && explicitScore(ok.screening.target) < threshold);
  assert.ok(typeof ok.timings.screen === 'number');
});

test('wanxing swap screens on its own thread: a refused or unreadable photo writes nothing and exits 2; a portrait is written', async () => {
  const dir = tmpDir();
  const files = { skin: path.join(dir, 'skin.png'), a: path.join(dir, 'a.png'), b: path.join(dir, 'b.png') };
  fs.writeFileSync(files.skin, skin);
  fs.writeFileSync(files.a, await faceA());
  fs.writeFileSync(files.b, await faceB());
  const env = { ...process.env, WANXING_SCREENING: 'on', WANXING_SCREENING_THRESHOLD: threshold.toFixed(4), WANXING_DATA_DIR: dir };
  const run = async (source: string, out: string) => {
    try {
      await promisify(execFile)(process.execPath, [path.join(ROOT, 'bin/wanxing.js'), 'swap', '-s', source, '-t', files.b, '-o', out], { env });
      return { code: 0, stderr: '' };
    } catch (err: any) {
      return { code: err.code as number, stderr: String(err.stderr) };
    }
  };
  const refused = await run(files.skin, path.join(dir, 'refused.jpg'));
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /ContentRejected|-330007/);
  assert.match(refused.stderr, /用户图片/);
  assert.equal(fs.existsSync(path.join(dir, 'refused.jpg')), false);
  // A file that is no image is refused the same way, with the service's code, whether the screen
  // or the engine meets it first.
  fs.writeFileSync(path.join(dir, 'notes.jpg'), 'not a photo');
  const unreadable = await run(path.join(dir, 'notes.jpg'), path.join(dir, 'unreadable.jpg'));
  assert.equal(unreadable.code, 2, unreadable.stderr);
  assert.match(unreadable.stderr, /ImageFormatUnsupported \(-320002\)/);
  assert.equal(fs.existsSync(path.join(dir, 'unreadable.jpg')), false);
  const ok = await run(files.a, path.join(dir, 'ok.jpg'));
  assert.equal(ok.code, 0, ok.stderr);
  assert.ok(fs.statSync(path.join(dir, 'ok.jpg')).size > 1000);
});

describe_service();

function describe_service(): void {
  let images: http.Server;
  let base: string;
  before(async () => {
    const files: Record<string, Buffer> = { '/skin.png': skin ?? (await skinCrop()), '/a.png': await faceA(), '/b.png': await faceB() };
    images = http.createServer((req, res) => {
      const f = files[req.url ?? ''];
      if (f) return void res.writeHead(200, { 'content-type': 'image/png' }).end(f);
      res.writeHead(req.url?.startsWith('/notify') ? 200 : 404).end();
    });
    await new Promise<void>((r) => images.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(images.address() as net.AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => images.close(() => r())));

  test('through the service: -330007 ContentRejected in /query; a portrait is not refused', async () => {
    const svc = await startTestService({ WANXING_SCREENING: 'on', WANXING_SCREENING_THRESHOLD: threshold.toFixed(4) });
    try {
      const client = new WanxingClient({ baseUrl: svc.url, appKey: APP_KEY, appSecret: APP_SECRET });
      const bad = await client.submit({ sourceUrl: `${base}/skin.png`, targetUrl: `${base}/b.png`, notifyUrl: `${base}/notify` });
      await assert.rejects(client.waitForResult(bad, { intervalMs: 100, timeoutMs: 60_000 }), (e) => e instanceof JobFailedError && e.code === -330007);
      // The test engine (test/helpers/test-engine.ts) swaps anything it is given: the job finishes.
      const good = await client.submit({ sourceUrl: `${base}/a.png`, targetUrl: `${base}/b.png`, notifyUrl: `${base}/notify` });
      assert.ok(await client.waitForResult(good, { intervalMs: 100, timeoutMs: 60_000 }));
    } finally {
      await svc.close();
    }
  });
}
