// node --import tsx bench/squint-diag.ts [--pairs eval.json] DIR...
//
// ColourOptions.squint's measure: each tune-split photo's eye opening (lid gap / eye width, both
// eyes' mean, eyes.ts facialOpenness), sorted; with --pairs (an eval --json), per pair the source's
// over the template's opening, the vertical stretch of the warp inside the openings (the
// destination mesh's opening over the source's).
import { readFile } from 'node:fs/promises';
import { createDefaultEngine } from '../src/engine/index.ts';
import { DEFAULT_SWAP, destinationMesh } from '../src/engine/swap.ts';
import { facialOpenness } from '../src/engine/eyes.ts';
import { inSplit, loadPhotos } from './lib/dataset.ts';

const argv = process.argv.slice(2);
let pairsFile: string | undefined;
const dirs: string[] = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--pairs') pairsFile = argv[++i];
  else dirs.push(argv[i]!);
}
const photos = inSplit(await loadPhotos(dirs, { alias: { '32bit': 'obama' }, padBelow: 200 }), 'tune');
const engine = createDefaultEngine({ warmup: false });
await engine.init();
const mesh = new Map<string, ArrayLike<number>[]>();
for (const p of photos) {
  try {
    const f = (await engine.listFaces(p.bytes)).faces;
    const face = f.reduce((a, b) => (b.box[2] * b.box[3] > a.box[2] * a.box[3] ? b : a));
    mesh.set(p.file, face.mesh.slice(0, 478));
  } catch {
    /* no face */
  }
}
// Lid gap over the iris's diameter (Human's iris points: 468 centre + 4 for one eye, 473 the other).
function irisOpen(m: ArrayLike<number>[]): number {
  const d = (a: number, b: number) => Math.hypot(m[a]![0]! - m[b]![0]!, m[a]![1]! - m[b]![1]!);
  let s = 0;
  for (const [u, l, c] of [[159, 145, 473], [386, 374, 468]] as const) {
    let r = 0;
    for (let q = 1; q <= 4; q++) r += d(c, c + q) / 4;
    s += d(u, l) / (2 * r) / 2;
  }
  return s;
}
const open = [...mesh].map(([f, m]) => [f, facialOpenness(m)] as const).sort((a, b) => a[1] - b[1]);
console.log('openness (lowest 15):', open.slice(0, 15).map(([f, o]) => `${f} ${o.toFixed(3)} iris ${irisOpen(mesh.get(f)!).toFixed(2)}`).join(', '));
const all = open.map((o) => o[1]);
console.log(`openness quartiles: ${[0.1, 0.25, 0.5, 0.75, 0.9].map((q) => all[Math.floor(q * (all.length - 1))]!.toFixed(3)).join(' / ')} (${all.length} photos)`);
if (pairsFile) {
  const j = JSON.parse(await readFile(pairsFile, 'utf8')) as { pairs: { source: string; template: string }[] };
  const rows = j.pairs.map((r) => {
    const s = mesh.get(r.source), t = mesh.get(r.template);
    if (!s || !t) return undefined;
    const d = destinationMesh(s, t, DEFAULT_SWAP.identityShape, DEFAULT_SWAP.geometry);
    const so = facialOpenness(s), to = facialOpenness(t), dO = facialOpenness(d);
    return { io: irisOpen(s) / irisOpen(t), pair: `${r.source} → ${r.template}`, so, to, r: so / to, stretch: dO / so, w: so / to };
  }).filter((r) => r !== undefined).sort((a, b) => a.r - b.r);
  for (const r of rows.slice(0, 15)) console.log(`${r.pair}: source ${r.so.toFixed(3)} template ${r.to.toFixed(3)} ratio ${r.r.toFixed(2)} stretch ${r.stretch.toFixed(2)} (mesh ratio ${r.w.toFixed(2)}; the knob's weight also needs eyeShare, measured in the swap) irisRatio ${r.io.toFixed(2)}`);
}
await engine.close?.();
