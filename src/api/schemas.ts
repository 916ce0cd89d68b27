// JSON Schemas of the API, in one place: the routes validate requests with them (strictly, no type
// coercion) and /openapi.json is generated from them. The business rules and their Chinese messages
// stay in jobs/validate.ts, which decides the error answer; these schemas describe the same rules.
import { ERRORS } from '../jobs/errors.ts';
import { JOB_STATES } from '../jobs/job.ts';
import type { TimeoutRules } from '../jobs/validate.ts';
import { MAX_URL_LENGTH } from '../fetch/url.ts';

const httpUrl = (description: string) => ({
  type: 'string',
  minLength: 1,
  maxLength: MAX_URL_LENGTH,
  // A superset of validate.ts's rule (which parses the URL): http(s) scheme, no whitespace or controls.
  pattern: '^[Hh][Tt][Tt][Pp][Ss]?:[^\\u0000-\\u0020\\u007f-\\u009f]+$',
  description,
});

export function swapRequestSchema(rules: TimeoutRules) {
  return {
    type: 'object',
    required: ['source_url', 'target_url', 'notify_url'],
    properties: {
      source_url: httpUrl("http(s) URL of the user's photo: jpg/png, one clear frontal face (640–2500 px a side recommended)"),
      target_url: httpUrl('http(s) URL of the template portrait: jpg/png, one face (800–2000 px a side recommended)'),
      notify_url: httpUrl('http(s) URL that receives the result notification'),
      timeout: {
        type: ['number', 'null'],
        minimum: 1,
        maximum: rules.maxTimeoutS,
        default: rules.defaultTimeoutS,
        description: 'seconds from submission until the job stops with Timeout',
      },
    },
  } as const;
}

export const queryRequestSchema = {
  type: 'object',
  required: ['job_id'],
  properties: { job_id: { type: 'string', minLength: 1, maxLength: 128 } },
} as const;

export const redeliverRequestSchema = queryRequestSchema;

const errorNames = Object.keys(ERRORS);
const errorStatuses = Object.values(ERRORS).map((e) => e.status);

export const errorEnvelopeSchema = {
  type: 'object',
  required: ['status', 'error', 'errmsg'],
  description: 'A business error: HTTP 200 with a negative status (the gateway SDKs throw on non-2xx)',
  properties: {
    status: { type: 'integer', enum: errorStatuses },
    error: { type: 'string', enum: errorNames },
    errmsg: { type: 'string', description: 'Chinese message, with the detail after a colon' },
  },
} as const;

export const swapAnswerSchema = {
  type: 'object',
  required: ['status', 'errmsg', 'error', 'data'],
  properties: {
    status: { type: 'integer', enum: [0] },
    errmsg: { type: 'string', enum: ['SUCCESSFULLY'] },
    error: { type: 'string', enum: [''] },
    data: { type: 'object', required: ['job_id'], properties: { job_id: { type: 'string' } } },
  },
} as const;

export const queryAnswerSchema = {
  type: 'object',
  required: ['status', 'data'],
  properties: {
    status: { type: 'integer', enum: [0] },
    data: {
      type: 'object',
      required: ['job_status'],
      properties: {
        job_status: { type: 'string', enum: [...JOB_STATES] },
        result_url: { type: 'array', items: { type: 'string' }, description: 'finish only: signed URL, valid 24 h' },
        reason: { type: 'string', description: 'fail only' },
        code: { type: 'integer', description: 'fail only: the error status', enum: errorStatuses },
      },
    },
  },
} as const;

export const redeliverAnswerSchema = {
  type: 'object',
  required: ['status', 'data'],
  properties: {
    status: { type: 'integer', enum: [0] },
    errmsg: { type: 'string' },
    error: { type: 'string' },
    data: {
      type: 'object',
      properties: { job_id: { type: 'string' }, attempts: { type: 'integer', description: 'attempts made before this redelivery' } },
    },
  },
} as const;

export const notificationSchema = {
  type: 'object',
  required: ['job_id', 'status', 'data'],
  properties: {
    job_id: { type: 'string' },
    status: { type: 'integer', description: '0 on success, else the error status' },
    error: { type: 'string', enum: errorNames, description: 'failures only' },
    data: {
      type: 'object',
      properties: { result_url: { type: 'array', items: { type: 'string' }, description: 'success only' } },
    },
  },
} as const;
