// Gateway-style request verification, pure (no I/O): required headers, AppKey, timestamp window,
// Content-MD5, then the HMAC signature compared in constant time. The nonce's uniqueness needs shared
// state and is checked by the caller (see plugin.ts) only after this passes, so that forged requests
// cannot burn a legitimate client's nonces.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { GatewayMessage, invalidSignatureMessage } from './messages.ts';
import {
  buildStringToSign,
  isFormContentType,
  lowerHeaders,
  signedHeaderNames,
  type StringToSignInput,
} from './string-to-sign.ts';

export const DEFAULT_MAX_SKEW_MS = 15 * 60 * 1000;
const MAX_NONCE_LENGTH = 128;

export type SignatureMethod = 'HmacSHA256' | 'HmacSHA1';
const HMAC_ALGORITHM: Record<SignatureMethod, string> = { HmacSHA256: 'sha256', HmacSHA1: 'sha1' };

export type GatewayRequest = StringToSignInput & { rawBody?: Buffer };

export type VerifyResult =
  | { ok: true; appKey: string; nonce: string; timestamp: number }
  | { ok: false; httpStatus: number; message: string; stringToSign?: string };

export interface VerifyDeps {
  secretFor(appKey: string): string | undefined;
  now(): number;
  /** how far X-Ca-Timestamp may be from now, either way; default 15 minutes */
  maxSkewMs?: number;
  /**
   * Refuse a non-empty, non-form body without Content-MD5 (default true): otherwise the body would not
   * be covered by the signature at all. Form bodies are signed through their parameters.
   */
  requireContentMd5?: boolean;
}

const fail = (httpStatus: number, message: string, stringToSign?: string): VerifyResult =>
  stringToSign === undefined ? { ok: false, httpStatus, message } : { ok: false, httpStatus, message, stringToSign };

export function hmacBase64(method: SignatureMethod, secret: string, stringToSign: string): string {
  return createHmac(HMAC_ALGORITHM[method], Buffer.from(secret, 'utf8')).update(stringToSign, 'utf8').digest('base64');
}

export function contentMd5(body: Buffer | string): string {
  return createHash('md5').update(body).digest('base64');
}

/** Constant-time for equal lengths; the expected length is public (fixed by the algorithm). */
function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

function parseSignatureMethod(value: string | undefined): SignatureMethod | undefined {
  if (value === undefined || value === '') return 'HmacSHA256'; // the gateway's default, and what the Node SDK uses
  const v = value.trim().toLowerCase();
  if (v === 'hmacsha256') return 'HmacSHA256';
  if (v === 'hmacsha1') return 'HmacSHA1';
  return undefined;
}

export function verifyGatewayRequest(req: GatewayRequest, deps: VerifyDeps): VerifyResult {
  const headers = lowerHeaders(req.headers);
  const maxSkewMs = deps.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;

  for (const [name, key] of [
    ['X-Ca-Key', 'x-ca-key'],
    ['X-Ca-Signature', 'x-ca-signature'],
    ['X-Ca-Timestamp', 'x-ca-timestamp'],
    ['X-Ca-Nonce', 'x-ca-nonce'],
  ] as const) {
    if (!headers.get(key)) return fail(400, GatewayMessage.missingHeader(name));
  }
  const appKey = headers.get('x-ca-key')!;
  const signature = headers.get('x-ca-signature')!;
  const nonce = headers.get('x-ca-nonce')!;

  const method = parseSignatureMethod(headers.get('x-ca-signature-method'));
  if (!method) return fail(400, GatewayMessage.invalidHeader('X-Ca-Signature-Method', 'must be HmacSHA256 or HmacSHA1'));

  const secret = deps.secretFor(appKey);
  if (secret === undefined) return fail(403, GatewayMessage.invalidAppKey);

  const tsText = headers.get('x-ca-timestamp')!;
  const timestamp = /^\d{1,16}$/.test(tsText) ? Number(tsText) : NaN;
  if (!Number.isFinite(timestamp) || Math.abs(deps.now() - timestamp) > maxSkewMs) {
    return fail(400, GatewayMessage.invalidTimestamp);
  }

  if (nonce.length > MAX_NONCE_LENGTH) return fail(400, GatewayMessage.invalidNonce);

  // Replay protection is worthless if the timestamp and nonce could be swapped without re-signing.
  const signed = signedHeaderNames(headers);
  if (!signed.includes('x-ca-timestamp') || !signed.includes('x-ca-nonce')) {
    return fail(400, GatewayMessage.invalidHeader('X-Ca-Signature-Headers', 'must include x-ca-timestamp and x-ca-nonce'));
  }

  const body = req.rawBody ?? Buffer.alloc(0);
  const md5 = headers.get('content-md5');
  if (md5 !== undefined && md5 !== '') {
    if (!sameText(md5, contentMd5(body))) return fail(400, GatewayMessage.invalidContentMd5);
  } else if ((deps.requireContentMd5 ?? true) && body.length > 0 && !isFormContentType(headers.get('content-type'))) {
    return fail(400, GatewayMessage.missingHeader('Content-MD5'));
  }

  const stringToSign = buildStringToSign(req);
  if (!sameText(signature, hmacBase64(method, secret, stringToSign))) {
    return fail(400, invalidSignatureMessage(stringToSign), stringToSign);
  }
  return { ok: true, appKey, nonce, timestamp };
}
