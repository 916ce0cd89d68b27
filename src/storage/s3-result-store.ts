// Results in S3-compatible object storage (AWS S3, MinIO, R2, …) behind presigned GET URLs that are
// valid for the result TTL (24 h by default; SigV4 allows up to 7 days). Expiry: a bucket lifecycle
// rule where the server supports one (whole days), and sweep() deleting objects older than the TTL.
import { randomBytes } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutBucketLifecycleConfigurationCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ResultStore } from '../jobs/ports.ts';

export interface S3Settings {
  endpoint?: string;
  bucket: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
  /** Key prefix of result objects, e.g. "results/". */
  keyPrefix: string;
}

export class S3ResultStore implements ResultStore {
  readonly client: S3Client;

  constructor(
    private readonly s: S3Settings,
    private readonly ttlMs = 24 * 3600 * 1000,
  ) {
    this.client = new S3Client({
      region: s.region,
      endpoint: s.endpoint,
      forcePathStyle: s.forcePathStyle,
      // Without keys the SDK's default chain applies (env, instance role, …).
      credentials: s.accessKeyId && s.secretAccessKey ? { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey } : undefined,
    });
  }

  /**
   * Checks the bucket is reachable (creating it when `create`), and asks for a lifecycle rule that
   * expires results; returns whether the server accepted the rule (the sweeper runs either way).
   */
  async init(opts: { create?: boolean } = {}): Promise<{ lifecycle: boolean }> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.s.bucket }));
    } catch (err) {
      if (!opts.create) throw new Error(`S3 bucket ${this.s.bucket} is not reachable: ${(err as Error).name ?? err}`);
      await this.client.send(new CreateBucketCommand({ Bucket: this.s.bucket }));
    }
    try {
      const days = Math.max(1, Math.ceil(this.ttlMs / 86_400_000));
      await this.client.send(
        new PutBucketLifecycleConfigurationCommand({
          Bucket: this.s.bucket,
          LifecycleConfiguration: {
            Rules: [{ ID: 'wanxing-results-expiry', Status: 'Enabled', Filter: { Prefix: this.s.keyPrefix }, Expiration: { Days: days } }],
          },
        }),
      );
      return { lifecycle: true };
    } catch {
      return { lifecycle: false };
    }
  }

  async put(jobId: string, image: Uint8Array, format: 'jpeg' | 'png', expiresAt: number): Promise<string> {
    // A random part per run: if a job ran twice (a worker presumed dead), the URL the caller gets
    // always points at the bytes of the run that won.
    const key = `${this.s.keyPrefix}${jobId}-${randomBytes(6).toString('hex')}.${format === 'png' ? 'png' : 'jpg'}`;
    await this.client.send(
      new PutObjectCommand({ Bucket: this.s.bucket, Key: key, Body: image, ContentType: format === 'png' ? 'image/png' : 'image/jpeg' }),
    );
    const expiresIn = Math.max(1, Math.min(7 * 86_400, Math.floor((expiresAt - Date.now()) / 1000)));
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.s.bucket, Key: key }), { expiresIn });
  }

  /** Deletes result objects older than the TTL; returns how many. */
  async sweep(now = Date.now()): Promise<number> {
    let removed = 0;
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.s.bucket, Prefix: this.s.keyPrefix, ContinuationToken: token }));
      const old = (page.Contents ?? []).filter((o) => o.Key && o.LastModified && o.LastModified.getTime() + this.ttlMs <= now);
      if (old.length > 0) {
        await this.client.send(new DeleteObjectsCommand({ Bucket: this.s.bucket, Delete: { Objects: old.map((o) => ({ Key: o.Key! })), Quiet: true } }));
        removed += old.length;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return removed;
  }

  close(): void {
    this.client.destroy();
  }
}
