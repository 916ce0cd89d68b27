// Harness for contract tests: the real service (in this process or as a child process), a loopback
// image server, a notification receiver, and the official gateway SDK as the client.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import pino from 'pino';
import sharp from 'sharp';
import { loadConfig } from '../../src/config.ts';
import { startService, type Service } from '../../src/service.ts';

const require = createRequire(import.meta.url);
const { Client } = require('aliyun-api-gateway') as { Client: new (key: string, secret: string) => GatewayClient };

export interface GatewayClient {
  post(url: string, opts: { data?: unknown; headers?: Record<string, string>; timeout?: number }): Promise<any>;
}

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const TEST_ENGINE = path.join(ROOT, 'test/helpers/test-engine.ts');
export const APP_KEY = 'test-app-key';
export const APP_SECRET = 'test-app-secret-0123456789';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export function tmpDir(prefix = 'wanxing-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function testEnv(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  const port = await freePort();
  return {
    PORT: String(port),
    HOST: '127.0.0.1',
    WANXING_PUBLIC_URL: `http://127.0.0.1:${port}`,
    WANXING_DATA_DIR: tmpDir(),
    WANXING_APP_KEY: APP_KEY,
    WANXING_APP_SECRET: APP_SECRET,
    WANXING_ALLOW_PRIVATE_URLS: '1',
    WANXING_ENGINE: TEST_ENGINE,
    WANXING_WORKERS: '1',
    WANXING_NOTIFY_RETRY_DELAYS: '0.05,0.05,0.05,0.05,0.05,0.05,0.05,0.05,0.05,0.05',
    WANXING_NOTIFY_TIMEOUT_MS: '2000',
    LOG_LEVEL: 'silent',
    // Screening costs a model load per engine thread and ~0.2 s a photo: it has its own tests
    // (test/compliance-screening.test.ts), which turn it back on.
    WANXING_SCREENING: 'off',
    ...extra,
  };
}

/** The real service in this process (engine in a real worker thread). */
export async function startTestService(extra: Record<string, string> = {}): Promise<Service & { client: GatewayClient }> {
  const env = await testEnv(extra);
  const service = await startService(loadConfig(env), { logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), sweepMs: 50 });
  return Object.assign(service, { client: new Client(APP_KEY, APP_SECRET) });
}

/** The real CLI as a child process (for crash tests). */
export function spawnService(env: Record<string, string>): { child: ChildProcess; ready: Promise<void>; output: () => string } {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/wanxing.js'), 'serve'], {
    // Readiness is read from the log line 'wanxing is serving', so the child logs at info at least.
    env: { ...process.env, ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('wanxing is serving')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`service exited (${code}): ${out}`)));
  });
  return { child, ready, output: () => out };
}

export interface Received {
  body: string;
  headers: http.IncomingHttpHeaders;
  at: number;
}

/** A loopback server: serves test images under /img/*, records notifications at /notify/*. */
export async function startFixtures(): Promise<{
  base: string;
  received: Received[];
  /** How /notify answers: return [status, body]. Default 200 'successfully'. */
  setReceiver(fn: (n: number) => [number, string]): void;
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}> {
  const images: Record<string, Buffer> = {
    'source.jpg': await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 40, b: 40 } } }).jpeg().toBuffer(),
    'target.jpg': await sharp({ create: { width: 120, height: 90, channels: 3, background: { r: 20, g: 20, b: 220 } } }).jpeg().toBuffer(),
    'target.png': await sharp({ create: { width: 100, height: 80, channels: 3, background: { r: 20, g: 220, b: 20 } } }).png().toBuffer(),
    'tiny.png': await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 1, g: 2, b: 3 } } }).png().toBuffer(),
    'fake.jpg': Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'),
  };
  const received: Received[] = [];
  let receiver: (n: number) => [number, string] = () => [200, 'successfully'];
  const waiters: Array<() => void> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '';
      if (url.startsWith('/img/')) {
        const img = images[url.slice(5)];
        if (!img) return res.writeHead(404).end();
        res.writeHead(200, { 'content-type': url.endsWith('.png') ? 'image/png' : 'image/jpeg' }).end(img);
        return;
      }
      if (url.startsWith('/notify')) {
        received.push({ body: Buffer.concat(chunks).toString(), headers: req.headers, at: Date.now() });
        const [status, body] = receiver(received.length);
        res.writeHead(status).end(body);
        waiters.splice(0).forEach((w) => w());
        return;
      }
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return {
    base,
    received,
    setReceiver(fn) {
      receiver = fn;
    },
    async waitFor(count, timeoutMs = 15_000) {
      const end = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > end) throw new Error(`waited for ${count} notifications, got ${received.length}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 100);
        });
      }
      return received;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export async function until<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
