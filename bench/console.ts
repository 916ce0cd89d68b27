// npm run bench:console [-- --duration 5]
// The developer-experience endpoints: the console bundle (esbuild build time, bytes raw and gzipped),
// and loopback latency/throughput of GET / , /console/app.js, /openapi.json and /metrics against the
// real server (child process, no engine threads: these endpoints never touch the engine).
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import autocannon from 'autocannon';
import { buildWeb } from '../src/console/web-bundle.ts';
import { startService } from './lib/service.ts';
import { machine, parseArgs } from './lib/stats.ts';

const { opts } = parseArgs(process.argv.slice(2));
const duration = Number(opts.duration ?? 5);

const t0 = performance.now();
const web = await buildWeb();
const buildMs = performance.now() - t0;
const size = (s: string) => `${s.length} B (gzip ${gzipSync(s).length} B)`;
console.log(`machine: ${machine()}`);
console.log(`console bundle: built in ${buildMs.toFixed(0)} ms (first build in this process, esbuild loaded cold)`);
console.log(`  index.html ${size(web.html)}, app.js ${size(web.js)}, app.css ${size(web.css)}`);

const svc = await startService({ WANXING_WORKERS: '0' });
try {
  await fetch(`${svc.url}/`); // the first request builds the bundle
  for (const path of ['/', '/console/app.js', '/openapi.json', '/metrics']) {
    const r = await autocannon({ url: `${svc.url}${path}`, connections: 8, duration });
    console.log(
      `GET ${path.padEnd(16)} ${Math.round(r.requests.average)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, non-2xx ${r.non2xx}`,
    );
  }
} finally {
  await svc.stop();
}
