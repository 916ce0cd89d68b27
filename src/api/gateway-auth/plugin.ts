// Fastify plugin: gateway-style authentication for every route not skipped.
// Order per request: verify (headers, key, timestamp, Content-MD5, signature) → nonce → rate limit.
// Register once: `await app.register(gatewayAuth, opts)` or `await gatewayAuth(app, opts)`; it is not
// encapsulated, so its hooks and parsers apply to the whole app.
import { randomUUID } from 'node:crypto';
import { parse as parseQuery } from 'node:querystring';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayMessage } from './messages.ts';
import type { NonceStore } from './nonce-store.ts';
import type { RateLimiter } from './rate-limiter.ts';
import { installRawBody } from './raw-body.ts';
import { isFormContentType, type ParamBag } from './string-to-sign.ts';
import { DEFAULT_MAX_SKEW_MS, verifyGatewayRequest } from './verify.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** the verified X-Ca-Key; set only once the request passed the gateway checks */
    appKey?: string;
    /** echoed as X-Ca-Request-Id on every response */
    caRequestId: string;
  }
}

export interface GatewayAuthOptions {
  secretFor(appKey: string): string | undefined | Promise<string | undefined>;
  nonceStore: NonceStore;
  rateLimiter?: RateLimiter;
  now?: () => number;
  /** allowed distance of X-Ca-Timestamp from now, either way (default 15 minutes) */
  maxSkewMs?: number;
  /** refuse a non-empty, non-form body without Content-MD5 (default true) */
  requireContentMd5?: boolean;
  /** routes that need no signature (health checks, signed result-file URLs) */
  skip?: (req: FastifyRequest) => boolean;
}

export const REQUEST_ID_HEADER = 'x-ca-request-id';
export const ERROR_MESSAGE_HEADER = 'x-ca-error-message';

function refuse(request: FastifyRequest, reply: FastifyReply, status: number, message: string, stringToSign?: string) {
  request.log.info({ status, reason: message.split(',')[0], caRequestId: request.caRequestId }, 'gateway auth refused');
  const body: Record<string, string> = { error: message, request_id: request.caRequestId };
  if (stringToSign !== undefined) body.string_to_sign = stringToSign;
  return reply.code(status).header(ERROR_MESSAGE_HEADER, message).send(body);
}

function splitUrl(url: string): { path: string; query: ParamBag | undefined } {
  const q = url.indexOf('?');
  if (q < 0) return { path: url, query: undefined };
  return { path: url.slice(0, q), query: parseQuery(url.slice(q + 1)) as ParamBag };
}

export async function gatewayAuth(app: FastifyInstance, opts: GatewayAuthOptions): Promise<void> {
  const now = opts.now ?? Date.now;
  const maxSkewMs = opts.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  installRawBody(app, opts.skip);
  app.decorateRequest('appKey', undefined);
  app.decorateRequest('caRequestId', '');

  app.addHook('onRequest', async (request, reply) => {
    request.caRequestId = randomUUID().toUpperCase();
    reply.header(REQUEST_ID_HEADER, request.caRequestId);
  });

  // A body over the limit is refused by Fastify before anyone is authenticated, as the gateway itself
  // refuses it: same status (413), but in the gateway's shape (X-Ca-Error-Message, {error, request_id})
  // rather than Fastify's, so every pre-authentication refusal looks alike to callers.
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode !== 413 || reply.hasHeader(ERROR_MESSAGE_HEADER)) return payload;
    reply.header(ERROR_MESSAGE_HEADER, GatewayMessage.bodyTooLarge).header('content-type', 'application/json; charset=utf-8');
    return JSON.stringify({ error: GatewayMessage.bodyTooLarge, request_id: request.caRequestId });
  });

  // preValidation: the body is parsed by now (form parameters and Content-MD5 need it), and an
  // unauthenticated request hears about its signature before any schema complaint.
  app.addHook('preValidation', async (request, reply) => {
    if (opts.skip?.(request)) return;
    const rawKey = request.headers['x-ca-key'];
    const appKey = typeof rawKey === 'string' ? rawKey : undefined;
    const secret = appKey ? await opts.secretFor(appKey) : undefined;
    const { path, query } = splitUrl(request.url);
    const rawBody = request.rawBody;
    const form =
      rawBody && isFormContentType(request.headers['content-type'])
        ? (parseQuery(rawBody.toString('utf8')) as ParamBag)
        : undefined;
    const result = verifyGatewayRequest(
      { method: request.method, path, headers: request.headers, query, form, rawBody },
      {
        secretFor: (key) => (key === appKey ? secret : undefined),
        now,
        maxSkewMs,
        requireContentMd5: opts.requireContentMd5,
      },
    );
    if (!result.ok) return refuse(request, reply, result.httpStatus, result.message, result.stringToSign);

    // Remember the nonce until its timestamp could no longer pass the window check anyway.
    const ttlMs = result.timestamp + maxSkewMs - now() + 1000;
    if (!(await opts.nonceStore.checkAndRemember(result.appKey, result.nonce, ttlMs))) {
      return refuse(request, reply, 400, GatewayMessage.nonceUsed);
    }
    if (opts.rateLimiter && !(await opts.rateLimiter.take(result.appKey))) {
      return refuse(request, reply, 429, GatewayMessage.throttledApp);
    }
    request.appKey = result.appKey;
  });
}

// Like fastify-plugin: registering must not encapsulate, or the hooks would miss sibling routes.
Object.assign(gatewayAuth, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'gateway-auth',
});
