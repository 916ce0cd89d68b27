// Field rules of the group-portrait fields of POST /swapface: `target_face`, `source_face` and
// `faces` (DESIGN: additive to V1). Anything off is InvalidArguments naming the field.
import { checkUrlSyntax } from '../fetch/url.ts';
import { ERRORS, ServiceError, toServiceError } from './errors.ts';
import type { FaceSelection } from './job.ts';
import type { FaceChoice } from '../engine/faces.ts';
import type { SwapRequest } from '../engine/types.ts';

/** Most faces one group job swaps (Tencent's face fusion takes up to 6). */
export const MAX_GROUP_FACES = 6;

/** No template has more faces than this; a bigger index is a mistake, not a face. */
export const MAX_FACE_INDEX = 99;
const MAX_COORD = 100_000;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const bad = (field: string, why: string) => new ServiceError('InvalidArguments', `${field}: ${why}`);

/** A face choice: an integer index 0–99, or {"x","y"}, a point in image pixels. */
export function parseFaceChoice(v: unknown, field: string): FaceChoice {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0 || v > MAX_FACE_INDEX) throw bad(field, `必须是 0 到 ${MAX_FACE_INDEX} 的整数，或 {"x","y"} 坐标`);
    return v;
  }
  if (isObject(v)) {
    const keys = Object.keys(v);
    const ok = keys.length === 2 && keys.includes('x') && keys.includes('y');
    const coord = (c: unknown) => typeof c === 'number' && Number.isFinite(c) && c >= 0 && c <= MAX_COORD;
    if (ok && coord(v.x) && coord(v.y)) return { x: v.x as number, y: v.y as number };
    throw bad(field, `坐标必须是 {"x","y"}，0 到 ${MAX_COORD} 像素`);
  }
  throw bad(field, `必须是 0 到 ${MAX_FACE_INDEX} 的整数，或 {"x","y"} 坐标`);
}

const present = (v: unknown) => v !== undefined;

/**
 * The face fields of a swap body, or undefined for a V1 body. `faces` replaces `source_url`
 * (both at once is refused) and takes no top-level target_face/source_face.
 */
export function parseFaceSelection(body: Record<string, unknown>): FaceSelection | undefined {
  const sel: FaceSelection = {};
  if (present(body.target_face)) sel.targetFace = parseFaceChoice(body.target_face, 'target_face');
  if (present(body.source_face)) sel.sourceFace = parseFaceChoice(body.source_face, 'source_face');
  if (present(body.faces)) {
    if (present(body.source_url)) throw bad('faces', 'faces 与 source_url 不能同时使用');
    if (sel.targetFace !== undefined || sel.sourceFace !== undefined) throw bad('faces', '使用 faces 时 target_face/source_face 写在每一项中');
    const list = body.faces;
    if (!Array.isArray(list) || list.length < 1 || list.length > MAX_GROUP_FACES) throw bad('faces', `必须是 1 到 ${MAX_GROUP_FACES} 项的数组`);
    sel.group = list.map((e, i) => {
      const f = `faces[${i}]`;
      if (!isObject(e)) throw bad(f, '必须是对象 {"source_url","target_face"}');
      const extra = Object.keys(e).filter((k) => !['source_url', 'target_face', 'source_face'].includes(k));
      if (extra.length) throw bad(f, `未知字段 ${extra.join(', ')}`);
      if (e.source_url === undefined || e.source_url === null || e.source_url === '') throw bad(f, '缺少参数 source_url');
      const problem = checkUrlSyntax(e.source_url);
      if (problem) throw bad(`${f}.source_url`, problem);
      if (e.target_face === undefined || e.target_face === null) throw bad(f, '缺少参数 target_face');
      const entry: NonNullable<FaceSelection['group']>[number] = { sourceUrl: e.source_url as string, targetFace: parseFaceChoice(e.target_face, `${f}.target_face`) };
      if (present(e.source_face)) entry.sourceFace = parseFaceChoice(e.source_face, `${f}.source_face`);
      return entry;
    });
    // Points may still land on one face; that is found when the template is analysed.
    const seen = new Map<number, number>();
    sel.group.forEach((e, i) => {
      if (typeof e.targetFace !== 'number') return;
      const j = seen.get(e.targetFace);
      if (j !== undefined) throw bad('faces', `faces[${j}] 与 faces[${i}] 选择了同一张人脸 ${e.targetFace}`);
      seen.set(e.targetFace, i);
    });
  }
  return Object.keys(sel).length ? sel : undefined;
}

/** A group entry's failure with the entry named first: `faces[2]: NoFaceInSource (detail)`. */
export function entryError(i: number, err: unknown): ServiceError {
  const e = toServiceError(err);
  const prefix = ERRORS[e.errorName].message;
  const detail = e.message.startsWith(`${prefix}: `) ? e.message.slice(prefix.length + 2) : '';
  return new ServiceError(e.errorName, `faces[${i}]: ${e.errorName}${detail ? ` (${detail})` : ''}`);
}

/** The engine request's face fields for a job, given its group's downloaded sources (in entry order). */
export function engineFaceFields(sel: FaceSelection | undefined, sources: readonly Uint8Array[]): Pick<SwapRequest, 'targetFace' | 'sourceFace' | 'faces'> {
  if (!sel) return {};
  if (sel.group) return { faces: sel.group.map((e, i) => ({ source: sources[i], targetFace: e.targetFace, ...(e.sourceFace !== undefined && { sourceFace: e.sourceFace }) })) };
  return { ...(sel.targetFace !== undefined && { targetFace: sel.targetFace }), ...(sel.sourceFace !== undefined && { sourceFace: sel.sourceFace }) };
}

/** The body of POST /faces: the template's URL. */
export function parseFacesRequest(body: unknown): string {
  if (!isObject(body)) throw new ServiceError('InvalidArguments', '请求体必须是JSON对象');
  const url = body.image_url;
  if (url === undefined || url === null || url === '') throw new ServiceError('InvalidArguments', '缺少参数 image_url');
  const problem = checkUrlSyntax(url);
  if (problem) throw bad('image_url', problem);
  return url as string;
}
