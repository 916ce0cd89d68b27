// POST /swapface and POST /query, exactly as the seed: business errors are HTTP 200 with the
// envelope, because the official gateway SDK throws on anything else.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { ServiceError, toServiceError } from '../../jobs/errors.ts';
import type { JobService } from '../../jobs/job-service.ts';
import { errorEnvelope, okEnvelope } from '../../jobs/payloads.ts';
import { parseQueryRequest, parseSwapRequest, type TimeoutRules } from '../../jobs/validate.ts';
import { queryRequestSchema, swapRequestSchema } from '../schemas.ts';
import { strictValidatorCompiler } from '../strict-validator.ts';
import type { KnownTemplates } from '../../jobs/known-templates.ts';
import { isTemplateRef, TEMPLATE_SCHEME, type TemplateCatalogue } from '../../templates/catalogue.ts';

export interface JobRoutesOptions {
  jobs: JobService;
  timeouts: TimeoutRules;
  /** Called after a job is durably accepted (wakes the embedded queue). */
  onSubmitted?: () => void;
  /** Templates listed by POST /faces: a target_face matching none of their faces is refused at submit. */
  knownTemplates?: KnownTemplates;
  /** Registered templates: a `template_id` must be one of the caller's. */
  templates?: TemplateCatalogue;
}

/** A job on a registered template: refused unless the app owns it (an unknown or another app's id reads the same). */
export async function checkTemplate(templates: TemplateCatalogue | undefined, appKey: string, targetUrl: string): Promise<void> {
  if (!isTemplateRef(targetUrl)) return;
  if (!templates) throw new ServiceError('InvalidArguments', 'template_id: 此服务未启用模板');
  await templates.targetRef(appKey, targetUrl.slice(TEMPLATE_SCHEME.length));
}

/** Runs a handler and turns any failure into the seed's error envelope. */
export async function envelope(request: FastifyRequest, reply: FastifyReply, handler: () => Promise<unknown>) {
  try {
    if (request.jsonError) throw new ServiceError('InvalidArguments', '请求体不是合法的JSON');
    return okEnvelope(await handler());
  } catch (err) {
    const e = toServiceError(err);
    if (e.errorName === 'InternalError') request.log.error({ err }, 'request failed');
    reply.code(200);
    return errorEnvelope(e);
  }
}

/**
 * Route options that validate the body against `schema` (the one /openapi.json publishes) without
 * coercion, and leave the answer to the handler: validate.ts gives the message, schemaCheck() backs it.
 */
export function strictBody(schema: object) {
  return { schema: { body: schema }, attachValidation: true, validatorCompiler: strictValidatorCompiler } as const;
}

/** Throws InvalidArguments when the schema refused a body that validate.ts let through. */
export function schemaCheck(request: FastifyRequest): void {
  if (request.validationError) throw new ServiceError('InvalidArguments', request.validationError.message);
}

export const jobRoutes: FastifyPluginAsync<JobRoutesOptions> = async (app, opts) => {
  app.post('/swapface', strictBody(swapRequestSchema(opts.timeouts)), async (request, reply) =>
    envelope(request, reply, async () => {
      const input = parseSwapRequest(request.body, opts.timeouts);
      schemaCheck(request);
      opts.knownTemplates?.check(input);
      await checkTemplate(opts.templates, request.appKey!, input.targetUrl);
      const job = await opts.jobs.submit(request.appKey!, input);
      opts.onSubmitted?.();
      return { job_id: job.id };
    }),
  );

  app.post('/query', strictBody(queryRequestSchema), async (request, reply) => {
    const answer = await envelope(request, reply, async () => {
      const jobId = parseQueryRequest(request.body);
      schemaCheck(request);
      return opts.jobs.query(request.appKey!, jobId);
    });
    // The seed's query answer carries only status and data.
    return 'data' in answer ? { status: 0, data: answer.data } : answer;
  });
};
