// A typed client of the API: signs each request the gateway way (X-Ca-* headers, HMAC-SHA256) with
// the same code the server verifies against, and turns error envelopes into WanxingApiError.
import { signGatewayRequest } from '../api/gateway-auth/sign.ts';

export type JobStatus = 'pending' | 'preparing' | 'running' | 'finish' | 'fail';

/** A template face: its index in reading order (as listFaces numbers them), or a point inside it in image pixels. */
export type FaceChoice = number | { x: number; y: number };

export interface SubmitInput {
  /** http(s) URL of the user's photo; omitted for a group job (`faces`) */
  sourceUrl?: string;
  /** the template face to replace; without it a template with several comparable faces is MultipleFacesInTarget */
  targetFace?: FaceChoice;
  /** the face of the source photo to use when it holds several */
  sourceFace?: FaceChoice;
  /** a group job, instead of sourceUrl: each photo into its own template face (1–6); one result */
  faces?: { sourceUrl: string; targetFace: FaceChoice; sourceFace?: FaceChoice }[];
  /** http(s) URL of the template portrait; or templateId instead */
  targetUrl?: string;
  /** a registered template of this app (registerTemplate), instead of targetUrl */
  templateId?: string;
  /** http(s) URL that receives the result notification */
  notifyUrl: string;
  /** seconds; the server's default (7200) when omitted */
  timeout?: number;
  /** the visible AIGC label: { visible: false } asks for none (where the service allows it); omitted: the service default */
  label?: { visible: boolean };
  /** whose make-up the result wears: 'template' (the default) or 'source', the user's own */
  style?: 'template' | 'source';
}

export type QueryResult =
  | { jobStatus: 'pending' | 'preparing' | 'running' }
  | { jobStatus: 'finish'; resultUrl: string }
  | { jobStatus: 'fail'; reason: string; code: number };

/** A face of a template, in reading order (the `index` is the target_face number). */
export interface TemplateFace {
  index: number;
  /** [x, y, width, height] in image pixels */
  box: [number, number, number, number];
  score: number;
  angles: { yaw: number; pitch: number; roll: number };
  /** whether it passes the template checks; the error it would get if not */
  check: { ok: boolean; status?: number; error?: string; message?: string };
}

export interface Template {
  templateId: string;
  name: string;
  /** ISO 8601 */
  createdAt: string;
  width: number;
  height: number;
  format: 'jpeg' | 'png' | 'webp' | 'avif';
  imageUrl?: string;
  faces: TemplateFace[];
}

interface TemplateWire {
  template_id: string;
  name: string;
  created_at: string;
  width: number;
  height: number;
  format: Template['format'];
  image_url?: string;
  faces: TemplateFace[];
}

const toTemplate = (t: TemplateWire): Template => ({
  templateId: t.template_id,
  name: t.name,
  createdAt: t.created_at,
  width: t.width,
  height: t.height,
  format: t.format,
  ...(t.image_url && { imageUrl: t.image_url }),
  faces: t.faces,
});

export interface WanxingClientOptions {
  /** e.g. https://portrait.example.com */
  baseUrl: string;
  appKey: string;
  appSecret: string;
  /** per-request timeout, ms (default 30 s) */
  timeoutMs?: number;
  /** a fetch implementation (default: the global one) */
  fetch?: typeof fetch;
}

/** A business error answer: status is the negative code, error its name (e.g. JobNotFound). */
export class WanxingApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly errmsg: string,
    readonly httpStatus = 200,
  ) {
    super(`${error} (${status}): ${errmsg}`);
    this.name = 'WanxingApiError';
  }
}

/** The job ended with fail (waitForResult). */
export class JobFailedError extends Error {
  constructor(
    readonly jobId: string,
    readonly code: number,
    readonly reason: string,
  ) {
    super(`job ${jobId} failed (${code}): ${reason}`);
    this.name = 'JobFailedError';
  }
}

export interface WaitOptions {
  /** first poll interval, ms (default 500); grows by half up to maxIntervalMs */
  intervalMs?: number;
  maxIntervalMs?: number;
  /** give up after this long, ms (default 10 minutes) */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** called whenever the job's state changes */
  onStatus?: (status: JobStatus) => void;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(signal.reason);
      },
      { once: true },
    );
  });

export class WanxingClient {
  private readonly base: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly opts: WanxingClientOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '');
    this.fetch = opts.fetch ?? globalThis.fetch;
  }

  /** Submits a swap; resolves with the job id. */
  async submit(input: SubmitInput): Promise<string> {
    const body: Record<string, unknown> = { notify_url: input.notifyUrl };
    if (input.sourceUrl !== undefined) body.source_url = input.sourceUrl;
    if (input.targetFace !== undefined) body.target_face = input.targetFace;
    if (input.sourceFace !== undefined) body.source_face = input.sourceFace;
    if (input.faces !== undefined) {
      body.faces = input.faces.map((f) => ({ source_url: f.sourceUrl, target_face: f.targetFace, ...(f.sourceFace !== undefined && { source_face: f.sourceFace }) }));
    }
    if (input.targetUrl !== undefined) body.target_url = input.targetUrl;
    if (input.templateId !== undefined) body.template_id = input.templateId;
    if (input.timeout !== undefined) body.timeout = input.timeout;
    if (input.label !== undefined) body.label = input.label;
    if (input.style !== undefined) body.style = input.style;
    const data = (await this.post('/swapface', body)) as { job_id: string };
    return data.job_id;
  }

  async query(jobId: string): Promise<QueryResult> {
    const d = (await this.post('/query', { job_id: jobId })) as { job_status: JobStatus; result_url?: string[]; reason?: string; code?: number };
    if (d.job_status === 'finish') return { jobStatus: 'finish', resultUrl: d.result_url?.[0] ?? '' };
    if (d.job_status === 'fail') return { jobStatus: 'fail', reason: d.reason ?? '', code: d.code ?? -22222 };
    return { jobStatus: d.job_status };
  }

  /** Polls until the job finishes; resolves with the result URL, rejects with JobFailedError on fail. */
  async waitForResult(jobId: string, opts: WaitOptions = {}): Promise<string> {
    const end = Date.now() + (opts.timeoutMs ?? 10 * 60_000);
    let interval = opts.intervalMs ?? 500;
    let last: JobStatus | undefined;
    for (;;) {
      opts.signal?.throwIfAborted();
      const r = await this.query(jobId);
      if (r.jobStatus !== last) opts.onStatus?.((last = r.jobStatus));
      if (r.jobStatus === 'finish') return r.resultUrl;
      if (r.jobStatus === 'fail') throw new JobFailedError(jobId, r.code, r.reason);
      if (Date.now() + interval > end) throw new Error(`job ${jobId} still ${r.jobStatus} after ${opts.timeoutMs ?? 600_000} ms`);
      await sleep(interval, opts.signal);
      interval = Math.min(opts.maxIntervalMs ?? 5000, Math.round(interval * 1.5));
    }
  }

  /** Every face of a template (POST /faces), in reading order, with its check; a swap on it then skips the analysis. */
  async listFaces(imageUrl: string): Promise<{ width: number; height: number; faces: TemplateFace[] }> {
    return (await this.post('/faces', { image_url: imageUrl })) as { width: number; height: number; faces: TemplateFace[] };
  }

  /** Registers a template (downloaded, checked and analysed once); swaps name it by templateId. */
  async registerTemplate(input: ({ imageUrl: string } | { image: Uint8Array }) & { name?: string }): Promise<Template> {
    const image = 'image' in input ? { image_base64: Buffer.from(input.image).toString('base64') } : { image_url: input.imageUrl };
    return toTemplate((await this.post('/templates', { ...image, ...(input.name !== undefined && { name: input.name }) })) as TemplateWire);
  }

  /** One page of this app's templates, newest first; pass nextCursor back for the next. */
  async listTemplates(opts: { cursor?: string; limit?: number } = {}): Promise<{ templates: Template[]; nextCursor?: string }> {
    const d = (await this.post('/templates/list', { ...(opts.cursor && { cursor: opts.cursor }), ...(opts.limit && { limit: opts.limit }) })) as { templates: TemplateWire[]; next_cursor?: string };
    return { templates: d.templates.map(toTemplate), ...(d.next_cursor && { nextCursor: d.next_cursor }) };
  }

  /** Deletes a template: new swaps refuse it; jobs already queued on it still finish. */
  async deleteTemplate(templateId: string): Promise<void> {
    await this.post('/templates/delete', { template_id: templateId });
  }

  /** Sends the job's notification again (a fresh set of attempts). */
  async redeliver(jobId: string): Promise<void> {
    await this.post('/notify/redeliver', { job_id: jobId });
  }

  private async post(path: string, payload: unknown): Promise<unknown> {
    const body = JSON.stringify(payload);
    const headers = signGatewayRequest({
      method: 'POST',
      url: path,
      appKey: this.opts.appKey,
      appSecret: this.opts.appSecret,
      headers: { accept: 'application/json', 'content-type': 'application/json; charset=utf-8' },
      body,
    });
    const res = await this.fetch(`${this.base}${path}`, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000),
    });
    const text = await res.text();
    if (!res.ok) {
      // Gateway refusals (signature, nonce, throttling) name the reason in a header.
      const why = res.headers.get('x-ca-error-message') ?? text.slice(0, 200);
      throw new WanxingApiError(-res.status, 'GatewayError', why, res.status);
    }
    const answer = JSON.parse(text) as { status: number; error?: string; errmsg?: string; data?: unknown };
    if (answer.status !== 0) throw new WanxingApiError(answer.status, answer.error ?? 'Error', answer.errmsg ?? '');
    return answer.data;
  }
}
