// Console sessions: after a login with AppKey+AppSecret the browser holds only an HMAC-signed,
// HttpOnly, SameSite=Strict cookie naming the AppKey and an expiry; the secret never goes back to it.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'wanxing_console';
export const SESSION_TTL_MS = 12 * 3600 * 1000;

export function sessionKey(masterKey: Buffer): Buffer {
  // A key of its own, derived so a session token can never double as a result-URL signature.
  return createHmac('sha256', masterKey).update('wanxing console session v1').digest();
}

function mac(key: Buffer, payload: string): string {
  return createHmac('sha256', key).update(payload).digest('base64url');
}

export function issueSession(key: Buffer, appKey: string, now = Date.now()): string {
  const payload = `${Buffer.from(appKey, 'utf8').toString('base64url')}.${now + SESSION_TTL_MS}`;
  return `${payload}.${mac(key, payload)}`;
}

/** The AppKey of a valid, unexpired token, else undefined. */
export function readSession(key: Buffer, token: string | undefined, now = Date.now()): string | undefined {
  if (!token) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [who, exp, sig] = parts as [string, string, string];
  const expected = Buffer.from(mac(key, `${who}.${exp}`));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  if (!(Number(exp) > now)) return undefined;
  return Buffer.from(who, 'base64url').toString('utf8');
}

/** The value of one cookie from a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionCookie(token: string, secure: boolean): string {
  const attrs = [`${SESSION_COOKIE}=${token}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${SESSION_TTL_MS / 1000}`];
  if (secure) attrs.push('Secure');
  return attrs.join('; ');
}

export function clearedCookie(secure: boolean): string {
  return [`${SESSION_COOKIE}=`, 'Path=/', 'HttpOnly', 'SameSite=Strict', 'Max-Age=0', ...(secure ? ['Secure'] : [])].join('; ');
}

/** Constant-time comparison of a typed secret with the stored one. */
export function secretMatches(given: string, stored: string | undefined): boolean {
  if (stored === undefined) return false;
  const a = createHmac('sha256', 'cmp').update(given).digest();
  const b = createHmac('sha256', 'cmp').update(stored).digest();
  return timingSafeEqual(a, b);
}
