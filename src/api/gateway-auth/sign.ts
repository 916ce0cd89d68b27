// Client-side signing, the same way the official SDKs do it. Used by our tests and tools to call the
// API without the SDK (and to send HmacSHA1, which the Node SDK cannot).
import { randomUUID } from 'node:crypto';
import { parse as parseQuery } from 'node:querystring';
import { buildStringToSign, isFormContentType, lowerHeaders, type ParamBag } from './string-to-sign.ts';
import { contentMd5, hmacBase64, type SignatureMethod } from './verify.ts';

export interface SignOptions {
  method: string;
  /** path with optional query string, e.g. /query?x=1 */
  url: string;
  appKey: string;
  appSecret: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  signatureMethod?: SignatureMethod;
  now?: number;
  nonce?: string;
  /** extra header names to sign besides every x-ca-* header */
  signHeaders?: string[];
}

/** Returns the full set of headers to send (lower-cased names), X-Ca-Signature included. */
export function signGatewayRequest(opts: SignOptions): Record<string, string> {
  const headers: Record<string, string> = Object.fromEntries(lowerHeaders(opts.headers ?? {}));
  headers['x-ca-key'] = opts.appKey;
  headers['x-ca-timestamp'] ??= String(opts.now ?? Date.now());
  headers['x-ca-nonce'] ??= opts.nonce ?? randomUUID();
  if (opts.signatureMethod) headers['x-ca-signature-method'] = opts.signatureMethod;
  const body = opts.body ?? '';
  const form = isFormContentType(headers['content-type']);
  if (body.length > 0 && !form && headers['content-md5'] === undefined) headers['content-md5'] = contentMd5(body);

  const extra = new Set((opts.signHeaders ?? []).map((h) => h.toLowerCase()));
  headers['x-ca-signature-headers'] = Object.keys(headers)
    .filter((h) => (h.startsWith('x-ca-') && h !== 'x-ca-signature-headers') || extra.has(h))
    .sort()
    .join(',');

  const q = opts.url.indexOf('?');
  const path = q < 0 ? opts.url : opts.url.slice(0, q);
  const query = q < 0 ? undefined : (parseQuery(opts.url.slice(q + 1)) as ParamBag);
  const formParams = form ? (parseQuery(body.toString()) as ParamBag) : undefined;
  const stringToSign = buildStringToSign({ method: opts.method, path, headers, query, form: formParams });
  headers['x-ca-signature'] = hmacBase64(opts.signatureMethod ?? 'HmacSHA256', opts.appSecret, stringToSign);
  return headers;
}
