// Photos uploaded from the console. The API takes URLs, and the service must not fetch itself over
// the network (the SSRF guard refuses loopback), so an upload gets an internal reference
// `wanxing-upload:<id>.<ext>` that the job runner reads from disk. The public API never accepts that
// scheme (validate.ts allows http(s) only); only console submissions carry it.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { sweepDir } from '../storage/sweep-dir.ts';
import path from 'node:path';
import { inspectImage } from '../fetch/image-check.ts';
import { ServiceError } from '../jobs/errors.ts';
import type { DownloadedImage, ImageFetcher } from '../jobs/ports.ts';

export const UPLOAD_SCHEME = 'wanxing-upload:';
const NAME_RE = /^[0-9a-f]{32}\.(jpg|png)$/;

export interface UploadLimits {
  maxBytes: number;
  maxPixels: number;
}

export class UploadStore {
  readonly dir: string;
  private lastSweep = 0;

  constructor(
    dataDir: string,
    readonly limits: UploadLimits,
    private readonly ttlMs: number,
  ) {
    this.dir = path.join(dataDir, 'uploads');
    fs.mkdirSync(this.dir, { recursive: true });
  }

  /** Checks the bytes like a download (format, completeness, pixel cap) and stores them. */
  async put(bytes: Buffer): Promise<{ ref: string; name: string; width: number; height: number }> {
    if (bytes.length > this.limits.maxBytes) throw new ServiceError('ImageTooLarge', `${bytes.length} bytes`);
    const info = await inspectImage(bytes, this.limits.maxPixels);
    const name = `${randomBytes(16).toString('hex')}.${info.format === 'png' ? 'png' : 'jpg'}`;
    const tmp = path.join(this.dir, `.${name}.tmp`);
    await fs.promises.writeFile(tmp, bytes);
    await fs.promises.rename(tmp, path.join(this.dir, name));
    void this.sweepNow().catch(() => {});
    return { ref: `${UPLOAD_SCHEME}${name}`, name, width: info.width, height: info.height };
  }

  /** The file of an upload name or reference, if it exists. */
  pathOf(refOrName: string): string | undefined {
    const name = refOrName.startsWith(UPLOAD_SCHEME) ? refOrName.slice(UPLOAD_SCHEME.length) : refOrName;
    if (!NAME_RE.test(name)) return undefined;
    const p = path.join(this.dir, name);
    return fs.existsSync(p) ? p : undefined;
  }

  async read(ref: string): Promise<DownloadedImage> {
    const p = this.pathOf(ref);
    if (!p) throw new ServiceError('ImageDownloadFailed', 'uploaded photo expired or unknown');
    const bytes = await fs.promises.readFile(p);
    const info = await inspectImage(bytes, this.limits.maxPixels);
    return { bytes, ...info };
  }

  /** Uploads live as long as results; swept at most every 10 minutes, on upload. */
  async sweepNow(now = Date.now()): Promise<number> {
    if (now - this.lastSweep < 10 * 60_000) return 0;
    this.lastSweep = now;
    return sweepDir(this.dir, this.ttlMs, now);
  }

  /** An ImageFetcher that reads upload references from disk and hands every other URL to `next`. */
  fetcher(next: ImageFetcher): ImageFetcher {
    return (url, signal) => (url.startsWith(UPLOAD_SCHEME) ? this.read(url) : next(url, signal));
  }
}
