// Face photos for the benches, as ~1 MP JPEGs: from a directory given on the command line (e.g.
// /work/shared/faces), or by default cropped from the sample pictures shipped with @vladmandic/human.
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';

const require = createRequire(import.meta.url);
export const HUMAN_ASSETS = path.join(path.dirname(require.resolve('@vladmandic/human')), '..', 'assets');

type Crop = { file: string; left: number; top: number; width: number; height: number };
// Single, clear faces: two thumbnails of samples.jpg and the two crops bench/engine.ts uses.
const DEFAULT_CROPS: Crop[] = [
  { file: 'samples.jpg', left: 170, top: 0, width: 150, height: 150 },
  { file: 'samples.jpg', left: 340, top: 0, width: 190, height: 190 },
  { file: 'screenshot-faceid.jpg', left: 0, top: 60, width: 300, height: 300 },
  { file: 'screenshot-facematch.jpg', left: 0, top: 0, width: 240, height: 240 },
];

/** Resizes to about `pixels` pixels, keeping the aspect ratio; JPEG q92. */
export async function toMegapixel(input: Buffer | string, pixels = 1_000_000): Promise<Buffer> {
  const img = sharp(input).rotate();
  const m = await img.metadata();
  const scale = Math.sqrt(pixels / (m.width! * m.height!));
  return img.resize(Math.round(m.width! * scale), Math.round(m.height! * scale), { kernel: 'lanczos3' }).jpeg({ quality: 92 }).toBuffer();
}

export async function loadFaces(dir?: string, pixels = 1_000_000): Promise<Buffer[]> {
  if (dir) {
    const files = (await readdir(dir)).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort();
    if (files.length < 2) throw new Error(`${dir}: need at least two jpg/png photos`);
    return Promise.all(files.map(async (f) => toMegapixel(await readFile(path.join(dir, f)), pixels)));
  }
  return Promise.all(
    DEFAULT_CROPS.map(async (c) => {
      const crop = await sharp(path.join(HUMAN_ASSETS, c.file)).extract(c).toBuffer();
      return toMegapixel(crop, pixels);
    }),
  );
}

/** Image map for startFixtures: face0.jpg, face1.jpg, … */
export function asImages(faces: Buffer[]): Record<string, Buffer> {
  return Object.fromEntries(faces.map((b, i) => [`face${i}.jpg`, b]));
}
