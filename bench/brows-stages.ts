// node --import tsx bench/brows-stages.ts --out stages.png --pair SRC::TPL::name ... [--variant name:knobs]... [--zoom 3]
//
// Why an enlarged small source's brows read as painted: per pair, the brows' band of the template,
// the raw warp of the enlarged source (no colour, mask or texture), and each variant's result; and
// per image the brows' statistics printed: hair darkness under the skin around (ΔL), the hair's chroma
// and the skin's, the hair's chroma deviation from the skin (Δab) and the fine band's RMS in the hull.
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { createDefaultEngine } from '../src/engine/index.ts';
import { decodeImage, type RgbImage } from '../src/engine/image.ts';
import { BROW_LEFT, BROW_RIGHT, EYE_LEFT, EYE_RIGHT, faceWidth } from '../src/engine/regions.ts';
import { destinationMesh, paintOrder, DEFAULT_SWAP } from '../src/engine/swap.ts';
import { warpTriangles, roiAround } from '../src/engine/warp.ts';
import { browStats } from './lib/brow-stats.ts';
import { padTightCrop } from './lib/dataset.ts';
import { parseDiagArgs, swapWithKnobs } from './lib/knobs.ts';

let zoom = 3;
const { out, pairs, variants } = parseDiagArgs(process.argv.slice(2), 'stages.png', { '--zoom': (v) => (zoom = Number(v)) });
const engine = createDefaultEngine({ warmup: false });
await engine.init();

const tiles: Buffer[][] = [];
for (const [s, t, name] of pairs) {
  const [src, tpl] = await Promise.all([s!, t!].map(async (f) => (await padTightCrop(await readFile(f), 200)).bytes));
  const row: Buffer[] = [];
  let box: { left: number; top: number; width: number; height: number } | undefined;
  console.log(`== ${name}`);
  for (const [vname, knobs] of variants) {
    const d = await swapWithKnobs(engine, knobs, src!, tpl!);
    const W = d.raw.width, H = d.raw.height;
    const tMesh = d.target.mesh.slice(0, 468);
    if (!box) {
      const pts = [...EYE_RIGHT, ...EYE_LEFT, ...BROW_RIGHT, ...BROW_LEFT].map((i) => tMesh[i]!);
      const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
      const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
      const px = 0.15 * (x1 - x0), py = 0.35 * (y1 - y0);
      const left = Math.max(0, Math.floor(x0 - px)), top = Math.max(0, Math.floor(y0 - py));
      box = { left, top, width: Math.min(W - left, Math.ceil(x1 - x0 + 2 * px)), height: Math.min(H - top, Math.ceil(y1 - y0 + 1.6 * py)) };
      row.push(await sharp(Buffer.from(d.template.data), { raw: { width: W, height: H, channels: 3 } }).extract(box).png().toBuffer());
      console.log(`template     ${browStats(d.template, tMesh)}`);
      // The source at its own size and enlarged as the engine does, and its raw warp.
      const srcImg = await decodeImage(src!);
      console.log(`source own   ${browStats(srcImg, d.source.mesh)}  (fw ${faceWidth(d.source.mesh).toFixed(0)} → ${faceWidth(tMesh).toFixed(0)})`);
      const e = engine as unknown as { scaledSource: (a: unknown, b: unknown, c: unknown) => Promise<{ img: RgbImage; face: typeof d.source }>; faceAnalyser: { triangulation: ArrayLike<number> } };
      const sc = await e.scaledSource({ img: srcImg, face: d.source }, d.target, (_: string, f: () => unknown) => f());
      console.log(`source up    ${browStats(sc.img, sc.face.mesh)}`);
      const sMesh = sc.face.mesh.slice(0, 468);
      const dst = destinationMesh(sMesh, tMesh, DEFAULT_SWAP.identityShape, DEFAULT_SWAP.geometry, e.faceAnalyser.triangulation);
      const roi = roiAround(dst, W, H, Math.round(0.08 * faceWidth(tMesh)) + 4);
      const warped = warpTriangles(sc.img, sMesh, dst, paintOrder(e.faceAnalyser.triangulation, tMesh, 1).draw, roi);
      const raw = new Uint8Array(d.template.data);
      for (let y = 0; y < roi.h; y++) for (let x = 0; x < roi.w; x++) {
        const i = y * roi.w + x;
        if (!warped.cover[i]) continue;
        for (let c = 0; c < 3; c++) raw[((y + roi.y0) * W + x + roi.x0) * 3 + c] = Math.round(warped.rgb[i * 3 + c]!);
      }
      const rawImg = { ...d.template, data: raw };
      console.log(`warp raw     ${browStats(rawImg, dst)}`);
      row.push(await sharp(Buffer.from(raw), { raw: { width: W, height: H, channels: 3 } }).extract(box).png().toBuffer());
      (globalThis as Record<string, unknown>).__dst = dst;
    }
    const dst = (globalThis as Record<string, unknown>).__dst as [number, number][];
    console.log(`${vname.padEnd(12)} ${browStats(d.raw, dst)}`);
    row.push(await sharp(Buffer.from(d.raw.data), { raw: { width: W, height: H, channels: 3 } }).extract(box).png().toBuffer());
  }
  tiles.push(row);
}
for (const [r, row] of tiles.entries()) {
  const m = await sharp(row[0]!).metadata();
  const tw = m.width! * zoom, th = m.height! * zoom;
  const comp = [];
  for (const [k, img] of row.entries()) comp.push({ input: await sharp(img).resize(tw, th, { kernel: 'lanczos3' }).png().toBuffer(), left: 0, top: k * (th + 4) });
  await sharp({ create: { width: tw, height: row.length * (th + 4), channels: 3, background: '#222' } }).composite(comp).png().toFile(out.replace(/\.png$/, `-${r + 1}.png`));
}
console.log(`wrote ${out}`);
await engine.close?.();
