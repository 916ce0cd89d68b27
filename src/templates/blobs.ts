// Template images and analyses: files under the data directory (embedded mode, or a distributed
// install without a bucket, on a shared volume), or objects in the S3 bucket.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DeleteObjectsCommand, GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3Settings } from '../storage/s3-result-store.ts';
import type { TemplateBlobs } from './catalogue.ts';

export class DiskTemplateBlobs implements TemplateBlobs {
  constructor(private readonly dataDir: string) {}

  private file(key: string): string {
    // Keys are ours (templates/<id>/…), never a caller's string; still, nothing may leave the folder.
    const p = path.resolve(this.dataDir, key);
    if (!p.startsWith(path.resolve(this.dataDir, 'templates') + path.sep)) throw new Error(`bad template key ${key}`);
    return p;
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const p = this.file(key);
    await fs.promises.mkdir(path.dirname(p), { recursive: true });
    const tmp = `${p}.${randomBytes(4).toString('hex')}.tmp`;
    await fs.promises.writeFile(tmp, bytes);
    await fs.promises.rename(tmp, p);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return await fs.promises.readFile(this.file(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async delete(keys: string[]): Promise<void> {
    const dirs = new Set<string>();
    for (const key of keys) {
      const p = this.file(key);
      await fs.promises.rm(p, { force: true });
      dirs.add(path.dirname(p));
    }
    for (const d of dirs) await fs.promises.rmdir(d).catch(() => undefined); // only once empty
  }
}

export class S3TemplateBlobs implements TemplateBlobs {
  private readonly client: S3Client;

  constructor(private readonly s: S3Settings) {
    // Results under keyPrefix are expired by the sweeper and the bucket lifecycle: templates must not be.
    if ('templates/'.startsWith(s.keyPrefix)) throw new Error(`S3_KEY_PREFIX="${s.keyPrefix}" would expire templates/ with the results: set a prefix such as results/`);
    this.client = new S3Client({
      region: s.region,
      endpoint: s.endpoint,
      forcePathStyle: s.forcePathStyle,
      credentials: s.accessKeyId && s.secretAccessKey ? { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey } : undefined,
    });
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.s.bucket, Key: key, Body: bytes }));
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.s.bucket, Key: key }));
      return await r.Body!.transformToByteArray();
    } catch (err) {
      if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey') return undefined;
      throw err;
    }
  }

  async delete(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      await this.client.send(new DeleteObjectsCommand({ Bucket: this.s.bucket, Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true } }));
    }
  }

  close(): void {
    this.client.destroy();
  }
}
