// npm run example [-- <out.jpg>]: the README's before/after picture, made only from photos that
// ship in npm packages (@vladmandic/face-api's demo photos): a user's photo, a template, the swap.
// Portrait crops are cut around one face of a group photo each, so both are ordinary portraits.
import { createRequire } from 'node:module';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { createDefaultEngine } from '../src/engine/index.ts';
import { decodeImage } from '../src/engine/image.ts';
import { readingOrder } from '../src/engine/faces.ts';

const require = createRequire(import.meta.url);
const DEMO = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');
const out = process.argv[2] ?? 'docs/images/swap-example.jpg';
const engine = createDefaultEngine({ warmup: false });
await engine.init();

/** A 3:4 portrait around the `index`-th face (reading order) of a demo photo, as JPEG bytes. */
async function portrait(file: string, index: number): Promise<{ bytes: Buffer; at: { x: number; y: number } }> {
  const bytes = await readFile(path.join(DEMO, file));
  const img = await decodeImage(bytes);
  const faces = readingOrder(await engine.faceAnalyser.detect(img, { embedding: false }));
  const [x, y, w, h] = faces[index].box;
  const side = Math.max(w, h);
  const cw = Math.round(side * 2.2), ch = Math.round(side * 2.9);
  const left = Math.max(0, Math.min(img.width - cw, Math.round(x + w / 2 - cw / 2)));
  const top = Math.max(0, Math.min(img.height - ch, Math.round(y + h / 2 - ch * 0.42)));
  const crop = await sharp(bytes).extract({ left, top, width: Math.min(cw, img.width), height: Math.min(ch, img.height) }).jpeg({ quality: 95 }).toBuffer();
  // A neighbour's face may reach into the crop: the face is chosen by a point, as a caller would.
  return { bytes: crop, at: { x: Math.round(x + w / 2 - left), y: Math.round(y + h / 2 - top) } };
}

const source = await portrait('sample2.jpg', 2);
const target = await portrait('sample4.jpg', 3);
const { image } = await engine.swap({ source: source.bytes, target: target.bytes, sourceFace: source.at, targetFace: target.at });
const H = 480;
const tiles = await Promise.all([source.bytes, target.bytes, Buffer.from(image)].map((b) => sharp(b).resize({ height: H }).toBuffer({ resolveWithObject: true })));
let left = 0;
const composite = tiles.map((t) => {
  const c = { input: t.data, left, top: 0 };
  left += t.info.width + 8;
  return c;
});
await mkdir(path.dirname(out), { recursive: true });
await sharp({ create: { width: left - 8, height: H, channels: 3, background: '#ffffff' } }).composite(composite).jpeg({ quality: 88 }).toFile(out);
console.log(`wrote ${out}: user photo | template | result`);
await engine.close();
