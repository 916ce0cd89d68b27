// Face crops of a few swaps under several option sets, for side-by-side viewing of one stage's
// effect (the near cheek of a turned template, docs/ENGINE.md Colour, "Stretched edge").
//   node --import tsx bench/edge-diag.ts --out dir --pair SRC=TMPL [--pair …] --variant name='{"colour":{…}}' [--variant …]
// Writes dir/<pair>__<variant>.png (the face box ×1.6, 512 px) and prints the raw pixels' sha1 and the template's yaw.
import { mkdir, readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import sharp from 'sharp';
import { createDefaultEngine } from '../src/engine/index.ts';
import { DEFAULT_SWAP, mergeSwapOptions } from '../src/engine/swap.ts';

const args = process.argv.slice(2);
let out = '/tmp/edge-diag';
let size = 512;
const pairs: [string, string][] = [];
const variants: [string, Record<string, unknown>][] = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  const v = args[++i]!;
  if (a === '--out') out = v;
  else if (a === '--size') size = Number(v);
  else if (a === '--pair') pairs.push(v.split('=') as [string, string]);
  else if (a === '--variant') {
    const k = v.indexOf('=');
    variants.push([v.slice(0, k), JSON.parse(v.slice(k + 1))]);
  } else throw new Error(`unknown ${a}`);
}
if (!variants.length) variants.push(['default', {}]);
await mkdir(out, { recursive: true });
const name = (f: string) => f.replace(/^.*faces\//, '').replace(/\//g, '_').replace(/\.\w+$/, '');
for (const [vn, patch] of variants) {
  const engine = createDefaultEngine({ swap: mergeSwapOptions(DEFAULT_SWAP, patch) });
  await engine.init();
  for (const [s, t] of pairs) {
    const d = await engine.swapDetailed({ source: await readFile(s), target: await readFile(t) });
    const sha = createHash('sha1').update(d.raw.data).digest('hex').slice(0, 12);
    const [x, y, w, h] = d.target.box;
    const side = Math.round(Math.max(w, h) * 1.3);
    const W = d.raw.width;
    const H = d.raw.height;
    const cl = (v: number, hi: number) => Math.max(0, Math.min(hi - Math.min(side, hi), v));
    const left = cl(Math.round(x + w / 2 - side / 2), W);
    const top = cl(Math.round(y + h / 2 - side / 2), H);
    const file = path.join(out, `${name(s)}__${name(t)}__${vn}.png`);
    const base = sharp(Buffer.from(d.raw.data.buffer, d.raw.data.byteOffset, d.raw.data.byteLength), { raw: { width: W, height: H, channels: 3 } });
    await base
      .extract({ left, top, width: Math.min(side, W), height: Math.min(side, H) })
      .resize(size)
      .png()
      .toFile(file);
    const a = d.target.angles;
    console.log(`${vn}\t${name(s)} → ${name(t)}\tsha1 ${sha}\tyaw ${a.yaw.toFixed(1)} src yaw ${d.source.angles.yaw.toFixed(1)}\t${file}`);
  }
  await engine.close();
}
