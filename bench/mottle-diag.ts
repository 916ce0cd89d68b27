// node --import tsx bench/mottle-diag.ts --pair SRC::TPL::name [--pair …] [--out DIR] [--variant name:a.b=v,…]…
//
// Where a swap's skin turns blotchy ("mottled"): on the plain skin (face oval less the eyes, brows,
// nose and lips, grown), the RMS of a mid band (difference of Gaussians σ 1 % → 4 % of the face
// width, the size of a blotch) of L and of the chroma (a, b), for the template, for the source on its
// own face (what the warp brings), and for each variant's result. Writes a 1:1 crop of the face
// (template | variants…) as DIR/name.png.
import { readFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { createDefaultEngine } from '../src/engine/index.ts';
import { fillPolygon, gaussBlur, rgbToLab, growPolygon, convexHull } from '../src/engine/raster.ts';
import { BROW_LEFT, BROW_RIGHT, EYE_LEFT, EYE_RIGHT, FACE_OVAL, LIPS_OUTER, NOSE, NOSTRIL_LEFT, NOSTRIL_RIGHT, faceWidth, pick } from '../src/engine/regions.ts';
import { padTightCrop } from './lib/dataset.ts';
import { parseDiagArgs, swapWithKnobs } from './lib/knobs.ts';
import type { RgbImage } from '../src/engine/image.ts';

const f2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '  – ');

/** Mid-band RMS of L and of chroma over the plain skin of `mesh` in `img` (and the region's px). */
export function mottle(img: RgbImage, mesh: ArrayLike<number>[], only?: (x: number, y: number) => boolean, s1 = 0.01, s2 = 0.04): { L: number; C: number; n: number } {
  const fw = faceWidth(mesh);
  const xs = mesh.map((p) => p[0]!), ys = mesh.map((p) => p[1]!);
  const pad = Math.ceil(0.1 * fw);
  const x0 = Math.max(0, Math.floor(Math.min(...xs)) - pad), y0 = Math.max(0, Math.floor(Math.min(...ys)) - pad);
  const x1 = Math.min(img.width, Math.ceil(Math.max(...xs)) + pad), y1 = Math.min(img.height, Math.ceil(Math.max(...ys)) + pad);
  const w = x1 - x0, h = y1 - y0, n = w * h;
  const rgb = new Float32Array(n * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < 3; k++) rgb[(y * w + x) * 3 + k] = img.data[((y0 + y) * img.width + x0 + x) * 3 + k]!;
  const lab = rgbToLab(rgb, n);
  const reg = new Uint8Array(n);
  const loc = (ids: number[]) => pick(mesh, ids).map(([x, y]) => [x - x0, y - y0] as [number, number]);
  fillPolygon(reg, w, h, growPolygon(convexHull(loc(FACE_OVAL)), -0.06 * fw), 1);
  const cut = (ids: number[], g: number) => fillPolygon(reg, w, h, growPolygon(convexHull(loc(ids)), g * fw), 0);
  cut([...EYE_LEFT, ...BROW_LEFT], 0.04); cut([...EYE_RIGHT, ...BROW_RIGHT], 0.04);
  cut(LIPS_OUTER, 0.03); cut([...NOSE, ...NOSTRIL_LEFT, ...NOSTRIL_RIGHT], 0.02);
  const band = (p: Float32Array) => { const a = gaussBlur(p, w, h, Math.max(0.7, s1 * fw)), b = gaussBlur(p, w, h, s2 * fw); for (let i = 0; i < n; i++) a[i] -= b[i]!; return a; };
  const bL = band(lab[0]), ba = band(lab[1]), bb = band(lab[2]);
  let eL = 0, eC = 0, c = 0;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const i = y * w + x;
    if (!reg[i] || (only && !only(x0 + x, y0 + y))) continue;
    eL += bL[i]! * bL[i]!; eC += ba[i]! * ba[i]! + bb[i]! * bb[i]!; c++;
  }
  return { L: Math.sqrt(eL / c), C: Math.sqrt(eC / c), n: c };
}

async function main(): Promise<void> {
  const { out, pairs, variants } = parseDiagArgs(process.argv.slice(2), '/tmp/mottle-diag');
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
      const mesh = d.target.mesh.slice(0, 468) as ArrayLike<number>[];
      const fw = faceWidth(mesh);
      const { alpha, roi } = d.swap;
      const inside = (x: number, y: number) => x >= roi.x0 && y >= roi.y0 && x < roi.x0 + roi.w && y < roi.y0 + roi.h && alpha[(y - roi.y0) * roi.w + x - roi.x0]! >= 0.98;
      if (!ex) {
        const mt = mottle(d.template, mesh, inside);
        const sImg = await sharp(sb).removeAlpha().raw().toBuffer({ resolveWithObject: true });
        const ms = mottle({ width: sImg.info.width, height: sImg.info.height, data: new Uint8Array(sImg.data) } as RgbImage, d.source.mesh.slice(0, 468) as ArrayLike<number>[]);
        process.stdout.write(`  ${'template'.padEnd(12)} L ${f2(mt.L)} C ${f2(mt.C)}  (px ${mt.n}, fw ${fw.toFixed(0)})\n  ${'source'.padEnd(12)} L ${f2(ms.L)} C ${f2(ms.C)}  (source fw ${faceWidth(d.source.mesh.slice(0, 468) as ArrayLike<number>[]).toFixed(0)})\n`);
        const xs = mesh.map((p) => p[0]!), ys = mesh.map((p) => p[1]!);
        const x0 = Math.max(0, Math.floor(Math.min(...xs))), y0 = Math.max(0, Math.floor(Math.min(...ys) + 0.15 * fw));
        ex = { left: x0, top: y0, width: Math.min(d.raw.width - x0, Math.ceil(Math.max(...xs) - x0)), height: Math.min(d.raw.height - y0, Math.ceil(0.8 * fw)) };
        tiles.push(await sharp(Buffer.from(d.template.data), { raw: { width: d.template.width, height: d.template.height, channels: 3 } }).extract(ex).png().toBuffer());
      }
      const mr = mottle(d.raw, mesh, inside);
      process.stdout.write(`  ${vn.padEnd(12)} L ${f2(mr.L)} C ${f2(mr.C)}\n`);
      tiles.push(await sharp(Buffer.from(d.raw.data), { raw: { width: d.raw.width, height: d.raw.height, channels: 3 } }).extract(ex).png().toBuffer());
    }
    const W = ex!.width, H = ex!.height;
    await sharp({ create: { width: W * tiles.length, height: H, channels: 3, background: '#000' } }).composite(tiles.map((b, i) => ({ input: b, left: i * W, top: 0 }))).png().toFile(path.join(out, `${name}.png`));
  }
  await engine.close();
}

await main();
