// Images for looking at results: side-by-side strips, face crops (one rule for every image, so a
// crop says nothing about where it came from) and contact sheets of many crops.
import sharp, { type OverlayOptions } from 'sharp';

/** Images scaled to one height and placed left to right (source | template | result). */
export async function sideBySide(file: string, ...images: Uint8Array[]): Promise<void> {
  const h = 360;
  const tiles = await Promise.all(images.map((b) => sharp(b).rotate().removeAlpha().resize({ height: h }).png().toBuffer({ resolveWithObject: true })));
  const width = tiles.reduce((a, t) => a + t.info.width, 0);
  let left = 0;
  const comp = tiles.map((t) => {
    const c = { input: t.data, left, top: 0 };
    left += t.info.width;
    return c;
  });
  await sharp({ create: { width, height: h, channels: 3, background: '#000' } }).composite(comp).png().toFile(file);
}

/**
 * The square of `scale` × the face box's larger side, centred on the box, resized to `size` px.
 * A square larger than the image shrinks to the image's shorter side, and one that passes an edge
 * slides back inside, so no crop has filled-in borders that would set it apart from the others.
 */
export async function faceCrop(bytes: Uint8Array, box: [number, number, number, number], size = 384, scale = 1.8): Promise<Buffer> {
  const img = sharp(bytes).rotate().removeAlpha();
  const meta = await img.metadata();
  // The box is in upright (EXIF-rotated) pixels, as the engine decodes.
  const turned = (meta.orientation ?? 1) >= 5;
  const W = (turned ? meta.height : meta.width) ?? 0;
  const H = (turned ? meta.width : meta.height) ?? 0;
  const side = Math.min(W, H, Math.round(Math.max(box[2], box[3]) * scale));
  const clamp = (v: number, hi: number) => Math.max(0, Math.min(hi - side, v));
  const left = clamp(Math.round(box[0] + box[2] / 2 - side / 2), W);
  const top = clamp(Math.round(box[1] + box[3] / 2 - side / 2), H);
  return img.extract({ left, top, width: side, height: side }).resize(size, size, { kernel: 'lanczos3' }).png().toBuffer();
}

const esc = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Tiles in a grid, `cols` wide, each with a one-line caption under it. */
export async function contactSheet(file: string, tiles: { image: Buffer; caption: string }[], cols = 8, size = 192): Promise<void> {
  const capH = 16;
  const rows = Math.max(1, Math.ceil(tiles.length / cols));
  const width = cols * size;
  const height = rows * (size + capH);
  const comp: OverlayOptions[] = [];
  for (const [i, t] of tiles.entries()) {
    const left = (i % cols) * size;
    const top = Math.floor(i / cols) * (size + capH);
    comp.push({ input: await sharp(t.image).resize(size, size).png().toBuffer(), left, top });
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${capH}"><text x="3" y="12" font-family="sans-serif" font-size="10" fill="#fff">${esc(t.caption.slice(0, 40))}</text></svg>`;
    comp.push({ input: Buffer.from(svg), left, top: top + size });
  }
  await sharp({ create: { width, height, channels: 3, background: '#222' } }).composite(comp).png().toFile(file);
}
