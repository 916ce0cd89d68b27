// GET /metrics in the Prometheus text format. Unsigned like /healthz (scrapers don't sign); it shows
// counts and timings only, no job ids or keys.
import type { FastifyPluginAsync } from 'fastify';
import type { Metrics } from '../../metrics/index.ts';

export const metricsRoutes: FastifyPluginAsync<{ metrics: Metrics }> = async (app, opts) => {
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', opts.metrics.registry.contentType);
    return opts.metrics.registry.metrics();
  });
};
