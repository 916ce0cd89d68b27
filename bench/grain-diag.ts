// node --import tsx bench/grain-diag.ts --pair SRC::TPL::name [--pair …] [--out DIR] [--variant name:a.b=v,…]…
//
// Where a swap's face is softer than its template: the eval's sharpness and grain (bench/lib/realism.ts),
// and the face's mean |∇²L| (result ÷ template, same pixels) split by region — brows, eyes, lips,
// plain rest — and by band (differences of Gaussians σ 1 / 2 / 4 / 8 px: RMS result ÷
// template over the face). Writes a 1:1 crop of the face (template | variants) as DIR/name.png.
import { readFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { createDefaultEngine } from '../src/engine/index.ts';
import { fillPolygon, gaussBlur, rgbToLab, growPolygon, convexHull } from '../src/engine/raster.ts';
import { BROW_LEFT, BROW_RIGHT, EYE_LEFT, EYE_RIGHT, LIPS_OUTER, faceWidth, pick } from '../src/engine/regions.ts';
import { padTightCrop } from './lib/dataset.ts';
import { parseDiagArgs, swapWithKnobs } from './lib/knobs.ts';
import { measureRealism, toneRegions } from './lib/realism.ts';
import type { RgbImage } from '../src/engine/image.ts';

const f2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '  – ');

function roiL(img: RgbImage, roi: { x0: number; y0: number; w: number; h: number }): Float32Array {
  const n = roi.w * roi.h, rgb = new Float32Array(n * 3);
  for (let y = 0; y < roi.h; y++) for (let x = 0; x < roi.w; x++) for (let k = 0; k < 3; k++) rgb[(y * roi.w + x) * 3 + k] = img.data[((roi.y0 + y) * img.width + roi.x0 + x) * 3 + k]!;
  return rgbToLab(rgb, n)[0];
}

async function main(): Promise<void> {
  const { out, pairs, variants } = parseDiagArgs(process.argv.slice(2), '/tmp/grain-diag');
  await mkdir(out, { recursive: true });
  const engine = createDefaultEngine({ warmup: false });
  await engine.init();
  for (const [s, t, name] of pairs) {
    const sb = (await padTightCrop(await readFile(s!), 200)).bytes;
    const tb = (await padTightCrop(await readFile(t!), 200)).bytes;
    const tiles: Buffer[] = [];
    let ex: { left: number; top: number; width: number; height: number } | undefined;
    process.stdout.write(`${name}: ${s} -> ${t}\n`);
    for (const [vn, spec] of variants) {
      const d = await swapWithKnobs(engine, spec, sb, tb);
      const { roi, alpha } = d.swap;
      const mesh = d.target.mesh.slice(0, 468) as ArrayLike<number>[];
      const fw = faceWidth(mesh);
      const real = measureRealism(d.raw, d.template, d.swap, toneRegions(d.target.mesh, fw), fw);
      const w = roi.w, h = roi.h, n = w * h;
      const Lr = roiL(d.raw, roi), Lt = roiL(d.template, roi);
      // Regions: 1 brows, 2 eyes, 3 lips (grown a little), 0 the rest.
      const reg = new Uint8Array(n);
      const poly = (ids: number[], grow: number, v: number) => fillPolygon(reg, w, h, growPolygon(convexHull(pick(mesh, ids).map(([x, y]) => [x - roi.x0, y - roi.y0])), grow * fw), v);
      poly(LIPS_OUTER, 0.02, 3);
      poly(EYE_LEFT, 0.03, 2); poly(EYE_RIGHT, 0.03, 2);
      poly(BROW_LEFT, 0.02, 1); poly(BROW_RIGHT, 0.02, 1);
      const sumR = [0, 0, 0, 0], sumT = [0, 0, 0, 0], cnt = [0, 0, 0, 0];
      const lap = (L: Float32Array, i: number) => Math.abs(4 * L[i]! - L[i - 1]! - L[i + 1]! - L[i - w]! - L[i + w]!);
      for (let y = 1; y < h - 1; y++) for (let x = 1; x < w - 1; x++) {
        const i = y * w + x;
        if (!(alpha[i]! >= 0.98)) continue;
        const r = reg[i]!;
        sumR[r] += lap(Lr, i); sumT[r] += lap(Lt, i); cnt[r]++;
      }
      const N = cnt.reduce((a, b) => a + b, 0);
      const names = ['rest', 'brows', 'eyes', 'lips'];
      const regTxt = [0, 1, 2, 3].map((r) => `${names[r]} ${f2(sumR[r]! / sumT[r]!)} (share ${f2(sumT[r]! / sumT.reduce((a, b) => a + b, 0))}, px ${(cnt[r]! / N * 100).toFixed(0)}%)`).join('  ');
      // Bands: DoG of L, RMS over the face, result ÷ template.
      const sig = [0, 1, 2, 4, 8];
      const gr = sig.map((s) => (s ? gaussBlur(Lr, w, h, s) : Lr)), gt = sig.map((s) => (s ? gaussBlur(Lt, w, h, s) : Lt));
      const bandTxt: string[] = [];
      for (let b = 0; b < sig.length - 1; b++) {
        let er = 0, et = 0;
        for (let i = 0; i < n; i++) if (alpha[i]! >= 0.98) { const a = gr[b]![i]! - gr[b + 1]![i]!, c = gt[b]![i]! - gt[b + 1]![i]!; er += a * a; et += c * c; }
        bandTxt.push(`${sig[b]}-${sig[b + 1]} ${f2(Math.sqrt(er / et))}`);
      }
      process.stdout.write(`  ${vn.padEnd(12)} sharp ${f2(real.sharpness)} grain ${f2(real.grain)} fw ${fw.toFixed(0)} gains ${d.swap.texture.gains.map(f2).join('/')} noise ${f2(d.swap.texture.noise)} tex ${d.swap.timings.texture?.toFixed(0)}ms\n    |lap| res÷tpl: ${regTxt}\n    bands res÷tpl: ${bandTxt.join('  ')}\n`);
      if (!ex) {
        const xs = mesh.map((p) => p[0]!), ys = mesh.map((p) => p[1]!);
        const x0 = Math.max(0, Math.floor(Math.min(...xs))), y0 = Math.max(0, Math.floor(Math.min(...ys) + 0.1 * fw));
        ex = { left: x0, top: y0, width: Math.min(d.raw.width - x0, Math.ceil(Math.max(...xs) - x0)), height: Math.min(d.raw.height - y0, Math.ceil(0.75 * fw)) };
        tiles.push(await sharp(Buffer.from(d.template.data), { raw: { width: d.template.width, height: d.template.height, channels: 3 } }).extract(ex).png().toBuffer());
      }
      tiles.push(await sharp(Buffer.from(d.raw.data), { raw: { width: d.raw.width, height: d.raw.height, channels: 3 } }).extract(ex).png().toBuffer());
    }
    const W = ex!.width, H = ex!.height;
    await sharp({ create: { width: W * tiles.length, height: H, channels: 3, background: '#000' } }).composite(tiles.map((b, i) => ({ input: b, left: i * W, top: 0 }))).png().toFile(path.join(out, `${name}.png`));
  }
  await engine.close();
}

await main();
