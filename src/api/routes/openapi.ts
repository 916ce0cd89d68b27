// GET /openapi.json (the document built from api/schemas.ts) and GET /docs, a plain readable page
// rendered from that same document on the server (no script, no CDN).
import type { FastifyPluginAsync } from 'fastify';
import { ERRORS } from '../../jobs/errors.ts';
import type { TimeoutRules } from '../../jobs/validate.ts';
import { openApiDocument } from '../openapi.ts';

const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

type Schema = { type?: string | string[]; properties?: Record<string, Schema>; required?: readonly string[]; description?: string; [k: string]: unknown };

function rules(s: Schema): string {
  const r: string[] = [];
  for (const k of ['minLength', 'maxLength', 'minimum', 'maximum', 'pattern', 'default'] as const) if (s[k] !== undefined) r.push(`${k} ${s[k]}`);
  if (Array.isArray(s.enum)) r.push(`one of ${s.enum.map((v) => JSON.stringify(v)).join(', ')}`);
  return r.join('; ');
}

function fieldRows(schema: Schema, prefix = ''): string[] {
  return Object.entries(schema.properties ?? {}).flatMap(([name, p]) => [
    `<tr><td><code>${esc(prefix + name)}</code></td><td>${esc([p.type].flat().join(' | '))}</td><td>${schema.required?.includes(name) ? 'yes' : ''}</td><td>${esc(p.description)}${rules(p) ? `<br><small>${esc(rules(p))}</small>` : ''}</td></tr>`,
    ...fieldRows(p, `${prefix}${name}.`),
  ]);
}

function fieldsTable(schema: Schema): string {
  return `<table><tr><th>field</th><th>type</th><th>required</th><th>meaning</th></tr>${fieldRows(schema).join('')}</table>`;
}

export function renderDocs(doc: ReturnType<typeof openApiDocument>): string {
  const schemas = doc.components.schemas as unknown as Record<string, Schema>;
  const ref = (r: string) => schemas[r.split('/').pop()!]!;
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods as Record<string, any>).map(([method, op]) => {
      const reqRef = op.requestBody?.content?.['application/json']?.schema?.$ref as string | undefined;
      const okRefs = (op.responses?.['200']?.content?.['application/json']?.schema?.oneOf ?? []) as { $ref: string }[];
      const responses = Object.entries(op.responses ?? {})
        .map(([code, r]: [string, any]) => `<li><b>${esc(code)}</b> ${esc(r.description)}</li>`)
        .join('');
      return `<section><h2><span class="m">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h2><p>${esc(op.summary)}. ${esc(op.description ?? '')}</p>
        ${op.security ? '<p class="note">Signed request (X-Ca-* headers, see README “Request signing”).</p>' : ''}
        ${reqRef ? `<h3>Request body</h3>${fieldsTable(ref(reqRef))}` : ''}
        ${okRefs.length ? `<h3>Answer</h3>${fieldsTable(ref(okRefs[0]!.$ref))}` : ''}
        <h3>Responses</h3><ul>${responses}</ul></section>`;
    }),
  );
  const errors = Object.entries(ERRORS)
    .map(([name, e]) => `<tr><td>${e.status}</td><td><code>${esc(name)}</code></td><td>${esc(e.message)}</td></tr>`)
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(doc.info.title)}</title><style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d2330}
table{border-collapse:collapse;width:100%;margin:.5rem 0}td,th{border:1px solid #d6dae3;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f5f9}section{border-top:1px solid #d6dae3;margin-top:1.5rem}.m{background:#2d5bd7;color:#fff;border-radius:4px;padding:0 .4rem;font-size:.8em}
.note{color:#5b6475}code{font-size:.92em}</style></head><body>
<h1>${esc(doc.info.title)}</h1><p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI ${esc(doc.openapi)}). Try it in the <a href="/">console</a>.</p>
<p>Every request is signed like behind Alibaba Cloud API Gateway. Business errors answer HTTP 200 with a negative <code>status</code>.</p>
${ops.join('\n')}
<section><h2>Notification to <code>notify_url</code></h2><p>${esc(doc.webhooks.notification.post.description)} Answer HTTP 200 with the body <code>successfully</code>.</p>${fieldsTable(schemas.Notification!)}</section>
<section><h2>Error codes</h2><table><tr><th>status</th><th>error</th><th>message</th></tr>${errors}</table></section>
</body></html>`;
}

export const openApiRoutes: FastifyPluginAsync<{ timeouts: TimeoutRules; publicUrl?: string }> = async (app, opts) => {
  const doc = openApiDocument(opts.timeouts, opts.publicUrl);
  const html = renderDocs(doc);
  const json = JSON.stringify(doc); // serialised once: the document never changes while serving
  app.get('/openapi.json', async (_req, reply) => reply.type('application/json; charset=utf-8').send(json));
  app.get('/docs', async (_req, reply) => reply.type('text/html; charset=utf-8').send(html));
};
