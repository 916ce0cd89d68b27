// Analysis of the evaluation's untouched photos with both recognisers, plus Human's gender
// estimate, cached on disk by photo content (a re-run of the eval only analyses the results).
import { createHash } from 'node:crypto';
import { readFile, writeFile, mkdir, rename } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cosine, type Face } from '../../src/engine/index.ts';
import type { FaceAnalyser } from '../../src/engine/analyse.ts';
import { humanConfig, packageDirs } from '../../src/engine/human.ts';
import { decodeImage, type RgbImage } from '../../src/engine/image.ts';
import { toServiceError } from '../../src/jobs/errors.ts';
import { cropSquare, type FaceApiRecogniser } from './faceapi.ts';
import type { Photo } from './dataset.ts';

export type Gender = 'male' | 'female';

export interface Analysed extends Photo {
  /** faceres 1024-d embedding (cosine). */
  emb: number[];
  /** face-api 128-d descriptor (euclidean); undefined when face-api found no face. */
  desc?: number[];
  /** Human's gender estimate for this photo, and its confidence (0.5–1). */
  gender?: Gender;
  genderScore: number;
  box: [number, number, number, number];
}

interface CacheEntry {
  emb?: number[];
  desc?: number[];
  gender?: Gender;
  genderScore?: number;
  box?: [number, number, number, number];
  error?: string;
  /** Set when face-api ran on the photo (an entry made without it lacks `desc` for that reason only). */
  fa?: boolean;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const CACHE_FILE = path.join(os.tmpdir(), 'wanxing-eval', 'gallery-cache.json');

/**
 * Keys change with the model set-up and this code. Not with analyse.ts, which the engine work edits
 * often without changing what Human returns: run with --no-cache after a change to detection.
 */
async function codeVersion(): Promise<string> {
  // Bump the tag when this file's or faceapi.ts's analysis changes (crop rule, gender rule).
  const h = createHash('sha1').update('gallery-v1');
  for (const f of ['../../src/engine/human.ts', './faceapi-worker.ts']) {
    h.update(await readFile(path.join(here, f)));
  }
  return h.digest('hex').slice(0, 12);
}

/**
 * Every photo analysed as a source would be (the engine's input checks apply), with both
 * recognisers; photos refused by the checks are listed with their error code.
 */
export async function analyseGallery(
  photos: Photo[],
  analyser: FaceAnalyser,
  faceapi: FaceApiRecogniser | undefined,
  opts: { cache?: boolean; log?: (s: string) => void } = {},
): Promise<{ ok: Analysed[]; rejected: string[] }> {
  const version = await codeVersion();
  let cache: Record<string, CacheEntry> = {};
  if (opts.cache !== false) {
    try {
      cache = JSON.parse(await readFile(CACHE_FILE, 'utf8'));
    } catch {
      /* first run */
    }
  }
  const ok: Analysed[] = [];
  const rejected: string[] = [];
  let fresh = 0;
  for (const p of photos) {
    const key = version + ':' + createHash('sha1').update(p.bytes).digest('hex');
    let e = cache[key];
    if (!e || (faceapi && !e.fa && !e.desc && !e.error)) {
      fresh++;
      e = await analyseOne(p.bytes, analyser, faceapi);
      cache[key] = e;
      if (fresh % 20 === 0) opts.log?.(`  analysed ${fresh} new photos…`);
    }
    if (e.error || !e.emb || !e.box) rejected.push(`${p.file}: ${e.error}`);
    else ok.push({ ...p, emb: e.emb, desc: e.desc, gender: e.gender, genderScore: e.genderScore ?? 0, box: e.box });
  }
  if (fresh && opts.cache !== false) {
    // Written aside and renamed: a run starting meanwhile reads the old file whole, never half of it.
    await mkdir(path.dirname(CACHE_FILE), { recursive: true });
    const tmp = `${CACHE_FILE}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(cache));
    await rename(tmp, CACHE_FILE);
  }
  return { ok, rejected };
}

async function analyseOne(bytes: Buffer, analyser: FaceAnalyser, faceapi: FaceApiRecogniser | undefined): Promise<CacheEntry> {
  let img: RgbImage;
  let face: Face;
  try {
    img = await decodeImage(bytes);
    face = await analyser.analyse(img, 'source', { embedding: true });
  } catch (err) {
    return { error: toServiceError(err).errorName };
  }
  // face-api works in its worker meanwhile.
  const desc = faceapi?.describe(img, face.box);
  const g = await humanGender(analyser, img, face.box);
  return { emb: face.embedding, desc: await desc, gender: g?.gender, genderScore: g?.score, box: face.box, fa: !!faceapi };
}

let genderConfig: ReturnType<typeof humanConfig> | undefined;

/**
 * Human's gender estimate (from faceres, which the engine's Face type does not carry) for the
 * largest face in the square around `box`. Undefined when Human is unsure or finds no face.
 */
export async function humanGender(analyser: FaceAnalyser, img: RgbImage, box: [number, number, number, number]): Promise<{ gender: Gender; score: number } | undefined> {
  const crop = cropSquare(img, box, 2, 512);
  genderConfig ??= humanConfig(packageDirs(), { embedding: true });
  const tf = analyser.human.tf;
  const t = tf.tensor4d(Int32Array.from(crop.data), [1, crop.height, crop.width, 3], 'int32');
  try {
    const res = await analyser.human.detect(t as never, genderConfig);
    const f = [...res.face].sort((a, b) => b.box[2] * b.box[3] - a.box[2] * a.box[3])[0];
    if (!f || (f.gender !== 'male' && f.gender !== 'female')) return undefined;
    return { gender: f.gender, score: f.genderScore ?? 0 };
  } finally {
    t.dispose();
  }
}

/** Each identity's gender: the photos' votes weighted by confidence; `overrides` win. */
export function identityGenders(photos: Analysed[], overrides: Record<string, Gender> = {}): Map<string, { gender: Gender; votes: string }> {
  const sums = new Map<string, { s: number; m: number; f: number }>();
  for (const p of photos) {
    const v = sums.get(p.id) ?? { s: 0, m: 0, f: 0 };
    if (p.gender === 'female') {
      v.s += p.genderScore;
      v.f++;
    } else if (p.gender === 'male') {
      v.s -= p.genderScore;
      v.m++;
    }
    sums.set(p.id, v);
  }
  const out = new Map<string, { gender: Gender; votes: string }>();
  for (const [id, v] of sums) {
    const gender = overrides[id] ?? (v.s > 0 ? 'female' : 'male');
    out.set(id, { gender, votes: `${v.f}F/${v.m}M${overrides[id] ? ' (set)' : ''}` });
  }
  return out;
}

export type Recogniser = 'faceres' | 'faceapi';

/** Similarity: faceres by cosine, face-api by negative euclidean distance (its native metric). */
export function similarity(r: Recogniser, a: number[], b: number[]): number {
  if (r === 'faceres') return cosine(a, b);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return -Math.sqrt(s);
}

export function vectorOf(r: Recogniser, p: { emb: number[]; desc?: number[] }): number[] | undefined {
  return r === 'faceres' ? p.emb : p.desc;
}

/** Identity of the gallery photo nearest to `v`, the photos in `skip` left out. */
export function nearestIdentity(r: Recogniser, v: number[], gallery: Analysed[], skip: Set<string>): { id?: string; file?: string } {
  let best = -Infinity;
  let hit: Analysed | undefined;
  for (const g of gallery) {
    const gv = vectorOf(r, g);
    if (!gv || skip.has(g.file)) continue;
    const s = similarity(r, v, gv);
    if (s > best) {
      best = s;
      hit = g;
    }
  }
  return { id: hit?.id, file: hit?.file };
}
