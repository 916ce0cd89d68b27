// Signed requests for the benches: every request needs a fresh nonce and timestamp (gateway auth).
import { signGatewayRequest } from '../../src/api/gateway-auth/sign.ts';

export interface Credentials {
  appKey: string;
  appSecret: string;
}

/** Headers for one signed JSON POST (content-type, content-md5, X-Ca-*). */
export function signedJsonHeaders(creds: Credentials, path: string, body: string): Record<string, string> {
  return signGatewayRequest({
    method: 'POST',
    url: path,
    appKey: creds.appKey,
    appSecret: creds.appSecret,
    headers: { 'content-type': 'application/json; charset=utf-8', accept: 'application/json' },
    body,
  });
}

/** One signed JSON POST with fetch; returns the HTTP status and parsed JSON (or the text). */
export async function signedPost(base: string, creds: Credentials, path: string, data: unknown): Promise<{ status: number; body: any }> {
  const body = JSON.stringify(data);
  const res = await fetch(base + path, { method: 'POST', headers: signedJsonHeaders(creds, path, body), body });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}
