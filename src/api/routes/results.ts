// Result images behind signed, expiring URLs. No gateway signature here: the URL itself is the credential.
import fs from 'node:fs';
import type { FastifyPluginAsync } from 'fastify';
import type { LocalResultStore } from '../../storage/local-result-store.ts';

export const resultRoutes: FastifyPluginAsync<{ results: LocalResultStore }> = async (app, opts) => {
  app.get<{ Params: { file: string }; Querystring: { expires?: string; sig?: string } }>('/results/:file', async (request, reply) => {
    const r = opts.results.resolve(request.params.file, request.query.expires ?? '', request.query.sig ?? '');
    if ('error' in r) {
      const code = r.error === 'forbidden' ? 403 : r.error === 'expired' ? 410 : 404;
      return reply.code(code).send({ error: r.error });
    }
    reply.header('content-type', r.path.endsWith('.png') ? 'image/png' : 'image/jpeg');
    reply.header('cache-control', 'private, max-age=3600');
    return reply.send(fs.createReadStream(r.path));
  });
};
