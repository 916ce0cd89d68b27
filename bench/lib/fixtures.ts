// A loopback image server and notification receiver for the benches (the product refuses loopback
// unless WANXING_ALLOW_PRIVATE_URLS=1, which the benches set). Records, per job, when each
// notification arrived, so that latency and exactly-once delivery can be checked.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Notification {
  jobId: string;
  status: number;
  error?: string;
  at: number;
}

export interface Fixtures {
  base: string;
  /** every notification received, in order */
  received: Notification[];
  /** job id → how many notifications it got */
  counts: Map<string, number>;
  /** Resolves when `jobId` has been notified (or at once if it already was). */
  notified(jobId: string): Promise<Notification>;
  close(): Promise<void>;
}

export async function startFixtures(images: Record<string, Buffer>): Promise<Fixtures> {
  const received: Notification[] = [];
  const counts = new Map<string, number>();
  const first = new Map<string, Notification>();
  const waiters = new Map<string, Array<(n: Notification) => void>>();

  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    if (req.method === 'GET' && url.startsWith('/img/')) {
      const img = images[url.slice(5).split('?')[0]!];
      if (!img) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': url.includes('.png') ? 'image/png' : 'image/jpeg', 'content-length': img.length }).end(img);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (!url.startsWith('/notify')) return void res.writeHead(404).end();
      const at = Date.now();
      let n: Notification;
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString());
        n = { jobId: body.job_id, status: body.status, error: body.error, at };
      } catch {
        return void res.writeHead(400).end('bad json');
      }
      received.push(n);
      counts.set(n.jobId, (counts.get(n.jobId) ?? 0) + 1);
      if (!first.has(n.jobId)) first.set(n.jobId, n);
      res.writeHead(200).end('successfully');
      waiters.get(n.jobId)?.forEach((w) => w(n));
      waiters.delete(n.jobId);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    received,
    counts,
    notified(jobId) {
      const done = first.get(jobId);
      if (done) return Promise.resolve(done);
      return new Promise((resolve) => {
        const list = waiters.get(jobId) ?? [];
        list.push(resolve);
        waiters.set(jobId, list);
      });
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
