// POST /templates, /templates/list, /templates/delete: an app's catalogue of registered templates
// (src/templates/catalogue.ts). Signed and enveloped like /swapface; an app sees only its own.
import type { FastifyPluginAsync } from 'fastify';
import { checkUrlSyntax } from '../../fetch/url.ts';
import { ServiceError } from '../../jobs/errors.ts';
import { LIST_PAGE, MAX_NAME_LENGTH, templateJson, type TemplateCatalogue } from '../../templates/catalogue.ts';
import { faceInfoSchema, httpUrl, okAnswer } from '../schemas.ts';
import { envelope, schemaCheck, strictBody } from './jobs.ts';

const templateId = { type: 'string', minLength: 1, maxLength: 64, description: 'id from POST /templates (tpl_…)' } as const;

export const registerTemplateSchema = {
  type: 'object',
  // The image: by URL, or inline (a file from `wanxing templates add`); exactly one.
  oneOf: [
    { required: ['image_url'], properties: { image_url: true } },
    { required: ['image_base64'], properties: { image_base64: true } },
  ],
  properties: {
    image_url: httpUrl('http(s) URL of the template portrait (jpg/png/webp/avif; downloaded once, checked, analysed and stored)'),
    image_base64: { type: 'string', minLength: 1, description: 'the image itself, base64, instead of image_url (the same size and format checks)' },
    name: { type: 'string', maxLength: MAX_NAME_LENGTH, description: 'a label for the catalogue' },
  },
} as const;

export const listTemplatesSchema = {
  type: 'object',
  properties: {
    cursor: { type: 'string', minLength: 1, maxLength: 200, description: 'next_cursor of the previous page' },
    limit: { type: 'integer', minimum: 1, maximum: 100, default: LIST_PAGE, description: 'templates per page' },
  },
} as const;

export const deleteTemplateSchema = { type: 'object', required: ['template_id'], properties: { template_id: templateId } } as const;


export const templateSchema = {
  type: 'object',
  required: ['template_id', 'faces'],
  properties: {
    template_id: { type: 'string', description: 'pass as `template_id` to POST /swapface instead of target_url' },
    name: { type: 'string' },
    created_at: { type: 'string', description: 'ISO 8601' },
    width: { type: 'integer' },
    height: { type: 'integer' },
    format: { type: 'string', enum: ['jpeg', 'png', 'webp', 'avif'] },
    image_url: { type: 'string', description: 'where it was downloaded from' },
    faces: { type: 'array', items: faceInfoSchema },
  },
} as const;

export const templateAnswerSchema = okAnswer(templateSchema);
export const templateListAnswerSchema = okAnswer({
  type: 'object',
  required: ['templates'],
  properties: { templates: { type: 'array', items: templateSchema }, next_cursor: { type: 'string', description: 'absent on the last page' } },
});
export const templateDeleteAnswerSchema = okAnswer({ type: 'object', properties: { template_id: { type: 'string' }, deleted: { type: 'boolean', enum: [true] } } });

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** POST /templates body: InvalidArguments naming the field. */
export function parseRegisterTemplate(body: unknown): { imageUrl?: string; imageBytes?: Buffer; name?: string } {
  if (!isObject(body)) throw new ServiceError('InvalidArguments', '请求体必须是JSON对象');
  const url = body.image_url;
  const inline = body.image_base64;
  let image: { imageUrl: string } | { imageBytes: Buffer };
  if (inline !== undefined && inline !== null) {
    if (url !== undefined && url !== null) throw new ServiceError('InvalidArguments', 'image_url 与 image_base64 只能选一个');
    if (typeof inline !== 'string' || inline.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(inline)) throw new ServiceError('InvalidArguments', 'image_base64 必须是 base64 编码的图片');
    image = { imageBytes: Buffer.from(inline, 'base64') };
  } else {
    if (url === undefined || url === null || url === '') throw new ServiceError('InvalidArguments', '缺少参数 image_url');
    const problem = checkUrlSyntax(url);
    if (problem) throw new ServiceError('InvalidArguments', `image_url: ${problem}`);
    image = { imageUrl: url as string };
  }
  const name = body.name;
  if (name !== undefined && name !== null && (typeof name !== 'string' || name.length > MAX_NAME_LENGTH)) {
    throw new ServiceError('InvalidArguments', `name 必须是不超过 ${MAX_NAME_LENGTH} 个字符的字符串`);
  }
  return { ...image, ...(typeof name === 'string' && { name }) };
}

export function parseListTemplates(body: unknown): { cursor?: string; limit: number } {
  if (body !== undefined && body !== null && !isObject(body)) throw new ServiceError('InvalidArguments', '请求体必须是JSON对象');
  const b = (body ?? {}) as Record<string, unknown>;
  if (b.cursor !== undefined && b.cursor !== null && (typeof b.cursor !== 'string' || b.cursor.length === 0 || b.cursor.length > 200)) {
    throw new ServiceError('InvalidArguments', 'cursor: 无效的游标');
  }
  if (b.limit !== undefined && b.limit !== null && (typeof b.limit !== 'number' || !Number.isInteger(b.limit) || b.limit < 1 || b.limit > 100)) {
    throw new ServiceError('InvalidArguments', 'limit 必须是 1 到 100 的整数');
  }
  return { ...(typeof b.cursor === 'string' && { cursor: b.cursor }), limit: typeof b.limit === 'number' ? b.limit : LIST_PAGE };
}

export function parseTemplateId(body: unknown): string {
  if (!isObject(body)) throw new ServiceError('InvalidArguments', '请求体必须是JSON对象');
  const id = body.template_id;
  if (typeof id !== 'string' || id.length === 0 || id.length > 64) throw new ServiceError('InvalidArguments', '缺少参数 template_id');
  return id;
}

export const templateRoutes: FastifyPluginAsync<{ templates: TemplateCatalogue; maxImageBytes: number }> = async (app, opts) => {
  const { templates } = opts;
  // An inline image: base64 of the largest accepted download, plus the rest of the body.
  const bodyLimit = Math.ceil((opts.maxImageBytes * 4) / 3) + 64 * 1024;
  app.post('/templates', { ...strictBody(registerTemplateSchema), bodyLimit }, async (request, reply) =>
    envelope(request, reply, async () => {
      const input = parseRegisterTemplate(request.body);
      schemaCheck(request);
      return templateJson(await templates.register(request.appKey!, input));
    }),
  );
  app.post('/templates/list', strictBody(listTemplatesSchema), async (request, reply) =>
    envelope(request, reply, async () => {
      const { cursor, limit } = parseListTemplates(request.body);
      schemaCheck(request);
      const page = await templates.list(request.appKey!, cursor, limit);
      return { templates: page.items.map(templateJson), ...(page.next && { next_cursor: page.next }) };
    }),
  );
  app.post('/templates/delete', strictBody(deleteTemplateSchema), async (request, reply) =>
    envelope(request, reply, async () => {
      const id = parseTemplateId(request.body);
      schemaCheck(request);
      await templates.delete(request.appKey!, id);
      return { template_id: id, deleted: true };
    }),
  );
};
