// Downloads a caller-given image URL under caps on bytes, pixels and time, following redirects by
// hand so each hop is counted and re-checked. The address check itself lives in the dispatcher
// (createGuardedAgent), which judges every connection, redirect hops included.
import { request, type Dispatcher } from 'undici';
import { ServiceError } from '../jobs/errors.ts';
import { findForbidden } from './guarded-agent.ts';
import { inspectImage, type ImageFormat } from './image-check.ts';
import { discard, readCapped } from './read-capped.ts';
import { describeNetworkError } from './net-errors.ts';
import { checkUrlSyntax } from './url.ts';

export interface DownloadLimits {
  maxBytes: number;
  maxPixels: number;
  timeoutMs: number;
  maxRedirects: number;
}

export interface DownloadedImage {
  bytes: Buffer;
  format: ImageFormat;
  /** As stored in the file header, before EXIF orientation. */
  width: number;
  height: number;
}

export const DEFAULT_DOWNLOAD_LIMITS: DownloadLimits = {
  maxBytes: 20 * 1024 * 1024,
  maxPixels: 50_000_000,
  timeoutMs: 30_000,
  maxRedirects: 5,
};

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Fetches and validates one image. Throws ServiceError with UrlForbidden, ImageDownloadFailed,
 * ImageFormatUnsupported or ImageTooLarge; when the caller's `signal` aborts, its reason is thrown
 * as is (the caller knows why it cancelled).
 */
export async function downloadImage(
  url: string,
  opts: { dispatcher: Dispatcher; limits?: Partial<DownloadLimits>; signal?: AbortSignal },
): Promise<DownloadedImage> {
  const limits = { ...DEFAULT_DOWNLOAD_LIMITS, ...opts.limits };
  const bad = checkUrlSyntax(url);
  if (bad) throw new ServiceError('ImageDownloadFailed', bad);

  // One deadline for the whole exchange: every hop, headers and body.
  const deadline = AbortSignal.timeout(limits.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([deadline, opts.signal]) : deadline;
  try {
    const bytes = await fetchBytes(url, limits, opts.dispatcher, signal);
    const info = await inspectImage(bytes, limits.maxPixels);
    return { bytes, ...info };
  } catch (err) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    if (err instanceof ServiceError) throw err;
    const forbidden = findForbidden(err);
    if (forbidden) throw new ServiceError('UrlForbidden', forbidden.message);
    if (deadline.aborted) throw new ServiceError('ImageDownloadFailed', `timed out after ${limits.timeoutMs} ms`);
    throw new ServiceError('ImageDownloadFailed', describeNetworkError(err));
  }
}

async function fetchBytes(url: string, limits: DownloadLimits, dispatcher: Dispatcher, signal: AbortSignal): Promise<Buffer> {
  let current = url;
  for (let hop = 0; ; hop++) {
    const res = await request(current, {
      dispatcher,
      signal,
      method: 'GET',
      headers: { accept: 'image/jpeg, image/png;q=0.9, image/webp;q=0.8, image/avif;q=0.8, */*;q=0.1', 'user-agent': 'wanxing-portrait/0.1' },
    });
    if (REDIRECTS.has(res.statusCode)) {
      discard(res.body);
      const location = headerValue(res.headers.location);
      if (!location) throw new ServiceError('ImageDownloadFailed', `HTTP ${res.statusCode} without Location`);
      if (hop >= limits.maxRedirects) throw new ServiceError('ImageDownloadFailed', `more than ${limits.maxRedirects} redirects`);
      current = nextHop(current, location);
      continue;
    }
    if (res.statusCode < 200 || res.statusCode > 299) {
      discard(res.body);
      throw new ServiceError('ImageDownloadFailed', `HTTP ${res.statusCode}`);
    }
    const declared = Number(headerValue(res.headers['content-length']));
    if (Number.isFinite(declared) && declared > limits.maxBytes) {
      discard(res.body);
      throw new ServiceError('ImageTooLarge', `Content-Length ${declared} exceeds ${limits.maxBytes} bytes`);
    }
    const body = await readCapped(res.body, limits.maxBytes);
    if (body.overflow) throw new ServiceError('ImageTooLarge', `body exceeds ${limits.maxBytes} bytes`);
    return body.bytes;
  }
}

function nextHop(from: string, location: string): string {
  let target: string;
  try {
    target = new URL(location, from).href;
  } catch {
    throw new ServiceError('ImageDownloadFailed', 'redirect to an invalid URL');
  }
  // A redirect to file:, gopher:, credentials in the URL etc. is refused like a forbidden host.
  const bad = checkUrlSyntax(target);
  if (bad) throw new ServiceError('UrlForbidden', `redirect refused: ${bad}`);
  return target;
}

function headerValue(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h[0] : h;
}
