// Abuse, end to end through the real server (gateway auth, routes, queue, engine thread, downloader,
// notifier): every case asserts its exact answer or failure code, and that the server still serves
// afterwards. Unit-level checks of the same guards live in test/fetch-*.test.ts and
// test/gateway-auth*.test.ts; here the point is the whole path and the service surviving it.
import assert from 'node:assert/strict';
import dns from 'node:dns/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { after, before, describe, test } from 'node:test';
import { signGatewayRequest } from '../src/api/gateway-auth/sign.ts';
import { bombPng, SAMPLE_SVG, sampleGif, sampleJpeg, sampleWebp, startServer, type TestServer } from './fetch-helpers.ts';
import { APP_KEY, APP_SECRET, startTestService, until } from './helpers/service.ts';

type Svc = Awaited<ReturnType<typeof startTestService>>;

interface Answer {
  status: number;
  headers: Headers;
  json: any;
}

/** A signed JSON POST; `tamper` edits the signed headers before sending (to break them on purpose). */
async function post(svc: Svc, path: string, body: string, tamper?: (h: Record<string, string>) => void, sign: Partial<Parameters<typeof signGatewayRequest>[0]> = {}): Promise<Answer> {
  const headers = signGatewayRequest({ method: 'POST', url: path, appKey: APP_KEY, appSecret: APP_SECRET, headers: { 'content-type': 'application/json', accept: 'application/json' }, body, ...sign });
  tamper?.(headers);
  const res = await fetch(svc.url + path, { method: 'POST', headers, body });
  const text = await res.text();
  let json: any = text;
  try {
    json = JSON.parse(text);
  } catch {
    /* keep the text */
  }
  return { status: res.status, headers: res.headers, json };
}

const submit = (svc: Svc, data: unknown) => post(svc, '/swapface', JSON.stringify(data));

/** The service still answers: health, and a signed query with the business envelope. */
async function assertServing(svc: Svc): Promise<void> {
  assert.equal((await fetch(`${svc.url}/healthz`)).status, 200);
  const q = await post(svc, '/query', JSON.stringify({ job_id: 'no-such-job' }));
  assert.equal(q.status, 200);
  assert.equal(q.json.status, -310002);
}

/** Submits, then reads the job's final state through /query. */
async function finalState(svc: Svc, data: Record<string, unknown>): Promise<{ jobId: string; status: string; code?: number }> {
  const a = await submit(svc, data);
  assert.equal(a.json.status, 0, JSON.stringify(a.json));
  const jobId = a.json.data.job_id as string;
  const q = await until(async () => {
    const r = await post(svc, '/query', JSON.stringify({ job_id: jobId }));
    return ['finish', 'fail'].includes(r.json.data?.job_status) && r.json.data;
  }, 15_000, `job ${jobId} to end`);
  return { jobId, status: q.job_status, code: q.code };
}

let images: TestServer;
let notes: Map<string, any>;

before(async () => {
  notes = new Map();
  const jpeg = await sampleJpeg(64, 48);
  const routes: Record<string, [Buffer, string]> = {
    '/img/source.jpg': [jpeg, 'image/jpeg'],
    '/img/target.jpg': [await sampleJpeg(120, 90), 'image/jpeg'],
    '/img/写真.jpg': [jpeg, 'image/jpeg'],
    '/img/bomb.png': [bombPng(20000), 'image/png'],
    '/img/cut.jpg': [jpeg.subarray(0, Math.floor(jpeg.length * 0.6)), 'image/jpeg'],
    '/img/gif.jpg': [await sampleGif(), 'image/jpeg'],
    '/img/webp.jpg': [await sampleWebp(), 'image/jpeg'],
    '/img/svg.jpg': [SAMPLE_SVG, 'image/jpeg'],
  };
  images = await startServer((req, res) => {
    const url = decodeURIComponent(req.url ?? '');
    if (url === '/redirect-to-metadata') return void res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/x.jpg' }).end();
    if (url === '/notify') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString());
        notes.set(body.job_id, body);
        res.writeHead(200).end('successfully');
      });
      return;
    }
    const r = routes[url];
    if (!r) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': r[1], 'content-length': r[0].length }).end(r[0]);
  });
});
after(() => images.close());

describe('SSRF: private targets are refused with UrlForbidden before any connection', () => {
  let svc: Svc;
  before(async () => {
    svc = await startTestService({ WANXING_ALLOW_PRIVATE_URLS: '0' });
  });
  after(() => svc.close());

  test('loopback, private, link-local, metadata and obfuscated forms of them', async () => {
    const p = images.port;
    const targets = [
      `http://127.0.0.1:${p}/img/source.jpg`,
      `http://[::1]:${p}/img/source.jpg`,
      'http://10.20.30.40/img/source.jpg',
      'http://169.254.169.254/latest/meta-data/iam/security-credentials/x.jpg',
      `http://[::ffff:127.0.0.1]:${p}/img/source.jpg`,
      `http://0x7f.1:${p}/img/source.jpg`, // the URL parser reads these as 127.0.0.1
      `http://2130706433:${p}/img/source.jpg`,
      `http://127。0。0。1:${p}/img/source.jpg`, // ideographic full stops
    ];
    for (const url of targets) {
      const connections = images.connections();
      const r = await finalState(svc, { source_url: url, target_url: `http://127.0.0.1:${p}/img/target.jpg`, notify_url: `http://127.0.0.1:${p}/notify` });
      assert.deepEqual([r.status, r.code], ['fail', -320004], url);
      assert.equal(images.connections(), connections, `${url}: nothing was connected to`);
      await assertServing(svc);
    }
  });

  test('a host name (not an IP literal) that resolves to loopback is judged by its address', async () => {
    // No DNS here, so no public name can be pointed at 127.0.0.1; this machine's own name (or
    // "localhost") goes through the same resolver hook a rebinding name would.
    let name = 'localhost';
    for (const candidate of [os.hostname(), 'localhost']) {
      const found = await dns.lookup(candidate).catch(() => undefined);
      if (found && (found.address.startsWith('127.') || found.address === '::1')) {
        name = candidate;
        break;
      }
    }
    assert.equal(net.isIP(name), 0);
    const connections = images.connections();
    const r = await finalState(svc, { source_url: `http://${name}:${images.port}/img/source.jpg`, target_url: `http://${name}:${images.port}/img/target.jpg`, notify_url: `http://${name}:${images.port}/notify` });
    assert.deepEqual([r.status, r.code], ['fail', -320004]);
    assert.equal(images.connections(), connections);
    await assertServing(svc);
  });
});

describe('hostile images (private URLs allowed so that a loopback server can serve them)', () => {
  let svc: Svc;
  before(async () => {
    svc = await startTestService();
  });
  after(() => svc.close());

  const cases: Array<[string, number, string]> = [
    ['/img/bomb.png', -320003, 'ImageTooLarge'],
    ['/img/cut.jpg', -320002, 'ImageFormatUnsupported'],
    ['/img/gif.jpg', -320002, 'ImageFormatUnsupported'],
    ['/img/svg.jpg', -320002, 'ImageFormatUnsupported'],
    // A redirect to the metadata address: every hop is judged, and metadata stays refused even here.
    ['/redirect-to-metadata', -320004, 'UrlForbidden'],
  ];
  for (const [path, code, error] of cases) {
    test(`${path} → ${error}, in /query and in the notification`, async () => {
      const r = await finalState(svc, { source_url: `${images.base}${path}`, target_url: `${images.base}/img/target.jpg`, notify_url: `${images.base}/notify` });
      assert.deepEqual([r.status, r.code], ['fail', code]);
      const note = await until(async () => notes.get(r.jobId), 10_000, 'notification');
      assert.deepEqual(note, { job_id: r.jobId, status: code, error, data: {} });
      await assertServing(svc);
    });
  }

  test('WebP behind a .jpg URL (as CDNs serve it) is decoded: the job finishes', async () => {
    const r = await finalState(svc, { source_url: `${images.base}/img/webp.jpg`, target_url: `${images.base}/img/target.jpg`, notify_url: `${images.base}/notify`, timeout: 60 });
    assert.equal(r.status, 'finish');
  });

  test('a unicode path is percent-encoded and served: the job finishes', async () => {
    const r = await finalState(svc, { source_url: `${images.base}/img/写真.jpg`, target_url: `${images.base}/img/target.jpg`, notify_url: `${images.base}/notify`, timeout: 60 });
    assert.equal(r.status, 'finish');
    await assertServing(svc);
  });
});

describe('hostile requests are answered at once, with the exact code', () => {
  let svc: Svc;
  before(async () => {
    svc = await startTestService();
  });
  after(() => svc.close());
  const ok = () => ({ source_url: `${images.base}/img/source.jpg`, target_url: `${images.base}/img/target.jpg`, notify_url: `${images.base}/notify` });

  /** Sends `size` bytes raw (declared or chunked); the server may answer before the upload ends. */
  function bigBody(size: number, chunked: boolean): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { 'content-type': 'application/json', ...signGatewayRequest({ method: 'POST', url: '/swapface', appKey: APP_KEY, appSecret: APP_SECRET, body: '{}' }) };
      if (!chunked) headers['content-length'] = size;
      let answered = false;
      const req = http.request(`${svc.url}/swapface`, { method: 'POST', headers }, (res) => {
        answered = true; // stop uploading: the server has decided
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      });
      // The server closes once it has answered; the upload then fails, which is expected.
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (!answered || !['EPIPE', 'ECONNRESET'].includes(err.code ?? '')) reject(err);
      });
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      let sent = 0;
      const pump = () => {
        while (sent < size && !req.destroyed && !answered) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        if (!req.destroyed && !answered) req.end();
      };
      pump();
    });
  }

  test('a 50 MB body → 413 in the gateway shape (declared length and chunked)', async () => {
    for (const chunked of [false, true]) {
      const r = await bigBody(50 * 1024 * 1024, chunked);
      assert.equal(r.status, 413);
      assert.equal(r.headers['x-ca-error-message'], 'Request Body Too Large');
      assert.ok(r.headers['x-ca-request-id']);
      assert.deepEqual(Object.keys(JSON.parse(r.body)), ['error', 'request_id']);
      await assertServing(svc);
    }
  });

  test('a client that hangs up halfway through its body leaves the server serving', async () => {
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((resolve) => {
        const req = http.request(`${svc.url}/swapface`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': 4000 } });
        req.on('error', () => resolve());
        req.write('{"source_url":"http://example.com/', () => setTimeout(() => (req.destroy(), resolve()), 20));
      });
      await assertServing(svc);
    }
  });

  test('a non-JSON body, signed correctly → InvalidArguments (HTTP 200, envelope)', async () => {
    for (const body of ['this is not json', '{"source_url":', '\u0000\u0001\u0002', 'null', '"a string"', '[]']) {
      const r = await post(svc, '/swapface', body);
      assert.equal(r.status, 200);
      assert.deepEqual([r.json.status, r.json.error], [-310001, 'InvalidArguments'], body);
      await assertServing(svc);
    }
  });

  test('timeouts: huge, negative, zero, fractional below 1, string → InvalidArguments; the maximum is accepted', async () => {
    for (const timeout of [1e308, 86_401, 1e9, -1, -1e308, 0, 0.5, '60', true, {}]) {
      const r = await submit(svc, { ...ok(), timeout });
      assert.deepEqual([r.status, r.json.status, r.json.error], [200, -310001, 'InvalidArguments'], String(timeout));
      await assertServing(svc);
    }
    assert.equal((await submit(svc, { ...ok(), timeout: 86_400 })).json.status, 0);
  });

  test('unicode and overlong URLs', async () => {
    const bad = [
      `http://exa\u202emple.com/a.jpg`, // right-to-left override in the host
      `http://example.com/a\nb.jpg`,
      `http://example.com/\u0000.jpg`,
      `http://example.com/${'a'.repeat(2049)}.jpg`,
      `http://example.com/${'写'.repeat(20_000)}.jpg`, // 60 KB of JSON: under the body limit, over the URL limit
      'javascript:alert(1)',
      'file:///etc/passwd',
      'http://user:pass@example.com/a.jpg',
    ];
    for (const url of bad) {
      const r = await submit(svc, { ...ok(), source_url: url });
      assert.deepEqual([r.status, r.json.status, r.json.error], [200, -310001, 'InvalidArguments'], url.slice(0, 60));
      await assertServing(svc);
    }
    // A unicode host is a valid URL (IDNA): accepted; its download is a job failure, not a refusal.
    assert.equal((await submit(svc, { ...ok(), source_url: 'http://例え.テスト/写真.jpg' })).json.status, 0);
  });

  test('gateway refusals: replayed nonce, stale or future timestamp, wrong Content-MD5, missing headers', async () => {
    const body = JSON.stringify({ job_id: 'x' });
    const nonce = `replay-${Date.now()}`;
    assert.equal((await post(svc, '/query', body, undefined, { nonce })).json.status, -310002);
    const cases: Array<[string, (h: Record<string, string>) => void, Partial<Parameters<typeof signGatewayRequest>[0]>, number, string]> = [
      ['replayed nonce', () => {}, { nonce }, 400, 'Nonce Used'],
      ['stale timestamp', () => {}, { now: Date.now() - 16 * 60_000 }, 400, 'Invalid Timestamp'],
      ['future timestamp', () => {}, { now: Date.now() + 16 * 60_000 }, 400, 'Invalid Timestamp'],
      ['wrong Content-MD5', (h) => (h['content-md5'] = 'AAAAAAAAAAAAAAAAAAAAAA=='), {}, 400, 'Invalid Content-MD5'],
      ['no Content-MD5', (h) => delete h['content-md5'], {}, 400, 'Header `Content-MD5` is Required'],
      ['no X-Ca-Key', (h) => delete h['x-ca-key'], {}, 400, 'Header `X-Ca-Key` is Required'],
      ['no X-Ca-Signature', (h) => delete h['x-ca-signature'], {}, 400, 'Header `X-Ca-Signature` is Required'],
      ['no X-Ca-Timestamp', (h) => delete h['x-ca-timestamp'], {}, 400, 'Header `X-Ca-Timestamp` is Required'],
      ['no X-Ca-Nonce', (h) => delete h['x-ca-nonce'], {}, 400, 'Header `X-Ca-Nonce` is Required'],
      ['unknown key', (h) => (h['x-ca-key'] = 'nobody'), {}, 403, 'Invalid AppKey'],
    ];
    for (const [what, tamper, sign, status, message] of cases) {
      const r = await post(svc, '/query', body, tamper, sign);
      assert.equal(r.status, status, what);
      assert.equal(r.headers.get('x-ca-error-message'), message, what);
      assert.ok(r.headers.get('x-ca-request-id'), what);
      await assertServing(svc);
    }
  });
});
