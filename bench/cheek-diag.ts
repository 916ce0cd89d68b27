// Diagnostic: yaws, edgeLight's turn, and a point of the template's face crop (bench/pair.ts's 1.8× crop) traced back to
// the source through the warp's mesh (barycentric in the destination triangle), as a point of the source's crop.
//   node --import tsx bench/cheek-diag.ts SRC TPL [u v]   (u,v: point in the 1.8× face crop, 0..1)
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { createDefaultEngine } from '../src/engine/index.ts';
import { padTightCrop } from './lib/dataset.ts';
import { destinationMesh, edgeTurn, DEFAULT_SWAP } from '../src/engine/swap.ts';

const [s, t, us, vs] = process.argv.slice(2);
const engine = createDefaultEngine({ warmup: false });
await engine.init();
const src = (await padTightCrop(await readFile(s!), 200)).bytes;
const tpl = (await padTightCrop(await readFile(t!), 200)).bytes;
const d = await engine.swapDetailed({ source: src, target: tpl } as never);
const sf = d.source, tf = d.target;
console.log(`src yaw ${sf.angles.yaw.toFixed(1)} pitch ${sf.angles.pitch.toFixed(1)}  tpl yaw ${tf.angles.yaw.toFixed(1)} pitch ${tf.angles.pitch.toFixed(1)}  turn ${edgeTurn(sf.angles.yaw, tf.angles.yaw).toFixed(1)}`);
if (us) {
  const box = tf.box;
  const side = Math.round(Math.max(box[2], box[3]) * 1.8);
  const W = d.raw.width, H = d.raw.height;
  const left = Math.max(0, Math.min(W - side, Math.round(box[0] + box[2] / 2 - side / 2))), top = Math.max(0, Math.min(H - side, Math.round(box[1] + box[3] / 2 - side / 2)));
    const px = left + Number(us) * side, py = top + Number(vs) * side;
  const tri = engine.faceAnalyser.triangulation;
  const tM = tf.mesh.slice(0, 468), sM = sf.mesh.slice(0, 468);
  const dst = destinationMesh(sM, tM, DEFAULT_SWAP.identityShape, DEFAULT_SWAP.geometry, tri);
  for (let i = 0; i < tri.length; i += 3) {
    const [a, b, c] = [tri[i]!, tri[i + 1]!, tri[i + 2]!];
    const A = dst[a]!, B = dst[b]!, C = dst[c]!;
    const den = (B[1] - C[1]) * (A[0] - C[0]) + (C[0] - B[0]) * (A[1] - C[1]);
    const l1 = ((B[1] - C[1]) * (px - C[0]) + (C[0] - B[0]) * (py - C[1])) / den;
    const l2 = ((C[1] - A[1]) * (px - C[0]) + (A[0] - C[0]) * (py - C[1])) / den;
    const l3 = 1 - l1 - l2;
    if (l1 >= 0 && l2 >= 0 && l3 >= 0) {
      const sp = [l1 * sM[a]![0] + l2 * sM[b]![0] + l3 * sM[c]![0], l1 * sM[a]![1] + l2 * sM[b]![1] + l3 * sM[c]![1]];
      const sb = sf.box;
      const ss = Math.round(Math.max(sb[2], sb[3]) * 1.8);
      const sl = Math.max(0, Math.round(sb[0] + sb[2] / 2 - ss / 2)), st = Math.max(0, Math.round(sb[1] + sb[3] / 2 - ss / 2));
      console.log(`tri ${a},${b},${c} tpl (${px.toFixed(0)},${py.toFixed(0)}) → src (${sp[0].toFixed(0)},${sp[1].toFixed(0)}) = src crop uv (${((sp[0] - sl) / ss).toFixed(3)},${((sp[1] - st) / ss).toFixed(3)})`);
    }
  }
}
await engine.close?.();
