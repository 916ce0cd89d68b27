// The console's group-portrait fields: the API's rules (jobs/face-selection.ts), except that a
// group entry's photo may be a console upload (upload:…) as well as an http(s) URL.
import { ServiceError } from '../jobs/errors.ts';
import { parseFaceSelection } from '../jobs/face-selection.ts';
import type { FaceSelection } from '../jobs/job.ts';
import { UPLOAD_SCHEME, type UploadStore } from './uploads.ts';

const PLACEHOLDER = 'https://console.invalid/';

export function consoleFaceSelection(body: Record<string, unknown>, uploads: UploadStore): FaceSelection | undefined {
  const group = Array.isArray(body.faces) ? (body.faces as unknown[]) : undefined;
  // Uploads are checked here; the rest of each entry by the API's own rules, on a stand-in URL.
  const refs = group?.map((e, i) => {
    const url = typeof e === 'object' && e !== null ? (e as Record<string, unknown>).source_url : undefined;
    if (typeof url !== 'string' || !url.startsWith(UPLOAD_SCHEME)) return undefined;
    if (!uploads.pathOf(url)) throw new ServiceError('InvalidArguments', `faces[${i}].source_url: 上传的图片不存在或已过期`);
    return url;
  });
  const sel = parseFaceSelection({
    target_face: body.target_face,
    source_face: body.source_face,
    faces: group ? group.map((e, i) => (refs![i] ? { ...(e as object), source_url: PLACEHOLDER } : e)) : body.faces,
    ...(group && { source_url: undefined }),
  });
  sel?.group?.forEach((g, i) => {
    if (refs![i]) g.sourceUrl = refs![i]!;
  });
  return sel;
}
