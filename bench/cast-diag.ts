// node --import tsx bench/cast-diag.ts --pair SRC::TPL::name ... [--variant name:a.b=v,c.d=w]...
//
// Colour cast of a swap, per region: the mean Lab of the template and of each variant's result
// over discs on the template's mesh (forehead, cheeks, under the eyes, upper lids, irises, the
// neck under the chin), and each region's Δa, Δb against the template's. Also the source's own.
import { readFile } from 'node:fs/promises';
import { createDefaultEngine } from '../src/engine/index.ts';
import { decodeImage, type RgbImage } from '../src/engine/image.ts';
import { rgbToLab } from '../src/engine/raster.ts';
import { faceWidth } from '../src/engine/regions.ts';
import { padTightCrop } from './lib/dataset.ts';
import { parseDiagArgs, swapWithKnobs } from './lib/knobs.ts';

type Mesh = ArrayLike<number>[];
const REGIONS: [string, number[], number][] = [
  ['forehead', [151, 9, 108, 337], 0.05],
  ['cheeks', [50, 280, 205, 425, 101, 330], 0.04],
  ['undereye', [228, 229, 230, 231, 448, 449, 450, 451, 22, 23, 24, 252, 253, 254], 0.015],
  ['upperlid', [223, 224, 222, 443, 444, 442, 27, 28, 257, 258], 0.015],
  ['iris', [468, 473], 0.02],
];

function regionLab(img: RgbImage, mesh: Mesh, ids: number[], rFw: number, dy = 0): number[] {
  const fw = faceWidth(mesh);
  const r = Math.max(1.5, rFw * fw);
  const px: number[] = [];
  const seen = new Set<number>();
  for (const id of ids) {
    const cx = mesh[id]![0]!, cy = mesh[id]![1]! + dy * fw;
    for (let y = Math.floor(cy - r); y <= Math.ceil(cy + r); y++) for (let x = Math.floor(cx - r); x <= Math.ceil(cx + r); x++) {
      if (x < 0 || y < 0 || x >= img.width || y >= img.height || Math.hypot(x - cx, y - cy) > r) continue;
      const i = y * img.width + x;
      if (!seen.has(i)) { seen.add(i); px.push(i); }
    }
  }
  const rgb = new Float32Array(px.length * 3);
  px.forEach((i, j) => { for (let k = 0; k < 3; k++) rgb[j * 3 + k] = img.data[i * 3 + k]!; });
  const lab = rgbToLab(rgb, px.length);
  return lab.map((p) => p.reduce((s, v) => s + v, 0) / Math.max(1, px.length));
}

function stats(img: RgbImage, mesh: Mesh): Record<string, number[]> {
  const o: Record<string, number[]> = {};
  for (const [n, ids, r] of REGIONS) o[n] = regionLab(img, mesh, ids, r);
  o.neck = regionLab(img, mesh, [152, 148, 377], 0.04, 0.18);
  return o;
}

const f1 = (v: number) => v.toFixed(1).padStart(6);
const { pairs, variants } = parseDiagArgs(process.argv.slice(2), '');
const engine = createDefaultEngine({ warmup: false });
await engine.init();
for (const [s, t, name] of pairs) {
  const sb = (await padTightCrop(await readFile(s!), 200)).bytes;
  const tb = (await padTightCrop(await readFile(t!), 200)).bytes;
  const sImg = await decodeImage(sb), tImg = await decodeImage(tb);
  const sFace = (await engine.faceAnalyser.detect(sImg, { embedding: false }))[0]!;
  const tFace = (await engine.faceAnalyser.detect(tImg, { embedding: false }))[0]!;
  const tm = tFace.mesh as Mesh;
  const ts = stats(tImg, tm);
  const rows: [string, Record<string, number[]>][] = [['source', stats(sImg, sFace.mesh as Mesh)], ['template', ts]];
  for (const [vn, spec] of variants) rows.push([vn, stats((await swapWithKnobs(engine, spec, sb, tb)).raw, tm)]);
  console.log(`== ${name}`);
  console.log('region'.padEnd(10) + rows.map(([n]) => n.padEnd(20).padStart(22)).join(''));
  for (const reg of Object.keys(ts)) {
    console.log(reg.padEnd(10) + rows.map(([n, st]) => {
      const v = st[reg]!;
      const d = n === 'template' ? '' : ` Δ${f1(v[1]! - ts[reg]![1]!)}${f1(v[2]! - ts[reg]![2]!)}`;
      return `  ${f1(v[0]!)}${f1(v[1]!)}${f1(v[2]!)}${d}`;
    }).join(' |'));
  }
}
await engine.close?.();
