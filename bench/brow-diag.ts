// node --import tsx bench/brow-diag.ts --out brows.png --pair SRC::TPL::name ... [--variant name:a.b=v]... [--zoom 2]
//
// The brows' band of a few pairs per engine variant, with the mask: per pair one row, the
// template's band (its brow points in red), then per variant the result and its alpha (grey; the
// template's brow points in red). For the "doubled brows" (the template's brow outside the mask).
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { createDefaultEngine } from '../src/engine/index.ts';
import { BROW_LEFT, BROW_RIGHT, EYE_LEFT, EYE_RIGHT } from '../src/engine/regions.ts';
import { padTightCrop } from './lib/dataset.ts';
import { parseDiagArgs, swapWithKnobs } from './lib/knobs.ts';

let zoom = 2;
const { out, pairs, variants } = parseDiagArgs(process.argv.slice(2), 'brows.png', { '--zoom': (v) => (zoom = Number(v)) });
const engine = createDefaultEngine({ warmup: false });
await engine.init();
const tiles: Buffer[][] = [];
for (const [s, t] of pairs) {
  const [src, tpl] = await Promise.all([s!, t!].map(async (f) => (await padTightCrop(await readFile(f), 200)).bytes));
  const row: Buffer[] = [];
  let box: { left: number; top: number; width: number; height: number } | undefined;
  const mark = (rgb: Uint8Array, W: number, pts: ArrayLike<number>[]) => {
    for (const p of pts) for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
      const o = ((Math.round(p[1]) + dy) * W + Math.round(p[0]) + dx) * 3;
      if (o >= 0 && o < rgb.length) { rgb[o] = 255; rgb[o + 1] = 0; rgb[o + 2] = 0; }
    }
  };
  for (const [, knobs] of variants) {
    const d = await swapWithKnobs(engine, knobs, src!, tpl!);
    const W = d.raw.width, H = d.raw.height;
    const bp = [...BROW_RIGHT, ...BROW_LEFT].map((i) => d.target.mesh[i]!);
    if (!box) {
      const pts = [...EYE_RIGHT, ...EYE_LEFT, ...BROW_RIGHT, ...BROW_LEFT, 10].map((i) => d.target.mesh[i]!);
      const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
      const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
      const px = 0.2 * (x1 - x0), py = 0.1 * (y1 - y0);
      const left = Math.max(0, Math.floor(x0 - px)), top = Math.max(0, Math.floor(y0 - py));
      box = { left, top, width: Math.min(W - left, Math.ceil(x1 - x0 + 2 * px)), height: Math.min(H - top, Math.ceil(y1 - y0 + 2 * py)) };
      const t0 = new Uint8Array(d.template.data);
      mark(t0, W, bp);
      row.push(await sharp(Buffer.from(t0), { raw: { width: W, height: H, channels: 3 } }).extract(box).png().toBuffer());
    }
    row.push(await sharp(Buffer.from(d.raw.data), { raw: { width: W, height: H, channels: 3 } }).extract(box).png().toBuffer());
    const a = new Uint8Array(W * H * 3);
    const { roi, alpha } = d.swap;
    for (let y = 0; y < roi.h; y++) for (let x = 0; x < roi.w; x++) {
      const v = Math.round(255 * alpha[y * roi.w + x]!);
      const o = ((roi.y0 + y) * W + roi.x0 + x) * 3;
      a[o] = a[o + 1] = a[o + 2] = v;
    }
    mark(a, W, bp);
    row.push(await sharp(Buffer.from(a), { raw: { width: W, height: H, channels: 3 } }).extract(box).png().toBuffer());
  }
  tiles.push(row);
}
// One sheet per pair (out-1.png, …): two columns, the template (twice) on the first row, then per
// variant its result and alpha.
for (const [r, row] of tiles.entries()) {
  const comp = [];
  const m = await sharp(row[0]!).metadata();
  const tw = m.width! * zoom, th = m.height! * zoom;
  const cells = [row[0]!, row[0]!, ...row.slice(1)];
  for (const [k, img] of cells.entries()) {
    comp.push({ input: await sharp(img).resize(tw, th, { kernel: 'nearest' }).png().toBuffer(), left: (k % 2) * (tw + 4), top: Math.floor(k / 2) * (th + 4) });
  }
  await sharp({ create: { width: 2 * tw + 4, height: Math.ceil(cells.length / 2) * (th + 4), channels: 3, background: '#222' } }).composite(comp).png().toFile(out.replace(/\.png$/, `-${r + 1}.png`));
}
console.log(`wrote ${out}`);
await engine.close?.();
