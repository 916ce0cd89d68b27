// Field rules of POST /swapface and /query. Anything off is InvalidArguments with a message that names the field.
import { checkUrlSyntax } from '../fetch/url.ts';
import { ServiceError } from './errors.ts';
import type { JobInput } from './job.ts';

export interface TimeoutRules {
  defaultTimeoutS: number;
  maxTimeoutS: number;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseSwapRequest(body: unknown, rules: TimeoutRules): JobInput {
  if (!isObject(body)) throw new ServiceError('InvalidArguments', '请求体必须是JSON对象');
  const urls: Record<string, string> = {};
  for (const field of ['source_url', 'target_url', 'notify_url'] as const) {
    const value = body[field];
    if (value === undefined || value === null || value === '') throw new ServiceError('InvalidArguments', `缺少参数 ${field}`);
    const problem = checkUrlSyntax(value);
    if (problem) throw new ServiceError('InvalidArguments', `${field}: ${problem}`);
    urls[field] = value as string;
  }
  let timeoutS = rules.defaultTimeoutS;
  if (body.timeout !== undefined && body.timeout !== null) {
    const t = body.timeout;
    if (typeof t !== 'number' || !Number.isFinite(t) || t < 1 || t > rules.maxTimeoutS) {
      throw new ServiceError('InvalidArguments', `timeout 必须是 1 到 ${rules.maxTimeoutS} 之间的秒数`);
    }
    timeoutS = t;
  }
  return { sourceUrl: urls.source_url, targetUrl: urls.target_url, notifyUrl: urls.notify_url, timeoutS };
}

export function parseQueryRequest(body: unknown): string {
  if (!isObject(body)) throw new ServiceError('InvalidArguments', '请求体必须是JSON对象');
  const id = body.job_id;
  if (typeof id !== 'string' || id.length === 0 || id.length > 128) {
    throw new ServiceError('InvalidArguments', '缺少参数 job_id');
  }
  return id;
}
