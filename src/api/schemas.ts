// JSON Schemas of the API, in one place: the routes validate requests with them (strictly, no type
// coercion) and /openapi.json is generated from them. The business rules and their Chinese messages
// stay in jobs/validate.ts, which decides the error answer; these schemas describe the same rules.
import { ERRORS } from '../jobs/errors.ts';
import { JOB_STATES } from '../jobs/job.ts';
import type { TimeoutRules } from '../jobs/validate.ts';
import { MAX_URL_LENGTH } from '../fetch/url.ts';
import { MAX_FACE_INDEX, MAX_GROUP_FACES } from '../jobs/face-selection.ts';

export const httpUrl = (description: string) => ({
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
    required: ['notify_url'],
    // The template: by URL, or a registered one by id (POST /templates).
    allOf: [
      { oneOf: [{ required: ['target_url'], properties: { target_url: true } }, { required: ['template_id'], properties: { template_id: true } }] },
      // V1 names its source in source_url; a group job names one per face in `faces` instead.
      // (Ajv's strict mode wants each required name among the same schema's properties.)
      { oneOf: [{ required: ['source_url'], properties: { source_url: true } }, { required: ['faces'], properties: { faces: true } }] },
    ],
    properties: {
      ...faceSelectionProperties,
      source_url: httpUrl("http(s) URL of the user's photo: jpg/png, one clear frontal face (640–2500 px a side recommended)"),
      target_url: httpUrl('http(s) URL of the template portrait: jpg/png, one face (800–2000 px a side recommended)'),
      template_id: { type: 'string', minLength: 1, maxLength: 64, description: 'a registered template (POST /templates) of this app, instead of target_url: no download, no analysis' },
      notify_url: httpUrl('http(s) URL that receives the result notification'),
      timeout: {
        type: ['number', 'null'],
        minimum: 1,
        maximum: rules.maxTimeoutS,
        default: rules.defaultTimeoutS,
        description: 'seconds from submission until the job stops with Timeout',
      },
      label: {
        description:
          'the visible AIGC label 「AI生成」 (GB 45438-2025): false or {"visible": false} asks for none, where the service allows it; absent or null: the service default (on). The XMP label is always written.',
        oneOf: [
          { type: 'boolean' },
          { type: 'null' },
          { type: 'object', additionalProperties: false, properties: { visible: { type: 'boolean' } } },
        ],
      },
      style: {
        type: ['string', 'null'],
        enum: ['template', 'source', null],
        default: 'template',
        description:
          "whose make-up the result wears: \"template\" (default) the template's lip colour over the user's lips, a blue, green or violet eye-shadow of the user's turned to the skin's hue, and a dark winged eyeliner lightened a little, where the template wears none; \"source\" the user's own. Absent or null: \"template\". The ONNX engine ignores it.",
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

/** The seed's success envelope around a `data` schema (status 0). */
export const okAnswer = <D extends object>(data: D) =>
  ({
    type: 'object',
    required: ['status', 'data'],
    properties: { status: { type: 'integer', enum: [0] }, errmsg: { type: 'string' }, error: { type: 'string' }, data },
  }) as const;

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

export const redeliverAnswerSchema = okAnswer({
  type: 'object',
  properties: { job_id: { type: 'string' }, attempts: { type: 'integer', description: 'attempts made before this redelivery' } },
} as const);

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

/** A template face: its index in reading order, or a point inside it. */
const faceChoice = (description: string) => ({
  description,
  oneOf: [
    { type: 'integer', minimum: 0, maximum: MAX_FACE_INDEX, description: '0-based index in reading order (left to right, then top to bottom: the order of POST /faces)' },
    {
      type: 'object',
      required: ['x', 'y'],
      additionalProperties: false,
      properties: { x: { type: 'number', minimum: 0, maximum: 100_000 }, y: { type: 'number', minimum: 0, maximum: 100_000 } },
      description: 'a point in image pixels inside the wanted face',
    },
  ],
});

/** Optional fields of POST /swapface for group and couple templates (additive to V1). */
const faceSelectionProperties = {
  target_face: faceChoice('the template face to replace; without it, a template with several comparable faces is MultipleFacesInTarget (V1)'),
  source_face: faceChoice("the face of source_url's photo to use when it holds several"),
  faces: {
    type: 'array',
    minItems: 1,
    maxItems: MAX_GROUP_FACES,
    description: 'a group job, in place of source_url: each source into its own template face; one result',
    items: {
      type: 'object',
      required: ['source_url', 'target_face'],
      additionalProperties: false,
      properties: {
        source_url: httpUrl('http(s) URL of this face\'s photo, checked like a V1 source'),
        target_face: faceChoice('the template face this source replaces'),
        source_face: faceChoice('the face of this photo to use when it holds several'),
      },
    },
  },
} as const;

export const facesRequestSchema = {
  type: 'object',
  required: ['image_url'],
  properties: { image_url: httpUrl('http(s) URL of a template: jpg/png') },
} as const;

/** One face as POST /faces and POST /templates list it (src/engine/faces.ts describeFaces). */
export const faceInfoSchema = {
  type: 'object',
  required: ['index', 'box', 'score', 'angles', 'check'],
  properties: {
    index: { type: 'integer', description: 'the target_face index of this face' },
    box: { type: 'array', items: { type: 'integer' }, minItems: 4, maxItems: 4, description: '[x, y, width, height] in image pixels' },
    score: { type: 'number', description: 'detector confidence 0–1' },
    angles: { type: 'object', properties: { yaw: { type: 'number' }, pitch: { type: 'number' }, roll: { type: 'number' } }, description: 'head angles in degrees' },
    check: {
      type: 'object',
      required: ['ok'],
      properties: {
        ok: { type: 'boolean', description: 'whether a swap into this face passes the input checks' },
        status: { type: 'integer', enum: errorStatuses, description: 'the error status when not ok' },
        error: { type: 'string', enum: errorNames, description: 'FaceTooSmall or FaceAngleTooLarge' },
        message: { type: 'string' },
      },
    },
  },
} as const;

export const facesAnswerSchema = okAnswer({
  type: 'object',
  required: ['faces'],
  properties: {
    width: { type: 'integer', description: 'image width in pixels' },
    height: { type: 'integer', description: 'image height in pixels' },
    faces: {
      type: 'array',
      description: 'every face, in reading order: rows by vertical centre (a face more than half a face height below the row\'s first face starts a new row), top to bottom; left to right inside a row',
      items: faceInfoSchema,
    },
  },
} as const);
