// node --import tsx bench/lip-stretch.ts SRC::TPL ...
//
// How the warp stretches the lips: per pair, the affine map of each lip triangle (all corners on
// the lips' outer or inner contour) from the source's mesh onto the destination mesh, as its
// singular values over the median triangle's linear scale: anisotropy (σ1/σ2) and the largest
// relative stretch, mean over the lips and the worst triangle.
import { readFile } from 'node:fs/promises';
import { createDefaultEngine } from '../src/engine/index.ts';
import { destinationMesh, DEFAULT_SWAP, lipAnisotropy } from '../src/engine/swap.ts';
import { LIPS_MID, triangleStretch } from '../src/engine/warp.ts';
import { LIPS_INNER, LIPS_OUTER } from '../src/engine/regions.ts';
import { padTightCrop } from './lib/dataset.ts';

const engine = createDefaultEngine({ warmup: false });
await engine.init();
const tri = (engine as unknown as { analyser: { triangulation: number[] } }).analyser.triangulation;
for (const spec of process.argv.slice(2)) {
  const [s, t] = spec.split('::');
  const [src, tpl] = await Promise.all([s!, t!].map(async (f) => (await padTightCrop(await readFile(f), 200)).bytes));
  const sm = (await engine.listFaces(src!)).faces[0]!.mesh.slice(0, 468);
  const tm = (await engine.listFaces(tpl!)).faces[0]!.mesh.slice(0, 468);
  const dst = destinationMesh(sm, tm, DEFAULT_SWAP.identityShape, DEFAULT_SWAP.geometry, tri);
  const f = (v: number) => v.toFixed(2);
  const lips = new Set([...LIPS_OUTER, ...LIPS_INNER, ...LIPS_MID]);
  const open = (m: ArrayLike<number>[]) => Math.hypot(m[13][0] - m[14][0], m[13][1] - m[14][1]) / Math.hypot(m[61][0] - m[291][0], m[61][1] - m[291][1]);
  const lipH = (m: ArrayLike<number>[]) => Math.hypot(m[0][0] - m[17][0], m[0][1] - m[17][1]) / Math.hypot(m[61][0] - m[291][0], m[61][1] - m[291][1]);
  const line = [`${s!.split('/').slice(-2).join('/')} -> ${t!.split('/').slice(-2).join('/')}: open ${f(open(sm))}/${f(open(tm))} lipH/W ${f(lipH(sm))}/${f(lipH(tm))}`];
  for (const [name, meshD] of [['0.7', dst], ['tplShape', destinationMesh(sm, tm, 0, DEFAULT_SWAP.geometry, tri)], ['lipRings.5', destinationMesh(sm, tm, DEFAULT_SWAP.identityShape, { ...DEFAULT_SWAP.geometry, lipRings: 0.5 }, tri)], ['lipRings1', destinationMesh(sm, tm, DEFAULT_SWAP.identityShape, { ...DEFAULT_SWAP.geometry, lipRings: 1 }, tri)]] as const) {
    const { hi, lo } = triangleStretch(sm, meshD, tri);
    let n = 0, an = 0, amax = 0, flips = 0, hmax = 0;
    for (let k = 0; k < hi.length; k++) {
      const ids = [tri[k * 3]!, tri[k * 3 + 1]!, tri[k * 3 + 2]!];
      if (!ids.every((i) => lips.has(i))) continue;
      n++;
      if (lo[k]! <= 0) { flips++; continue; }
      const a = hi[k]! / lo[k]!;
      an += Math.log(a);
      amax = Math.max(amax, a);
      hmax = Math.max(hmax, hi[k]!);
    }
    let rn = 0, rf = 0;
    for (let k = 0; k < hi.length; k++) {
      const ids = [tri[k * 3]!, tri[k * 3 + 1]!, tri[k * 3 + 2]!];
      const c = ids.filter((i) => lips.has(i)).length;
      if (c === 0 || c === 3) continue;
      rn++;
      if (lo[k]! <= 0) rf++;
    }
    line.push(`[${name}] ring flips ${rf}/${rn} aniso geo-mean ${f(Math.exp(an / Math.max(1, n - flips)))} max ${f(amax)} hi max ${f(hmax)} flips ${flips}/${n}`);
  }
  const whole = destinationMesh(sm, tm, DEFAULT_SWAP.identityShape, { ...DEFAULT_SWAP.geometry, lipRings: 1, lipRingsFrom: 0 }, tri);
  line.push(`gate r ${f(lipAnisotropy(sm, dst, tri) / lipAnisotropy(sm, whole, tri))}`);
  console.log(line.join('  '));
}
await engine.close?.();
