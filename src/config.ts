// Every setting, typed and validated in one place. Adapters (queue, storage, engine) are chosen here.
import os from 'node:os';
import path from 'node:path';
import { parseRetryDelays } from './notify/schedule.ts';
import { complianceSettings, type ComplianceSettings } from './compliance/settings.ts';

export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  dataDir: string;
  /** Where jobs live: SQLite in the data dir (embedded default) or Redis through BullMQ. */
  queue: 'sqlite' | 'redis';
  redisUrl: string;
  /** Redis key prefix of every key of this installation (redis mode); `{…}` hash tags for Redis Cluster. */
  redisPrefix: string;
  /** Redis mode: how long a worker's claim on a job lasts without renewal before another worker takes it over. */
  lockMs: number;
  /** Where results go: local disk served by the API (default) or S3-compatible object storage. */
  storage: 'local' | 's3';
  s3: { endpoint?: string; bucket: string; region: string; accessKeyId?: string; secretAccessKey?: string; forcePathStyle: boolean; keyPrefix: string };
  /** 'classic' (default, npm-shipped models), 'onnx' (operator weights) or a path to a module exporting createEngine(). */
  engine: string;
  modelDir: string;
  onnxProvider: 'cpu' | 'cuda';
  /** ONNX engine knobs: file names inside modelDir, CUDA device, intra-op threads per engine thread. */
  onnx: { swapperFile?: string; recogniserFile?: string; deviceId: number; threads: number };
  /** The classic engine's stage knobs over its defaults (WANXING_SWAP_OPTIONS, JSON; docs/ENGINE.md, Options); checked key by key when the engine starts. */
  swapOptions?: Record<string, unknown>;
  /** Knobs shared by the engines: input checks, template cache, output quality. */
  face: { minFacePx: number; minFaceRatio: number; maxYawDeg: number; maxPitchDeg: number; templateCacheMb: number; jpegQuality: number };
  /** Engine worker threads in this process; 0 = API only (distributed mode). */
  workers: number;
  /** Linux scheduling of the engine threads: SCHED_IDLE ('idle') or a nice value (0 = normal). */
  enginePriority: EnginePriority;
  appKey?: string;
  appSecret?: string;
  allowPrivateUrls: boolean;
  download: { maxBytes: number; maxPixels: number; timeoutMs: number; maxRedirects: number };
  notify: { retryDelaysS: number[]; attemptTimeoutMs: number };
  jobs: { defaultTimeoutS: number; maxTimeoutS: number; maxQueueDepth: number };
  resultTtlS: number;
  rateLimit: { perSecond: number; burst: number };
  signatureMaxSkewMs: number;
  logLevel: string;
  /** AIGC labels, input screening and the audit trail (docs/COMPLIANCE.md). */
  compliance: ComplianceSettings;
}

export class ConfigError extends Error {}

export type EnginePriority = 'idle' | number;

type Env = Record<string, string | undefined>;

/** A JSON object, or undefined when unset. */
function jsonObject(env: Env, key: string): Record<string, unknown> | undefined {
  const raw = env[key];
  if (raw === undefined || raw === '') return undefined;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (err) {
    throw new ConfigError(`${key}: not JSON (${(err as Error).message})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ConfigError(`${key}: expected a JSON object such as {"colour":{"lowerFace":1}}`);
  return v as Record<string, unknown>;
}

function num(env: Env, key: string, def: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return def;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min || v > max) {
    throw new ConfigError(`${key}=${raw}: expected a number in [${min}, ${max}]`);
  }
  return v;
}

function oneOf<T extends string>(env: Env, key: string, def: T, allowed: readonly T[]): T {
  const raw = (env[key] ?? '').trim();
  if (!raw) return def;
  if (!allowed.includes(raw as T)) throw new ConfigError(`${key}=${raw}: expected one of ${allowed.join(', ')}`);
  return raw as T;
}

function enginePriority(env: Env): EnginePriority {
  const raw = (env.WANXING_ENGINE_NICE ?? '').trim();
  if (raw === '' || raw === 'idle') return 'idle';
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 0 || v > 19) throw new ConfigError(`WANXING_ENGINE_NICE=${raw}: expected idle or a nice value in [0, 19]`);
  return v;
}

function bool(env: Env, key: string): boolean {
  return ['1', 'true', 'yes', 'on'].includes((env[key] ?? '').toLowerCase());
}

export function loadConfig(env: Env = process.env): Config {
  const port = num(env, 'PORT', 8080, 0, 65535);
  const queue = oneOf(env, 'WANXING_QUEUE', 'sqlite', ['sqlite', 'redis'] as const);
  const dataDir = path.resolve(env.WANXING_DATA_DIR || './data');
  const publicUrl = (env.WANXING_PUBLIC_URL || `http://localhost:${port}`).replace(/\/+$/, '');
  if (!/^https?:\/\//.test(publicUrl)) throw new ConfigError(`WANXING_PUBLIC_URL=${publicUrl}: expected an http(s) URL`);
  const storage = oneOf(env, 'WANXING_STORAGE', 'local', ['local', 's3'] as const);
  if (storage === 's3' && !env.S3_BUCKET) throw new ConfigError('WANXING_STORAGE=s3 needs S3_BUCKET');
  if (Boolean(env.S3_ACCESS_KEY_ID) !== Boolean(env.S3_SECRET_ACCESS_KEY)) {
    throw new ConfigError('S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together');
  }
  if (Boolean(env.WANXING_APP_KEY) !== Boolean(env.WANXING_APP_SECRET)) {
    throw new ConfigError('WANXING_APP_KEY and WANXING_APP_SECRET must be set together');
  }
  const workers = num(env, 'WANXING_WORKERS', os.availableParallelism(), 0, 256);
  return {
    port,
    host: env.HOST || '0.0.0.0',
    publicUrl,
    dataDir,
    queue,
    redisUrl: env.REDIS_URL || 'redis://127.0.0.1:6379',
    redisPrefix: env.WANXING_REDIS_PREFIX || 'wanxing',
    lockMs: num(env, 'WANXING_LOCK_MS', 30_000, 1000),
    storage,
    s3: {
      endpoint: env.S3_ENDPOINT || undefined,
      bucket: env.S3_BUCKET || '',
      region: env.S3_REGION || 'us-east-1',
      accessKeyId: env.S3_ACCESS_KEY_ID || undefined,
      secretAccessKey: env.S3_SECRET_ACCESS_KEY || undefined,
      forcePathStyle: bool(env, 'S3_FORCE_PATH_STYLE'),
      keyPrefix: env.S3_KEY_PREFIX ?? 'results/',
    },
    engine: env.WANXING_ENGINE || 'classic',
    modelDir: path.resolve(env.WANXING_MODEL_DIR || path.join(dataDir, 'models')),
    onnxProvider: oneOf(env, 'WANXING_ONNX_PROVIDER', 'cpu', ['cpu', 'cuda'] as const),
    swapOptions: jsonObject(env, 'WANXING_SWAP_OPTIONS'),
    workers,
    enginePriority: enginePriority(env),
    onnx: {
      swapperFile: env.WANXING_ONNX_SWAPPER || undefined,
      recogniserFile: env.WANXING_ONNX_RECOGNISER || undefined,
      deviceId: num(env, 'WANXING_ONNX_DEVICE', 0, 0, 64),
      // onnxruntime would use every core in each engine thread: share the cores out instead.
      threads: num(env, 'WANXING_ONNX_THREADS', Math.max(1, Math.floor(os.availableParallelism() / Math.max(1, workers))), 1, 256),
    },
    face: {
      minFacePx: num(env, 'WANXING_FACE_MIN_PX', 64, 1),
      minFaceRatio: num(env, 'WANXING_FACE_MIN_RATIO', 0.06, 0, 1),
      maxYawDeg: num(env, 'WANXING_FACE_MAX_YAW', 35, 0, 90),
      maxPitchDeg: num(env, 'WANXING_FACE_MAX_PITCH', 30, 0, 90),
      templateCacheMb: num(env, 'WANXING_TEMPLATE_CACHE_MB', 128, 0),
      jpegQuality: num(env, 'WANXING_JPEG_QUALITY', 92, 1, 100),
    },
    appKey: env.WANXING_APP_KEY || undefined,
    appSecret: env.WANXING_APP_SECRET || undefined,
    allowPrivateUrls: bool(env, 'WANXING_ALLOW_PRIVATE_URLS'),
    download: {
      maxBytes: num(env, 'WANXING_MAX_IMAGE_BYTES', 20 * 1024 * 1024, 1),
      maxPixels: num(env, 'WANXING_MAX_IMAGE_PIXELS', 50_000_000, 1),
      timeoutMs: num(env, 'WANXING_DOWNLOAD_TIMEOUT_MS', 30_000, 1),
      maxRedirects: num(env, 'WANXING_MAX_REDIRECTS', 5, 0, 20),
    },
    notify: {
      retryDelaysS: parseRetryDelays(env.WANXING_NOTIFY_RETRY_DELAYS),
      attemptTimeoutMs: num(env, 'WANXING_NOTIFY_TIMEOUT_MS', 10_000, 1),
    },
    jobs: {
      defaultTimeoutS: num(env, 'WANXING_DEFAULT_TIMEOUT_S', 7200, 1),
      maxTimeoutS: num(env, 'WANXING_MAX_TIMEOUT_S', 86_400, 1),
      maxQueueDepth: num(env, 'WANXING_MAX_QUEUE_DEPTH', 10_000, 1),
    },
    resultTtlS: num(env, 'WANXING_RESULT_TTL_S', 86_400, 1),
    rateLimit: {
      perSecond: num(env, 'WANXING_RATE_LIMIT_PER_S', 100, 0),
      burst: num(env, 'WANXING_RATE_LIMIT_BURST', 200, 1),
    },
    signatureMaxSkewMs: 15 * 60 * 1000,
    logLevel: env.LOG_LEVEL || 'info',
    compliance: complianceSettings(env),
  };
}
