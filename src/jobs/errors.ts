// The error-code table of DESIGN.md §3. One place: the API envelope, the query answer and the
// notification all read names, codes and messages from here.
export const ERRORS = {
  InvalidArguments: { status: -310001, message: '参数错误' },
  JobNotFound: { status: -310002, message: '任务不存在' },
  QueueFull: { status: -310003, message: '任务队列已满，请稍后重试' },
  ImageDownloadFailed: { status: -320001, message: '图片下载失败' },
  ImageFormatUnsupported: { status: -320002, message: '图片格式不支持，仅支持jpg、png、webp或avif' },
  ImageTooLarge: { status: -320003, message: '图片过大' },
  UrlForbidden: { status: -320004, message: '禁止访问该地址' },
  NoFaceInSource: { status: -330001, message: '用户图片中未检测到人脸' },
  MultipleFacesInSource: { status: -330002, message: '用户图片中包含多张人脸' },
  NoFaceInTarget: { status: -330003, message: '模板图片中未检测到人脸' },
  MultipleFacesInTarget: { status: -330004, message: '模板图片中包含多张人脸' },
  FaceTooSmall: { status: -330005, message: '人脸占比过小' },
  FaceAngleTooLarge: { status: -330006, message: '人脸角度过大' },
  ContentRejected: { status: -330007, message: '图片内容不合规' },
  FaceNotFound: { status: -330008, message: '未找到所选人脸' },
  Timeout: { status: -340001, message: '任务超时' },
  InternalError: { status: -22222, message: '内部错误' },
} as const;

export type ErrorName = keyof typeof ERRORS;

/** A failure with a code from the table; anything else that is thrown becomes InternalError. */
export class ServiceError extends Error {
  readonly errorName: ErrorName;
  constructor(name: ErrorName, detail?: string) {
    super(detail ? `${ERRORS[name].message}: ${detail}` : ERRORS[name].message);
    this.name = 'ServiceError';
    this.errorName = name;
  }
  get status(): number {
    return ERRORS[this.errorName].status;
  }
}

export function toServiceError(err: unknown): ServiceError {
  if (err instanceof ServiceError) return err;
  // Errors that crossed a worker/process boundary arrive as plain objects with errorName.
  const name = (err as { errorName?: string } | null)?.errorName;
  if (name && name in ERRORS) {
    // Its message already starts with the table's text: keep only the detail after it.
    const prefix = ERRORS[name as ErrorName].message;
    const message = String((err as Error).message ?? '');
    const detail = message === prefix ? undefined : message.startsWith(`${prefix}: `) ? message.slice(prefix.length + 2) : message;
    return new ServiceError(name as ErrorName, detail);
  }
  return new ServiceError('InternalError', err instanceof Error ? err.message : String(err));
}
