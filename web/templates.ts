// The template gallery: register templates by upload or URL, see their faces, delete them, and
// "Use" one as the swap's template (the job is sent with its template_id: no download, no analysis).
import { api, type TemplateView } from './api.ts';
import { describeError } from './errors.ts';

const $ = <T extends HTMLElement = HTMLElement>(sel: string, root: ParentNode = document) => root.querySelector(sel) as T;

let picked: TemplateView | undefined;

/** The template chosen from the gallery for the next swap, if any. */
export const pickedTemplate = (): string | undefined => picked?.template_id;

function el(tag: string, text?: string, cls?: string): HTMLElement {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

/** Shows the picked template in the swap form's template picker, or clears it. */
function pick(t: TemplateView | undefined) {
  picked = t;
  const fs = $<HTMLFieldSetElement>('fieldset[data-field=target_url]');
  const img = $<HTMLImageElement>('.drop img', fs);
  $('#picked-template').textContent = t ? `From the gallery: ${t.name || t.template_id}` : '';
  if (t) {
    img.src = t.preview;
    img.hidden = false;
    $('.drop span', fs).hidden = true;
    $('#target-faces').replaceChildren();
    $('#faces-status').textContent = '';
  }
  document.querySelectorAll('.tpl').forEach((c) => c.classList.toggle('chosen', !!t && (c as HTMLElement).dataset.id === t.template_id));
}

function card(t: TemplateView): HTMLElement {
  const c = el('figure', undefined, 'tpl');
  c.dataset.id = t.template_id;
  const frame = el('div', undefined, 'tpl-frame');
  const img = document.createElement('img');
  img.src = t.preview;
  img.alt = t.name || t.template_id;
  frame.append(img);
  // Each face outlined where it is (boxes in % of the image), numbered in reading order.
  for (const f of t.faces) {
    const b = el('span', String(f.index), `tpl-face${f.check.ok ? '' : ' refused'}`);
    const [x, y, w, h] = f.box;
    Object.assign(b.style, { left: `${(100 * x) / t.width}%`, top: `${(100 * y) / t.height}%`, width: `${(100 * w) / t.width}%`, height: `${(100 * h) / t.height}%` });
    b.title = f.check.ok ? `face ${f.index}` : `face ${f.index}: ${f.check.error}`;
    frame.append(b);
  }
  const ok = t.faces.filter((f) => f.check.ok).length;
  const cap = el('figcaption');
  cap.append(el('b', t.name || '(unnamed)'), el('small', ` ${t.width}×${t.height} · ${t.faces.length} face${t.faces.length === 1 ? '' : 's'}${ok < t.faces.length ? `, ${ok} usable` : ''}`));
  const use = el('button', 'Use', 'tpl-use') as HTMLButtonElement;
  use.type = 'button';
  use.addEventListener('click', () => pick(t));
  const del = el('button', 'Delete', 'link tpl-delete') as HTMLButtonElement;
  del.type = 'button';
  del.addEventListener('click', async () => {
    if (!confirm(`Delete template ${t.name || t.template_id}? Jobs already queued on it still finish.`)) return;
    const r = await api.deleteTemplate(t.template_id);
    if (r.status !== 0) return void ($('#tpl-error').textContent = describeError(r.error, r.errmsg, r.status));
    if (picked?.template_id === t.template_id) pick(undefined);
    void refreshGallery();
  });
  const actions = el('div', undefined, 'tpl-actions');
  actions.append(use, del);
  c.append(frame, cap, actions, el('code', t.template_id, 'tpl-id'));
  return c;
}

export async function refreshGallery(): Promise<void> {
  const grid = $('#tpl-grid');
  try {
    const r = await api.templates();
    if (r.status !== 0 || !r.data) return void ($('#tpl-error').textContent = describeError(r.error, r.errmsg, r.status));
    grid.replaceChildren(...r.data.templates.map(card));
    $('#tpl-empty').hidden = r.data.templates.length > 0;
    if (picked) pick(r.data.templates.find((t) => t.template_id === picked!.template_id));
  } catch (err) {
    $('#tpl-error').textContent = (err as Error).message;
  }
}

async function register(e: Event) {
  e.preventDefault();
  const out = $('#tpl-error');
  out.textContent = '';
  const file = $<HTMLInputElement>('#tpl-file').files?.[0];
  const url = $<HTMLInputElement>('#tpl-url').value.trim();
  const name = $<HTMLInputElement>('#tpl-name').value.trim();
  if (!file && !url) return void (out.textContent = 'Choose a file or paste an http(s) URL.');
  const btn = $<HTMLButtonElement>('#tpl-add');
  btn.disabled = true;
  $('#tpl-status').textContent = 'Registering (download, checks, face analysis)…';
  try {
    let imageUrl = url;
    if (file) {
      const up = await api.upload(file);
      if (up.status !== 0 || !up.data) return void (out.textContent = describeError(up.error, up.errmsg, up.status));
      imageUrl = up.data.ref;
    }
    const r = await api.registerTemplate(imageUrl, name);
    if (r.status !== 0 || !r.data) return void (out.textContent = describeError(r.error, r.errmsg, r.status));
    ($('#tpl-form') as HTMLFormElement).reset();
    await refreshGallery();
  } catch (err) {
    out.textContent = (err as Error).message;
  } finally {
    btn.disabled = false;
    $('#tpl-status').textContent = '';
  }
}

$('#tpl-form').addEventListener('submit', (e) => void register(e));
// A photo chosen for the template in the swap form replaces the gallery pick.
for (const sel of ['#target-file', '#target-url']) $(sel).addEventListener('change', () => pick(undefined));
$('fieldset[data-field=target_url] .drop').addEventListener('drop', () => pick(undefined));
