// The console's calls to its server: same-origin, cookie session, the CSRF header on every POST.
export interface Envelope<T> {
  status: number;
  error?: string;
  errmsg?: string;
  data?: T;
}

export class NotLoggedIn extends Error {}

async function call<T>(method: string, path: string, body?: BodyInit, json = true): Promise<T> {
  const headers: Record<string, string> = method === 'GET' ? {} : { 'x-wanxing-console': '1' };
  if (body !== undefined && json) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body, credentials: 'same-origin' });
  if (res.status === 401) throw new NotLoggedIn((await res.json().catch(() => ({}))).error ?? 'not logged in');
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return (await res.json()) as T;
}

export interface JobView {
  job_id: string;
  state: 'pending' | 'preparing' | 'running' | 'finish' | 'fail';
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  timeout_s: number;
  source: string;
  target: string;
  notify_url: string | null;
  result_url: string | null;
  timings: Record<string, number> | null;
  error?: string;
  code?: number;
  reason?: string;
  notification: { state: string; attempts: number; nextAttemptAt: number | null; lastError: string | null; deliveredAt: number | null } | null;
  attempts?: { at: number; httpStatus: number | null; ok: boolean; error: string | null; durationMs: number }[];
  /** The job's audit record (docs/COMPLIANCE.md); null until it ends. */
  audit?: AuditView | null;
}

export interface AuditView {
  endedAt: number;
  outcome: string;
  error?: string;
  sourceSha256?: string;
  targetSha256?: string;
  resultSha256?: string;
  label?: { contentId: string; visible: boolean };
  screening?: { source: Record<string, number>; target: Record<string, number>; ms: number };
}

/** A template face as POST /faces lists it (reading order). */
export interface FaceView {
  index: number;
  box: [number, number, number, number];
  score: number;
  angles: { yaw: number; pitch: number; roll: number };
  check: { ok: boolean; status?: number; error?: string; message?: string };
}

/** A registered template as the console's gallery lists it. */
export interface TemplateView {
  template_id: string;
  name: string;
  created_at: string;
  width: number;
  height: number;
  format: string;
  faces: FaceView[];
  /** Same-origin URL of its stored image. */
  preview: string;
}

export const api = {
  templates: () => call<Envelope<{ templates: TemplateView[]; next_cursor?: string }>>('GET', '/console/api/templates'),
  registerTemplate: (imageUrl: string, name: string) =>
    call<Envelope<TemplateView>>('POST', '/console/api/templates', JSON.stringify({ image_url: imageUrl, ...(name && { name }) })),
  deleteTemplate: (id: string) => call<Envelope<unknown>>('POST', '/console/api/templates/delete', JSON.stringify({ template_id: id })),
  faces: (imageUrl: string) => call<Envelope<{ width: number; height: number; faces: FaceView[] }>>('POST', '/console/api/faces', JSON.stringify({ image_url: imageUrl })),
  session: () => call<{ app_key: string }>('GET', '/console/api/session'),
  login: (appKey: string, appSecret: string) =>
    call<{ app_key?: string; error?: string }>('POST', '/console/login', JSON.stringify({ app_key: appKey, app_secret: appSecret })),
  logout: () => call<unknown>('POST', '/console/logout', '{}'),
  upload(file: File) {
    const form = new FormData();
    form.append('photo', file, file.name);
    return call<Envelope<{ ref: string; preview: string; width: number; height: number }>>('POST', '/console/api/uploads', form, false);
  },
  submit: (body: Record<string, unknown>) => call<Envelope<{ job_id: string }>>('POST', '/console/api/swapface', JSON.stringify(body)),
  job: (id: string) => call<Envelope<JobView>>('GET', `/console/api/jobs/${encodeURIComponent(id)}`),
  jobs: () => call<{ jobs: JobView[] }>('GET', '/console/api/jobs?limit=20'),
  redeliver: (id: string) => call<Envelope<unknown>>('POST', `/console/api/jobs/${encodeURIComponent(id)}/redeliver`, '{}'),
};
