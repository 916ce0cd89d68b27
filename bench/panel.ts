// npm run panel -- <dir>... --out <panel dir> [--n 12] [--size 384] [--split report] [--seed N] [--with-padded true]
//   [--set a.b=v] [--engine-opts json] [--gender id=female] [--key file] [--engine crude]
//
// A blind review panel: face crops of N swaps (same-gender pairs, each template scene used once)
// and of N untouched photos (one per scene, scenes and people not used as templates or sources
// where the set allows), shuffled under neutral names img01.png …. Every crop follows one rule:
// the square of 1.8 × the face box's larger side around the face, resized to --size px.
// At most one scene per identity is used, so no two images share a backdrop (a shoot's photos do).
// The key (which image is which) goes to a SEPARATE file, <panel dir>.key.json by default, so the
// raters who get the panel folder never see it. Score with `npm run panel:score`.
import { mkdir, writeFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { toServiceError } from '../src/jobs/errors.ts';
import { benchEngineFromArgs, parseEvalArgs } from './eval.ts';
import { inSplit, loadPhotos, rng, shuffle } from './lib/dataset.ts';
import { analyseGallery, identityGenders, type Analysed } from './lib/gallery.ts';
import { faceCrop } from './lib/sheets.ts';

export interface PanelItem {
  name: string;
  kind: 'swap' | 'untouched';
  /** Swaps: source and template photo; untouched: the photo. */
  source?: string;
  template?: string;
  photo?: string;
}

export interface PanelKey {
  created: string;
  command: string;
  items: PanelItem[];
}

async function main(): Promise<void> {
  let n = 12;
  let size = 384;
  let keyFile: string | undefined;
  let withPadded = false;
  let splitGiven = false;
  const argv = process.argv.slice(2);
  const args = parseEvalArgs(argv, {
    '--n': (v) => (n = Number(v)),
    '--size': (v) => (size = Number(v)),
    '--key': (v) => (keyFile = v),
    '--with-padded': (v) => (withPadded = v === 'true'),
  });
  splitGiven = argv.includes('--split');
  if (!splitGiven) args.split = 'report';
  if (!args.out) throw new Error('--out <panel dir> is required');
  if (!(n > 0)) throw new Error('--n must be a positive number');
  const outDir = path.resolve(args.out);
  keyFile = path.resolve(keyFile ?? outDir.replace(/\/+$/, '') + '.key.json');
  if (keyFile.startsWith(outDir + path.sep)) throw new Error('the key must be written outside the panel folder');
  await mkdir(outDir, { recursive: true });
  if ((await readdir(outDir)).some((f) => /^img\d+\.png$/.test(f))) throw new Error(`${outDir} already holds a panel: use a new folder`);

  const log = (s: string) => process.stderr.write(s + '\n');
  const photos = inSplit(await loadPhotos(args.dirs, { alias: args.alias, padBelow: args.padBelow }), args.split);
  const engine = benchEngineFromArgs(args);
  await engine.init();
  log(`analysing ${photos.length} photos (split ${args.split})…`);
  const { ok } = await analyseGallery(photos, engine.faceAnalyser, undefined, { cache: args.cache, log });
  const genders = identityGenders(ok, args.gender);
  const random = rng(args.seed);
  const byId = new Map<string, Analysed[]>();
  for (const p of ok) byId.set(p.id, [...(byId.get(p.id) ?? []), p]);
  const ids = shuffle([...byId.keys()].sort(), random);
  const grey = new Map<string, boolean>();
  for (const p of ok) grey.set(p.file, await isGrey(p.bytes));
  // A padded tight crop is no scene (its backdrop is a blurred edge fill): it can lend its face as a
  // source, but it is never a template or an untouched panel image unless --with-padded.
  const scenes = (id: string) => byId.get(id)!.filter((p) => withPadded || !p.padded);
  const pickOne = (id: string) => {
    const c = scenes(id);
    return c.length ? c[Math.floor(random() * c.length)]! : undefined;
  };

  // Templates: one scene from each of the first identities; sources: people of the same gender,
  // preferably used nowhere else in the panel, each used once while others remain.
  const items: (PanelItem & { crop: Buffer })[] = [];
  const templateIds = new Set<string>();
  const sourceIds = new Set<string>();
  const usedSources = new Set<string>();
  // Half the people with a scene give the templates, the other half the untouched photos.
  const sceneIds = ids.filter((i) => scenes(i).length > 0);
  const nEff = Math.min(n, Math.floor(sceneIds.length / 2));
  if (nEff < n) log(`the split has ${sceneIds.length} people with a usable scene: ${nEff} swaps and ${nEff} untouched photos at most`);
  for (const tid of sceneIds) {
    if (items.length >= nEff) break;
    const t = pickOne(tid);
    if (!t) continue;
    const g = genders.get(tid)!.gender;
    const sameGender = ids.filter((i) => i !== tid && genders.get(i)!.gender === g && !byId.get(i)!.every((p) => usedSources.has(p.file)));
    // Sources come first from the people planned neither as templates nor as untouched photos
    // (padded crops' people among them), so that no face shows up in two panel images.
    const planned = (i: string) => sceneIds.indexOf(i);
    // A grayscale face (the bbt_* crops) only when nothing else is left: users send colour photos.
    const rank = (i: string) =>
      (templateIds.has(i) || (planned(i) >= 0 && planned(i) < nEff) ? 4 : planned(i) >= 0 && planned(i) < 2 * nEff ? 2 : 0) +
      (sourceIds.has(i) ? 3 : 0) +
      (byId.get(i)!.every((p) => grey.get(p.file)) ? 16 : 0);
    const sid = [...sameGender].sort((a, b) => rank(a) - rank(b))[0];
    if (!sid) continue;
    const s = byId.get(sid)!.find((p) => !usedSources.has(p.file))!;
    try {
      const d = await engine.swapDetailed({ source: s.bytes, target: t.bytes });
      items.push({ name: '', kind: 'swap', source: s.file, template: t.file, crop: await faceCrop(d.result.image, d.target.box, size) });
      templateIds.add(tid);
      sourceIds.add(sid);
      usedSources.add(s.file);
      log(`  swap ${items.length}/${nEff}: ${s.file} → ${t.file}`);
    } catch (err) {
      log(`  ${s.file} → ${t.file} failed: ${toServiceError(err).errorName}; next template`);
    }
  }
  if (items.length < nEff) log(`only ${items.length} swaps: the split has too few people for ${nEff}`);

  // Untouched: people used neither as template nor as source first, then sources' other photos.
  const swaps = items.length;
  // Never a template's person: their photos may come from one shoot (one backdrop).
  const usedScenes = new Set(items.map((it) => it.template!));
  const rest = [...ids.filter((i) => !templateIds.has(i) && !sourceIds.has(i)), ...ids.filter((i) => !templateIds.has(i) && sourceIds.has(i))];
  for (const id of rest) {
    if (items.length - swaps >= swaps) break;
    const p = scenes(id).find((q) => !usedSources.has(q.file) && !usedScenes.has(q.file));
    if (!p) continue;
    if (sourceIds.has(id)) log(`  untouched ${p.file}: this person's face is also a swap's source (the split ran short of people)`);
    items.push({ name: '', kind: 'untouched', photo: p.file, crop: await faceCrop(p.bytes, p.box, size) });
  }
  const untouched = items.length - swaps;
  if (untouched < swaps) {
    // As many swaps as untouched photos: raters should not learn the mix from the panel.
    log(`only ${untouched} untouched scenes left: ${swaps - untouched} swaps dropped to keep the panel even (use a smaller --n or more photos)`);
    items.splice(untouched, swaps - untouched);
  }

  const order = shuffle(items, random);
  const width = Math.max(2, String(order.length).length);
  for (const [i, it] of order.entries()) {
    it.name = `img${String(i + 1).padStart(width, '0')}.png`;
    await writeFile(path.join(outDir, it.name), it.crop);
  }
  const names = order.map((it) => it.name);
  await writeFile(
    path.join(outDir, 'README.txt'),
    [
      `${order.length} face photos. Some are untouched photographs, some were edited (a face swapped in).`,
      'Rate each from 1 to 5 without looking anything up:',
      '  1 = certainly untouched, 2 = probably untouched, 3 = cannot tell, 4 = probably edited, 5 = certainly edited.',
      'Fill in ratings.json (a copy per rater, with your name in "rater") and, if you like, a word on what gave it away.',
      '',
    ].join('\n'),
  );
  await writeFile(path.join(outDir, 'ratings.json'), JSON.stringify({ rater: '', ratings: Object.fromEntries(names.map((k) => [k, null])), notes: {} }, null, 2) + '\n');
  const key: PanelKey = {
    created: new Date().toISOString(),
    command: `npm run panel -- ${argv.join(' ')}`,
    items: order.map(({ crop: _crop, ...it }) => it),
  };
  await writeFile(keyFile, JSON.stringify(key, null, 2) + '\n');
  const nSwaps = order.filter((it) => it.kind === 'swap').length;
  process.stdout.write(`panel: ${outDir} (${nSwaps} swaps, ${order.length - nSwaps} untouched, shuffled)\nkey:   ${keyFile} (keep it away from the raters)\n`);
  await engine.close();
}

/** True when no pixel of a 64 px thumbnail has more than a trace of colour. */
async function isGrey(bytes: Buffer): Promise<boolean> {
  const { data } = await sharp(bytes).resize(64, 64, { fit: 'inside' }).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  for (let i = 0; i < data.length; i += 3) if (Math.max(data[i]!, data[i + 1]!, data[i + 2]!) - Math.min(data[i]!, data[i + 1]!, data[i + 2]!) > 6) return false;
  return true;
}

await main();
