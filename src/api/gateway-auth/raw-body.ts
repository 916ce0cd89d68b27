// Keeps the exact request bytes (Content-MD5 and form signing need them) and installs body parsers
// that never turn a malformed JSON body into a Fastify 400: the service contract answers bad JSON
// with the business envelope (InvalidArguments, HTTP 200), so the route decides, from request.jsonError.
import { parse as parseQuery } from 'node:querystring';
import { Transform } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** the body bytes exactly as received (undefined when the request had no body) */
    rawBody?: Buffer;
    /** true when the Content-Type said JSON but the body did not parse; request.body is then undefined */
    jsonError: boolean;
  }
}

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

export function installRawBody(app: FastifyInstance, skip?: (req: FastifyRequest) => boolean): void {
  app.decorateRequest('rawBody', undefined);
  app.decorateRequest('jsonError', false);

  // A pass-through copy in front of whatever parser handles the type, so every content type is covered
  // and Fastify's body limit and Content-Length checks still apply unchanged.
  app.addHook('preParsing', async (request, _reply, payload) => {
    if (!hasBody(request) || skip?.(request)) return payload;
    const chunks: Buffer[] = [];
    const tee = new Transform({
      transform(chunk: Buffer | string, _encoding, callback) {
        chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
        callback(null, chunk);
      },
      flush(callback) {
        request.rawBody = Buffer.concat(chunks);
        callback();
      },
    });
    // pipe(), not pipeline(): pipeline allocates an AbortController per call and aborts it when done,
    // building a DOMException with a stack trace on every request (~15 % of a submit's CPU).
    // Errors and aborts are forwarded to the parser through tee by hand instead.
    payload.on('error', (err) => tee.destroy(err));
    payload.on('close', () => {
      if (!payload.readableEnded && !tee.destroyed) tee.destroy(new Error('request aborted'));
    });
    payload.pipe(tee);
    return tee;
  });

  const onProto = app.initialConfig.onProtoPoisoning ?? 'error';
  const onConstructor = app.initialConfig.onConstructorPoisoning ?? 'error';
  const defaultJson = app.getDefaultJsonParser(onProto, onConstructor);
  if (app.hasContentTypeParser('application/json')) app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    defaultJson(request, body as string, (err: Error | null, value?: unknown) => {
      if (err) {
        request.jsonError = true;
        done(null, undefined);
      } else {
        done(null, value);
      }
    });
  });

  // Form parameters take part in the StringToSign, so form bodies must be understood too.
  const form = 'application/x-www-form-urlencoded';
  if (app.hasContentTypeParser(form)) app.removeContentTypeParser(form);
  app.addContentTypeParser(form, { parseAs: 'string' }, (_request, body, done) => {
    done(null, parseQuery(body as string));
  });
}
