// Wire shapes of the seed: submit/query answers and the notification body.
import { ERRORS, type ErrorName, type ServiceError } from './errors.ts';
import type { Job, Outcome } from './job.ts';

export function okEnvelope(data: unknown) {
  return { status: 0, errmsg: 'SUCCESSFULLY', error: '', data };
}

export function errorEnvelope(err: ServiceError) {
  return { status: err.status, error: err.errorName, errmsg: err.message };
}

/** POST /query answer data. */
export function queryData(job: Job): Record<string, unknown> {
  switch (job.state) {
    case 'finish':
      return { job_status: 'finish', result_url: [job.resultUrl] };
    case 'fail':
      return { job_status: 'fail', reason: job.reason ?? ERRORS[job.errorName ?? 'InternalError'].message, code: ERRORS[job.errorName ?? 'InternalError'].status };
    default:
      return { job_status: job.state };
  }
}

/** The notification body, byte-exact as the seed shows it. */
export function notificationBody(jobId: string, outcome: Outcome): string {
  if (outcome.state === 'finish') {
    return JSON.stringify({ job_id: jobId, status: 0, data: { result_url: [outcome.resultUrl] } });
  }
  const name: ErrorName = outcome.errorName;
  return JSON.stringify({ job_id: jobId, status: ERRORS[name].status, error: name, data: {} });
}
