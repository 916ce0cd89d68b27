// Group and couple templates in the console: once a template is chosen its faces are outlined and
// numbered (POST /console/api/faces, the API's /faces); clicking one chooses the face to replace.
// In group mode every clicked face gets its own photo, and the job is sent as `faces`.
import { api, type FaceView } from './api.ts';
import { describeError } from './errors.ts';

const $ = <T extends HTMLElement = HTMLElement>(sel: string, root: ParentNode = document) => root.querySelector(sel) as T;

let faces: FaceView[] = [];
let size = { width: 0, height: 0 };
/** Chosen template faces, in click order. */
let chosen: number[] = [];
/** Group mode: the photo (upload ref) for each chosen face. */
const photos = new Map<number, { ref?: string; uploading?: boolean; error?: string }>();
let listing = 0;

const overlay = () => $('#target-faces');
const groupMode = () => $<HTMLInputElement>('#group-mode').checked;

/** Lists the faces of the template just chosen (an upload ref or a URL) and outlines them. */
export async function showFaces(imageUrl: string): Promise<void> {
  const call = ++listing;
  faces = [];
  chosen = [];
  photos.clear();
  render();
  const status = $('#faces-status');
  status.textContent = 'Finding faces…';
  try {
    const r = await api.faces(imageUrl);
    if (call !== listing) return;
    if (r.status !== 0 || !r.data) return void (status.textContent = describeError(r.error, r.errmsg, r.status));
    ({ faces } = r.data);
    size = { width: r.data.width, height: r.data.height };
    status.textContent =
      faces.length === 0 ? 'No face found in this template.' : faces.length === 1 ? '1 face.' : `${faces.length} faces: click the one to replace${groupMode() ? ' (group: click each face, then give each a photo)' : ''}.`;
    // One face: it is the one (as without a choice); several: the caller must choose.
    render();
  } catch (err) {
    if (call === listing) status.textContent = (err as Error).message;
  }
}

/** The face fields of the submit body, or an error message when the choice is incomplete. */
export function faceFields(): { fields: Record<string, unknown>; dropSource: boolean } | string {
  if (!groupMode()) return { fields: chosen.length ? { target_face: chosen[0] } : {}, dropSource: false };
  if (chosen.length === 0) return 'Group mode: click the faces to replace in the template.';
  const entries = [];
  for (const i of chosen) {
    const p = photos.get(i);
    if (p?.uploading) return 'Still uploading a photo, one moment…';
    if (!p?.ref) return `Group mode: choose a photo for face ${i}.`;
    entries.push({ source_url: p.ref, target_face: i });
  }
  return { fields: { faces: entries }, dropSource: true };
}

function toggle(i: number) {
  if (groupMode()) {
    chosen = chosen.includes(i) ? chosen.filter((c) => c !== i) : [...chosen, i];
    if (!chosen.includes(i)) photos.delete(i);
  } else chosen = chosen[0] === i ? [] : [i];
  render();
}

function render() {
  const box = overlay();
  box.replaceChildren();
  const img = $<HTMLImageElement>('fieldset[data-field="target_url"] .drop img');
  if (faces.length && !img.hidden && img.naturalWidth) {
    // Over the image as laid out (centred and scaled inside the drop area).
    const drop = img.parentElement!.getBoundingClientRect();
    const r = img.getBoundingClientRect();
    Object.assign(box.style, { left: `${r.left - drop.left}px`, top: `${r.top - drop.top}px`, width: `${r.width}px`, height: `${r.height}px` });
    for (const f of faces) {
      const [x, y, w, h] = f.box;
      const b = document.createElement('button');
      b.type = 'button';
      b.className = `face${chosen.includes(f.index) ? ' chosen' : ''}${f.check.ok ? '' : ' refused'}`;
      b.dataset.index = String(f.index);
      b.textContent = String(f.index);
      b.title = f.check.ok ? `face ${f.index}` : `face ${f.index}: ${describeError(f.check.error, f.check.message, f.check.status)}`;
      Object.assign(b.style, { left: `${(100 * x) / size.width}%`, top: `${(100 * y) / size.height}%`, width: `${(100 * w) / size.width}%`, height: `${(100 * h) / size.height}%` });
      b.addEventListener('click', (e) => {
        e.preventDefault();
        e.stopPropagation();
        toggle(f.index);
      });
      box.append(b);
    }
  }
  $('#chosen-face').textContent = groupMode() ? '' : chosen.length ? `Replacing face ${chosen[0]}.` : '';
  renderGroup();
}

function renderGroup() {
  const on = groupMode();
  $('fieldset[data-field="source_url"]').toggleAttribute('disabled', on);
  $('fieldset[data-field="source_url"]').classList.toggle('off', on);
  const list = $('#group-sources');
  list.hidden = !on;
  list.replaceChildren();
  if (!on) return;
  if (!chosen.length) list.append(Object.assign(document.createElement('p'), { className: 'hint', textContent: 'Click the faces of the template that get a new face.' }));
  for (const i of chosen) {
    const row = document.createElement('label');
    row.className = 'group-row';
    row.dataset.face = String(i);
    const p = photos.get(i);
    row.append(`Photo for face ${i} `);
    const input = document.createElement('input');
    input.type = 'file';
    input.accept = 'image/jpeg,image/png';
    input.addEventListener('change', () => input.files?.[0] && void uploadFor(i, input.files[0]));
    row.append(input, Object.assign(document.createElement('span'), { className: p?.error ? 'error' : 'hint', textContent: p?.error ?? (p?.uploading ? ' uploading…' : p?.ref ? ' ✓' : '') }));
    list.append(row);
  }
}

async function uploadFor(i: number, file: File) {
  photos.set(i, { uploading: true });
  renderGroup();
  try {
    const r = await api.upload(file);
    photos.set(i, r.status === 0 && r.data ? { ref: r.data.ref } : { error: describeError(r.error, r.errmsg, r.status) });
  } catch (err) {
    photos.set(i, { error: (err as Error).message });
  }
  renderGroup();
}

$<HTMLInputElement>('#group-mode').addEventListener('change', () => {
  chosen = [];
  photos.clear();
  render();
});
$<HTMLImageElement>('fieldset[data-field="target_url"] .drop img').addEventListener('load', () => render());
window.addEventListener('resize', () => render());
