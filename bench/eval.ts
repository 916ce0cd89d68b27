// npm run eval -- <dir>... [--split tune|report|all] [--pairs-gender same|cross|all] [--max-pairs N]
//   [--seed N] [--out dir] [--sheet file.png] [--json file] [--set a.b=v] [--engine-opts json] [--gender id=female]
//   [--alias file=identity] [--source regex] [--template regex] [--pairs] [--no-faceapi] [--no-cache] [--pad-below px]
//   [--engine default|crude]
//
// `--engine crude`: the crude classical swap of DESIGN §5 (bench/lib/crude-engine.ts, a baseline)
// instead of the default engine, on the same pairs, with the same measures (its own mask for (c)).
// Swaps ordered pairs of photos of different people and reports, per pair and as means:
//  (a) identity retrieval top-1 with two independent recognisers, Human's faceres (1024-d, cosine)
//      and face-api's dlib-style ResNet (128-d, euclidean): the result must be nearest to a photo
//      of the source's identity. Gallery = every analysed photo of the split except the source
//      photo, the template photo and near-copies of either (faceres cosine ≥ 0.98); one-photo
//      people stay in as distractors. Ceiling = the same on untouched photos (each photo against
//      the gallery without itself and its copies);
//  (b) pose error: |yaw|, |pitch|, |roll| of the result minus the template's, in degrees;
//  (c) pixels outside the face mask that changed (before encoding; must be 0);
//  (d) realism (bench/lib/realism.ts): seam colour and gradient step against the template's,
//      face/ring sharpness and grain against the template's, face→neck and face→sides tone step;
//  (e) time per pair (engine stages, template cache warm after its first use).
// Photos: a folder's image files are identities by file name (obama_small → obama; --alias fixes
// names that don't parse); each sub-folder is one identity; `_singles/`-style folders (name
// starting with `_`) hold one-photo people, used as templates and distractors, never as sources.
// Tight crops (longer side ≤ --pad-below, default 200 px) are padded to 3× with a blurred edge fill.
// Split: each identity goes to `tune` or `report` by a hash of its name (bench/lib/dataset.ts).
// Pairs: by default same-gender (gender per identity from Human's estimate, majority of its
// photos; --gender fixes one), sampled deterministically (--seed) to --max-pairs, spread over as
// many templates and sources as possible.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';
import { createDefaultEngine, type DefaultEngineOptions, type DetailedSwap, type FaceAnalyser } from '../src/engine/index.ts';
import type { SwapRequest } from '../src/engine/types.ts';
import { DEFAULT_SWAP, mergeSwapOptions } from '../src/engine/swap.ts';
import { decodeImage } from '../src/engine/image.ts';
import { faceWidth } from '../src/engine/regions.ts';
import { toServiceError } from '../src/jobs/errors.ts';
import { inSplit, loadPhotos, samplePairs, splitOf, type Split } from './lib/dataset.ts';
import { analyseGallery, identityGenders, nearestIdentity, similarity, type Analysed, type Gender, type Recogniser } from './lib/gallery.ts';
import { FaceApiRecogniser } from './lib/faceapi.ts';
import { measureRealism, toneRegions, type MaskRoi, type Realism } from './lib/realism.ts';
import { contactSheet, faceCrop, sideBySide } from './lib/sheets.ts';
import { CrudeEngine } from './lib/crude-engine.ts';

export interface EvalArgs {
  dirs: string[];
  out?: string;
  sheet?: string;
  /** Per-pair figures as JSON, to compare runs pair by pair. */
  json?: string;
  alias: Record<string, string>;
  maxPairs: number;
  seed: number;
  split: Split;
  pairsGender: 'same' | 'cross' | 'all';
  set: Record<string, unknown>;
  engineOpts: Partial<DefaultEngineOptions>;
  gender: Record<string, Gender>;
  /** ESRGAN model dir: turns the upscale stage on. */
  esrgan?: string;
  /** Only pairs whose source file name matches. */
  source?: RegExp;
  /** Only pairs whose template file name matches. */
  template?: RegExp;
  /** One line per pair on stderr. */
  pairs: boolean;
  faceapi: boolean;
  cache: boolean;
  padBelow: number;
  /** Leave out photos that are near-copies of an earlier one (faceres cosine ≥ 0.98), so no swap is counted twice. */
  dropCopies: boolean;
  /** 'crude': the DESIGN §5 baseline (bench/lib/crude-engine.ts) instead of the default engine. */
  engine: 'default' | 'crude';
}

const USAGE = 'usage: npm run eval -- <dir>... [--split tune|report|all] [--pairs-gender same|cross|all] [--max-pairs N] [--seed N] [--out dir] [--sheet file.png] [--json file] [--set a.b=v] [--engine-opts json] [--gender id=female|male] [--alias file=identity] [--source regex] [--template regex] [--pairs] [--no-faceapi] [--no-cache] [--pad-below px] [--drop-copies] [--engine default|crude]';

/** Parses the options shared by eval and panel; unknown flags are an error, not a silent no-op. */
export function parseEvalArgs(argv: string[], extra: Record<string, (v: string) => void> = {}): EvalArgs {
  const a: EvalArgs = { dirs: [], alias: {}, maxPairs: 150, seed: 1, split: 'all', pairsGender: 'same', set: {}, engineOpts: {}, gender: {}, pairs: false, faceapi: true, cache: true, padBelow: 200, dropCopies: false, engine: 'default' };
  const choice = <T extends string>(v: string, ok: readonly T[], flag: string): T => {
    if (!ok.includes(v as T)) throw new Error(`${flag} must be one of ${ok.join(', ')}`);
    return v as T;
  };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i]!;
    const next = () => {
      const n = argv[++i];
      if (n === undefined) throw new Error(`${v} needs a value\n${USAGE}`);
      return n;
    };
    if (v === '--out') a.out = next();
    else if (v === '--sheet') a.sheet = next();
    else if (v === '--json') a.json = next();
    else if (v === '--max-pairs' || v === '--limit') a.maxPairs = Number(next());
    else if (v === '--seed') a.seed = Number(next());
    else if (v === '--split') a.split = choice(next(), ['tune', 'report', 'all'] as const, v);
    else if (v === '--pairs-gender') a.pairsGender = choice(next(), ['same', 'cross', 'all'] as const, v);
    else if (v === '--esrgan') a.esrgan = next();
    else if (v === '--source') a.source = new RegExp(next());
    else if (v === '--template') a.template = new RegExp(next());
    else if (v === '--pairs') a.pairs = true;
    else if (v === '--no-faceapi') a.faceapi = false;
    else if (v === '--no-cache') a.cache = false;
    else if (v === '--drop-copies') a.dropCopies = true;
    else if (v === '--pad-below') a.padBelow = Number(next());
    else if (v === '--engine-opts') a.engineOpts = JSON.parse(next());
    else if (v === '--engine') a.engine = choice(next(), ['default', 'crude'] as const, v);
    else if (v === '--set') {
      // --set colour.lightingSigma=0.2 : a swap option (dotted path into SwapOptions).
      const [k, val] = next().split('=');
      const keys = k!.split('.');
      let o = a.set as Record<string, unknown>;
      for (const key of keys.slice(0, -1)) o = (o[key] ??= {}) as Record<string, unknown>;
      o[keys[keys.length - 1]!] = val === 'true' ? true : val === 'false' ? false : Number.isNaN(Number(val)) ? val : Number(val);
    } else if (v === '--gender') {
      const [id, g] = next().split('=');
      a.gender[id!] = choice(g!, ['male', 'female'] as const, v);
    } else if (v === '--alias') {
      const [k, id] = next().split('=');
      a.alias[k!] = id!;
    } else if (extra[v]) extra[v](next());
    else if (v.startsWith('--')) throw new Error(`unknown option ${v}\n${USAGE}`);
    else a.dirs.push(v);
  }
  if (!a.dirs.length) throw new Error(USAGE);
  if (!(a.maxPairs > 0)) throw new Error('--max-pairs must be a positive number');
  if (a.engine === 'crude' && (Object.keys(a.set).length || Object.keys(a.engineOpts).length || a.esrgan)) throw new Error('--engine crude takes no --set, --engine-opts or --esrgan');
  return a;
}

/** The engine the arguments describe: defaults, then --engine-opts, then --set over the swap options. */
export function engineFromArgs(a: EvalArgs) {
  const opts: DefaultEngineOptions = { ...a.engineOpts };
  opts.swap = mergeSwapOptions(DEFAULT_SWAP, a.engineOpts.swap as Record<string, unknown> | undefined, a.set);
  if (a.esrgan) opts.upscale = { enabled: true, modelDir: a.esrgan };
  return createDefaultEngine(opts);
}

/** What eval and panel read of a swap: the default engine's DetailedSwap, or the crude baseline's. */
export type BenchSwap = Pick<DetailedSwap, 'result' | 'raw' | 'template' | 'target'> & { swap: MaskRoi };

/** The engine eval and panel run: the default engine (engineFromArgs) or, with --engine crude, the DESIGN §5 baseline. */
export function benchEngineFromArgs(a: EvalArgs): { init(): Promise<void>; readonly faceAnalyser: FaceAnalyser; swapDetailed(req: SwapRequest): Promise<BenchSwap>; close(): Promise<void> } {
  return a.engine === 'crude' ? new CrudeEngine() : engineFromArgs(a);
}

const median = (v: number[]) => {
  const s = v.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const mean = (v: number[]) => {
  const s = v.filter((x) => Number.isFinite(x));
  return s.length ? s.reduce((a, b) => a + b, 0) / s.length : NaN;
};
/** Geometric mean: the average of ratios (×2 and ×0.5 average to 1, not 1.25). */
const gmean = (v: number[]) => {
  const s = v.filter((x) => Number.isFinite(x) && x > 0);
  return s.length ? Math.exp(s.reduce((a, b) => a + Math.log(b), 0) / s.length) : NaN;
};
const pct = (k: number, n: number) => (n ? ((100 * k) / n).toFixed(1) + ' %' : '–');
const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '–');

/** Near-copies of a photo (another format, an alpha channel): they stand in for it in a gallery. */
function copiesOf(p: Analysed, gallery: Analysed[]): Set<string> {
  return new Set(gallery.filter((g) => g.file === p.file || similarity('faceres', g.emb, p.emb) >= 0.98).map((g) => g.file));
}

interface Row {
  s: Analysed;
  t: Analysed;
  cross: boolean;
  ret: Record<Recogniser, boolean>;
  nearest: Record<Recogniser, string | undefined>;
  toSrc: number;
  tplSrc: number;
  pose: number[];
  /** Result minus template, signed (yaw, pitch, roll), degrees: a bias shows in the mean. */
  poseSigned: number[];
  changed: number;
  ms: number;
  wallMs: number;
  realism: Realism;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const args = parseEvalArgs(process.argv.slice(2));
  const log = (s: string) => process.stderr.write(s + '\n');
  const all = await loadPhotos(args.dirs, { alias: args.alias, padBelow: args.padBelow });
  const ids = [...new Set(all.map((p) => p.id))].sort();
  const tuneIds = ids.filter((i) => splitOf(i) === 'tune');
  const reportIds = ids.filter((i) => splitOf(i) === 'report');
  const photos = inSplit(all, args.split);

  const engine = benchEngineFromArgs(args);
  await engine.init();
  const analyser = engine.faceAnalyser;
  const faceapi = args.faceapi ? new FaceApiRecogniser() : undefined;
  const recognisers: Recogniser[] = faceapi ? ['faceres', 'faceapi'] : ['faceres'];

  log(`analysing ${photos.length} photos (split ${args.split})…`);
  const { ok: gallery, rejected } = await analyseGallery(photos, analyser, faceapi, { cache: args.cache, log });
  const dropped: string[] = [];
  if (args.dropCopies) {
    for (let i = gallery.length - 1; i > 0; i--) {
      const first = gallery.slice(0, i).find((q) => similarity('faceres', q.emb, gallery[i]!.emb) >= 0.98);
      if (first) dropped.push(`${gallery.splice(i, 1)[0]!.file} (copy of ${first.file})`);
    }
  }
  const genders = identityGenders(gallery, args.gender);
  const countById = new Map<string, number>();
  for (const p of gallery) countById.set(p.id, (countById.get(p.id) ?? 0) + 1);
  const copies = new Map(gallery.map((p) => [p.file, copiesOf(p, gallery)]));

  // Ceilings: each untouched photo of a person with ≥ 2 photos against the gallery without it.
  const ceiling: Record<Recogniser, { ok: number; n: number; noFace: number }> = { faceres: { ok: 0, n: 0, noFace: 0 }, faceapi: { ok: 0, n: 0, noFace: 0 } };
  for (const p of gallery) {
    if (p.single || (countById.get(p.id) ?? 0) < 2) continue;
    for (const r of recognisers) {
      const v = r === 'faceres' ? p.emb : p.desc;
      ceiling[r].n++;
      if (!v) ceiling[r].noFace++;
      else if (nearestIdentity(r, v, gallery, copies.get(p.file)!).id === p.id) ceiling[r].ok++;
    }
  }

  // Candidate pairs: sources are people with ≥ 2 photos (so the gallery holds another photo of them).
  const sources = gallery.filter((p) => !p.single && (countById.get(p.id) ?? 0) >= 2 && (!args.source || args.source.test(p.file)));
  const cands: { s: Analysed; t: Analysed }[] = [];
  for (const t of gallery) {
    if (args.template && !args.template.test(t.file)) continue;
    for (const s of sources) {
      if (s.id === t.id) continue;
      const cross = genders.get(s.id)!.gender !== genders.get(t.id)!.gender;
      if ((args.pairsGender === 'same' && cross) || (args.pairsGender === 'cross' && !cross)) continue;
      cands.push({ s, t });
    }
  }
  const pairs = samplePairs(cands, args.maxPairs, args.seed);
  log(`${cands.length} candidate pairs, ${pairs.length} sampled (seed ${args.seed}); swapping…`);

  if (args.out) await mkdir(args.out, { recursive: true });
  const rows: Row[] = [];
  const failures: string[] = [];
  const tiles: { image: Buffer; caption: string }[] = [];
  const pending: Promise<void>[] = [];
  for (const [k, { s, t }] of pairs.entries()) {
    const w0 = performance.now();
    try {
      const d: BenchSwap = await engine.swapDetailed({ source: s.bytes, target: t.bytes });
      const img = await decodeImage(d.result.image);
      const [rf] = await analyser.detect(img, { embedding: true });
      if (!rf?.embedding) {
        failures.push(`${s.file} → ${t.file}: no face found in the result`);
        continue;
      }
      // face-api works on the result in its thread while this one measures and swaps on.
      const desc = faceapi?.describe(img, rf.box);
      const skip = new Set([...copies.get(s.file)!, ...copies.get(t.file)!]);
      const fw = faceWidth(d.target.mesh);
      const row: Row = {
        s,
        t,
        cross: genders.get(s.id)!.gender !== genders.get(t.id)!.gender,
        ret: { faceres: false, faceapi: false },
        nearest: { faceres: undefined, faceapi: undefined },
        toSrc: similarity('faceres', rf.embedding, s.emb),
        tplSrc: similarity('faceres', t.emb, s.emb),
        pose: (['yaw', 'pitch', 'roll'] as const).map((a) => Math.abs(rf.angles[a] - d.target.angles[a])),
        poseSigned: (['yaw', 'pitch', 'roll'] as const).map((a) => rf.angles[a] - d.target.angles[a]),
        changed: countChangedOutsideMask(d),
        ms: d.result.timings.total ?? NaN,
        wallMs: 0,
        realism: measureRealism(d.raw, d.template, d.swap, toneRegions(d.target.mesh, fw), fw),
      };
      const fr = nearestIdentity('faceres', rf.embedding, gallery, skip);
      row.nearest.faceres = fr.id;
      row.ret.faceres = fr.id === s.id;
      rows.push(row);
      if (desc) {
        pending.push(
          desc.then((v) => {
            const fa = v ? nearestIdentity('faceapi', v, gallery, skip) : { id: '(no face)' };
            row.nearest.faceapi = fa.id;
            row.ret.faceapi = fa.id === s.id;
          }),
        );
      }
      const name = `${s.file.replace(/\//g, '_').replace(/\.\w+$/, '')}__${t.file.replace(/\//g, '_').replace(/\.\w+$/, '')}`;
      if (args.out) await sideBySide(path.join(args.out, `${name}.png`), s.bytes, t.bytes, d.result.image);
      if (args.sheet) tiles.push({ image: await faceCrop(d.result.image, d.target.box, 192), caption: `${s.id}→${t.file}` });
      row.wallMs = performance.now() - w0;
      if (args.pairs) {
        const r = row.realism;
        log(
          `${s.file} → ${t.file}${row.cross ? ' (cross)' : ''}: pose ${row.poseSigned.map((v) => (v >= 0 ? '+' : '') + v.toFixed(1)).join('/')}°, faceres ${row.ret.faceres ? 'hit' : `miss (${fr.id})`}, seam ΔE ${f(r.seamColour, 1)} grad ×${f(r.seamGrad)}, sharp ×${f(r.sharpness)} grain ×${f(r.grain)}, tone neck ${f(r.toneNeck, 1)} sides ${f(r.toneSides, 1)} (L ${f(r.toneStepL, 1)} C ${f(r.toneStepChroma, 1)}), ${row.ms.toFixed(0)} ms`,
        );
      } else if ((k + 1) % 10 === 0) log(`  ${k + 1}/${pairs.length} pairs, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    } catch (err) {
      failures.push(`${s.file} → ${t.file}: ${toServiceError(err).errorName} ${(err as Error).message}`);
    }
  }
  await Promise.all(pending);
  await faceapi?.close();

  if (args.sheet) {
    await mkdir(path.dirname(path.resolve(args.sheet)), { recursive: true });
    await contactSheet(args.sheet, tiles);
  }
  if (args.json) {
    const perPair = rows.map((x) => ({ source: x.s.file, template: x.t.file, cross: x.cross, retrieved: x.ret, nearest: x.nearest, cosToSource: x.toSrc, pose: x.pose, poseSigned: x.poseSigned, changedOutsideMask: x.changed, engineMs: x.ms, realism: x.realism }));
    await writeFile(args.json, JSON.stringify({ args: process.argv.slice(2), pairs: perPair, failures }, null, 1) + '\n');
  }
  const wallS = (performance.now() - t0) / 1000;
  process.stdout.write(report(args, { dropped, all, ids, tuneIds, reportIds, gallery, rejected, genders, ceiling, recognisers, rows, failures, cands: cands.length, wallS }) + '\n');
  await engine.close();
}

function report(
  args: EvalArgs,
  r: {
    dropped: string[];
    all: { id: string }[];
    ids: string[];
    tuneIds: string[];
    reportIds: string[];
    gallery: Analysed[];
    rejected: string[];
    genders: Map<string, { gender: Gender; votes: string }>;
    ceiling: Record<Recogniser, { ok: number; n: number; noFace: number }>;
    recognisers: Recogniser[];
    rows: Row[];
    failures: string[];
    cands: number;
    wallS: number;
  },
): string {
  const { rows, recognisers, ceiling } = r;
  const hit = (rs: Row[], rec: Recogniser) => rs.filter((x) => x.ret[rec]).length;
  const same = rows.filter((x) => !x.cross);
  const cross = rows.filter((x) => x.cross);
  const poseMax = rows.map((x) => Math.max(...x.pose));
  const rm = (k: keyof Realism) => mean(rows.map((x) => x.realism[k]));
  const rg = (k: keyof Realism) => gmean(rows.map((x) => x.realism[k]));
  const rmed = (k: keyof Realism) => median(rows.map((x) => x.realism[k]));
  const galleryIds = new Set(r.gallery.map((p) => p.id));
  const opts = [
    args.esrgan ? '+ESRGAN' : '',
    Object.keys(args.set).length ? JSON.stringify(args.set) : '',
    Object.keys(args.engineOpts).length ? JSON.stringify(args.engineOpts) : '',
    args.source ? `sources ${args.source}` : '',
    args.template ? `templates ${args.template}` : '',
  ].filter(Boolean);
  const lines = [
    `Evaluation of ${args.engine === 'crude' ? 'the crude classical swap (DESIGN §5, bench/lib/crude-engine.ts)' : 'the default engine'}${opts.length ? ' ' + opts.join(' ') : ''} on ${args.dirs.join(' + ')}, split \`${args.split}\`, ${args.pairsGender}-gender pairs, max ${args.maxPairs} (seed ${args.seed}) — ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'cpu'}), one engine thread, ${r.wallS.toFixed(0)} s wall`,
    '',
    `Split by identity name (FNV-1a % 3): tune = ${r.tuneIds.join(', ')}; report = ${r.reportIds.join(', ')}.`,
    `Gallery: ${r.gallery.length} analysed photos of ${galleryIds.size} identities (${r.gallery.filter((p) => p.single).length} one-photo distractors, ${r.gallery.filter((p) => p.padded).length} padded crops).`,
    `Gender per identity (Human, photo votes): ${[...r.genders].map(([id, g]) => `${id} ${g.gender[0]!.toUpperCase()} (${g.votes})`).join(', ')}.`,
    '',
    '| metric | value |',
    '|---|---|',
    `| pairs swapped (${r.cands} candidates, sampled) | ${rows.length} of ${rows.length + r.failures.length} (${same.length} same-gender, ${cross.length} cross-gender) |`,
    ...recognisers.flatMap((rec) => [
      `| **ID retrieval top-1, ${rec}** (gallery: all but source, template and their copies) | **${pct(hit(rows, rec), rows.length)}**${cross.length && same.length ? ` (same-gender ${pct(hit(same, rec), same.length)}, cross-gender ${pct(hit(cross, rec), cross.length)})` : ''} |`,
      `| — ceiling on untouched photos, ${rec} (${ceiling[rec].n} photos${ceiling[rec].noFace ? `, ${ceiling[rec].noFace} without a face found` : ''}) | ${pct(ceiling[rec].ok, ceiling[rec].n)} |`,
      `| — misses whose nearest photo is the template's identity, ${rec} | ${rows.filter((x) => !x.ret[rec] && x.nearest[rec] === x.t.id).length} of ${rows.length - hit(rows, rec)} |`,
    ]),
    `| faceres mean cosine result→source / template→source | ${f(mean(rows.map((x) => x.toSrc)), 3)} / ${f(mean(rows.map((x) => x.tplSrc)), 3)} |`,
    `| pose error, mean \\|Δyaw\\| / \\|Δpitch\\| / \\|Δroll\\| | ${[0, 1, 2].map((k) => f(mean(rows.map((x) => x.pose[k]!)))).join(' / ')} ° |`,
    `| pose bias, mean signed Δyaw / Δpitch / Δroll (result − template) | ${[0, 1, 2].map((k) => f(mean(rows.map((x) => x.poseSigned[k]!)))).join(' / ')} ° |`,
    `| pose error, median / mean of the largest axis per pair | ${f(median(poseMax))} / ${f(mean(poseMax))} ° |`,
    `| pixels changed outside the face mask (all pairs) | ${rows.reduce((a, x) => a + x.changed, 0)} |`,
    `| seam colour step ΔE, result / template / excess (mean) | ${f(rm('seamColourResult'))} / ${f(rm('seamColourTemplate'))} / ${f(rm('seamColour'))} |`,
    `| seam gradient step (L/px), result / template (mean); ratio (geometric mean / median) | ${f(rm('seamGradResult'))} / ${f(rm('seamGradTemplate'))}; ${f(rg('seamGrad'))} / ${f(rmed('seamGrad'))} |`,
    `| sharpness match (face/ring \\|∇²L\\| vs template; 1 = same, < 1 softer), geometric mean / median | ${f(rg('sharpness'))} / ${f(rmed('sharpness'))} |`,
    `| grain match (median \\|∇²L\\|), geometric mean / median | ${f(rg('grain'))} / ${f(rmed('grain'))} |`,
    `| tone step excess ΔE, face→neck / face→sides (mean) | ${f(rm('toneNeck'))} / ${f(rm('toneSides'))} |`,
    `| tone step signed, lightness / chroma (mean, + = face lighter / more colourful than the template's against its neck and sides) | ${f(rm('toneStepL'))} / ${f(rm('toneStepChroma'))} |`,
    `| time per pair, median (engine total: decode … encode) / eval wall | ${f(median(rows.map((x) => x.ms)), 0)} / ${f(median(rows.map((x) => x.wallMs)), 0)} ms |`,
    '',
    r.rejected.length ? `Photos refused by the input checks: ${r.rejected.join('; ')}` : 'No photo refused by the input checks.',
    ...(r.dropped.length ? [`Photos left out as copies of another (--drop-copies): ${r.dropped.join('; ')}`] : []),
    r.failures.length ? `Failed pairs: ${r.failures.join('; ')}` : 'No failed pair.',
    ...recognisers.map((rec) => {
      const miss = rows.filter((x) => !x.ret[rec]);
      return miss.length ? `Missed by ${rec}: ${miss.map((x) => `${x.s.file} → ${x.t.file} (nearest: ${x.nearest[rec]})`).join('; ')}` : `No pair missed by ${rec}.`;
    }),
    '',
    // One line to compare runs at a glance.
    `SUMMARY ${args.engine === 'crude' ? 'engine=crude ' : ''}split=${args.split} gender=${args.pairsGender} pairs=${rows.length}/${rows.length + r.failures.length} ` +
      recognisers.map((rec) => `${rec}=${pct(hit(rows, rec), rows.length).replace(' ', '')}(ceil ${pct(ceiling[rec].ok, ceiling[rec].n).replace(' ', '')})`).join(' ') +
      ` pose=${f(mean(poseMax))}° axes=${[0, 1, 2].map((k) => f(mean(rows.map((x) => x.pose[k]!)))).join('/')} dpitch=${f(mean(rows.map((x) => x.poseSigned[1]!)))} outside=${rows.reduce((a, x) => a + x.changed, 0)} seamΔE=${f(rm('seamColour'))} seamGrad=${f(rg('seamGrad'))} sharp=${f(rg('sharpness'))} grain=${f(rg('grain'))} neck=${f(rm('toneNeck'))} sides=${f(rm('toneSides'))} toneL=${f(rm('toneStepL'))} toneC=${f(rm('toneStepChroma'))} fail=${r.failures.length} ms=${f(median(rows.map((x) => x.ms)), 0)} wall=${r.wallS.toFixed(0)}s`,
  ];
  return lines.join('\n');
}

/** Pixels outside the mask (alpha = 0) that differ from the template, in the raw result. */
function countChangedOutsideMask(d: BenchSwap): number {
  const { raw, template, swap } = d;
  const { roi, alpha } = swap;
  let changed = 0;
  for (let y = 0; y < raw.height; y++) {
    for (let x = 0; x < raw.width; x++) {
      const lx = x - roi.x0;
      const ly = y - roi.y0;
      if (lx >= 0 && ly >= 0 && lx < roi.w && ly < roi.h && alpha[ly * roi.w + lx]! > 0) continue;
      const i = (y * raw.width + x) * 3;
      if (raw.data[i] !== template.data[i] || raw.data[i + 1] !== template.data[i + 1] || raw.data[i + 2] !== template.data[i + 2]) changed++;
    }
  }
  return changed;
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('bench/eval.ts')) await main();
