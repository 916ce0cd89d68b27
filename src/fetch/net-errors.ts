// Turning undici/socket errors into short reasons for errmsg and logs.

/** A short reason for logs and errmsg: the error code (ECONNREFUSED, ENOTFOUND, ...) when there is one. */
export function describeNetworkError(err: unknown): string {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && !code.startsWith('UND_ERR_ABORT')) {
      return `${code}: ${(e as Error).message ?? ''}`.trim();
    }
  }
  return err instanceof Error ? err.message : String(err);
}
