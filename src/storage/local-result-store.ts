// Results on local disk, served by the service itself through HMAC-signed URLs that expire.
import { createHmac, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ResultStore } from '../jobs/ports.ts';
import { sweepDir } from './sweep-dir.ts';

const FILE_RE = /^[0-9a-f]{32}\.(jpg|png)$/;

export class LocalResultStore implements ResultStore {
  readonly dir: string;

  constructor(
    dataDir: string,
    private readonly publicUrl: string,
    private readonly key: Buffer,
    private readonly ttlMs = 24 * 3600 * 1000,
  ) {
    this.dir = path.join(dataDir, 'results');
    fs.mkdirSync(this.dir, { recursive: true });
  }

  async put(jobId: string, image: Uint8Array, format: 'jpeg' | 'png', expiresAt: number): Promise<string> {
    const file = `${jobId}.${format === 'png' ? 'png' : 'jpg'}`;
    const tmp = path.join(this.dir, `.${file}.tmp`);
    await fs.promises.writeFile(tmp, image);
    await fs.promises.rename(tmp, path.join(this.dir, file)); // readers never see half a file
    const expires = Math.floor(expiresAt / 1000);
    return `${this.publicUrl}/results/${file}?expires=${expires}&sig=${this.sign(file, expires)}`;
  }

  /** The absolute path of a result if the signature holds and it has not expired. */
  resolve(file: string, expires: string, sig: string, now = Date.now()): { path: string } | { error: 'forbidden' | 'expired' | 'missing' } {
    const exp = Number(expires);
    if (!FILE_RE.test(file) || !Number.isInteger(exp) || typeof sig !== 'string') return { error: 'forbidden' };
    const expected = Buffer.from(this.sign(file, exp));
    const given = Buffer.from(sig);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { error: 'forbidden' };
    if (exp * 1000 <= now) return { error: 'expired' };
    const p = path.join(this.dir, file);
    return fs.existsSync(p) ? { path: p } : { error: 'missing' };
  }

  /** Results live ttlMs after they were written; the file's mtime tells when. */
  async sweep(now = Date.now()): Promise<number> {
    return sweepDir(this.dir, this.ttlMs, now);
  }

  private sign(file: string, expires: number): string {
    return createHmac('sha256', this.key).update(`${file}\n${expires}`).digest('base64url');
  }
}
