// Template cache: templates are shared by many users, so their decoded pixels and face analysis
// are kept by content hash (LRU, bounded by bytes). One cache per engine instance (per thread).
import { createHash } from 'node:crypto';
import type { Face } from './analyse.ts';
import type { RgbImage } from './image.ts';

export interface CachedTemplate {
  img: RgbImage;
  faces: Face[];
  withEmbedding: boolean;
  /** mask.hands: the hands found in the template (keypoints, image pixels), once looked for. */
  hands?: [number, number][][];
}

export function contentHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export class TemplateCache {
  private readonly map = new Map<string, CachedTemplate>();
  private bytes = 0;
  hits = 0;
  misses = 0;

  constructor(private readonly maxBytes: number) {}

  get(key: string, needEmbedding: boolean): CachedTemplate | undefined {
    const hit = this.map.get(key);
    if (!hit || (needEmbedding && !hit.withEmbedding)) {
      this.misses++;
      return undefined;
    }
    // Refresh recency.
    this.map.delete(key);
    this.map.set(key, hit);
    this.hits++;
    return hit;
  }

  set(key: string, value: CachedTemplate): void {
    if (this.maxBytes <= 0) return;
    const size = sizeOf(value);
    if (size > this.maxBytes) return;
    const old = this.map.get(key);
    if (old) {
      this.bytes -= sizeOf(old);
      this.map.delete(key);
    }
    this.map.set(key, value);
    this.bytes += size;
    for (const [k, v] of this.map) {
      if (this.bytes <= this.maxBytes) break;
      this.map.delete(k);
      this.bytes -= sizeOf(v);
    }
  }

  get size(): number {
    return this.map.size;
  }
}

function sizeOf(v: CachedTemplate): number {
  return v.img.data.byteLength + (v.img.alpha?.byteLength ?? 0) + v.faces.length * 20_000;
}
