// The AIGC labels through the whole job path, in both modes: every result carries the signed XMP
// label with its job id; the visible label is there by default and gone when a request turns it off.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import sharp from 'sharp';
import { WanxingClient, WanxingApiError } from '../src/client/index.ts';
import { localLabelKey, redisLabelKey } from '../src/compliance/label-key.ts';
import { verifyLabel } from '../src/compliance/label-xmp.ts';
import { connect } from '../src/queue/bullmq/connection.ts';
import { APP_KEY, APP_SECRET, startTestService } from './helpers/service.ts';
import { startRedisTestService, teardownDistributed } from './helpers/distributed.ts';

let images: http.Server;
let base: string;
let template: Buffer;

before(async () => {
  template = await sharp({ create: { width: 400, height: 300, channels: 3, background: { r: 200, g: 200, b: 190 } } }).png().toBuffer();
  const source = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 40, b: 40 } } }).jpeg().toBuffer();
  images = http.createServer((req, res) => {
    if (req.url === '/img/source.jpg') return void res.writeHead(200, { 'content-type': 'image/jpeg' }).end(source);
    if (req.url === '/img/template.png') return void res.writeHead(200, { 'content-type': 'image/png' }).end(template);
    if (req.url?.startsWith('/notify')) return void res.writeHead(200).end('successfully');
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => images.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(images.address() as net.AddressInfo).port}`;
});
after(async () => {
  await new Promise<void>((r) => images.close(() => r()));
  await teardownDistributed(); // the shared S3 server of the distributed cases
});

/** Pixels of the bottom-right quarter, where the label goes when no face is known. */
async function bottomRight(file: Buffer | Uint8Array): Promise<Buffer> {
  return sharp(file).extract({ left: 200, top: 150, width: 200, height: 150 }).removeAlpha().raw().toBuffer();
}

const modes = [
  { name: 'embedded', start: () => startTestService(), key: async (svc: any) => localLabelKey(svc.config.dataDir) },
  {
    name: 'distributed',
    start: () => startRedisTestService(),
    key: async (svc: any) => {
      const redis = connect(svc.config.redisUrl);
      try {
        return await redisLabelKey(redis, svc.config.redisPrefix);
      } finally {
        redis.disconnect();
      }
    },
  },
];

for (const mode of modes) {
  describe(`${mode.name}: labels on every result`, () => {
    let svc: any;
    let client: WanxingClient;
    before(async () => {
      svc = await mode.start();
      client = new WanxingClient({ baseUrl: svc.url, appKey: APP_KEY, appSecret: APP_SECRET });
    });
    after(() => svc.close());

    const swap = async (label?: { visible: boolean }) => {
      const id = await client.submit({ sourceUrl: `${base}/img/source.jpg`, targetUrl: `${base}/img/template.png`, notifyUrl: `${base}/notify`, label });
      const url = await client.waitForResult(id, { intervalMs: 100, timeoutMs: 20_000 });
      return { id, file: Buffer.from(await (await fetch(url)).arrayBuffer()) };
    };

    test('default: the visible label is drawn and the XMP label names the job', async () => {
      const { id, file } = await swap();
      const v = verifyLabel(file, await mode.key(svc));
      assert.equal(v.state, 'valid');
      assert.ok(v.state === 'valid' && v.label.ProduceID === id && v.label.Label === '1');
      assert.equal((await sharp(file).metadata()).format, 'png');
      assert.ok(!(await bottomRight(file)).equals(await bottomRight(template)), 'a label in the bottom-right corner');
    });

    test('label {visible:false}: no visible label, still the XMP label', async () => {
      const { id, file } = await swap({ visible: false });
      const v = verifyLabel(file, await mode.key(svc));
      assert.ok(v.state === 'valid' && v.label.ProduceID === id);
      assert.ok((await bottomRight(file)).equals(await bottomRight(template)), 'the corner is the template, untouched');
    });
  });
}

test('a malformed label field is InvalidArguments', async () => {
  const svc = await startTestService();
  try {
    const client = new WanxingClient({ baseUrl: svc.url, appKey: APP_KEY, appSecret: APP_SECRET });
    await assert.rejects(
      client.submit({ sourceUrl: `${base}/img/source.jpg`, targetUrl: `${base}/img/template.png`, notifyUrl: `${base}/notify`, label: { visible: 'no' } as any }),
      (e) => e instanceof WanxingApiError && e.status === -310001,
    );
  } finally {
    await svc.close();
  }
});
