// HTTP latency per route, from Fastify's own timing (reply.elapsedTime). Installed on the root app
// (not as an encapsulated plugin) so it sees every route.
import type { FastifyInstance } from 'fastify';
import type { Metrics } from './metrics.ts';

export function installHttpMetrics(app: FastifyInstance, m: Metrics): void {
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the URL: job ids and signed result URLs would explode the label set.
    const route = request.routeOptions.url ?? 'unmatched';
    m.httpDuration.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
}
