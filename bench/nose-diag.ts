// node --import tsx bench/nose-diag.ts --out DIR --pair SRC::TPL::name [--pair ...] [--variant name:a.b=v,c.d=w]...
//
// The nose base of a swap, per engine variant: a crop of the lower nose and the upper lip (template,
// source, then each variant's result), enlarged ×4, and per image the nostril openings' darkness:
// the darkest third of each opening's mesh polygon against the nose's own lit skin (tip, ala,
// columella), as a ratio of L + 16 (linear light), and the under-nose strip's. The result is
// measured on its own mesh (analysed again). Tight crops (≤ 200 px) are padded as the eval pads them.
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { createDefaultEngine } from '../src/engine/index.ts';
import { decodeImage, type RgbImage } from '../src/engine/image.ts';
import { fillPolygon, rgbToLab } from '../src/engine/raster.ts';
import { NOSTRIL_LEFT, NOSTRIL_RIGHT, pick } from '../src/engine/regions.ts';
import { padTightCrop } from './lib/dataset.ts';
import { parseDiagArgs, swapWithKnobs } from './lib/knobs.ts';

type Mesh = ArrayLike<number>[];
// The nose's lit skin: tip and lower dorsum (not its underside, which a top light shades).
const TIP = [1, 4, 5, 45, 275];
const SUBNASAL = [2, 164, 167, 393, 97, 326];

function polyL(img: RgbImage, poly: [number, number][]): number[] {
  const xs = poly.map((p) => p[0]), ys = poly.map((p) => p[1]);
  const x0 = Math.max(0, Math.floor(Math.min(...xs))), x1 = Math.min(img.width - 1, Math.ceil(Math.max(...xs)));
  const y0 = Math.max(0, Math.floor(Math.min(...ys))), y1 = Math.min(img.height - 1, Math.ceil(Math.max(...ys)));
  const w = x1 - x0 + 1, h = y1 - y0 + 1;
  const m = new Float32Array(w * h);
  fillPolygon(m, w, h, poly.map(([x, y]) => [x - x0, y - y0]), 1);
  const rgb = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < 3; k++) rgb[(y * w + x) * 3 + k] = img.data[((y0 + y) * img.width + x0 + x) * 3 + k]!;
  const [L] = rgbToLab(rgb, w * h);
  const out: number[] = [];
  for (let i = 0; i < w * h; i++) if (m[i]! > 0.5) out.push(L[i]!);
  return out.sort((a, b) => a - b);
}
function pointsL(img: RgbImage, mesh: Mesh, ids: number[], r: number): number[] {
  const out: number[] = [];
  for (const i of ids) {
    const sq: [number, number][] = [[mesh[i]![0]! - r, mesh[i]![1]! - r], [mesh[i]![0]! + r, mesh[i]![1]! - r], [mesh[i]![0]! + r, mesh[i]![1]! + r], [mesh[i]![0]! - r, mesh[i]![1]! + r]];
    out.push(...polyL(img, sq));
  }
  return out.sort((a, b) => a - b);
}
const q = (v: number[], p: number) => (v.length ? v[Math.min(v.length - 1, Math.floor(p * v.length))]! : NaN);
const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / Math.max(1, v.length);

export function noseStats(img: RgbImage, mesh: Mesh): string {
  const fw = Math.hypot(mesh[454]![0]! - mesh[234]![0]!, mesh[454]![1]! - mesh[234]![1]!);
  const ref = q(pointsL(img, mesh, TIP, 0.01 * fw), 0.5);
  const sub = q(pointsL(img, mesh, SUBNASAL, 0.008 * fw), 0.5);
  const parts = [`ref L ${ref.toFixed(1)}`, `subnasal ${sub.toFixed(1)} (${((sub + 16) / (ref + 16)).toFixed(2)})`];
  for (const [n, ids] of [['nostrilR', NOSTRIL_RIGHT], ['nostrilL', NOSTRIL_LEFT]] as const) {
    const v = polyL(img, pick(mesh, ids));
    const dark = mean(v.slice(0, Math.max(1, Math.floor(v.length / 3))));
    parts.push(`${n} dark ${dark.toFixed(1)} (${((dark + 16) / (ref + 16)).toFixed(2)}) med ${q(v, 0.5).toFixed(1)}`);
  }
  return parts.join('  ');
}

async function noseCrop(img: RgbImage, mesh: Mesh, outW: number | undefined, scale = 4): Promise<{ png: Buffer; w: number; h: number }> {
  const fw = Math.hypot(mesh[454]![0]! - mesh[234]![0]!, mesh[454]![1]! - mesh[234]![1]!);
  const pts = pick(mesh, [129, 358, 5, 0, 61, 291]);
  const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
  const pad = 0.04 * fw;
  const left = Math.max(0, Math.floor(Math.min(...xs) - pad)), top = Math.max(0, Math.floor(Math.min(...ys) - pad));
  const width = Math.min(img.width - left, Math.ceil(Math.max(...xs) - Math.min(...xs) + 2 * pad));
  const height = Math.min(img.height - top, Math.ceil(Math.max(...ys) - Math.min(...ys) + 2 * pad));
  const png = await sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 3 } })
    .extract({ left, top, width, height }).resize({ width: outW ?? Math.round(width * scale), height: Math.round(((outW ?? Math.round(width * scale)) * height) / width), fit: 'fill', kernel: 'nearest' }).png().toBuffer();
  const meta = await sharp(png).metadata();
  return { png, w: meta.width!, h: meta.height! };
}

async function main(): Promise<void> {
  const { out, pairs, variants } = parseDiagArgs(process.argv.slice(2), '/tmp/nose-diag');
  await mkdir(out, { recursive: true });
  const engine = createDefaultEngine({ warmup: false });
  await engine.init();
  const analyser = engine.faceAnalyser;
  for (const [src, tpl, name] of pairs) {
    const sb = (await padTightCrop(await readFile(src), 200)).bytes;
    const tb = (await padTightCrop(await readFile(tpl), 200)).bytes;
    const sImg = await decodeImage(sb), tImg = await decodeImage(tb);
    const sFace = (await analyser.detect(sImg, { embedding: false }))[0]!;
    const tFace = (await analyser.detect(tImg, { embedding: false }))[0]!;
    const lines = [`${name}: ${src} -> ${tpl}`, `  source    ${noseStats(sImg, sFace.mesh as Mesh)}`, `  template  ${noseStats(tImg, tFace.mesh as Mesh)}`];
    const tc = await noseCrop(tImg, tFace.mesh as Mesh, undefined);
    const fw = tc.w;
    const tiles = [{ ...tc, name: 'template' }, { ...(await noseCrop(sImg, sFace.mesh as Mesh, fw)), name: 'source' }];
    for (const [vn, spec] of variants) {
      const d = await swapWithKnobs(engine, spec, sb, tb);
      const rf = (await analyser.detect(d.raw, { embedding: false }))[0]!;
      lines.push(`  ${vn.padEnd(9)} ${noseStats(d.raw, rf.mesh as Mesh)}`);
      tiles.push({ ...(await noseCrop(d.raw, tFace.mesh as Mesh, fw)), name: vn });
      await sharp(Buffer.from(d.raw.data), { raw: { width: d.raw.width, height: d.raw.height, channels: 3 } }).jpeg({ quality: 92 }).toFile(path.join(out, `${name}.${vn}.jpg`));
    }
    // Tiles side by side (two per row when more than three), a label band each.
    const band = 22, cols = tiles.length > 3 ? Math.ceil(tiles.length / 2) : tiles.length;
    const th = Math.max(...tiles.map((t) => t.h));
    const rows = Math.ceil(tiles.length / cols);
    const comps: { input: Buffer; left: number; top: number }[] = [];
    tiles.forEach((t, i) => {
      const left = (i % cols) * fw, top = Math.floor(i / cols) * (th + band);
      comps.push({ input: Buffer.from(`<svg width="${fw}" height="${band}"><rect width="100%" height="100%" fill="black"/><text x="4" y="16" font-size="15" fill="white" font-family="sans-serif">${name} ${t.name}</text></svg>`), left, top });
      comps.push({ input: t.png, left, top: top + band });
    });
    await sharp({ create: { width: cols * fw, height: rows * (th + band), channels: 3, background: '#000' } }).composite(comps).png().toFile(path.join(out, `${name}.nose.png`));
    await writeFile(path.join(out, `${name}.txt`), lines.join('\n') + '\n');
    process.stdout.write(lines.join('\n') + '\n');
  }
  await engine.close();
}

await main();
