// The explicit (visible) label of GB 45438-2025: text such as 「AI生成」 in a corner, its glyphs at
// least 5 % of the image's shorter side tall, white on a translucent dark plate (legible on light
// and dark), kept clear of every face. The glyphs are outlines shipped in glyphs.json (Noto Sans
// SC Bold, SIL OFL 1.1, see glyphs-OFL.txt), drawn as SVG paths by sharp: no system font needed.
import sharp from 'sharp';
import { glyphSet } from './glyphs.ts';
import { CORNERS, type Corner } from './settings.ts';

export interface VisibleLabelOptions {
  text: string;
  /** The preferred corner; another is taken when a face is in the way. */
  corner: Corner;
  jpegQuality: number;
}

export type Box = [number, number, number, number];

// Ink height of the CJK glyphs is about 0.88 em in Noto Sans SC; 6 % em keeps them over 5 %.
const EM_PER_SHORT_SIDE = 0.06;

export interface LabelPlacement {
  /** Plate rectangle [x, y, w, h]. */
  plate: Box;
  corner: Corner | 'bottom-center' | 'top-center';
  fontPx: number;
  /** Share of the plate that covers a face box (0 unless the faces leave no free corner). */
  faceOverlap: number;
}

/** Where the plate goes: the preferred corner, else the next free corner, else an edge's middle. */
export function placeLabel(width: number, height: number, text: string, faces: Box[], preferred: Corner): LabelPlacement {
  const short = Math.min(width, height);
  const fontPx = Math.max(10, Math.ceil(EM_PER_SHORT_SIDE * short));
  const textW = Math.ceil(([...text].reduce((a, c) => a + (glyphSet.glyphs[c]?.advance ?? 0), 0) / glyphSet.unitsPerEm) * fontPx);
  const pad = Math.round(fontPx * 0.3);
  const w = Math.min(width, textW + 2 * pad);
  const h = Math.min(height, Math.round(fontPx * 1.25) + pad);
  const margin = Math.round(short * 0.02);
  const spots: Record<LabelPlacement['corner'], [number, number]> = {
    'bottom-right': [width - margin - w, height - margin - h],
    'bottom-left': [margin, height - margin - h],
    'top-right': [width - margin - w, margin],
    'top-left': [margin, margin],
    'bottom-center': [Math.round((width - w) / 2), height - margin - h],
    'top-center': [Math.round((width - w) / 2), margin],
  };
  const order: LabelPlacement['corner'][] = [preferred, ...CORNERS.filter((c) => c !== preferred), 'bottom-center', 'top-center'];
  // A little room around each face (hair, chin) counts as the face.
  const grown = faces.map(([x, y, fw, fh]): Box => [x - 0.1 * fw, y - 0.1 * fh, 1.2 * fw, 1.2 * fh]);
  let best: LabelPlacement | undefined;
  for (const corner of order) {
    const [x, y] = spots[corner];
    const plate: Box = [Math.max(0, x), Math.max(0, y), w, h];
    const covered = grown.reduce((a, f) => a + intersection(plate, f), 0) / (w * h);
    if (covered === 0) return { plate, corner, fontPx, faceOverlap: 0 };
    if (!best || covered < best.faceOverlap) best = { plate, corner, fontPx, faceOverlap: covered };
  }
  return best!;
}

function intersection(a: Box, b: Box): number {
  const w = Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]);
  return w > 0 && h > 0 ? w * h : 0;
}

/** The plate with its text, as an SVG the size of the plate. */
export function labelSvg(text: string, p: LabelPlacement): string {
  const [, , w, h] = p.plate;
  const k = p.fontPx / glyphSet.unitsPerEm;
  const textW = [...text].reduce((a, c) => a + (glyphSet.glyphs[c]?.advance ?? 0), 0) * k;
  // CJK ideographs span about +0.88 em to -0.12 em around the baseline: centre that span.
  const baseline = h / 2 + 0.38 * p.fontPx;
  let x = (w - textW) / 2;
  const paths: string[] = [];
  for (const c of text) {
    const g = glyphSet.glyphs[c];
    if (!g) continue;
    if (g.d) paths.push(`<path transform="translate(${x.toFixed(2)} ${baseline.toFixed(2)}) scale(${k.toFixed(5)})" d="${g.d}"/>`);
    x += g.advance * k;
  }
  const r = Math.round(p.fontPx * 0.2);
  const stroke = Math.max(1, p.fontPx * 0.06) / k;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">` +
    `<rect width="${w}" height="${h}" rx="${r}" ry="${r}" fill="#000" fill-opacity="0.5"/>` +
    // A dark outline under the white fill keeps the strokes apart where the plate shows through.
    `<g fill="#fff" stroke="#000" stroke-opacity="0.6" stroke-width="${stroke.toFixed(1)}" paint-order="stroke" stroke-linejoin="round">${paths.join('')}</g>` +
    `</svg>`
  );
}

export interface VisibleLabelResult {
  image: Buffer;
  placement: LabelPlacement;
}

/** The label for an image of this size as a sharp composite layer (an SVG at its place), and where it goes. */
export function labelLayer(width: number, height: number, faces: Box[], opts: Pick<VisibleLabelOptions, 'text' | 'corner'>): { layer: { input: Buffer; left: number; top: number }; placement: LabelPlacement } {
  const placement = placeLabel(width, height, opts.text, faces, opts.corner);
  const input = Buffer.from(labelSvg(opts.text, placement));
  return { layer: { input, left: Math.round(placement.plate[0]), top: Math.round(placement.plate[1]) }, placement };
}

/**
 * Draws the label onto an encoded JPEG/PNG and encodes it again in the same format: for engines that
 * do not draw it in their own encode (SwapRequest.visibleLabel).
 */
export async function drawVisibleLabel(
  file: Uint8Array,
  format: 'jpeg' | 'png',
  faces: Box[],
  opts: VisibleLabelOptions,
): Promise<VisibleLabelResult> {
  const meta = await sharp(file).metadata();
  const { layer, placement } = labelLayer(meta.width!, meta.height!, faces, opts);
  const s = sharp(file).keepIccProfile().composite([layer]);
  const image =
    format === 'png'
      ? await s.png({ compressionLevel: 6 }).toBuffer()
      : await s.jpeg({ quality: opts.jpegQuality, chromaSubsampling: '4:4:4', mozjpeg: false }).toBuffer();
  return { image, placement };
}
