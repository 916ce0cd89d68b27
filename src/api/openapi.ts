// The OpenAPI 3 document, built from the same schemas the routes validate with (api/schemas.ts).
import { ERRORS } from '../jobs/errors.ts';
import type { TimeoutRules } from '../jobs/validate.ts';
import {
  errorEnvelopeSchema,
  facesAnswerSchema,
  facesRequestSchema,
  notificationSchema,
  queryAnswerSchema,
  queryRequestSchema,
  redeliverAnswerSchema,
  redeliverRequestSchema,
  swapAnswerSchema,
  swapRequestSchema,
} from './schemas.ts';
import {
  deleteTemplateSchema,
  listTemplatesSchema,
  registerTemplateSchema,
  templateAnswerSchema,
  templateDeleteAnswerSchema,
  templateListAnswerSchema,
} from './routes/templates.ts';

const SIGNATURE_HEADERS = ['X-Ca-Key', 'X-Ca-Timestamp', 'X-Ca-Nonce', 'X-Ca-Signature', 'X-Ca-Signature-Headers'].map((name) => ({
  name,
  in: 'header',
  required: true,
  schema: { type: 'string' },
}));

function signedPost(summary: string, description: string, request: string, answer: string) {
  return {
    summary,
    description,
    security: [{ gateway: [] }],
    parameters: [
      ...SIGNATURE_HEADERS,
      { name: 'Content-MD5', in: 'header', required: true, schema: { type: 'string' }, description: 'base64 MD5 of the body' },
    ],
    requestBody: { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${request}` } } } },
    responses: {
      '200': {
        description: 'The answer, or a business error (also HTTP 200)',
        content: { 'application/json': { schema: { oneOf: [{ $ref: `#/components/schemas/${answer}` }, { $ref: '#/components/schemas/ErrorEnvelope' }] } } },
      },
      '400': { description: 'Gateway refusal: signature, timestamp, nonce, Content-MD5 or a missing header (see X-Ca-Error-Message)' },
      '403': { description: 'Invalid AppKey' },
      '429': { description: 'Throttled by APP Flow Control' },
    },
  };
}

export function openApiDocument(rules: TimeoutRules, serverUrl?: string) {
  const errorTable = Object.entries(ERRORS)
    .map(([name, e]) => `| ${e.status} | ${name} | ${e.message} |`)
    .join('\n');
  return {
    openapi: '3.1.0',
    info: {
      title: 'Wanxing AI Portrait API',
      version: '1.0.0',
      description:
        'Asynchronous face swap: submit a user photo and a template, get the result by notification or by query. ' +
        'Requests are signed the Alibaba Cloud API Gateway way (X-Ca-* headers, HMAC-SHA256). Business errors answer ' +
        `HTTP 200 with a negative status:\n\n| status | error | message |\n|---|---|---|\n${errorTable}`,
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    paths: {
      '/swapface': { post: signedPost('Submit a face swap', 'Accepts a job; the result is notified to notify_url.', 'SwapRequest', 'SwapAnswer') },
      '/query': { post: signedPost('Query a job', 'Only the submitting app sees a job.', 'QueryRequest', 'QueryAnswer') },
      '/faces': {
        post: signedPost(
          "List a template's faces",
          'Synchronous (20 s at most). Every face in reading order with its box, score, head angles and input check, for target_face / faces of POST /swapface; the analysis is kept, so a swap on the template skips it, and a target_face that matches none of its faces is refused at submit.',
          'FacesRequest',
          'FacesAnswer',
        ),
      },
      '/templates': {
        post: signedPost(
          'Register a template',
          'Synchronous. Downloads image_url once (the same checks as target_url), analyses it and stores the image and its analysis for this app. Pass the template_id to POST /swapface instead of target_url: the job skips the download and the analysis, in every worker and after restarts. Refused when no face of it passes the template checks.',
          'TemplateRequest',
          'TemplateAnswer',
        ),
      },
      '/templates/list': {
        post: signedPost("List this app's templates", 'Newest first, a page at a time: pass next_cursor back as cursor.', 'TemplateListRequest', 'TemplateListAnswer'),
      },
      '/templates/delete': {
        post: signedPost(
          'Delete a template',
          'Gone from the list and refused by new swaps at once; jobs already queued on it still finish (its image and analysis are purged once they have all ended).',
          'TemplateDeleteRequest',
          'TemplateDeleteAnswer',
        ),
      },
      '/notify/redeliver': {
        post: signedPost('Send a notification again', 'A fresh budget of 11 attempts.', 'RedeliverRequest', 'RedeliverAnswer'),
      },
      '/results/{file}': {
        get: {
          summary: 'A result image (the signed URL from result_url)',
          parameters: [
            { name: 'file', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'expires', in: 'query', required: true, schema: { type: 'integer' } },
            { name: 'sig', in: 'query', required: true, schema: { type: 'string' } },
          ],
          responses: { '200': { description: 'JPEG or PNG' }, '403': { description: 'bad signature' }, '410': { description: 'expired' } },
        },
      },
      '/healthz': { get: { summary: 'Liveness', responses: { '200': { description: '{"ok":true}' } } } },
      '/readyz': { get: { summary: 'Readiness', responses: { '200': { description: 'ready' }, '503': { description: 'starting or stopping' } } } },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text exposition format' } } } },
    },
    webhooks: {
      notification: {
        post: {
          summary: 'Sent to notify_url when a job ends; answer HTTP 200 with the body "successfully"',
          description: 'Signed with Standard Webhooks headers (webhook-id, webhook-timestamp, webhook-signature; key = AppSecret UTF-8 bytes).',
          requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Notification' } } } },
          responses: { '200': { description: 'body "successfully"; anything else is re-sent (10 re-sends at most)' } },
        },
      },
    },
    components: {
      securitySchemes: {
        gateway: { type: 'apiKey', in: 'header', name: 'X-Ca-Key', description: 'AppKey; the request must also carry X-Ca-Signature (HMAC-SHA256 of the StringToSign with the AppSecret)' },
      },
      schemas: {
          SwapRequest: swapRequestSchema(rules),
          QueryRequest: queryRequestSchema,
          RedeliverRequest: redeliverRequestSchema,
          SwapAnswer: swapAnswerSchema,
          FacesRequest: facesRequestSchema,
          FacesAnswer: facesAnswerSchema,
          QueryAnswer: queryAnswerSchema,
          RedeliverAnswer: redeliverAnswerSchema,
          ErrorEnvelope: errorEnvelopeSchema,
          TemplateRequest: registerTemplateSchema,
          TemplateAnswer: templateAnswerSchema,
          TemplateListRequest: listTemplatesSchema,
          TemplateListAnswer: templateListAnswerSchema,
          TemplateDeleteRequest: deleteTemplateSchema,
          TemplateDeleteAnswer: templateDeleteAnswerSchema,
          Notification: notificationSchema,
      },
    },
  };
}
