// npm run eval -- <dir> [--out <dir for side-by-side PNGs>] [--alias file=identity ...] [--limit N] [--drop-copies] [--pairs]
// For every ordered pair of face photos of different people in <dir>: swap, then report
//  (a) identity: faceres cosine of result→source vs template→source, and ID retrieval top-1
//      (is the result nearest the source's identity, among all identities' other photos);
//      the ceiling is the same retrieval on the untouched photos;
//  (b) pose error: |yaw|, |pitch|, |roll| of the result minus the template's, in degrees;
//  (c) pixels outside the face mask that changed (before encoding; must be 0);
//  (d) time per pair (engine stages, template cache warm after its first use).
// Identity = file name without extension, lower-cased, '-' → '_', trailing tokens with digits or
// named img/small/partial/face dropped (obama_small → obama); --alias fixes names that don't parse.
import { readdir, readFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';
import sharp from 'sharp';
import { createDefaultEngine, cosine, type Face } from '../src/engine/index.ts';
import { DEFAULT_SWAP, type SwapOptions } from '../src/engine/swap.ts';
import { decodeImage } from '../src/engine/image.ts';
import { toServiceError } from '../src/jobs/errors.ts';

interface Args {
  dir: string;
  out?: string;
  alias: Record<string, string>;
  limit: number;
  every: number;
  set: Record<string, unknown>;
  /** ESRGAN model dir: turns the upscale stage on. */
  esrgan?: string;
  /** Only pairs whose source file name matches. */
  source?: RegExp;
  /** Drop photos that are copies of an earlier one (faceres cosine ≥ 0.98), so no swap is counted twice. */
  dropCopies: boolean;
  /** One line per pair on stderr (pose errors, cosine, retrieval). */
  pairs: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { dir: '', alias: {}, limit: Infinity, every: 1, set: {}, dropCopies: false, pairs: false };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i];
    if (v === '--out') a.out = argv[++i];
    else if (v === '--limit') a.limit = Number(argv[++i]);
    else if (v === '--every') a.every = Number(argv[++i]);
    else if (v === '--esrgan') a.esrgan = argv[++i];
    else if (v === '--source') a.source = new RegExp(argv[++i]);
    else if (v === '--drop-copies') a.dropCopies = true;
    else if (v === '--pairs') a.pairs = true;
    else if (v === '--set') {
      // --set colour.lightingSigma=0.2 : a swap option (dotted path into SwapOptions).
      const [k, val] = argv[++i].split('=');
      const keys = k.split('.');
      let o = a.set as Record<string, unknown>;
      for (const key of keys.slice(0, -1)) o = (o[key] ??= {}) as Record<string, unknown>;
      o[keys[keys.length - 1]] = Number.isNaN(Number(val)) ? val : Number(val);
    }
    else if (v === '--alias') {
      const [k, id] = argv[++i].split('=');
      a.alias[k] = id;
    } else a.dir = v;
  }
  if (!a.dir) throw new Error('usage: npm run eval -- <dir> [--out dir] [--alias file=identity] [--limit N]');
  return a;
}

export function identityOf(file: string, alias: Record<string, string> = {}): string {
  const base = path.basename(file, path.extname(file));
  if (alias[base]) return alias[base];
  const tokens = base.toLowerCase().replace(/-/g, '_').split('_');
  while (tokens.length > 1 && /\d|^(img|small|partial|face)$/.test(tokens[tokens.length - 1])) tokens.pop();
  return tokens.join('_').replace(/\d+$/, '') || base;
}

const median = (v: number[]) => {
  if (!v.length) return NaN;
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / (v.length || 1);

/** Top-1 identity of `emb` among gallery photos, excluding the files in `skip`. */
function nearestIdentity(emb: number[], gallery: { file: string; id: string; emb: number[] }[], skip: Set<string>): string | undefined {
  let best = -Infinity;
  let id: string | undefined;
  for (const g of gallery) {
    if (skip.has(g.file)) continue;
    const c = cosine(emb, g.emb);
    if (c > best) {
      best = c;
      id = g.id;
    }
  }
  return id;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const files = (await readdir(args.dir)).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort();
  const engine = createDefaultEngine({ swap: mergeSwap(args.set), upscale: args.esrgan ? { enabled: true, modelDir: args.esrgan } : undefined });
  await engine.init();
  const analyser = engine.faceAnalyser;

  // Analyse every photo once (embedding for the gallery); photos that fail the checks are listed.
  const photos: { file: string; id: string; bytes: Buffer; face: Face; emb: number[] }[] = [];
  const rejected: string[] = [];
  for (const f of files) {
    const bytes = await readFile(path.join(args.dir, f));
    try {
      const img = await decodeImage(bytes);
      const face = await analyser.analyse(img, 'source', { embedding: true });
      photos.push({ file: f, id: identityOf(f, args.alias), bytes, face, emb: face.embedding! });
    } catch (err) {
      rejected.push(`${f}: ${toServiceError(err).errorName}`);
    }
  }
  // A byte-different copy of a photo (another format, an alpha channel) is the same picture: as a
  // template it would stay in the gallery in place of the left-out template, and every swap with it
  // would be counted twice.
  const copies: string[] = [];
  if (args.dropCopies) {
    for (let i = photos.length - 1; i > 0; i--) {
      const first = photos.slice(0, i).find((q) => cosine(q.emb, photos[i]!.emb) >= 0.98);
      if (first) copies.push(`${photos.splice(i, 1)[0]!.file} (copy of ${first.file})`);
    }
  }
  const gallery = photos.map((p) => ({ file: p.file, id: p.id, emb: p.emb }));
  const countById = new Map<string, number>();
  for (const p of photos) countById.set(p.id, (countById.get(p.id) ?? 0) + 1);

  // Ceiling: retrieval on untouched photos (identities with ≥ 2 photos; the photo itself excluded).
  let ceilN = 0;
  let ceilOk = 0;
  for (const p of photos) {
    if ((countById.get(p.id) ?? 0) < 2) continue;
    ceilN++;
    if (nearestIdentity(p.emb, gallery, new Set([p.file])) === p.id) ceilOk++;
  }

  if (args.out) await mkdir(args.out, { recursive: true });
  const misses: string[] = [];
  // Byte-different copies of one photo (32bit.png is obama2.jpg with alpha) embed almost
  // identically: with the template left out, its copy would still stand in for it.
  const duplicatesOf = (file: string, emb: number[]) => new Set(gallery.filter((g) => g.file === file || cosine(g.emb, emb) >= 0.98).map((g) => g.file));
  const rows: { toSrc: number; tplSrc: number; retrieval: boolean; noDup: boolean; all: boolean; strict?: boolean; pose: number[]; changed: number; ms: number; upscaled: boolean }[] = [];
  const failures: string[] = [];
  let pairs = 0;
  // Ordered by template so each template's analysis is cached after its first pair.
  outer: for (const t of photos) {
    for (const s of photos) {
      if (s.id === t.id) continue;
      if (args.source && !args.source.test(s.file)) continue;
      if (pairs++ % args.every !== 0) continue;
      if (pairs > args.limit * args.every) break outer;
      try {
        const d = await engine.swapDetailed({ source: s.bytes, target: t.bytes });
        const [rf] = await analyser.detect(await decodeImage(d.result.image), { embedding: true });
        const changed = countChangedOutsideMask(d);
        if (!rf?.embedding) {
          failures.push(`${s.file} → ${t.file}: no face found in the result`);
          continue;
        }
        const canRetrieve = (countById.get(s.id) ?? 0) >= 2;
        rows.push({
          toSrc: cosine(rf.embedding, s.emb),
          tplSrc: cosine(t.emb, s.emb),
          // Every photo but the template in the gallery (the source photo included).
          retrieval: nearestIdentity(rf.embedding, gallery, new Set([t.file])) === s.id,
          noDup: nearestIdentity(rf.embedding, gallery, duplicatesOf(t.file, t.emb)) === s.id,
          all: nearestIdentity(rf.embedding, gallery, new Set()) === s.id,
          // Stricter: the source and template photos themselves are left out of the gallery.
          strict: canRetrieve ? nearestIdentity(rf.embedding, gallery, new Set([s.file, t.file])) === s.id : undefined,
          pose: (['yaw', 'pitch', 'roll'] as const).map((k) => Math.abs(rf.angles[k] - t.face.angles[k])),
          changed,
          ms: d.result.timings.total,
          upscaled: 'upscale' in d.result.timings,
        });
        if (args.pairs) {
          const r = rows.at(-1)!;
          const [dy, dp, dr] = r.pose.map((v) => v.toFixed(1));
          console.error(`${s.file} → ${t.file}: |Δyaw| ${dy} |Δpitch| ${dp} |Δroll| ${dr}, cos→source ${r.toSrc.toFixed(3)}, retrieved ${r.retrieval}`);
        }
        if (!rows[rows.length - 1].retrieval) misses.push(`${s.file} → ${t.file} (nearest: ${nearestIdentity(rf.embedding, gallery, new Set([t.file]))})`);
        if (args.out) await sideBySide(path.join(args.out, `${path.parse(s.file).name}__${path.parse(t.file).name}.png`), s.bytes, t.bytes, d.result.image);
      } catch (err) {
        failures.push(`${s.file} → ${t.file}: ${toServiceError(err).errorName} ${(err as Error).message}`);
      }
    }
  }

  const retRate = rows.filter((r) => r.retrieval).length / (rows.length || 1);
  const allRate = rows.filter((r) => r.all).length / (rows.length || 1);
  // Untouched photos against a gallery holding themselves: always their own identity.
  let selfOk = 0;
  for (const p of photos) if (nearestIdentity(p.emb, gallery, new Set()) === p.id) selfOk++;
  const selfCeil = selfOk / (photos.length || 1);
  const ret = rows.filter((r) => r.strict !== undefined);
  const strictRate = ret.filter((r) => r.strict).length / (ret.length || 1);
  const ceil = ceilOk / (ceilN || 1);
  const pct = (x: number) => (100 * x).toFixed(1) + ' %';
  const poseAll = rows.map((r) => Math.max(...r.pose));
  const lines = [
    `Evaluation of the default engine${args.esrgan ? ' +ESRGAN' : ''}${args.source ? ` (sources ${args.source})` : ''}${Object.keys(args.set).length ? ' ' + JSON.stringify(args.set) : ''}${args.every > 1 ? ` (every ${args.every}th pair)` : ''} on ${args.dir} (${photos.length} photos, ${countById.size} identities) — ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'cpu'}), one engine thread`,
    '',
    '| metric | value |',
    '|---|---|',
    `| pairs swapped (ordered, different people) | ${rows.length} of ${rows.length + failures.length} |`,
    `| identity: mean cosine result→source | ${mean(rows.map((r) => r.toSrc)).toFixed(3)} |`,
    `| identity: mean cosine template→source (before the swap) | ${mean(rows.map((r) => r.tplSrc)).toFixed(3)} |`,
    `| identity: pairs whose result is nearer the source than the template was | ${pct(rows.filter((r) => r.toSrc > r.tplSrc).length / (rows.length || 1))} |`,
    `| **ID retrieval top-1**, gallery = every photo but the template | ${pct(retRate)} |`,
    `| — same metric on untouched photos (ceiling: each photo against the gallery, itself included) | ${pct(selfCeil)} |`,
    `| — retrieval / ceiling | ${pct(retRate / (selfCeil || 1))} |`,
    `| ID retrieval top-1, gallery = every photo but the template and its copies (embedding cosine ≥ 0.98) | ${pct(rows.filter((r) => r.noDup).length / (rows.length || 1))} |`,
    `| ID retrieval top-1, gallery = every photo, the template included | ${pct(allRate)} |`,
    `| strict ID retrieval top-1, source and template photos left out (${ret.length} pairs whose source identity has ≥ 2 photos) | ${pct(strictRate)} |`,
    `| — same metric on untouched photos (ceiling, ${ceilN} photos) | ${pct(ceil)} |`,
    `| — strict retrieval / ceiling | ${pct(strictRate / (ceil || 1))} |`,
    `| pose error, mean |Δyaw| / |Δpitch| / |Δroll| | ${[0, 1, 2].map((k) => mean(rows.map((r) => r.pose[k])).toFixed(2)).join(' / ')} ° |`,
    `| pose error, median / mean of the largest axis per pair | ${median(poseAll).toFixed(2)} / ${mean(poseAll).toFixed(2)} ° |`,
    `| pixels changed outside the face mask (all pairs) | ${rows.reduce((a, r) => a + r.changed, 0)} |`,
    `| time per pair, median (engine total: decode … encode) | ${median(rows.map((r) => r.ms)).toFixed(0)} ms |`,
    ...(args.esrgan ? [`| pairs whose source went through ESRGAN | ${rows.filter((r) => r.upscaled).length} |`] : []),
    '',
    rejected.length ? `Photos refused by the input checks: ${rejected.join('; ')}` : 'No photo refused by the input checks.',
    ...(copies.length ? [`Photos left out as copies of another (--drop-copies): ${copies.join('; ')}`] : []),
    failures.length ? `Failed pairs: ${failures.join('; ')}` : 'No failed pair.',
    misses.length ? `Pairs missed by ID retrieval (headline metric): ${misses.join('; ')}` : 'No pair missed by ID retrieval.',
  ];
  process.stdout.write(lines.join('\n') + '\n');
  await engine.close();
}

function mergeSwap(set: Record<string, unknown>): SwapOptions {
  const out = structuredClone(DEFAULT_SWAP) as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(set)) {
    out[k] = typeof v === 'object' && v ? { ...(out[k] as object), ...(v as object) } : v;
  }
  return out as unknown as SwapOptions;
}

/** Pixels outside the mask (alpha = 0) that differ from the template, in the raw result. */
function countChangedOutsideMask(d: Awaited<ReturnType<ReturnType<typeof createDefaultEngine>['swapDetailed']>>): number {
  const { raw, template, swap } = d;
  const { roi, alpha } = swap;
  let changed = 0;
  for (let y = 0; y < raw.height; y++) {
    for (let x = 0; x < raw.width; x++) {
      const lx = x - roi.x0;
      const ly = y - roi.y0;
      if (lx >= 0 && ly >= 0 && lx < roi.w && ly < roi.h && alpha[ly * roi.w + lx] > 0) continue;
      const i = (y * raw.width + x) * 3;
      if (raw.data[i] !== template.data[i] || raw.data[i + 1] !== template.data[i + 1] || raw.data[i + 2] !== template.data[i + 2]) changed++;
    }
  }
  return changed;
}

async function sideBySide(file: string, ...images: Uint8Array[]): Promise<void> {
  const h = 360;
  const tiles = await Promise.all(images.map((b) => sharp(b).rotate().removeAlpha().resize({ height: h }).png().toBuffer({ resolveWithObject: true })));
  const width = tiles.reduce((a, t) => a + t.info.width, 0);
  let left = 0;
  const comp = tiles.map((t) => {
    const c = { input: t.data, left, top: 0 };
    left += t.info.width;
    return c;
  });
  await sharp({ create: { width, height: h, channels: 3, background: '#000' } }).composite(comp).png().toFile(file);
}

await main();
