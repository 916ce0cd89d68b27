// node --import tsx bench/eyecrop.ts --out eyes.png --pair SRC::TPL::name ... [--variant name:a.b=v]... [--zoom 2] [--region eyes|mouth]
//
// The eyes and brows (or, with --region mouth, the lips from the nose tip to the chin) of a few
// pairs at 1:1 (or --zoom × nearest) per engine variant: per pair one row, the template's band, the
// source's (enlarged), then each variant's result over the same box (the template mesh's points,
// padded). For the "smeared or doubled eyes" and "the mouth smeared" a face-sized crop shrinks away.
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { createDefaultEngine } from '../src/engine/index.ts';
import { BROW_LEFT, BROW_RIGHT, EYE_LEFT, EYE_RIGHT, LIPS_OUTER } from '../src/engine/regions.ts';
import { padTightCrop } from './lib/dataset.ts';
import { parseDiagArgs, swapWithKnobs } from './lib/knobs.ts';

let zoom = 2;
let region = 'eyes';
const { out, pairs, variants } = parseDiagArgs(process.argv.slice(2), 'eyes.png', { '--zoom': (v) => (zoom = Number(v)), '--region': (v) => (region = v) });
// Mesh points of the band and its padding (shares of the points' width, height).
const REGIONS: Record<string, { ids: number[]; px: number; py: number }> = {
  eyes: { ids: [...EYE_RIGHT, ...EYE_LEFT, ...BROW_RIGHT, ...BROW_LEFT], px: 0.12, py: 0.35 },
  mouth: { ids: [...LIPS_OUTER, 1, 152], px: 0.3, py: 0.05 },
};
const band = REGIONS[region];
if (!band) throw new Error(`--region: eyes or mouth, not ${region}`);
const engine = createDefaultEngine({ warmup: false });
await engine.init();
const rows: Buffer[][] = [];
for (const [s, t] of pairs) {
  const [src, tpl] = await Promise.all([s!, t!].map(async (f) => (await padTightCrop(await readFile(f), 200)).bytes));
  const row: Buffer[] = [];
  let box: { left: number; top: number; width: number; height: number } | undefined;
  for (const [, knobs] of variants) {
    const d = await swapWithKnobs(engine, knobs, src!, tpl!);
    if (!box) {
      const pts = band.ids.map((i) => d.target.mesh[i]!);
      const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
      const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
      const px = band.px * (x1 - x0), py = band.py * (y1 - y0);
      const left = Math.max(0, Math.floor(x0 - px)), top = Math.max(0, Math.floor(y0 - py));
      box = { left, top, width: Math.min(d.raw.width - left, Math.ceil(x1 - x0 + 2 * px)), height: Math.min(d.raw.height - top, Math.ceil(y1 - y0 + 2 * py)) };
      const t0 = sharp(Buffer.from(d.template.data), { raw: { width: d.template.width, height: d.template.height, channels: 3 } }).extract(box);
      row.push(await t0.png().toBuffer());
      // The source's band over the same points, enlarged (Lanczos) to the template box's size.
      const sp = band.ids.map((i) => d.source.mesh[i]!);
      const sx = sp.map((p) => p[0]), sy = sp.map((p) => p[1]);
      const k = (Math.max(...sx) - Math.min(...sx)) / (x1 - x0);
      const simg = await sharp(src!).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const sl = Math.max(0, Math.floor(Math.min(...sx) - px * k)), st = Math.max(0, Math.floor(Math.min(...sy) - py * k));
      const sb = { left: sl, top: st, width: Math.min(simg.info.width - sl, Math.ceil((x1 - x0 + 2 * px) * k)), height: Math.min(simg.info.height - st, Math.ceil((y1 - y0 + 2 * py) * k)) };
      row.push(await sharp(simg.data, { raw: { width: simg.info.width, height: simg.info.height, channels: 3 } }).extract(sb).resize(box.width, box.height, { kernel: 'lanczos3' }).png().toBuffer());
    }
    row.push(await sharp(Buffer.from(d.raw.data), { raw: { width: d.raw.width, height: d.raw.height, channels: 3 } }).extract(box).png().toBuffer());
  }
  rows.push(row);
}
// One sheet per pair (out-1.png, out-2.png, …): the tiles of a row share its box's size.
for (const [r, row] of rows.entries()) {
  const comp = [];
  let left = 0, height = 0, width = 0;
  for (const img of row) {
    const m = await sharp(img).metadata();
    comp.push({ input: await sharp(img).resize(m.width! * zoom, m.height! * zoom, { kernel: 'nearest' }).png().toBuffer(), left, top: 0 });
    left += m.width! * zoom + 4;
    height = Math.max(height, m.height! * zoom);
    width = left;
  }
  await sharp({ create: { width, height, channels: 3, background: '#222' } }).composite(comp).png().toFile(out.replace(/\.png$/, `-${r + 1}.png`));
}
console.log(`wrote ${out} (columns: template, source, ${variants.map((v) => v[0]).join(', ')})`);
await engine.close?.();
