// The console page: log in, pick two photos (upload or URL), submit, follow the job live, compare
// and download the result, and look over recent jobs and their notifications.
import { api, NotLoggedIn, type JobView } from './api.ts';
import { describeError } from './errors.ts';
import { faceFields, showFaces } from './faces.ts';
import { pickedTemplate, refreshGallery } from './templates.ts';

const $ = <T extends HTMLElement = HTMLElement>(sel: string, root: ParentNode = document) => root.querySelector(sel) as T;
const STATES = ['pending', 'preparing', 'running', 'finish'] as const;
const POLL_MS = 400;

// ---- session -------------------------------------------------------------------------------------
function showLoggedIn(appKey: string | undefined) {
  $('#login').hidden = !!appKey;
  $('#workspace').hidden = !appKey;
  $('#logout-btn').hidden = !appKey;
  const who = $('#who');
  who.hidden = !appKey;
  who.textContent = appKey ? `app ${appKey}` : '';
  if (appKey) void refreshJobs();
  if (appKey) void refreshGallery();
}

function onAuthError(err: unknown): boolean {
  if (err instanceof NotLoggedIn) {
    showLoggedIn(undefined);
    return true;
  }
  return false;
}

$('#login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const btn = $<HTMLButtonElement>('#login-btn');
  btn.disabled = true;
  $('#login-error').textContent = '';
  try {
    const r = await api.login($<HTMLInputElement>('#app-key').value.trim(), $<HTMLInputElement>('#app-secret').value);
    $<HTMLInputElement>('#app-secret').value = '';
    showLoggedIn(r.app_key);
  } catch (err) {
    $('#login-error').textContent = (err as Error).message;
  } finally {
    btn.disabled = false;
  }
});

$('#logout-btn').addEventListener('click', async () => {
  await api.logout().catch(() => {});
  showLoggedIn(undefined);
});

// ---- picking photos ------------------------------------------------------------------------------
const chosen: Record<string, string> = {};
const uploading = new Set<string>();

function setupPicker(fs: HTMLFieldSetElement) {
  const field = fs.dataset.field!;
  const img = $<HTMLImageElement>('.drop img', fs);
  const hint = $('.drop span', fs);
  const err = $('.error', fs);
  const fileInput = $<HTMLInputElement>('input[type=file]', fs);
  const urlInput = $<HTMLInputElement>('input[type=url]', fs);
  const show = (src: string) => {
    img.src = src;
    img.hidden = false;
    hint.hidden = true;
  };

  async function upload(file: File) {
    err.textContent = '';
    show(URL.createObjectURL(file));
    uploading.add(field);
    delete chosen[field];
    try {
      const r = await api.upload(file);
      if (r.status !== 0 || !r.data) err.textContent = describeError(r.error, r.errmsg, r.status);
      else {
        chosen[field] = r.data.ref;
        urlInput.value = '';
        if (field === 'target_url') void showFaces(r.data.ref);
      }
    } catch (e) {
      if (!onAuthError(e)) err.textContent = (e as Error).message;
    } finally {
      uploading.delete(field);
    }
  }

  fileInput.addEventListener('change', () => fileInput.files?.[0] && void upload(fileInput.files[0]));
  urlInput.addEventListener('change', () => {
    err.textContent = '';
    const url = urlInput.value.trim();
    if (!url) return;
    chosen[field] = url;
    fileInput.value = '';
    show(url);
    if (field === 'target_url') void showFaces(url);
  });
  const drop = $('.drop', fs);
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const file = e.dataTransfer?.files[0];
    if (file) void upload(file);
  });
}
document.querySelectorAll<HTMLFieldSetElement>('fieldset.picker').forEach(setupPicker);

// ---- submitting and following a job --------------------------------------------------------------
let following: string | undefined;

$('#swap-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const out = $('#submit-error');
  out.textContent = '';
  if (uploading.size) return void (out.textContent = 'Still uploading a photo, one moment…');
  const timeout = $<HTMLInputElement>('#timeout').value;
  const style = $<HTMLSelectElement>('#style').value;
  const picked = faceFields();
  if (typeof picked === 'string') return void (out.textContent = picked);
  const body: Record<string, unknown> = {
    ...picked.fields,
    source_url: picked.dropSource ? undefined : (chosen.source_url ?? ''),
    // A template picked from the gallery goes by its id.
    ...(pickedTemplate() ? { template_id: pickedTemplate() } : { target_url: chosen.target_url ?? '' }),
    notify_url: $<HTMLInputElement>('#notify-url').value.trim(),
    ...(timeout ? { timeout: Number(timeout) } : {}),
    // The default (template) is left out: the request says only what differs.
    ...(style === 'source' ? { style } : {}),
  };
  const btn = $<HTMLButtonElement>('#submit-btn');
  btn.disabled = true;
  try {
    const r = await api.submit(body);
    if (r.status !== 0 || !r.data) out.textContent = describeError(r.error, r.errmsg, r.status);
    else void follow(r.data.job_id);
  } catch (err) {
    if (!onAuthError(err)) out.textContent = (err as Error).message;
  } finally {
    btn.disabled = false;
  }
});

async function follow(jobId: string) {
  following = jobId;
  $('#job').hidden = false;
  $('#job-id').textContent = jobId;
  $<HTMLImageElement>('#result-img').hidden = true;
  $('#download').hidden = true;
  $('#job').scrollIntoView({ behavior: 'smooth', block: 'start' });
  let last = '';
  while (following === jobId) {
    try {
      const r = await api.job(jobId);
      if (r.status !== 0 || !r.data) {
        $('#job-error').textContent = describeError(r.error, r.errmsg, r.status);
        return;
      }
      renderJob(r.data);
      if (r.data.state !== last) {
        last = r.data.state;
        void refreshJobs();
      }
      // Keep polling a little after the end: the notification attempt lands just after.
      if ((r.data.state === 'finish' || r.data.state === 'fail') && r.data.notification?.state !== 'pending') return;
    } catch (err) {
      if (onAuthError(err)) return;
    }
    await new Promise((res) => setTimeout(res, POLL_MS));
  }
}

const ms = (v: number | null | undefined) => (v == null ? '–' : v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(1)} s`);
const time = (t: number | null) => (t ? new Date(t).toLocaleTimeString() : '–');

function renderJob(job: JobView) {
  const reached = STATES.indexOf(job.state as (typeof STATES)[number]);
  document.querySelectorAll<HTMLLIElement>('#stepper li').forEach((li, i) => {
    li.className = '';
    if (job.state === 'fail') {
      if (i === STATES.length - 1) {
        li.className = 'failed';
        li.textContent = 'fail';
      }
      return;
    }
    if (i === STATES.length - 1) li.textContent = 'finish';
    if (i < reached || job.state === 'finish') li.className = 'done';
    else if (i === reached) li.className = 'current';
  });
  const state = $('#job-state');
  state.textContent = job.state;
  state.dataset.state = job.state;
  $('#job-error').textContent = job.state === 'fail' ? describeError(job.error, job.reason, job.code) : '';
  setSrc($<HTMLImageElement>('#job-source'), job.source);
  setSrc($<HTMLImageElement>('#job-target'), job.target);
  const result = $<HTMLImageElement>('#result-img');
  if (job.result_url) {
    setSrc(result, job.result_url);
    result.hidden = false;
    const dl = $<HTMLAnchorElement>('#download');
    dl.href = job.result_url;
    dl.download = `wanxing-${job.job_id}.${job.result_url.includes('.png') ? 'png' : 'jpg'}`;
    dl.hidden = false;
  }
  const t = $('#timings');
  t.replaceChildren();
  const chips: [string, string][] = [
    ['submitted', time(job.created_at)],
    ['waited in queue', ms(job.started_at && job.started_at - job.created_at)],
    ['end to end', ms(job.finished_at && job.finished_at - job.created_at)],
    ...Object.entries(job.timings ?? {}).map(([k, v]) => [`engine ${k}`, ms(v)] as [string, string]),
  ];
  for (const [k, v] of chips) {
    const chip = el('span', undefined, 'chip');
    chip.append(el('b', k), ` ${v}`);
    t.append(chip);
  }
  renderNotification(job);
  renderAudit(job);
}

function renderAudit(job: JobView) {
  const box = $('#audit');
  box.replaceChildren();
  const a = job.audit;
  if (!a) return void box.append(el('p', 'Kept when the job ends.', 'hint'));
  const explicit = (s?: Record<string, number>) => (s ? `explicit ${((s.porn ?? 0) + (s.hentai ?? 0)).toFixed(3)}` : 'not screened');
  const rows: [string, string][] = [
    ['ended', `${new Date(a.endedAt).toLocaleString()} · ${a.outcome}${a.error ? ` (${a.error})` : ''}`],
    ['source SHA-256', a.sourceSha256 ?? '–'],
    ['template SHA-256', a.targetSha256 ?? '–'],
    ['result SHA-256', a.resultSha256 ?? '–'],
    ['AIGC label', a.label ? `content ID ${a.label.contentId} · visible label ${a.label.visible ? 'on' : 'off'}` : '–'],
    ['screening', a.screening ? `source ${explicit(a.screening.source)} · template ${explicit(a.screening.target)} · ${ms(a.screening.ms)}` : 'not screened'],
  ];
  const dl = el('dl', undefined, 'audit');
  for (const [k, v] of rows) dl.append(el('dt', k), el('dd', v));
  box.append(dl);
}

function setSrc(img: HTMLImageElement, src: string) {
  if (img.getAttribute('src') !== src) img.src = src;
}

function renderNotification(job: JobView) {
  const box = $('#notification');
  box.replaceChildren();
  const n = job.notification;
  if (!n) return void box.append(el('p', 'Sent when the job ends.', 'hint'));
  const head = el('p');
  head.append(badge(n.state), ` ${n.attempts} attempt(s) to ${job.notify_url ?? 'the console receiver'}`);
  if (n.lastError) head.append(el('span', ` — last error: ${n.lastError}`, 'hint'));
  box.append(head);
  const list = el('ol', undefined, 'attempts');
  for (const a of job.attempts ?? []) {
    list.append(el('li', `${time(a.at)} · ${a.ok ? 'delivered' : 'failed'} · ${a.httpStatus ?? 'no answer'} · ${ms(a.durationMs)}${a.error ? ` · ${a.error}` : ''}`));
  }
  box.append(list);
  box.append(redeliverButton(job.job_id));
}

function redeliverButton(jobId: string): HTMLButtonElement {
  const b = el('button', 'Redeliver', 'link') as HTMLButtonElement;
  b.addEventListener('click', async (e) => {
    e.stopPropagation();
    b.disabled = true;
    try {
      const r = await api.redeliver(jobId);
      b.textContent = r.status === 0 ? 'queued ✓' : describeError(r.error, r.errmsg);
      if (r.status === 0) setTimeout(() => void (following === jobId ? follow(jobId) : refreshJobs()), 300);
    } catch (err) {
      if (!onAuthError(err)) b.textContent = (err as Error).message;
    }
  });
  return b;
}

// ---- before / after slider -----------------------------------------------------------------------
const slider = $<HTMLInputElement>('#slider');
const applySlider = () => ($('#after').style.clipPath = `inset(0 0 0 ${slider.value}%)`);
slider.addEventListener('input', applySlider);
applySlider();

// ---- recent jobs ---------------------------------------------------------------------------------
async function refreshJobs() {
  try {
    const { jobs } = await api.jobs();
    const body = $('#jobs-table tbody');
    body.replaceChildren(
      ...jobs.map((j) => {
        const tr = el('tr');
        tr.dataset.job = j.job_id;
        const stages = Object.entries(j.timings ?? {})
          .map(([k, v]) => `${k} ${ms(v)}`)
          .join(' · ');
        const n = j.notification;
        const notif = el('td');
        if (n) notif.append(badge(n.state), ` ${n.attempts}×`);
        const failed = j.state === 'fail' ? ` ${j.error}` : '';
        const stateCell = el('td');
        stateCell.append(badge(j.state), failed);
        const actions = el('td');
        if (n) actions.append(redeliverButton(j.job_id));
        tr.append(
          el('td', j.job_id.slice(0, 8), 'mono'),
          stateCell,
          el('td', time(j.created_at)),
          el('td', ms(j.started_at && j.started_at - j.created_at)),
          el('td', ms(j.finished_at && j.started_at && j.finished_at - j.started_at)),
          el('td', stages, 'stages'),
          notif,
          actions,
        );
        tr.addEventListener('click', () => void follow(j.job_id));
        return tr;
      }),
    );
  } catch (err) {
    onAuthError(err);
  }
}
$('#refresh-btn').addEventListener('click', () => void refreshJobs());
setInterval(() => !$('#workspace').hidden && !document.hidden && void refreshJobs(), 5000);

// ---- helpers -------------------------------------------------------------------------------------
function el(tag: string, text?: string, cls?: string): HTMLElement {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function badge(state: string): HTMLElement {
  return el('span', state, `badge ${state}`);
}

// ---- start ---------------------------------------------------------------------------------------
api
  .session()
  .then((s) => showLoggedIn(s.app_key))
  .catch(() => showLoggedIn(undefined));
