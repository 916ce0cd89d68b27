// What each error code means for the person at the console, and what to do about it.
export const ERROR_HELP: Record<string, string> = {
  InvalidArguments: '参数错误 — a field is missing or malformed (URLs must be http(s); timeout 1…max seconds).',
  JobNotFound: '任务不存在 — no such job for this app (jobs are visible only to the app that submitted them).',
  QueueFull: '任务队列已满 — the queue is full; try again in a moment.',
  ImageDownloadFailed: '图片下载失败 — the image URL could not be downloaded (unreachable, non-2xx, too slow or too many redirects).',
  ImageFormatUnsupported: '图片格式不支持 — only complete JPEG, PNG, WebP or AVIF files are accepted (not GIF, HEIC, SVG, PDF, animations or truncated files).',
  ImageTooLarge: '图片过大 — the image is over the byte or pixel limit; use a smaller photo.',
  UrlForbidden: '禁止访问该地址 — the URL points at a private, loopback or metadata address, which the service does not fetch.',
  NoFaceInSource: '用户图片中未检测到人脸 — no face found in the user photo; use a clear, frontal, well-lit face.',
  MultipleFacesInSource: '用户图片中包含多张人脸 — the user photo shows several faces; crop it to one person.',
  NoFaceInTarget: '模板图片中未检测到人脸 — no face found in the template.',
  MultipleFacesInTarget: '模板图片中包含多张人脸 — the template shows several faces; click the face to replace (or use group mode).',
  FaceTooSmall: '人脸占比过小 — the face is too small in the picture; crop closer.',
  FaceAngleTooLarge: '人脸角度过大 — the head is turned too far; use a more frontal photo.',
  ContentRejected: '图片内容不合规 — the input screen rated a photo explicit; such photos are not swapped.',
  FaceNotFound: '未找到所选人脸 — the chosen face (target_face) is not in the template; list its faces again and pick one of them.',
  Timeout: '任务超时 — the job did not finish within its timeout.',
  InternalError: '内部错误 — something unexpected went wrong on the server; try again, and check the server log.',
};

/** A message for an error envelope or failed job: the explanation plus the server's detail. */
export function describeError(error: string | undefined, detail: string | undefined, code?: number): string {
  const help = (error && ERROR_HELP[error]) || 'Request failed.';
  const head = error ? `${error}${code ? ` (${code})` : ''}: ${help}` : help;
  return detail && !help.startsWith(detail) ? `${head}\n${detail}` : head;
}
