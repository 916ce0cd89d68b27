// Authenticated re-delivery of a job's notification (after its 11 attempts were used up, or on demand).
import type { FastifyPluginAsync } from 'fastify';
import { ServiceError } from '../../jobs/errors.ts';
import type { JobService } from '../../jobs/job-service.ts';
import { parseQueryRequest } from '../../jobs/validate.ts';
import { redeliverRequestSchema } from '../schemas.ts';
import { envelope, schemaCheck, strictBody } from './jobs.ts';

/** What the route needs of a notifier: the embedded one answers synchronously, the Redis one not. */
export interface RedeliveryPort {
  redeliver(jobId: string): boolean | Promise<boolean>;
  attempts(jobId: string): unknown[] | Promise<unknown[]>;
}

export const notifyRoutes: FastifyPluginAsync<{ jobs: JobService; notifier: RedeliveryPort }> = async (app, opts) => {
  app.post('/notify/redeliver', strictBody(redeliverRequestSchema), async (request, reply) =>
    envelope(request, reply, async () => {
      const jobId = parseQueryRequest(request.body);
      schemaCheck(request);
      const job = await opts.jobs.store.get(jobId);
      if (!job || job.appKey !== request.appKey || !(await opts.notifier.redeliver(jobId))) throw new ServiceError('JobNotFound');
      return { job_id: jobId, attempts: (await opts.notifier.attempts(jobId)).length };
    }),
  );
};
