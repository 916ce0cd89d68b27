// Reads a response body into memory with a byte cap, so a stranger's server cannot make us buffer
// more than we allow whatever it claims in its headers.

export interface CappedBody {
  bytes: Buffer;
  /** True when the body went past the cap (the rest was not read). */
  overflow: boolean;
}

/**
 * Reads `body` until it ends or passes `maxBytes`. With `keepPrefix` the first `maxBytes` bytes
 * are kept on overflow; otherwise nothing is kept. The stream is destroyed on overflow so the
 * connection is dropped rather than drained.
 */
export async function readCapped(
  body: Discardable & AsyncIterable<Uint8Array>,
  maxBytes: number,
  keepPrefix = false,
): Promise<CappedBody> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    if (total + buf.length > maxBytes) {
      if (keepPrefix) chunks.push(buf.subarray(0, maxBytes - total));
      discard(body);
      return { bytes: keepPrefix ? Buffer.concat(chunks) : Buffer.alloc(0), overflow: true };
    }
    chunks.push(buf);
    total += buf.length;
  }
  return { bytes: Buffer.concat(chunks, total), overflow: false };
}

type Discardable = { destroy(err?: Error): unknown; on(event: 'error', listener: (err: Error) => void): unknown };

/**
 * Drops a body we will not read. undici's body emits an AbortError when destroyed; without a
 * listener that error would surface as an uncaught exception and kill the process.
 */
export function discard(body: Discardable): void {
  body.on('error', () => {});
  body.destroy();
}
