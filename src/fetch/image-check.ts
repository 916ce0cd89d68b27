// Decides whether downloaded bytes are a whole JPEG or PNG of acceptable size, without decoding
// the pixels: magic bytes, then a walk over the file's segment/chunk structure (truncation), then
// sharp's header-only metadata (format, dimensions). Corruption inside the compressed pixel data
// itself is left to the engine's decode, which should run sharp with failOn set.
import sharp, { type Metadata } from 'sharp';
import { ServiceError } from '../jobs/errors.ts';

export type ImageFormat = 'jpeg' | 'png';

export interface ImageInfo {
  format: ImageFormat;
  /** As stored in the header, before any EXIF orientation is applied. */
  width: number;
  height: number;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function sniffFormat(b: Buffer): ImageFormat | null {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 8 && b.subarray(0, 8).equals(PNG_SIGNATURE)) return 'png';
  return null;
}

/**
 * True when the JPEG's marker structure runs from SOI through at least one scan to EOI. Segments
 * are skipped by their lengths, so an EXIF thumbnail's own EOI does not count, and bytes after
 * EOI (e.g. the video of a "motion photo") are allowed.
 */
export function isCompleteJpeg(b: Buffer): boolean {
  let i = 2;
  let sawScan = false;
  while (i < b.length) {
    if (b[i] !== 0xff) return false;
    while (i < b.length && b[i] === 0xff) i++; // fill bytes
    if (i >= b.length) return false;
    const marker = b[i++]!;
    if (marker === 0xd9) return sawScan;
    if (marker === 0xd8 || marker === 0x00) return false;
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) continue; // no length field
    if (i + 2 > b.length) return false;
    const len = b.readUInt16BE(i);
    if (len < 2) return false;
    i += len;
    if (marker !== 0xda) continue;
    sawScan = true;
    // Entropy-coded data: runs until an 0xFF that is neither stuffing (FF00) nor a restart marker.
    for (;;) {
      const ff = b.indexOf(0xff, i);
      if (ff < 0 || ff + 1 >= b.length) return false;
      const next = b[ff + 1]!;
      if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) {
        i = ff + 2;
        continue;
      }
      if (next === 0xff) {
        i = ff + 1; // fill byte before a marker
        continue;
      }
      i = ff;
      break;
    }
  }
  return false;
}

/** True when the PNG's chunks run from IHDR through IDAT to IEND, each chunk whole. */
export function isCompletePng(b: Buffer): boolean {
  let i = 8;
  let first = true;
  let sawData = false;
  while (i + 12 <= b.length) {
    const len = b.readUInt32BE(i);
    const type = b.toString('latin1', i + 4, i + 8);
    if (first && type !== 'IHDR') return false;
    first = false;
    if (len > 0x7fffffff) return false;
    const next = i + 12 + len;
    if (next > b.length) return false;
    if (type === 'IDAT') sawData = true;
    if (type === 'IEND') return sawData;
    i = next;
  }
  return false;
}

/** Checks bytes as described at the top; throws ImageFormatUnsupported or ImageTooLarge. */
export async function inspectImage(bytes: Buffer, maxPixels: number): Promise<ImageInfo> {
  const sniffed = sniffFormat(bytes);
  if (!sniffed) throw new ServiceError('ImageFormatUnsupported', 'not a JPEG or PNG file');
  const complete = sniffed === 'jpeg' ? isCompleteJpeg(bytes) : isCompletePng(bytes);
  if (!complete) throw new ServiceError('ImageFormatUnsupported', `truncated or malformed ${sniffed.toUpperCase()}`);
  let meta: Metadata;
  try {
    // Header only. sharp's own pixel limit would fire here too, with a message we cannot code;
    // it is turned off and the limit below applied instead.
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new ServiceError('ImageFormatUnsupported', `unreadable image header (${(err as Error).message})`);
  }
  if (meta.format !== sniffed) throw new ServiceError('ImageFormatUnsupported', `header says ${meta.format}`);
  const { width, height } = meta;
  if (!width || !height) throw new ServiceError('ImageFormatUnsupported', 'image has no dimensions');
  if (width * height > maxPixels) {
    throw new ServiceError('ImageTooLarge', `${width}x${height} exceeds ${maxPixels} pixels`);
  }
  return { format: sniffed, width, height };
}
