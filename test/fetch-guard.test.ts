// The SSRF guard, end to end through downloadImage: every refusal must be UrlForbidden and must
// happen although a server is listening at the refused address.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import type { Dispatcher } from 'undici';
import { createGuardedAgent, type LookupFunction } from '../src/fetch/guarded-agent.ts';
import { downloadImage } from '../src/fetch/download-image.ts';
import { ServiceError } from '../src/jobs/errors.ts';
import { sampleJpeg, serveBytes, startServer, type TestServer } from './fetch-helpers.ts';

let v4: TestServer;
let v6: TestServer | null = null;
let jpeg: Buffer;
const agents: Dispatcher[] = [];

function agent(opts: Parameters<typeof createGuardedAgent>[0]): Dispatcher {
  const a = createGuardedAgent({ connectTimeoutMs: 2000, ...opts });
  agents.push(a);
  return a;
}

/** A resolver that answers every name with the given addresses (a hostile or rebinding DNS server). */
function fakeDns(...addresses: string[]): LookupFunction {
  const list: LookupAddress[] = addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  return (_host, options, cb) => {
    if (options.all) cb(null, list);
    else cb(null, list[0]!.address, list[0]!.family);
  };
}

async function refusal(url: string, dispatcher: Dispatcher): Promise<ServiceError> {
  const err = await downloadImage(url, { dispatcher, limits: { timeoutMs: 5000 } }).then(
    () => assert.fail(`${url} was downloaded`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ServiceError, `${url}: ${String(err)}`);
  return err;
}

before(async () => {
  jpeg = await sampleJpeg();
  v4 = await startServer(serveBytes(jpeg));
  try {
    v6 = await startServer(serveBytes(jpeg), '::1');
  } catch {
    v6 = null; // no IPv6 loopback on this machine
  }
});

after(async () => {
  await Promise.all(agents.map((a) => a.close()));
  await v4.close();
  await v6?.close();
});

test('control: the same servers are reachable with allowPrivate', async () => {
  const open = agent({ allowPrivate: true });
  const got = await downloadImage(`${v4.base}/a.jpg`, { dispatcher: open });
  assert.equal(got.format, 'jpeg');
  if (v6) assert.equal((await downloadImage(`${v6.base}/a.jpg`, { dispatcher: open })).width, 64);
});

test('loopback, private, link-local and mapped addresses are refused', async () => {
  const guarded = agent({ allowPrivate: false });
  const urls = [
    `${v4.base}/a.jpg`,
    `http://[::1]:${v6?.port ?? v4.port}/a.jpg`,
    `http://[::ffff:127.0.0.1]:${v4.port}/a.jpg`,
    `http://localhost:${v4.port}/a.jpg`,
    `http://127.1:${v4.port}/a.jpg`, // the URL parser turns this into 127.0.0.1
    `http://2130706433:${v4.port}/a.jpg`,
    'http://10.0.0.1/a.jpg',
    'http://192.168.0.1/a.jpg',
    'http://169.254.169.254/latest/meta-data/',
    'http://100.100.100.200/latest/meta-data/',
    'http://[fd00:ec2::254]/latest/meta-data/',
    'http://0.0.0.0/',
  ];
  const connections = v4.connections();
  for (const url of urls) {
    const err = await refusal(url, guarded);
    assert.equal(err.errorName, 'UrlForbidden', `${url}: ${err.message}`);
  }
  assert.equal(v4.connections(), connections, 'refused before any TCP connection was made');
  assert.equal(v4.hits.length, 1, 'only the control request reached the server');
});

test('a public-looking name that resolves to loopback is refused at connect time', async () => {
  const guarded = agent({ allowPrivate: false, lookup: fakeDns('127.0.0.1') });
  const connections = v4.connections();
  const err = await refusal(`http://images.example.com:${v4.port}/a.jpg`, guarded);
  assert.equal(err.errorName, 'UrlForbidden');
  assert.match(err.message, /images\.example\.com resolves to 127\.0\.0\.1/);
  assert.equal(v4.connections(), connections, 'the lookup itself refused; nothing was dialled');
});

test('a mixed DNS answer (public + private) is refused', async () => {
  const guarded = agent({ allowPrivate: false, lookup: fakeDns('93.184.216.34', '127.0.0.1') });
  const connections = v4.connections();
  const err = await refusal(`http://mixed.example.com:${v4.port}/a.jpg`, guarded);
  assert.equal(err.errorName, 'UrlForbidden');
  assert.equal(v4.connections(), connections);
});

test('control: the injected resolver is the one the socket uses', async () => {
  const open = agent({ allowPrivate: true, lookup: fakeDns('127.0.0.1') });
  const got = await downloadImage(`http://images.example.com:${v4.port}/a.jpg`, { dispatcher: open });
  assert.equal(got.width, 64);
});

test('metadata addresses stay refused even with allowPrivate', async () => {
  const open = agent({ allowPrivate: true });
  for (const url of ['http://169.254.169.254/', 'http://[::ffff:169.254.169.254]/', 'http://100.100.100.200/', 'http://[fd00:ec2::254]/']) {
    assert.equal((await refusal(url, open)).errorName, 'UrlForbidden', url);
  }
  const viaDns = agent({ allowPrivate: true, lookup: fakeDns('169.254.169.254') });
  assert.equal((await refusal('http://metadata.example.com/', viaDns)).errorName, 'UrlForbidden');
});

test('every redirect hop is checked', async () => {
  // An allowed server (allowPrivate lifts loopback) redirects to forbidden targets: a metadata
  // literal, and a name whose DNS answer is a metadata address.
  const targets = ['http://169.254.169.254/latest/meta-data/', 'http://rebind.example.com/x.jpg', 'http://[fd00:ec2::254]/'];
  const redirector = await startServer((req, res) => {
    const i = Number(req.url!.slice(1));
    res.writeHead(302, { location: targets[i] }).end();
  });
  try {
    const lookup: LookupFunction = (host, options, cb) =>
      (host === 'rebind.example.com' ? fakeDns('169.254.169.254') : fakeDns('127.0.0.1'))(host, options, cb);
    const open = agent({ allowPrivate: true, lookup });
    for (let i = 0; i < targets.length; i++) {
      const err = await refusal(`${redirector.base}/${i}`, open);
      assert.equal(err.errorName, 'UrlForbidden', `${targets[i]}: ${err.message}`);
    }
    assert.equal(redirector.hits.length, targets.length, 'the first hop was allowed each time');
  } finally {
    await redirector.close();
  }
});

test('a redirect to a non-http scheme is refused', async () => {
  const redirector = await startServer((_req, res) => res.writeHead(301, { location: 'file:///etc/passwd' }).end());
  try {
    const err = await refusal(`${redirector.base}/`, agent({ allowPrivate: true }));
    assert.equal(err.errorName, 'UrlForbidden');
  } finally {
    await redirector.close();
  }
});
