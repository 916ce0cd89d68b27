// node --import tsx bench/beard-diag.ts --pair SRC::TPL::name [--pair ...] --out DIR [--variant name:a.b=v,c.d=w]... [--region lower|face]
//
// The lower face of a swap (nose to chin; `--region face`: brows to chin, cheek to cheek, for the
// source's hair along the cheeks, mask.strands), per engine variant: the template's, then per variant
// the result and its blend alpha (white = the source's), enlarged ×`scale`, side by side; plus
// the sha1 of the raw result pixels (to check a knob's off state). A variant with no settings is
// the defaults. Tight crops (≤ 200 px) are padded as the eval pads them.
import { readFile, mkdir } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import sharp from 'sharp';
import { createDefaultEngine } from '../src/engine/index.ts';
import { decodeImage, type RgbImage } from '../src/engine/image.ts';
import { padTightCrop } from './lib/dataset.ts';
import { parseDiagArgs, swapWithKnobs } from './lib/knobs.ts';

type Mesh = ArrayLike<number>[];

type Box = { left: number; top: number; width: number; height: number };

/** The lower face's box (the jaw's width, from the eyes' line down past the chin) or the whole face's (margins for the hair at its sides). */
function regionBox(mesh: Mesh, W: number, H: number, region: 'lower' | 'face'): Box {
  const ids = region === 'lower' ? [2, 152, 234, 454, 172, 397, 61, 291] : [10, 152, 234, 454, 172, 397, 127, 356];
  const xs = ids.map((i) => mesh[i]![0]!), ys = ids.map((i) => mesh[i]![1]!);
  const fw = Math.max(...xs) - Math.min(...xs);
  const side = region === 'lower' ? 0.05 : 0.12;
  const left = Math.max(0, Math.floor(Math.min(...xs) - side * fw)), right = Math.min(W, Math.ceil(Math.max(...xs) + side * fw));
  const top = Math.max(0, Math.floor(region === 'lower' ? mesh[1]![1]! - 0.1 * fw : Math.min(...ys) - 0.05 * fw));
  const bottom = Math.min(H, Math.ceil(region === 'lower' ? mesh[152]![1]! + 0.1 * fw : Math.max(...ys) + 0.05 * fw));
  return { left, top, width: right - left, height: bottom - top };
}

async function crop(img: RgbImage, box: Box, outW: number): Promise<Buffer> {
  return sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 3 } }).extract(box).resize({ width: outW, kernel: 'lanczos3' }).png().toBuffer();
}

async function main(): Promise<void> {
  let scale = 0;
  let region: 'lower' | 'face' = 'lower';
  const { out, pairs, variants } = parseDiagArgs(process.argv.slice(2), '/tmp/beard-diag', {
    '--width': (v) => (scale = Number(v)),
    '--region': (v) => (region = v === 'face' ? 'face' : 'lower'),
  });
  await mkdir(out, { recursive: true });
  const engine = createDefaultEngine({ warmup: false });
  await engine.init();
  for (const [s, t, name] of pairs) await onePair(engine, s, t, path.join(out, name), variants, scale || 360, region);
  await engine.close();
}

async function onePair(engine: ReturnType<typeof createDefaultEngine>, src: string, tpl: string, out: string, variants: [string, string][], outW: number, region: 'lower' | 'face'): Promise<void> {
  const analyser = engine.faceAnalyser;
  const sb = (await padTightCrop(await readFile(src), 200)).bytes;
  const tb = (await padTightCrop(await readFile(tpl), 200)).bytes;
  const tImg = await decodeImage(tb);
  const tFace = (await analyser.detect(tImg, { embedding: false }))[0]!;
  const box = regionBox(tFace.mesh as Mesh, tImg.width, tImg.height, region);
  const tiles: { png: Buffer; name: string }[] = [{ png: await crop(tImg, box, outW), name: 'template' }];
  const lines: string[] = [];
  let alpha0: Float32Array | undefined;
  for (const [name, spec] of variants) {
    const d = await swapWithKnobs(engine, spec, sb, tb);
    const raw = d.raw;
    // Against the first variant: the share of the face (alpha > 0 in either) whose alpha moved by over 0.1.
    let moved = 0, face = 0;
    if (alpha0 && alpha0.length === d.swap.alpha.length) {
      for (let i = 0; i < alpha0.length; i++) if (alpha0[i]! > 0 || d.swap.alpha[i]! > 0) { face++; if (Math.abs(alpha0[i]! - d.swap.alpha[i]!) > 0.1) moved++; }
    } else alpha0 = d.swap.alpha;
    lines.push(`${name.padEnd(12)} sha1 ${createHash('sha1').update(raw.data).digest('hex')}${face ? ` alpha moved on ${(100 * moved / face).toFixed(2)} % of the face` : ''}`);
    tiles.push({ png: await crop(raw, box, outW), name });
    // The alpha over the ROI, laid into a template-sized plane for the same crop.
    const { roi, alpha } = d.swap;
    const a = new Uint8Array(raw.width * raw.height * 3);
    for (let y = 0; y < roi.h; y++) for (let x = 0; x < roi.w; x++) {
      const X = roi.x0 + x, Y = roi.y0 + y;
      if (X < 0 || Y < 0 || X >= raw.width || Y >= raw.height) continue;
      const j = y * roi.w + x;
      const v = Math.round(255 * alpha[j]!);
      for (let c = 0; c < 3; c++) a[(Y * raw.width + X) * 3 + c] = v;
      // Moved against the first variant: red where now lower (more template), blue where higher.
      const dv = alpha0 && alpha0 !== alpha && alpha0.length === alpha.length ? alpha[j]! - alpha0[j]! : 0;
      if (Math.abs(dv) > 0.02) a[(Y * raw.width + X) * 3 + (dv < 0 ? 0 : 2)] = 255;
    }
    tiles.push({ png: await crop({ ...raw, data: a } as RgbImage, box, outW), name: `${name} alpha` });
  }
  const band = 22;
  const metas = await Promise.all(tiles.map((t) => sharp(t.png).metadata()));
  const th = Math.max(...metas.map((m) => m.height!));
  const comps: { input: Buffer; left: number; top: number }[] = [];
  tiles.forEach((t, k) => {
    const svg = `<svg width="${outW}" height="${band}"><rect width="100%" height="100%" fill="black"/><text x="4" y="16" font-size="15" fill="white" font-family="sans-serif">${t.name}</text></svg>`;
    comps.push({ input: Buffer.from(svg), left: k * outW, top: 0 }, { input: t.png, left: k * outW, top: band });
  });
  await sharp({ create: { width: outW * tiles.length, height: th + band, channels: 3, background: '#000' } }).composite(comps).png().toFile(`${out}.png`);
  process.stdout.write(`${path.basename(out)}: ${src} -> ${tpl}\n${lines.join('\n')}\n`);
}

await main();
