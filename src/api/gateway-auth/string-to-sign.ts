// The Alibaba Cloud API Gateway StringToSign, byte-for-byte what the official SDKs build:
//   METHOD \n Accept \n Content-MD5 \n Content-Type \n Date \n [signed headers \n] PathAndParameters
// Pure: no I/O, no clock. Header names are matched case-insensitively, so the result does not depend on
// how a client spelled or ordered its headers.

export type HeaderBag = Record<string, string | string[] | number | undefined>;
export type ParamBag = Record<string, string | string[] | undefined>;

export interface StringToSignInput {
  method: string;
  /** the request path only, as sent (still percent-encoded), without the query string */
  path: string;
  headers: HeaderBag;
  /** decoded query parameters */
  query?: ParamBag;
  /** decoded form parameters; only signed when Content-Type is application/x-www-form-urlencoded */
  form?: ParamBag;
}

const LF = '\n';
const FORM_TYPE = 'application/x-www-form-urlencoded';

// These already have their own line (or are the signature itself), so the gateway never signs them
// again in the header block, even when a client lists them in X-Ca-Signature-Headers.
const NOT_IN_HEADER_BLOCK = new Set([
  'x-ca-signature',
  'x-ca-signature-headers',
  'accept',
  'content-md5',
  'content-type',
  'date',
]);

/** Lower-cased view of a header bag; repeated values are joined with ',' like Node does. */
export function lowerHeaders(headers: HeaderBag): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(',') : String(value);
    const key = name.toLowerCase();
    const prev = out.get(key);
    out.set(key, prev === undefined ? text : `${prev},${text}`);
  }
  return out;
}

/** The header names the client declared as signed, lower-cased, de-duplicated and sorted. */
export function signedHeaderNames(headers: Map<string, string>): string[] {
  const declared = headers.get('x-ca-signature-headers') ?? '';
  const names = new Set<string>();
  for (const part of declared.split(',')) {
    const name = part.trim().toLowerCase();
    if (name && !NOT_IN_HEADER_BLOCK.has(name)) names.add(name);
  }
  return [...names].sort();
}

export function isFormContentType(contentType: string | undefined): boolean {
  return (contentType ?? '').trim().toLowerCase().startsWith(FORM_TYPE);
}

function paramText(value: string | string[] | undefined): string {
  if (value === undefined) return '';
  return Array.isArray(value) ? value.join(',') : value;
}

/** path?k1=v1&k2&k3=v3 — keys sorted, form values win over query values (as the SDK merges them). */
export function pathAndParameters(path: string, query?: ParamBag, form?: ParamBag): string {
  const merged = new Map<string, string>();
  for (const bag of [query, form]) {
    if (!bag) continue;
    for (const [k, v] of Object.entries(bag)) merged.set(k, paramText(v));
  }
  if (merged.size === 0) return path;
  const parts = [...merged.keys()].sort().map((k) => {
    const v = merged.get(k) ?? '';
    return v === '' ? k : `${k}=${v}`;
  });
  return `${path}?${parts.join('&')}`;
}

export function buildStringToSign(req: StringToSignInput): string {
  const headers = lowerHeaders(req.headers);
  const contentType = headers.get('content-type') ?? '';
  const lines = [
    req.method,
    headers.get('accept') ?? '',
    headers.get('content-md5') ?? '',
    contentType,
    headers.get('date') ?? '',
  ];
  const signed = signedHeaderNames(headers);
  if (signed.length > 0) lines.push(signed.map((name) => `${name}:${headers.get(name) ?? ''}`).join(LF));
  lines.push(pathAndParameters(req.path, req.query, isFormContentType(contentType) ? req.form : undefined));
  return lines.join(LF);
}
