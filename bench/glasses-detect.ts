// The template's glasses detector alone: for each photo, whether glasses.ts keeps rims (a swap of
// a fixed source into it, keptGlasses), with optional glasses options (--set JSON) and eye crops.
// usage: node --import tsx bench/glasses-detect.ts [--set '{"chroma":1}'] [--crops dir] file...
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { createDefaultEngine } from '../src/engine/index.ts';
import { decodeImage } from '../src/engine/image.ts';

const args = process.argv.slice(2);
let set: Record<string, number> = {};
let crops: string | undefined;
let source = '/work/shared/faces/obama.jpg';
const files: string[] = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--set') set = JSON.parse(args[++i]);
  else if (args[i] === '--crops') crops = args[++i];
  else if (args[i] === '--source') source = args[++i];
  else files.push(args[i]);
}
const engine = createDefaultEngine({ warmup: false, swap: { mask: { glasses: set } } as never });
await engine.init();
const src = await fs.readFile(source);
if (crops) await fs.mkdir(crops, { recursive: true });
for (const f of files) {
  const target = await fs.readFile(f);
  const name = path.relative('/work/shared/faces', f);
  try {
    const d = await engine.swapDetailed({ source: src, target });
    console.log(`${d.swap.keptGlasses ? 'GLASSES' : '-'}\t${name}`);
    if (crops) {
      const img = await decodeImage(target);
      const [face] = await engine.faceAnalyser.detect(img, { embedding: false });
      const xs = face.mesh.map((p) => p[0]), ys = face.mesh.map((p) => p[1]);
      const fx0 = Math.min(...xs), fx1 = Math.max(...xs), fw = fx1 - fx0;
      const ey = (face.mesh[33][1] + face.mesh[263][1]) / 2;
      const left = Math.max(0, Math.round(fx0 - 0.1 * fw)), top = Math.max(0, Math.round(ey - 0.35 * fw));
      const width = Math.min(img.width - left, Math.round(1.2 * fw)), height = Math.min(img.height - top, Math.round(0.6 * fw));
      await sharp(target).extract({ left, top, width, height }).resize(360, 180, { fit: 'fill' }).png().toFile(path.join(crops, name.replace(/\//g, '__') + '.png'));
    }
  } catch (e) {
    console.log(`ERR\t${name}\t${(e as Error).message}`);
  }
}
await engine.close();
