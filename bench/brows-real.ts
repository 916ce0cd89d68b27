// node --import tsx bench/brows-real.ts PHOTO...
// What real brows measure relative to the skin around them (bench/lib/brow-stats.ts): per photo
// with a face at least 180 px wide, the hair's chroma over the skin's (C/Cs) against its lightness
// over the skin's (L/Ls); the median of (C/Cs)/(L/Ls) at the end (ColourOptions.browChroma's model).
import { readFile } from 'node:fs/promises';
import { createDefaultEngine } from '../src/engine/index.ts';
import { decodeImage } from '../src/engine/image.ts';
import { faceWidth } from '../src/engine/regions.ts';
import { browNumbers } from './lib/brow-stats.ts';

const engine = createDefaultEngine({ warmup: false });
await engine.init();
const q: number[] = [];
for (const f of process.argv.slice(2)) {
  const bytes = await readFile(f);
  const faces = await engine.listFaces(bytes);
  const face = faces.faces[0];
  if (!face || faceWidth(face.mesh) < 180) continue;
  const img = await decodeImage(bytes);
  for (const b of browNumbers(img, face.mesh)) {
    if (b.dL < 8 || b.skinC < 8) continue;
    q.push(b.cRatio / b.lRatio);
    console.log(`${f.split('/').slice(-2).join('/').padEnd(28)} fw ${faceWidth(face.mesh).toFixed(0)} ΔL ${b.dL.toFixed(1)} L/Ls ${b.lRatio.toFixed(2)} C/Cs ${b.cRatio.toFixed(2)} q ${(b.cRatio / b.lRatio).toFixed(2)} fine ${b.fine.toFixed(2)}`);
  }
}
q.sort((a, b) => a - b);
console.log(`n ${q.length} q quartiles ${[0.25, 0.5, 0.75].map((p) => q[Math.floor(p * (q.length - 1))]?.toFixed(2)).join(' ')}`);
await engine.close?.();
