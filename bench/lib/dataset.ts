// Photos for the evaluation tools: identities from file names (flat folder) or from folders
// (`<dir>/<identity>/<n>.<ext>`), a deterministic tune/report split by identity, and padding of
// tight face crops so the detector sees a face inside a scene and not an image edge.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';

export const IMAGE_RE = /\.(jpe?g|png|webp)$/i;

export interface Photo {
  /** Path relative to its dataset folder, e.g. `bbt_amy/1.png` or `obama.jpg`. */
  file: string;
  id: string;
  /** A one-photo person from a `_singles`-style folder: template or distractor, never a source. */
  single: boolean;
  /** The bytes the engine gets (padded when the original was a tight crop). */
  bytes: Buffer;
  padded: boolean;
}

/** Identity of a flat-folder file: name without extension, lower-cased, '-' → '_', trailing tokens with digits or named img/small/partial/face dropped (obama_small → obama). */
export function identityOf(file: string, alias: Record<string, string> = {}): string {
  const base = path.basename(file, path.extname(file));
  if (alias[base]) return alias[base];
  const tokens = base.toLowerCase().replace(/-/g, '_').split('_');
  while (tokens.length > 1 && /\d|^(img|small|partial|face)$/.test(tokens[tokens.length - 1])) tokens.pop();
  return tokens.join('_').replace(/\d+$/, '') || base;
}

export type Split = 'tune' | 'report' | 'all';

/** FNV-1a 32-bit: stable across runs, machines and Node versions. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** About one identity in three goes to `tune`, the rest to `report`; decided by the name alone. */
export function splitOf(id: string): 'tune' | 'report' {
  return fnv1a(id) % 3 === 0 ? 'tune' : 'report';
}

export interface LoadOptions {
  alias?: Record<string, string>;
  /** Images whose longer side is at most this many pixels are tight crops: pad them (0 = never). */
  padBelow?: number;
  /** Pad to this many times the crop's size (3 = a crop-sized border on every side). */
  padFactor?: number;
}

/**
 * Every photo under the given folders. A folder's image files are a flat set (identity from the
 * file name); each sub-folder holding images is one identity, except folders whose name starts
 * with `_`, where every file is its own one-photo person. Deeper folders are not read.
 */
export async function loadPhotos(dirs: string[], opts: LoadOptions = {}): Promise<Photo[]> {
  const out: Photo[] = [];
  const padBelow = opts.padBelow ?? 200;
  const add = async (abs: string, file: string, id: string, single: boolean) => {
    const raw = await readFile(abs);
    const { bytes, padded } = await padTightCrop(raw, padBelow, opts.padFactor ?? 3);
    out.push({ file, id, single, bytes, padded });
  };
  for (const dir of dirs) {
    const entries = (await readdir(dir)).sort(byNumber);
    for (const e of entries) {
      const abs = path.join(dir, e);
      const st = await stat(abs);
      if (st.isFile() && IMAGE_RE.test(e)) {
        await add(abs, e, identityOf(e, opts.alias), false);
      } else if (st.isDirectory()) {
        const files = (await readdir(abs)).filter((f) => IMAGE_RE.test(f)).sort(byNumber);
        const singles = e.startsWith('_');
        for (const f of files) {
          await add(path.join(abs, f), `${e}/${f}`, singles ? path.parse(f).name.toLowerCase() : e, singles);
        }
      }
    }
  }
  return out;
}

/** `2.jpg` before `10.jpg`. */
function byNumber(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/**
 * A tight face crop (the face touches the edges) is padded to `factor` × its size: the border is
 * the crop's edge pixels stretched outwards and blurred, so it reads as an out-of-focus backdrop
 * and holds no second face (a mirror fill would).
 */
export async function padTightCrop(bytes: Buffer, padBelow: number, factor = 3): Promise<{ bytes: Buffer; padded: boolean }> {
  const meta = await sharp(bytes).metadata();
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  if (!padBelow || !w || !h || Math.max(w, h) > padBelow) return { bytes, padded: false };
  const px = Math.round(((factor - 1) * w) / 2);
  const py = Math.round(((factor - 1) * h) / 2);
  const base = sharp(bytes).rotate().removeAlpha().toColourspace('srgb');
  const face = await base.clone().png().toBuffer();
  const backdrop = await base
    .clone()
    .extend({ top: py, bottom: py, left: px, right: px, extendWith: 'copy' })
    .blur(Math.max(1, w / 12))
    .png()
    .toBuffer();
  const out = await sharp(backdrop).composite([{ input: face, left: px, top: py }]).removeAlpha().png().toBuffer();
  return { bytes: out, padded: true };
}

/** Photos of the identities in the chosen split. */
export function inSplit<T extends { id: string }>(photos: T[], split: Split): T[] {
  return split === 'all' ? photos : photos.filter((p) => splitOf(p.id) === split);
}

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle<T>(items: T[], random: () => number): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/**
 * Up to `max` of the candidate pairs, deterministic for a seed, spread out: first pairs whose
 * template photo and source photo are both still unused, then pairs with an unused template,
 * then the rest. Returned ordered by template so each template is analysed once (engine cache).
 */
export function samplePairs<P extends { file: string }>(candidates: { s: P; t: P }[], max: number, seed: number): { s: P; t: P }[] {
  const order = shuffle(candidates, rng(seed));
  if (order.length <= max) return sortByTemplate(order);
  const picked = new Set<number>();
  const usedT = new Set<string>();
  const usedS = new Set<string>();
  const pass = (ok: (c: { s: P; t: P }) => boolean) => {
    for (let i = 0; i < order.length && picked.size < max; i++) {
      if (picked.has(i) || !ok(order[i]!)) continue;
      picked.add(i);
      usedT.add(order[i]!.t.file);
      usedS.add(order[i]!.s.file);
    }
  };
  pass((c) => !usedT.has(c.t.file) && !usedS.has(c.s.file));
  pass((c) => !usedT.has(c.t.file));
  pass(() => true);
  return sortByTemplate([...picked].sort((a, b) => a - b).map((i) => order[i]!));
}

function sortByTemplate<P extends { file: string }>(pairs: { s: P; t: P }[]): { s: P; t: P }[] {
  const firstSeen = new Map<string, number>();
  pairs.forEach((p, i) => firstSeen.has(p.t.file) || firstSeen.set(p.t.file, i));
  return [...pairs].sort((a, b) => firstSeen.get(a.t.file)! - firstSeen.get(b.t.file)!);
}
