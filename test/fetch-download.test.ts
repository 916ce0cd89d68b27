// downloadImage against loopback servers (allowPrivate): formats, caps, failures.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import type { Dispatcher } from 'undici';
import { createGuardedAgent } from '../src/fetch/guarded-agent.ts';
import { downloadImage, type DownloadLimits } from '../src/fetch/download-image.ts';
import { ServiceError, type ErrorName } from '../src/jobs/errors.ts';
import {
  bombPng, sampleGif, sampleJpeg, samplePng, sampleWebp, SAMPLE_SVG, startServer, type TestServer,
} from './fetch-helpers.ts';

const routes = new Map<string, http.RequestListener>();
let server: TestServer;
let agent: Dispatcher;

function route(path: string, handler: http.RequestListener): string {
  routes.set(path, handler);
  return `${server.base}${path}`;
}

function bytesRoute(path: string, bytes: Buffer, type = 'image/jpeg'): string {
  return route(path, (_req, res) => res.writeHead(200, { 'content-type': type, 'content-length': bytes.length }).end(bytes));
}

async function failure(url: string, limits?: Partial<DownloadLimits>): Promise<ServiceError> {
  const err = await downloadImage(url, { dispatcher: agent, limits }).then(
    () => assert.fail(`${url} succeeded`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ServiceError, String(err));
  return err;
}

async function expectCode(name: ErrorName, url: string, limits?: Partial<DownloadLimits>): Promise<ServiceError> {
  const err = await failure(url, limits);
  assert.equal(err.errorName, name, `${url}: ${err.message}`);
  return err;
}

before(async () => {
  server = await startServer((req, res) => {
    const handler = routes.get(req.url!.split('?')[0]!);
    if (handler) handler(req, res);
    else res.writeHead(404).end('not found');
  });
  agent = createGuardedAgent({ allowPrivate: true, connectTimeoutMs: 2000 });
});

after(async () => {
  await agent.close();
  await server.close();
});

test('a JPEG and a PNG are downloaded with their format and size', async () => {
  const jpeg = await sampleJpeg(64, 48);
  const png = await samplePng(40, 30);
  const a = await downloadImage(bytesRoute('/a.jpg', jpeg), { dispatcher: agent });
  assert.deepEqual({ format: a.format, width: a.width, height: a.height }, { format: 'jpeg', width: 64, height: 48 });
  assert.ok(a.bytes.equals(jpeg));
  // A wrong Content-Type does not matter; the bytes decide.
  const b = await downloadImage(bytesRoute('/b.jpg', png, 'application/octet-stream'), { dispatcher: agent });
  assert.deepEqual({ format: b.format, width: b.width, height: b.height }, { format: 'png', width: 40, height: 30 });
  assert.ok(b.bytes.equals(png));
});

test('a chunked body without Content-Length is read whole', async () => {
  const jpeg = await sampleJpeg(300, 200);
  const url = route('/chunked.jpg', (_req, res) => {
    res.writeHead(200, { 'content-type': 'image/jpeg' });
    for (let i = 0; i < jpeg.length; i += 100) res.write(jpeg.subarray(i, i + 100));
    res.end();
  });
  const got = await downloadImage(url, { dispatcher: agent });
  assert.equal(got.width, 300);
  assert.ok(got.bytes.equals(jpeg));
});

test('GIF, SVG and text served as image/jpeg are ImageFormatUnsupported; WebP behind a .jpg name is decoded', async () => {
  // CDNs serve WebP behind .jpg URLs: it is an accepted input (issue 12), with its real format.
  const webp = await downloadImage(bytesRoute('/webp.jpg', await sampleWebp()), { dispatcher: agent });
  assert.equal(webp.format, 'webp');
  const cases: Array<[string, Buffer]> = [
    ['gif', await sampleGif()],
    ['svg', SAMPLE_SVG],
    ['html', Buffer.from('<html><body>hello</body></html>')],
    ['empty', Buffer.alloc(0)],
  ];
  for (const [name, bytes] of cases) {
    await expectCode('ImageFormatUnsupported', bytesRoute(`/${name}.jpg`, bytes));
  }
});

test('a JPEG header glued onto a PNG is ImageFormatUnsupported', async () => {
  const png = await samplePng();
  await expectCode('ImageFormatUnsupported', bytesRoute('/hybrid.jpg', Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), png])));
});

test('truncated JPEG and PNG are ImageFormatUnsupported', async () => {
  const jpeg = await sampleJpeg(200, 150);
  const png = await samplePng(200, 150);
  const err = await expectCode('ImageFormatUnsupported', bytesRoute('/cut.jpg', jpeg.subarray(0, Math.floor(jpeg.length * 0.6))));
  assert.match(err.message, /truncated/);
  await expectCode('ImageFormatUnsupported', bytesRoute('/cut2.jpg', jpeg.subarray(0, jpeg.length - 2)));
  await expectCode('ImageFormatUnsupported', bytesRoute('/cut.png', png.subarray(0, png.length - 12)));
});

test('a decompression-bomb PNG is ImageTooLarge without being decoded', async () => {
  const bomb = bombPng(20000);
  assert.ok(bomb.length < 200_000, 'the bomb file is small');
  const err = await expectCode('ImageTooLarge', bytesRoute('/bomb.png', bomb, 'image/png'));
  assert.match(err.message, /20000x20000/);
  // The pixel cap is configurable: a modest image over a low cap is refused too.
  await expectCode('ImageTooLarge', bytesRoute('/mid.jpg', await sampleJpeg(200, 100)), { maxPixels: 19_999 });
  const ok = await downloadImage(bytesRoute('/mid2.jpg', await sampleJpeg(200, 100)), { dispatcher: agent, limits: { maxPixels: 20_000 } });
  assert.equal(ok.width * ok.height, 20_000);
});

test('a body over maxBytes is ImageTooLarge, with and without Content-Length', async () => {
  const jpeg = await sampleJpeg(400, 400);
  const cap = Math.floor(jpeg.length / 2);
  const declared = route('/declared.jpg', (_req, res) => {
    res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': 50_000_000 });
    res.write(jpeg.subarray(0, 10)); // never finishes: refused on the header alone
  });
  const e1 = await expectCode('ImageTooLarge', declared, { maxBytes: cap });
  assert.match(e1.message, /Content-Length/);

  const streamed = route('/streamed.jpg', (_req, res) => {
    res.writeHead(200, { 'content-type': 'image/jpeg' }); // chunked, no length
    res.write(jpeg);
    res.end();
  });
  const e2 = await expectCode('ImageTooLarge', streamed, { maxBytes: cap });
  assert.match(e2.message, /body exceeds/);

  // A server that lies with a small Content-Length cannot send more than it declared (HTTP framing),
  // and an endless chunked stream is cut at the cap.
  const endless = route('/endless.jpg', (_req, res) => {
    res.writeHead(200, { 'content-type': 'image/jpeg' });
    const block = Buffer.alloc(16 * 1024, 0xab);
    const pump = () => {
      while (res.write(block)) { /* fill the socket buffer */ }
    };
    res.on('drain', pump);
    pump();
  });
  await expectCode('ImageTooLarge', endless, { maxBytes: 256 * 1024 });

  // Exactly maxBytes is allowed.
  const exact = await downloadImage(bytesRoute('/exact.jpg', jpeg), { dispatcher: agent, limits: { maxBytes: jpeg.length } });
  assert.equal(exact.bytes.length, jpeg.length);
});

test('non-2xx answers are ImageDownloadFailed', async () => {
  const e = await expectCode('ImageDownloadFailed', `${server.base}/missing.jpg`);
  assert.match(e.message, /404/);
  await expectCode('ImageDownloadFailed', route('/500.jpg', (_req, res) => res.writeHead(500).end()));
  await expectCode('ImageDownloadFailed', route('/304.jpg', (_req, res) => res.writeHead(304).end()));
  await expectCode('ImageDownloadFailed', route('/nolocation.jpg', (_req, res) => res.writeHead(302).end()));
});

test('a server that stalls is ImageDownloadFailed after timeoutMs', async () => {
  const silent = route('/silent.jpg', () => { /* never answers */ });
  const e1 = await expectCode('ImageDownloadFailed', silent, { timeoutMs: 200 });
  assert.match(e1.message, /timed out/);
  const jpeg = await sampleJpeg();
  const slowBody = route('/slowbody.jpg', (_req, res) => {
    res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': jpeg.length });
    res.write(jpeg.subarray(0, 20)); // then nothing
  });
  const e2 = await expectCode('ImageDownloadFailed', slowBody, { timeoutMs: 200 });
  assert.match(e2.message, /timed out/);
});

test('redirects are followed up to maxRedirects, and more fail', async () => {
  const jpeg = await sampleJpeg();
  bytesRoute('/final.jpg', jpeg);
  route('/hop', (req, res) => {
    const n = Number(new URL(req.url!, 'http://x').searchParams.get('n'));
    res.writeHead(n === 0 ? 307 : 302, { location: n === 0 ? '/final.jpg' : `/hop?n=${n - 1}` }).end();
  });
  // /hop?n=2 → /hop?n=1 → /hop?n=0 → /final.jpg: three redirects.
  const got = await downloadImage(`${server.base}/hop?n=2`, { dispatcher: agent, limits: { maxRedirects: 3 } });
  assert.equal(got.format, 'jpeg');
  const e = await expectCode('ImageDownloadFailed', `${server.base}/hop?n=2`, { maxRedirects: 2 });
  assert.match(e.message, /redirects/);
  route('/loop', (_req, res) => res.writeHead(301, { location: '/loop' }).end());
  await expectCode('ImageDownloadFailed', `${server.base}/loop`);
});

test('unreachable hosts and DNS failures are ImageDownloadFailed', async () => {
  const closed = await startServer(() => {});
  const port = closed.port;
  await closed.close();
  await expectCode('ImageDownloadFailed', `http://127.0.0.1:${port}/a.jpg`);
  const noDns = createGuardedAgent({
    allowPrivate: true,
    lookup: (host, _o, cb) => cb(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }), ''),
  });
  try {
    const err = await downloadImage('http://no-such-host.example/a.jpg', { dispatcher: noDns }).catch((e: unknown) => e);
    assert.ok(err instanceof ServiceError);
    assert.equal(err.errorName, 'ImageDownloadFailed');
    assert.match(err.message, /ENOTFOUND/);
  } finally {
    await noDns.close();
  }
  await expectCode('ImageDownloadFailed', 'ftp://example.com/a.jpg');
});

test("the caller's abort signal wins and its reason is thrown as is", async () => {
  const silent = route('/silent2.jpg', () => {});
  const controller = new AbortController();
  const reason = new Error('job cancelled');
  const pending = downloadImage(silent, { dispatcher: agent, signal: controller.signal });
  setImmediate(() => controller.abort(reason));
  await assert.rejects(pending, (e) => e === reason);
});
