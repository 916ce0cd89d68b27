// node --import tsx bench/eyes-diag.ts --src S --tpl T --out /tmp/dir/name [--variant name:a.b=v,c.d=w]...
//
// The eyes of a swap, per engine variant: a crop of both eyes and brows of the result (with the
// template's and the source's eyes beside it), enlarged ×3, and per eye the mean Lab of its sclera
// (the brighter half of the opening outside the iris) and of its iris (Human's iris circle inside
// the opening), measured on the result's own mesh (the result is analysed again). A variant with
// no settings is the defaults. Tight crops (≤ 200 px) are padded as the eval pads them.
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { createDefaultEngine } from '../src/engine/index.ts';
import { decodeImage, type RgbImage } from '../src/engine/image.ts';
import { fillPolygon, rgbToLab } from '../src/engine/raster.ts';
import { EYE_LEFT, EYE_RIGHT, BROW_LEFT, BROW_RIGHT, pick } from '../src/engine/regions.ts';
import { padTightCrop } from './lib/dataset.ts';
import { parseVariant, swapWithKnobs } from './lib/knobs.ts';

type Mesh = ArrayLike<number>[];

export interface EyeStats {
  sclera: number[];
  iris: number[];
  n: [number, number];
}

/** Per eye (image-left first: the mesh's "right" eye; Human puts its iris at 473, the other at 468): sclera and iris means. */
export function eyeStats(img: RgbImage, mesh: Mesh): EyeStats[] {
  const out: EyeStats[] = [];
  for (const [ids, c] of [[EYE_RIGHT, 473], [EYE_LEFT, 468]] as const) {
    const poly = pick(mesh, ids);
    const xs = poly.map((p) => p[0]), ys = poly.map((p) => p[1]);
    const x0 = Math.max(0, Math.floor(Math.min(...xs)) - 2), x1 = Math.min(img.width - 1, Math.ceil(Math.max(...xs)) + 2);
    const y0 = Math.max(0, Math.floor(Math.min(...ys)) - 2), y1 = Math.min(img.height - 1, Math.ceil(Math.max(...ys)) + 2);
    const w = x1 - x0 + 1, h = y1 - y0 + 1;
    const m = new Float32Array(w * h);
    fillPolygon(m, w, h, poly.map(([x, y]) => [x - x0, y - y0]), 1);
    const cx = mesh[c]![0]! - x0, cy = mesh[c]![1]! - y0;
    let r = 0;
    for (let q = 1; q <= 4; q++) r += Math.hypot(mesh[c + q]![0]! - mesh[c]![0]!, mesh[c + q]![1]! - mesh[c]![1]!) / 4;
    const rgb = new Float32Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < 3; k++) rgb[(y * w + x) * 3 + k] = img.data[((y0 + y) * img.width + x0 + x) * 3 + k]!;
    const [L, A, B] = rgbToLab(rgb, w * h);
    const iris: number[] = [], scl: number[] = [];
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (!(m[i]! > 0)) continue;
      const d = Math.hypot(x - cx, y - cy);
      if (d < 0.8 * r) iris.push(i);
      else if (d > 1.15 * r) scl.push(i);
    }
    // The sclera: the brighter half of the opening outside the iris (lids and lashes are darker).
    scl.sort((a, b) => L[b]! - L[a]!);
    const sc = scl.slice(0, Math.max(1, scl.length >> 1));
    const mean = (ix: number[]) => [L, A, B].map((p) => ix.reduce((s, i) => s + p[i]!, 0) / Math.max(1, ix.length));
    out.push({ sclera: mean(sc), iris: mean(iris), n: [sc.length, iris.length] });
  }
  return out;
}

/** A crop around both eyes and brows, as PNG, enlarged `scale` times. */
async function eyesCrop(img: RgbImage, mesh: Mesh, scale: number, fw?: number): Promise<{ png: Buffer; w: number; h: number }> {
  const pts = pick(mesh, [...EYE_LEFT, ...EYE_RIGHT, ...BROW_LEFT, ...BROW_RIGHT]);
  const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
  const pad = 0.15 * (Math.max(...xs) - Math.min(...xs));
  const left = Math.max(0, Math.floor(Math.min(...xs) - pad)), top = Math.max(0, Math.floor(Math.min(...ys) - pad));
  const width = Math.min(img.width - left, Math.ceil(Math.max(...xs) - Math.min(...xs) + 2 * pad));
  const height = Math.min(img.height - top, Math.ceil(Math.max(...ys) - Math.min(...ys) + 2 * pad));
  const outW = fw ?? Math.round(width * scale);
  const png = await sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 3 } })
    .extract({ left, top, width, height }).resize({ width: outW, kernel: 'nearest' }).png().toBuffer();
  const meta = await sharp(png).metadata();
  return { png, w: meta.width!, h: meta.height! };
}

const fmt = (v: number[]) => v.map((x) => x.toFixed(1).padStart(6)).join('');

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let src = '', tpl = '', out = '/tmp/eyes-diag/x';
  const variants: [string, string][] = [];
  const pairs: [string, string, string][] = [];
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i]!;
    if (v === '--src') src = argv[++i]!;
    else if (v === '--tpl') tpl = argv[++i]!;
    else if (v === '--out') out = argv[++i]!;
    else if (v === '--pair') pairs.push(argv[++i]!.split('::') as [string, string, string]);
    else if (v === '--variant') variants.push(parseVariant(argv[++i]!));
    else throw new Error(`unknown ${v}`);
  }
  if (!variants.length) variants.push(['default', '']);
  if (src) pairs.push([src, tpl, path.basename(out)]);
  const dir = src ? path.dirname(out) : out;
  await mkdir(dir, { recursive: true });
  const engine = createDefaultEngine({ warmup: false });
  await engine.init();
  for (const [s, t, name] of pairs) await onePair(engine, s, t, path.join(dir, name), variants);
  await engine.close();
}

async function onePair(engine: ReturnType<typeof createDefaultEngine>, src: string, tpl: string, out: string, variants: [string, string][]): Promise<void> {
  const analyser = engine.faceAnalyser;
  const sb = (await padTightCrop(await readFile(src), 200)).bytes;
  const tb = (await padTightCrop(await readFile(tpl), 200)).bytes;
  const sImg = await decodeImage(sb);
  const tImg = await decodeImage(tb);
  const sFace = (await analyser.detect(sImg, { embedding: false }))[0]!;
  const tFace = (await analyser.detect(tImg, { embedding: false }))[0]!;
  const report: string[] = [];
  const line = (name: string, st: EyeStats[]) => {
    const d = [0, 1, 2].map((c) => st[0]!.sclera[c]! - st[1]!.sclera[c]!);
    const di = [0, 1, 2].map((c) => st[0]!.iris[c]! - st[1]!.iris[c]!);
    report.push(`${name.padEnd(18)} sclera L/a/b  ${fmt(st[0]!.sclera)} |${fmt(st[1]!.sclera)}   Δ${fmt(d)}   iris ${fmt(st[0]!.iris)} |${fmt(st[1]!.iris)}   Δ${fmt(di)}`);
  };
  line('source', eyeStats(sImg, sFace.mesh as Mesh));
  line('template', eyeStats(tImg, tFace.mesh as Mesh));
  const tiles: { png: Buffer; w: number; h: number; name: string }[] = [];
  const tc = await eyesCrop(tImg, tFace.mesh as Mesh, 3);
  const fw = tc.w;
  tiles.push({ ...tc, name: 'template' });
  tiles.push({ ...(await eyesCrop(sImg, sFace.mesh as Mesh, 1, fw)), name: 'source' });
  await writeFile(`${out}.template.eyes.png`, tc.png);
  await writeFile(`${out}.source.eyes.png`, tiles[1]!.png);
  for (const [name, spec] of variants) {
    const d = await swapWithKnobs(engine, spec, sb, tb);
    const raw = d.raw;
    const rf = (await analyser.detect(raw, { embedding: false }))[0]!;
    line(name, eyeStats(raw, rf.mesh as Mesh));
    const c = await eyesCrop(raw, tFace.mesh as Mesh, 3);
    tiles.push({ ...c, name });
    await writeFile(`${out}.${name}.eyes.png`, c.png);
    await sharp(Buffer.from(raw.data), { raw: { width: raw.width, height: raw.height, channels: 3 } }).png().toFile(`${out}.${name}.png`);
  }
  // One contact strip: tiles stacked vertically with a label band each.
  const band = 22;
  const H = tiles.reduce((s, t) => s + t.h + band, 0);
  const comps: { input: Buffer; left: number; top: number }[] = [];
  let y = 0;
  for (const t of tiles) {
    const svg = `<svg width="${fw}" height="${band}"><rect width="100%" height="100%" fill="black"/><text x="4" y="16" font-size="15" fill="white" font-family="sans-serif">${t.name}</text></svg>`;
    comps.push({ input: Buffer.from(svg), left: 0, top: y });
    comps.push({ input: t.png, left: 0, top: y + band });
    y += t.h + band;
  }
  await sharp({ create: { width: fw, height: H, channels: 3, background: '#000' } }).composite(comps).png().toFile(`${out}.eyes.png`);
  const txt = ['eye: image-left | image-right', ...report].join('\n');
  await writeFile(`${out}.txt`, txt + '\n');
  process.stdout.write(`${path.basename(out)}: ${src} -> ${tpl}\n` + txt + '\n');
}

await main();
