// The console: the page at /, a login that swaps AppKey+AppSecret for a signed session cookie, and
// JSON endpoints under /console/api that act for the logged-in app server-side. Gateway signatures
// are not used here (the browser holds no secret); the session cookie is HttpOnly and SameSite=Strict,
// and every console POST must carry the X-Wanxing-Console header, which no cross-site form can send.
import fs from 'node:fs';
import multipart from '@fastify/multipart';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import {
  clearedCookie,
  cookieValue,
  issueSession,
  readSession,
  secretMatches,
  SESSION_COOKIE,
  sessionCookie,
} from '../../console/session.ts';
import { CONSOLE_NOTIFY_URL } from '../../console/sink.ts';
import { UPLOAD_SCHEME, type UploadStore } from '../../console/uploads.ts';
import { webBundle } from '../../console/web-bundle.ts';
import { MemoryRateLimiter } from '../gateway-auth/rate-limiter.ts';
import { checkUrlSyntax } from '../../fetch/url.ts';
import { ERRORS, ServiceError } from '../../jobs/errors.ts';
import type { Job, JobInput } from '../../jobs/job.ts';
import { consoleFaceSelection } from '../../console/faces.ts';
import { listTemplateFaces, type FaceListing } from './faces.ts';
import type { JobService } from '../../jobs/job-service.ts';
import type { AuditStore } from '../../jobs/ports.ts';
import { parseSwapRequest, type TimeoutRules } from '../../jobs/validate.ts';
import { checkTemplate, envelope } from './jobs.ts';
import { consoleTemplateRoutes } from './console-templates.ts';
import { TEMPLATE_SCHEME, type TemplateCatalogue } from '../../templates/catalogue.ts';

/** What the console reads of the notifier (the embedded one answers synchronously). */
export interface ConsoleNotifications {
  attempts(jobId: string): unknown[] | Promise<unknown[]>;
  status?(jobId: string): unknown;
  redeliver(jobId: string): boolean | Promise<boolean>;
}

export interface ConsoleOptions {
  jobs: JobService;
  timeouts: TimeoutRules;
  notifier: ConsoleNotifications;
  uploads: UploadStore;
  /** Signs session cookies (derive it with sessionKey()). */
  sessionKey: Buffer;
  secretFor(appKey: string): string | undefined | Promise<string | undefined>;
  /** The app's latest jobs, newest first. */
  recentJobs(appKey: string, limit: number): Job[] | Promise<Job[]>;
  /** Marks the cookie Secure (the public URL is https). */
  secureCookie: boolean;
  /** The jobs' audit records (docs/COMPLIANCE.md), shown in the job view. */
  audit?: Pick<AuditStore, 'get'>;
  /** A template's faces (POST /faces) for choosing one, or several for a group (omitted: no engine here). */
  faces?: FaceListing;
  onSubmitted?: () => void;
  /** Registered templates: the gallery, and swaps by template_id. */
  templates?: TemplateCatalogue;
}

declare module 'fastify' {
  interface FastifyRequest {
    consoleApp?: string;
  }
}

const CSRF_HEADER = 'x-wanxing-console';
const CSP =
  "default-src 'self'; img-src 'self' blob: data: http: https:; script-src 'self'; style-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/** A browser-loadable address for an image the job references. */
function previewUrl(url: string): string {
  if (url.startsWith(TEMPLATE_SCHEME)) return `/console/api/templates/${url.slice(TEMPLATE_SCHEME.length)}/image`;
  return url.startsWith(UPLOAD_SCHEME) ? `/console/api/uploads/${url.slice(UPLOAD_SCHEME.length)}` : url;
}

/** Result URLs carry the public base; the console loads them from its own origin. */
function sameOrigin(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return u.pathname.startsWith('/results/') ? `${u.pathname}${u.search}` : url;
  } catch {
    return url;
  }
}

async function jobView(job: Job, notifier: ConsoleNotifications, withAttempts: boolean) {
  const error = job.errorName ? { error: job.errorName, code: ERRORS[job.errorName].status, reason: job.reason } : {};
  return {
    job_id: job.id,
    state: job.state,
    created_at: job.createdAt,
    started_at: job.startedAt ?? null,
    finished_at: job.finishedAt ?? null,
    deadline_at: job.deadlineAt,
    timeout_s: job.timeoutS,
    source: previewUrl(job.sourceUrl),
    target: previewUrl(job.targetUrl),
    notify_url: job.notifyUrl === CONSOLE_NOTIFY_URL ? null : job.notifyUrl,
    result_url: sameOrigin(job.resultUrl) ?? null,
    timings: job.timings ?? null,
    ...error,
    notification: (await notifier.status?.(job.id)) ?? null,
    ...(withAttempts ? { attempts: await notifier.attempts(job.id) } : {}),
  };
}

function imageField(body: Record<string, unknown>, field: string, uploads: UploadStore): string {
  const v = body[field];
  if (typeof v === 'string' && v.startsWith(UPLOAD_SCHEME)) {
    if (!uploads.pathOf(v)) throw new ServiceError('InvalidArguments', `${field}: 上传的图片不存在或已过期`);
    return v;
  }
  if (v === undefined || v === null || v === '') throw new ServiceError('InvalidArguments', `缺少参数 ${field}`);
  const problem = checkUrlSyntax(v);
  if (problem) throw new ServiceError('InvalidArguments', `${field}: ${problem}`);
  return v as string;
}

export const consoleRoutes: FastifyPluginAsync<ConsoleOptions> = async (app, opts) => {
  await app.register(multipart, {
    limits: { fileSize: opts.uploads.limits.maxBytes, files: 1, fields: 4, parts: 5 },
  });
  app.decorateRequest('consoleApp', undefined);

  // --- the page -----------------------------------------------------------------------------------
  const page = async (_req: FastifyRequest, reply: FastifyReply) => {
    const web = await webBundle();
    return reply.type('text/html; charset=utf-8').header('content-security-policy', CSP).header('cache-control', 'no-cache').send(web.html);
  };
  app.get('/', page);
  app.get('/console', page);
  app.get('/console/app.js', async (_req, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send((await webBundle()).js));
  app.get('/console/app.css', async (_req, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'no-cache').send((await webBundle()).css));

  // --- session ------------------------------------------------------------------------------------
  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/console/')) return;
    reply.header('cache-control', 'no-store');
    if (request.method !== 'GET' && request.headers[CSRF_HEADER] !== '1') {
      return reply.code(403).send({ error: `missing ${CSRF_HEADER} header` });
    }
    if (!request.url.startsWith('/console/api/')) return;
    const appKey = readSession(opts.sessionKey, cookieValue(request.headers.cookie, SESSION_COOKIE));
    // A revoked app loses its console sessions too.
    if (!appKey || (await opts.secretFor(appKey)) === undefined) return reply.code(401).send({ error: 'not logged in' });
    request.consoleApp = appKey;
  });

  // Guessing secrets by hand: 10 login attempts per client address, then one every 6 seconds.
  const logins = new MemoryRateLimiter({ perSecond: 1 / 6, burst: 10, maxKeys: 10_000 });
  app.post('/console/login', async (request, reply) => {
    if (!(await logins.take(request.ip))) return reply.code(429).send({ error: '登录尝试过多，请稍后再试' });
    const body = (request.body ?? {}) as { app_key?: unknown; app_secret?: unknown };
    const appKey = typeof body.app_key === 'string' ? body.app_key.trim() : '';
    const secret = typeof body.app_secret === 'string' ? body.app_secret : '';
    if (!appKey || !secretMatches(secret, await opts.secretFor(appKey))) {
      return reply.code(401).send({ error: 'AppKey 或 AppSecret 不正确' });
    }
    reply.header('set-cookie', sessionCookie(issueSession(opts.sessionKey, appKey), opts.secureCookie));
    return { app_key: appKey };
  });

  app.post('/console/logout', async (_request, reply) => {
    reply.header('set-cookie', clearedCookie(opts.secureCookie));
    return { ok: true };
  });

  // --- API for the logged-in app ------------------------------------------------------------------
  app.get('/console/api/session', async (request) => ({ app_key: request.consoleApp }));

  app.post('/console/api/uploads', async (request, reply) =>
    envelope(request, reply, async () => {
      if (!request.isMultipart()) throw new ServiceError('InvalidArguments', '请以 multipart/form-data 上传图片');
      const part = await request.file();
      if (!part) throw new ServiceError('InvalidArguments', '缺少图片文件');
      let bytes: Buffer;
      try {
        bytes = await part.toBuffer();
      } catch (err) {
        if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw new ServiceError('ImageTooLarge', `超过 ${opts.uploads.limits.maxBytes} 字节`);
        throw err;
      }
      const up = await opts.uploads.put(bytes);
      return { ref: up.ref, preview: previewUrl(up.ref), width: up.width, height: up.height };
    }),
  );

  app.get<{ Params: { name: string } }>('/console/api/uploads/:name', async (request, reply) => {
    const p = opts.uploads.pathOf(request.params.name);
    if (!p) return reply.code(404).send({ error: 'missing' });
    reply.type(p.endsWith('.png') ? 'image/png' : 'image/jpeg').header('cache-control', 'private, max-age=3600');
    return reply.send(fs.createReadStream(p));
  });

  app.post('/console/api/swapface', async (request, reply) =>
    envelope(request, reply, async () => {
      const body = request.body;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ServiceError('InvalidArguments', '请求体必须是JSON对象');
      const b = body as Record<string, unknown>;
      // target_face / faces (group portraits), a group's photos in place of source_url.
      const faces = consoleFaceSelection(b, opts.uploads);
      const sourceUrl = faces?.group ? faces.group[0].sourceUrl : imageField(b, 'source_url', opts.uploads);
      // A template from the gallery (template_id, the app's own) or a photo.
      const targetUrl = typeof b.template_id === 'string' && b.template_id ? `${TEMPLATE_SCHEME}${b.template_id}` : imageField(b, 'target_url', opts.uploads);
      await checkTemplate(opts.templates, request.consoleApp!, targetUrl);
      const notify = b.notify_url === undefined || b.notify_url === null || b.notify_url === '' ? CONSOLE_NOTIFY_URL : b.notify_url;
      if (notify !== CONSOLE_NOTIFY_URL) {
        const problem = checkUrlSyntax(notify);
        if (problem) throw new ServiceError('InvalidArguments', `notify_url: ${problem}`);
      }
      // The timeout and style rules and their messages are the API's own (validate.ts); the URLs were checked above.
      const placeholder = 'https://console.invalid/';
      const { timeoutS, style } = parseSwapRequest(
        { source_url: placeholder, target_url: placeholder, notify_url: placeholder, timeout: b.timeout === '' ? undefined : b.timeout, style: b.style },
        opts.timeouts,
      );
      const input: JobInput = { sourceUrl, targetUrl, notifyUrl: notify as string, timeoutS, ...(faces && { faces }), ...(style && { style }) };
      opts.faces?.known?.check(input);
      const job = await opts.jobs.submit(request.consoleApp!, input);
      opts.onSubmitted?.();
      return { job_id: job.id };
    }),
  );

  app.post('/console/api/faces', async (request, reply) =>
    envelope(request, reply, async () => {
      if (!opts.faces) throw new ServiceError('InvalidArguments', '此进程没有引擎，无法列出人脸');
      const b = (request.body ?? {}) as Record<string, unknown>;
      return listTemplateFaces(opts.faces, imageField(b, 'image_url', opts.uploads));
    }),
  );

  app.get<{ Querystring: { limit?: string } }>('/console/api/jobs', async (request) => {
    const limit = Math.min(100, Math.max(1, Number(request.query.limit) || 20));
    const jobs = await opts.recentJobs(request.consoleApp!, limit);
    return { jobs: await Promise.all(jobs.map((j) => jobView(j, opts.notifier, false))) };
  });

  const ownJob = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const job = await opts.jobs.store.get(request.params.id);
    if (!job || job.appKey !== request.consoleApp) throw new ServiceError('JobNotFound');
    return job;
  };

  app.get<{ Params: { id: string } }>('/console/api/jobs/:id', async (request, reply) =>
    envelope(request, reply, async () => {
      const job = await ownJob(request);
      const view = await jobView(job, opts.notifier, true);
      return opts.audit ? { ...view, audit: (await opts.audit.get(job.id)) ?? null } : view;
    }),
  );

  app.post<{ Params: { id: string } }>('/console/api/jobs/:id/redeliver', async (request, reply) =>
    envelope(request, reply, async () => {
      const job = await ownJob(request);
      if (!(await opts.notifier.redeliver(job.id))) throw new ServiceError('JobNotFound', '该任务还没有通知');
      return { job_id: job.id };
    }),
  );

  if (opts.templates) await app.register(consoleTemplateRoutes, { templates: opts.templates, uploads: opts.uploads });
};
