// Harness for the distributed mode: a real Redis (127.0.0.1:6379, a fresh key prefix per service)
// and a real S3-compatible server; API and worker either in this process or as child processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Redis } from 'ioredis';
import pino from 'pino';
import { loadConfig } from '../../src/config.ts';
import { startApi, type ApiProcess } from '../../src/distributed/api.ts';
import { startWorker } from '../../src/distributed/worker.ts';
import type { ServiceMode } from './contract-suite.ts';
import { startS3, type TestS3 } from './s3.ts';
import { APP_KEY, APP_SECRET, ROOT, testEnv, type GatewayClient } from './service.ts';

const require = createRequire(import.meta.url);
const { Client } = require('aliyun-api-gateway') as { Client: new (key: string, secret: string) => GatewayClient };

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

let s3: Promise<TestS3> | undefined;
/** One S3 server per test file, stopped by stopSharedS3(). */
export function sharedS3(): Promise<TestS3> {
  s3 ??= startS3();
  return s3;
}
export async function stopSharedS3(): Promise<void> {
  if (s3) await (await s3).close();
  s3 = undefined;
}

/** Deletes every key under a prefix (test clean-up). */
export async function dropPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (found.length) await redis.del(...found);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

const usedPrefixes = new Set<string>();

/** Environment of one distributed installation: its own Redis prefix and bucket. */
export async function redisEnv(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  const id = randomBytes(4).toString('hex');
  usedPrefixes.add(`wxtest-${id}`);
  const store = await sharedS3();
  await store.createBucket(`wanxing-test-${id}`);
  return testEnv({
    WANXING_QUEUE: 'redis',
    REDIS_URL,
    WANXING_REDIS_PREFIX: `wxtest-${id}`,
    // Short locks so a killed worker's job moves on within seconds.
    WANXING_LOCK_MS: '2000',
    ...store.env(`wanxing-test-${id}`),
    ...extra,
  });
}

/** API and worker in this process (engine in a real worker thread), same shape as startTestService. */
export async function startRedisTestService(extra: Record<string, string> = {}): Promise<ApiProcess & { client: GatewayClient }> {
  const env = await redisEnv(extra);
  const config = loadConfig(env);
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const api = await startApi(config, { logger, sweepMs: 50, createBucket: true });
  const worker = await startWorker(config, { logger });
  const closeApi = api.close.bind(api);
  return Object.assign(api, {
    client: new Client(APP_KEY, APP_SECRET),
    async close() {
      await closeApi();
      await worker.close();
      await dropPrefix(config.redisPrefix);
    },
  });
}

export interface Spawned {
  child: ChildProcess;
  ready: Promise<void>;
  output(): string;
  /** Sends the signal and waits for the exit. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** `wanxing <args>` as a child process; ready when its log says so. */
export function spawnWanxing(args: string[], env: Record<string, string>, readyText: string): Spawned {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/wanxing.js'), ...args], {
    env: { ...process.env, ...env, LOG_LEVEL: env.LOG_LEVEL === 'silent' ? 'info' : (env.LOG_LEVEL ?? 'info') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes(readyText)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`wanxing ${args.join(' ')} exited (${code}): ${out.slice(-2000)}`)));
  });
  ready.catch(() => undefined);
  return {
    child,
    ready,
    output: () => out,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

export const spawnApi = (env: Record<string, string>) => spawnWanxing(['serve', '--queue', 'redis'], env, 'wanxing is serving');
export const spawnWorker = (env: Record<string, string>) => spawnWanxing(['worker'], env, 'wanxing worker is ready');

export { APP_KEY, APP_SECRET };

/** Drops the Redis keys of every installation this test file made, and stops the S3 server. */
export async function teardownDistributed(): Promise<void> {
  for (const p of usedPrefixes) await dropPrefix(p);
  usedPrefixes.clear();
  await stopSharedS3();
}

/** The distributed mode for the shared contract suites: API + worker, BullMQ on Redis, results in S3. */
export const redisMode: ServiceMode = {
  name: 'redis',
  start: (extra) => startRedisTestService(extra),
  env: (extra) => redisEnv(extra),
  spawn(env) {
    const api = spawnApi(env);
    const worker = spawnWorker(env);
    return {
      ready: Promise.all([api.ready, worker.ready]).then(() => undefined),
      output: () => `${api.output()}\n${worker.output()}`,
      async kill(signal) {
        await Promise.all([api.kill(signal), worker.kill(signal)]);
      },
    };
  },
  results: 's3',
  teardown: teardownDistributed,
};
