// Authenticated re-delivery of a job's notification (after its 11 attempts were used up, or on demand).
import type { FastifyPluginAsync } from 'fastify';
import { ServiceError } from '../../jobs/errors.ts';
import type { JobService } from '../../jobs/job-service.ts';
import { parseQueryRequest } from '../../jobs/validate.ts';
import type { Notifier } from '../../notify/index.ts';
import { envelope } from './jobs.ts';

export const notifyRoutes: FastifyPluginAsync<{ jobs: JobService; notifier: Notifier }> = async (app, opts) => {
  app.post('/notify/redeliver', async (request, reply) =>
    envelope(request, reply, async () => {
      const jobId = parseQueryRequest(request.body);
      const job = await opts.jobs.store.get(jobId);
      if (!job || job.appKey !== request.appKey || !opts.notifier.redeliver(jobId)) throw new ServiceError('JobNotFound');
      return { job_id: jobId, attempts: opts.notifier.attempts(jobId).length };
    }),
  );
};
