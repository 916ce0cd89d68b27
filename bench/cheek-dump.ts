// Diagnostic: the warped source (before colour), the blend alpha and the result over the ROI, side by side.
//   node --import tsx bench/cheek-dump.ts SRC TPL OUT.png [knobs]
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { createDefaultEngine } from '../src/engine/index.ts';
import { padTightCrop } from './lib/dataset.ts';
import { swapWithKnobs } from './lib/knobs.ts';
import { destinationMesh, DEFAULT_SWAP, paintOrder } from '../src/engine/swap.ts';
import { warpTriangles } from '../src/engine/warp.ts';

const [s, t, out, knobs] = process.argv.slice(2);
const engine = createDefaultEngine({ warmup: false });
await engine.init();
const src = (await padTightCrop(await readFile(s!), 200)).bytes;
const tpl = (await padTightCrop(await readFile(t!), 200)).bytes;
const d = await swapWithKnobs(engine, knobs ?? '', src, tpl);
const roi = d.swap.roi;
const tri = engine.faceAnalyser.triangulation;
const scaled = await (engine as unknown as { scaledSource: (a: unknown, b: unknown, c: unknown) => Promise<{ img: { width: number; height: number; data: Uint8Array }; face: { mesh: number[][] } }> }).scaledSource({ img: await (await import('../src/engine/image.ts')).decodeImage(src, 40e6), face: d.source }, d.target, (_: string, f: () => unknown) => f());
const sM = scaled.face.mesh.slice(0, 468), tM = d.target.mesh.slice(0, 468);
const dst = destinationMesh(sM, tM, DEFAULT_SWAP.identityShape, DEFAULT_SWAP.geometry, tri);
const { draw } = paintOrder(tri, tM, 1);
const wp = warpTriangles(scaled.img as never, sM, dst, draw, roi);
const n = roi.w * roi.h;
const W = roi.w * 4;
const buf = new Uint8Array(W * roi.h * 3);
for (let y = 0; y < roi.h; y++)
  for (let x = 0; x < roi.w; x++) {
    const i = y * roi.w + x;
    const o = (y * W + x) * 3;
    const gi = ((roi.y0 + y) * d.raw.width + roi.x0 + x) * 3;
    for (let c = 0; c < 3; c++) {
      buf[o + c] = d.template.data[gi + c]!;
      buf[o + roi.w * 3 + c] = Math.round(wp.rgb[i * 3 + c]!);
      buf[o + 2 * roi.w * 3 + c] = Math.round(255 * d.swap.alpha[i]!);
      buf[o + 3 * roi.w * 3 + c] = d.raw.data[gi + c]!;
    }
    // stretch overlay tint in the alpha panel's red
    buf[o + 2 * roi.w * 3] = Math.min(255, Math.round(40 * wp.stretch[i]!));
  }
void n;
await sharp(buf, { raw: { width: W, height: roi.h, channels: 3 } }).png().toFile(out!);
console.log(`roi ${JSON.stringify(roi)}`);
await engine.close?.();
