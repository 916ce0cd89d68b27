// Shared by test/notify*.test.ts: a loopback receiver, a plain undici sender and a file database.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { request } from 'undici';
import type { Send } from '../src/notify/notifier.ts';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** What the receiver does with request number `i` (0-based): answer, or 'hang' (never answer). */
export type Reply = { status: number; body?: string; headers?: Record<string, string> } | 'hang';

export async function receiver(reply: (i: number, req: Received) => Reply) {
  const got: Received[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      const i = got.push(r) - 1;
      const a = reply(i, r);
      if (a === 'hang') return void hanging.push(res);
      res.writeHead(a.status, a.headers).end(a.body ?? '');
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    got,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise((ok) => server.close(ok));
    },
  };
}

/** A minimal sender for tests (no SSRF guard: loopback is the point). undici's request never follows redirects. */
export const undiciSend: Send = async (url, body, headers, timeoutMs) => {
  const res = await request(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.statusCode, body: await res.body.text() };
};

/** Polls until `cond` holds; the cap only keeps a broken build from hanging the suite. */
export async function until(cond: () => boolean, what = 'condition', capMs = 10_000): Promise<void> {
  const end = Date.now() + capMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await sleep(5);
  }
}

export function fileDb(path = join(mkdtempSync(join(tmpdir(), 'wanxing-notify-')), 'db.sqlite')) {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  return { db, path };
}

export const SECRET = 'app-secret-δ';
export const successBody = (jobId: string) =>
  JSON.stringify({ job_id: jobId, status: 0, data: { result_url: [`https://r.example/${jobId}.png`] } });
export const failureBody = (jobId: string) =>
  `{"job_id":"${jobId}","status":-330001,"error":"NoFaceInSource","data":{}}`;
