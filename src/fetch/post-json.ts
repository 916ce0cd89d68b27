// One webhook attempt: POST a JSON body to a caller-given URL through the guarded dispatcher.
// Redirects are not followed (a 3xx comes back as its status, i.e. a failed attempt), the answer
// body is read up to 64 KB, and the whole attempt has a deadline.
import { request, type Dispatcher } from 'undici';
import { ServiceError } from '../jobs/errors.ts';
import { describeNetworkError } from './net-errors.ts';
import { findForbidden } from './guarded-agent.ts';
import { readCapped } from './read-capped.ts';
import { checkUrlSyntax } from './url.ts';

export const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * Returns the status and (at most 64 KB of) the answer body. Throws ServiceError('UrlForbidden')
 * when the address is refused, a plain Error for a bad URL, network failure or timeout, and the
 * caller's abort reason when `signal` aborts.
 */
export async function postJson(
  url: string,
  body: string,
  opts: { dispatcher: Dispatcher; headers?: Record<string, string>; timeoutMs: number; signal?: AbortSignal },
): Promise<{ status: number; body: string }> {
  const bad = checkUrlSyntax(url);
  if (bad) throw new Error(`POST ${url}: ${bad}`);
  const deadline = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([deadline, opts.signal]) : deadline;
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'user-agent': 'wanxing-portrait/0.1',
  };
  for (const [k, v] of Object.entries(opts.headers ?? {})) headers[k.toLowerCase()] = v;
  try {
    const res = await request(url, { dispatcher: opts.dispatcher, signal, method: 'POST', headers, body });
    const answer = await readCapped(res.body, MAX_ANSWER_BYTES, true);
    return { status: res.statusCode, body: answer.bytes.toString('utf8') };
  } catch (err) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    const forbidden = findForbidden(err);
    if (forbidden) throw new ServiceError('UrlForbidden', forbidden.message);
    if (deadline.aborted) throw new Error(`POST ${url}: timed out after ${opts.timeoutMs} ms`, { cause: err });
    throw new Error(`POST ${url}: ${describeNetworkError(err)}`, { cause: err });
  }
}
