// node --import tsx bench/pair.ts --out sheet.png --pair SRC::TPL::name ... [--variant name:a.b=v,c.d=w]... [--size 384]
//
// Face crops of a few pairs side by side for the eye: per pair one row, the template's face, the
// source's, then each engine variant's result (a variant with no settings is the defaults), all
// cropped by the panel's rule (bench/lib/sheets.ts faceCrop) around the template's face. Tight
// crops (≤ 200 px) are padded as the eval pads them.
import { readFile } from 'node:fs/promises';
import { createDefaultEngine } from '../src/engine/index.ts';
import { padTightCrop } from './lib/dataset.ts';
import { parseDiagArgs, swapWithKnobs } from './lib/knobs.ts';
import { contactSheet, faceCrop } from './lib/sheets.ts';

let size = 384;
const { out, pairs, variants } = parseDiagArgs(process.argv.slice(2), 'pair.png', { '--size': (v) => (size = Number(v)) });
if (!pairs.length) throw new Error('usage: bench/pair.ts --out sheet.png --pair SRC::TPL::name ... [--variant name:knobs]...');
const engine = createDefaultEngine({ warmup: false });
await engine.init();
const tiles: { image: Buffer; caption: string }[] = [];
for (const [s, t, name] of pairs) {
  const [src, tpl] = await Promise.all([s!, t!].map(async (f) => (await padTightCrop(await readFile(f), 200)).bytes));
  const sFaces = await engine.listFaces(src!);
  const tFaces = await engine.listFaces(tpl!);
  tiles.push({ image: await faceCrop(tpl!, tFaces.faces[0]!.box, size), caption: `${name ?? ''} template` });
  tiles.push({ image: await faceCrop(src!, sFaces.faces[0]!.box, size), caption: 'source' });
  for (const [vname, knobs] of variants) {
    const d = await swapWithKnobs(engine, knobs, src!, tpl!);
    tiles.push({ image: await faceCrop(d.result.image, tFaces.faces[0]!.box, size), caption: vname });
  }
}
await contactSheet(out, tiles, 2 + variants.length, size);
console.log(`wrote ${out}`);
await engine.close?.();
