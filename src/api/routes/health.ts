import type { FastifyPluginAsync } from 'fastify';

export const healthRoutes: FastifyPluginAsync<{ ready: () => boolean }> = async (app, opts) => {
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_req, reply) => (opts.ready() ? { ready: true } : reply.code(503).send({ ready: false })));
};
