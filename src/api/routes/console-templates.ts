// The console's template gallery (session-authenticated, inside consoleRoutes' hooks): register by
// upload or URL, list with faces, delete, and the stored image for the thumbnails.
import type { FastifyPluginAsync } from 'fastify';
import { UPLOAD_SCHEME, type UploadStore } from '../../console/uploads.ts';
import { ServiceError } from '../../jobs/errors.ts';
import { templateJson, type TemplateCatalogue } from '../../templates/catalogue.ts';
import { envelope } from './jobs.ts';
import { parseListTemplates, parseRegisterTemplate, parseTemplateId } from './templates.ts';

const MIME = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', avif: 'image/avif' } as const;

/** A template as the gallery shows it: the API's shape plus where the browser loads its image. */
const view = (rec: Parameters<typeof templateJson>[0]) => ({ ...templateJson(rec), preview: `/console/api/templates/${rec.id}/image` });

export const consoleTemplateRoutes: FastifyPluginAsync<{ templates: TemplateCatalogue; uploads: UploadStore }> = async (app, opts) => {
  const { templates, uploads } = opts;

  app.post('/console/api/templates', async (request, reply) =>
    envelope(request, reply, async () => {
      const b = (request.body ?? {}) as Record<string, unknown>;
      // A console upload's reference is read from disk by the catalogue's fetcher; URLs are checked like the API's.
      const upload = typeof b.image_url === 'string' && b.image_url.startsWith(UPLOAD_SCHEME) ? b.image_url : undefined;
      if (upload && !uploads.pathOf(upload)) throw new ServiceError('InvalidArguments', 'image_url: 上传的图片不存在或已过期');
      const input = upload ? { imageUrl: upload, ...(typeof b.name === 'string' && { name: b.name }) } : parseRegisterTemplate(b);
      if (input.name !== undefined && input.name.length > 100) throw new ServiceError('InvalidArguments', 'name 太长');
      return view(await templates.register(request.consoleApp!, input));
    }),
  );

  app.get<{ Querystring: { cursor?: string } }>('/console/api/templates', async (request, reply) =>
    envelope(request, reply, async () => {
      const { cursor } = parseListTemplates(request.query.cursor ? { cursor: request.query.cursor } : {});
      const page = await templates.list(request.consoleApp!, cursor, 48);
      return { templates: page.items.map(view), ...(page.next && { next_cursor: page.next }) };
    }),
  );

  app.post('/console/api/templates/delete', async (request, reply) =>
    envelope(request, reply, async () => {
      const id = parseTemplateId(request.body);
      await templates.delete(request.consoleApp!, id);
      return { template_id: id, deleted: true };
    }),
  );

  app.get<{ Params: { id: string } }>('/console/api/templates/:id/image', async (request, reply) => {
    try {
      const img = await templates.image(request.consoleApp!, request.params.id);
      return reply.type(MIME[img.format]).header('cache-control', 'private, max-age=3600').send(Buffer.from(img.bytes));
    } catch {
      return reply.code(404).send({ error: 'missing' });
    }
  });
};
