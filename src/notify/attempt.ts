// One delivery attempt, the same in both modes: sign, POST, judge the answer by the seed's rule.
import { performance } from 'node:perf_hooks';
import { webhookHeaders } from './sign.ts';

/** POSTs `body` to `url`; resolves with any HTTP answer, rejects on network error / timeout / SSRF refusal. */
export type Send = (
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
) => Promise<{ status: number; body: string }>;

export interface AttemptOutcome {
  at: number;
  httpStatus: number | null;
  ok: boolean;
  error: string | null;
  durationMs: number;
}

/** The seed: delivered only on HTTP 200 with body "successfully" (surrounding whitespace ignored). */
export function isDelivered(status: number, body: string): boolean {
  return status === 200 && body.trim() === 'successfully';
}

const snippet = (s: string) => (s.length > 200 ? `${s.slice(0, 200)}…` : s);

export function describeError(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { errorName?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
    const name = e.errorName ?? e.code ?? e.cause?.code;
    const msg = e.message || e.cause?.message || String(err);
    return snippet(name ? `${name}: ${msg}` : msg);
  }
  return snippet(String(err));
}

export async function attemptDelivery(
  send: Send,
  n: { msgId: string; url: string; body: string },
  secret: string | undefined,
  timeoutMs: number,
  now: () => number,
): Promise<AttemptOutcome> {
  const headers = { ...webhookHeaders(n.msgId, n.body, secret, new Date()), 'content-type': 'application/json; charset=utf-8' };
  const at = now();
  const t0 = performance.now();
  // The sender has its own timeout; this one guards the lease if a sender ignores it.
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ATTEMPT_TIMEOUT' })),
      timeoutMs + 50,
    );
  });
  try {
    const res = await Promise.race([send(n.url, n.body, headers, timeoutMs), deadline]);
    const ok = isDelivered(res.status, res.body);
    const error = ok ? null : `HTTP ${res.status}: ${JSON.stringify(snippet(res.body))}`;
    return { at, httpStatus: res.status, ok, error, durationMs: Math.round(performance.now() - t0) };
  } catch (err) {
    return { at, httpStatus: null, ok: false, error: describeError(err), durationMs: Math.round(performance.now() - t0) };
  } finally {
    clearTimeout(timer);
  }
}
