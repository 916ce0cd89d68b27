// Registered templates: per-app objects (image + stored analysis) that swaps name by `template_id`
// instead of downloading and analysing a `target_url` every time. Ports only (records, blobs, an
// analyser); the adapters are ./sqlite-records.ts, ./redis-records.ts and ./blobs.ts.
//
// A job on a template stores `target_url` = `wanxing-template:<id>`: its worker reads the image and
// the analysis by id from the blob store (local disk or the bucket), never from the network, and
// hands the analysis to the engine (SwapRequest.targetFaces), so no worker analyses it again.
//
// Deleting: the record is marked deleted at once (gone from the list, refused by new swaps) while
// its image and analysis stay until every job that may still use it has ended: jobs are accepted
// only before the deletion and each ends by its deadline (≤ the longest timeout), so the blobs are
// purged `graceMs` (the longest timeout plus a margin) after the deletion.
import { randomBytes } from 'node:crypto';
import type { Face, AnalyseLimits } from '../engine/analyse.ts';
import { describeFaces, type FaceInfo } from '../engine/faces.ts';
import type { TemplateFaces } from '../engine/types.ts';
import { ServiceError, toServiceError } from '../jobs/errors.ts';
import type { DownloadedImage, ImageFetcher } from '../jobs/ports.ts';
import { inspectImage } from '../fetch/image-check.ts';

export const TEMPLATE_SCHEME = 'wanxing-template:';
const ID_RE = /^tpl_[0-9a-f]{24}$/;
export const MAX_NAME_LENGTH = 100;
/** Templates one app may hold (deleted ones not counted). */
export const MAX_TEMPLATES_PER_APP = 10_000;
export const LIST_PAGE = 50;

export interface TemplateRecord {
  id: string;
  appKey: string;
  name: string;
  createdAt: number;
  deletedAt?: number;
  /** The image_url it was registered from (a console upload's internal reference stays out). */
  imageUrl?: string;
  format: DownloadedImage['format'];
  width: number;
  height: number;
  bytes: number;
  /** describeFaces(): every face in reading order with its checks; the full analysis is a blob. */
  faces: FaceInfo[];
}

export interface TemplatePage {
  items: TemplateRecord[];
  /** Opaque: pass back for the next page; absent on the last page. */
  next?: string;
}

/** Records: SQLite (embedded) or Redis (distributed). */
export interface TemplateRecords {
  insert(rec: TemplateRecord): Promise<void>;
  /** A record, deleted ones included (the caller decides). */
  get(id: string): Promise<TemplateRecord | undefined>;
  /** An app's live templates, newest first, after `after` (a page's last record). */
  list(appKey: string, after: { createdAt: number; id: string } | undefined, limit: number): Promise<TemplateRecord[]>;
  countLive(appKey: string): Promise<number>;
  /** Marks a live template deleted; false when it is not the app's or already deleted. */
  markDeleted(appKey: string, id: string, now: number): Promise<boolean>;
  /** Ids deleted before `before`, whose blobs may go; then forget() them. */
  deletedBefore(before: number, limit: number): Promise<string[]>;
  forget(ids: string[]): Promise<void>;
}

/** Image and analysis bytes: local disk (embedded) or the bucket (distributed). */
export interface TemplateBlobs {
  put(key: string, bytes: Uint8Array): Promise<void>;
  get(key: string): Promise<Uint8Array | undefined>;
  delete(keys: string[]): Promise<void>;
}

export interface TemplateAnalyser {
  listFaces(image: Uint8Array, opts?: { signal?: AbortSignal }): Promise<TemplateFaces>;
}

interface StoredAnalysis {
  version: 1;
  format: DownloadedImage['format'];
  width: number;
  height: number;
  faces: Face[];
}

export const imageKey = (id: string) => `templates/${id}/image`;
export const analysisKey = (id: string) => `templates/${id}/analysis.json`;

export interface CatalogueDeps {
  records: TemplateRecords;
  blobs: TemplateBlobs;
  limits: AnalyseLimits;
  /** How long a deleted template's blobs stay for jobs already queued on it. */
  graceMs: number;
  /** The guarded download (and the console's uploads). Absent in a worker. */
  fetchImage?: ImageFetcher;
  /** The download caps, applied to images sent inline (image_base64) too. */
  imageLimits?: { maxBytes: number; maxPixels: number };
  /** Absent in a worker; may load an engine on first use (the distributed API has none otherwise). */
  analyser?: () => Promise<TemplateAnalyser>;
  now?: () => number;
}

export class TemplateCatalogue {
  private lastPurge = 0;
  /** Loaded templates by id: immutable once registered, so a worker keeps the last few in memory. */
  private readonly loaded = new Map<string, Promise<DownloadedImage & { faces: Face[] }>>();

  constructor(private readonly deps: CatalogueDeps) {}

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  /** Downloads (input checks included), analyses and stores a template; the answer of POST /templates. */
  async register(appKey: string, input: { imageUrl?: string; imageBytes?: Buffer; name?: string }, signal: AbortSignal = AbortSignal.timeout(60_000)): Promise<TemplateRecord> {
    const { fetchImage, analyser, imageLimits } = this.deps;
    if (!fetchImage || !analyser || !imageLimits) throw new ServiceError('InternalError', 'templates cannot be registered here');
    if ((await this.deps.records.countLive(appKey)) >= MAX_TEMPLATES_PER_APP) {
      throw new ServiceError('InvalidArguments', `每个应用最多 ${MAX_TEMPLATES_PER_APP} 个模板，请先删除不用的模板`);
    }
    const image = input.imageBytes ? await this.inspect(input.imageBytes, imageLimits) : await fetchImage(input.imageUrl!, signal);
    const analysis = await (await analyser()).listFaces(image.bytes, { signal });
    const faces = describeFaces(analysis.faces, analysis, this.deps.limits);
    // A template no face of which can be swapped would fail every job: refused now, with the reason.
    if (faces.length === 0) throw new ServiceError('NoFaceInTarget');
    if (!faces.some((f) => f.check.ok)) {
      const c = faces[0].check;
      throw toServiceError(Object.assign(new Error(c.message ?? ''), { errorName: c.error }));
    }
    const id = `tpl_${randomBytes(12).toString('hex')}`;
    const stored: StoredAnalysis = { version: 1, format: image.format, width: analysis.width, height: analysis.height, faces: analysis.faces };
    // Blobs first: a record never points at bytes that are not there.
    await this.deps.blobs.put(imageKey(id), image.bytes);
    await this.deps.blobs.put(analysisKey(id), Buffer.from(JSON.stringify(stored)));
    const rec: TemplateRecord = {
      id,
      appKey,
      name: input.name ?? '',
      createdAt: this.now(),
      ...(input.imageUrl && /^https?:/i.test(input.imageUrl) && { imageUrl: input.imageUrl }),
      format: image.format,
      width: analysis.width,
      height: analysis.height,
      bytes: image.bytes.byteLength,
      faces,
    };
    await this.deps.records.insert(rec);
    void this.purge().catch(() => undefined);
    return rec;
  }

  /** An image sent inline gets the checks of a download: size cap, format, completeness, pixel cap. */
  private async inspect(bytes: Buffer, limits: { maxBytes: number; maxPixels: number }): Promise<DownloadedImage> {
    if (bytes.length > limits.maxBytes) throw new ServiceError('ImageTooLarge', `${bytes.length} bytes > ${limits.maxBytes}`);
    return { bytes, ...(await inspectImage(bytes, limits.maxPixels)) };
  }

  async list(appKey: string, cursor?: string, limit = LIST_PAGE): Promise<TemplatePage> {
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    const items = await this.deps.records.list(appKey, after, limit + 1);
    const page = items.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page, ...(items.length > limit && last && { next: encodeCursor(last) }) };
  }

  /** The app's live template, or InvalidArguments (unknown, another app's, or deleted: all read the same). */
  async get(appKey: string, id: string): Promise<TemplateRecord> {
    const rec = ID_RE.test(id) ? await this.deps.records.get(id) : undefined;
    if (!rec || rec.appKey !== appKey || rec.deletedAt !== undefined) throw new ServiceError('InvalidArguments', `template_id: 模板不存在 ${id}`);
    return rec;
  }

  /** The image of one of the app's live templates (the console's gallery). */
  async image(appKey: string, id: string): Promise<{ bytes: Uint8Array; format: TemplateRecord['format'] }> {
    const rec = await this.get(appKey, id);
    const bytes = await this.deps.blobs.get(imageKey(id));
    if (!bytes) throw new ServiceError('InvalidArguments', `template_id: 模板不存在 ${id}`);
    return { bytes, format: rec.format };
  }

  async delete(appKey: string, id: string): Promise<void> {
    if (!ID_RE.test(id) || !(await this.deps.records.markDeleted(appKey, id, this.now()))) {
      throw new ServiceError('InvalidArguments', `template_id: 模板不存在 ${id}`);
    }
    void this.purge().catch(() => undefined);
  }

  /** The job's target reference for a template the app owns (checked here, at submission). */
  async targetRef(appKey: string, id: string): Promise<string> {
    return `${TEMPLATE_SCHEME}${(await this.get(appKey, id)).id}`;
  }

  /** The image and stored analysis of a job's template reference; no ownership check (done at submit). */
  load(ref: string): Promise<DownloadedImage & { faces: Face[] }> {
    const id = ref.slice(TEMPLATE_SCHEME.length);
    let hit = this.loaded.get(id);
    if (!hit) {
      hit = this.read(id);
      this.loaded.set(id, hit);
      hit.catch(() => this.loaded.delete(id));
      if (this.loaded.size > 16) this.loaded.delete(this.loaded.keys().next().value!);
    }
    return hit;
  }

  private async read(id: string): Promise<DownloadedImage & { faces: Face[] }> {
    if (!ID_RE.test(id)) throw new ServiceError('InvalidArguments', `template_id: 模板不存在 ${id}`);
    const [bytes, json] = await Promise.all([this.deps.blobs.get(imageKey(id)), this.deps.blobs.get(analysisKey(id))]);
    if (!bytes || !json) throw new ServiceError('InvalidArguments', `template_id: 模板已删除 ${id}`);
    const a = JSON.parse(Buffer.from(json).toString('utf8')) as StoredAnalysis;
    return { bytes, format: a.format, width: a.width, height: a.height, faces: a.faces };
  }

  /** An ImageFetcher that serves template references from the store and hands every other URL to `next`. */
  fetcher(next: ImageFetcher): ImageFetcher {
    return (url, signal) => (url.startsWith(TEMPLATE_SCHEME) ? this.load(url) : next(url, signal));
  }

  /** Drops the blobs of templates deleted more than graceMs ago; at most every 10 minutes. */
  async purge(force = false): Promise<number> {
    const now = this.now();
    if (!force && now - this.lastPurge < 10 * 60_000) return 0;
    this.lastPurge = now;
    const ids = await this.deps.records.deletedBefore(now - this.deps.graceMs, 500);
    if (ids.length === 0) return 0;
    await this.deps.blobs.delete(ids.flatMap((id) => [imageKey(id), analysisKey(id)]));
    await this.deps.records.forget(ids);
    return ids.length;
  }
}

/** The wire shape of a template (POST /templates, /templates/list). */
export function templateJson(rec: TemplateRecord) {
  return {
    template_id: rec.id,
    name: rec.name,
    created_at: new Date(rec.createdAt).toISOString(),
    width: rec.width,
    height: rec.height,
    format: rec.format,
    ...(rec.imageUrl && { image_url: rec.imageUrl }),
    faces: rec.faces,
  };
}

function encodeCursor(rec: TemplateRecord): string {
  return Buffer.from(`${rec.createdAt}.${rec.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: number; id: string } {
  const m = /^(\d{1,16})\.(tpl_[0-9a-f]{24})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw new ServiceError('InvalidArguments', 'cursor: 无效的游标');
  return { createdAt: Number(m[1]), id: m[2] };
}

/**
 * The `template_id` of a POST /swapface body (it stands in for target_url: exactly one of the two),
 * or undefined. Whether the app owns it is checked at submission (TemplateCatalogue.targetRef).
 */
export function parseTemplateField(body: Record<string, unknown>): string | undefined {
  const id = body.template_id;
  if (id === undefined || id === null) return undefined;
  if (body.target_url !== undefined && body.target_url !== null) throw new ServiceError('InvalidArguments', 'template_id 与 target_url 只能选一个');
  if (typeof id !== 'string' || id.length === 0 || id.length > 64) throw new ServiceError('InvalidArguments', 'template_id 必须是 POST /templates 返回的模板ID');
  return id;
}

/** Whether a job's target is a registered template (its targetUrl holds `wanxing-template:<id>`). */
export const isTemplateRef = (targetUrl: string) => targetUrl.startsWith(TEMPLATE_SCHEME);
