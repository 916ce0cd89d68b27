// Decides whether downloaded bytes are a whole JPEG, PNG, WebP or AVIF of acceptable size, without decoding
// the pixels: magic bytes, then a walk over the file's segment/chunk structure (truncation), then
// sharp's header-only metadata (format, dimensions). Corruption inside the compressed pixel data
// itself is left to the engine's decode, which should run sharp with failOn set.
import sharp, { type Metadata } from 'sharp';
import { ServiceError } from '../jobs/errors.ts';

/** Accepted inputs: JPEG and PNG, and the WebP/AVIF that CDNs serve (even behind .jpg URLs). */
export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'avif';

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
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  const brands = isoBrands(b);
  if (brands.includes('avif') || brands.includes('avis')) return 'avif';
  return null;
}

/** Major and compatible brands of an ISO-BMFF file's leading ftyp box (HEIF, AVIF, MP4), or []. */
function isoBrands(b: Buffer): string[] {
  if (b.length < 16 || b.toString('latin1', 4, 8) !== 'ftyp') return [];
  const size = Math.min(b.readUInt32BE(0), b.length);
  const brands = [b.toString('latin1', 8, 12)];
  for (let i = 16; i + 4 <= size; i += 4) brands.push(b.toString('latin1', i, i + 4));
  return brands;
}

/** Names what a refused file is, for the -320002 message: callers need to know what their URL served. */
export function describeFormat(b: Buffer): string {
  const head = b.toString('latin1', 0, Math.min(b.length, 512));
  if (b.length === 0) return 'an empty file';
  if (head.startsWith('GIF87a') || head.startsWith('GIF89a')) return 'GIF';
  if (head.startsWith('%PDF')) return 'PDF';
  if (head.startsWith('BM')) return 'BMP';
  if (head.startsWith('II*\0') || head.startsWith('MM\0*')) return 'TIFF';
  if (head.startsWith('\0\0\x01\0')) return 'ICO';
  if (head.startsWith('\xff\x0a') || head.startsWith('\0\0\0\x0cJXL ')) return 'JPEG XL';
  const brands = isoBrands(b);
  if (brands.some((x) => ['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx'].includes(x))) return 'HEIC';
  if (brands.includes('mif1') || brands.includes('msf1')) return 'HEIF';
  if (brands.length) return `ISO media (${brands[0].trim()})`;
  const text = head.replace(/^\ufeff|^\xef\xbb\xbf/, '').trimStart().toLowerCase();
  if (/^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!doctype svg|<svg)/.test(text) || (text.startsWith('<?xml') && text.includes('<svg'))) return 'SVG';
  if (text.startsWith('<!doctype html') || text.startsWith('<html')) return 'an HTML page';
  if (text.startsWith('{') || text.startsWith('[')) return 'JSON text';
  // Mostly printable bytes: a text file (an error page, a redirect notice, …).
  let printable = 0;
  const n = Math.min(b.length, 512);
  for (let i = 0; i < n; i++) if (b[i]! >= 0x20 || b[i] === 0x09 || b[i] === 0x0a || b[i] === 0x0d) printable++;
  if (printable / n > 0.95) return 'text';
  return `an unknown format (starts ${b.subarray(0, 8).toString('hex')})`;
}

/** True when the RIFF container holds all its chunks, one of them a still image's bitstream. */
export function isCompleteWebp(b: Buffer): boolean {
  if (b.length < 12) return false;
  const end = 8 + b.readUInt32LE(4);
  if (end > b.length || end < 12) return false;
  let i = 12;
  let sawImage = false;
  while (i + 8 <= end) {
    const type = b.toString('latin1', i, i + 4);
    const len = b.readUInt32LE(i + 4);
    const next = i + 8 + len + (len & 1);
    if (i + 8 + len > end) return false;
    if (type === 'VP8 ' || type === 'VP8L') sawImage = true;
    if (type === 'ANMF') sawImage = true;
    i = next;
  }
  return sawImage && i >= end;
}

/** True when the top-level ISO-BMFF boxes are whole and include ftyp, meta and mdat (AVIF still image). */
export function isCompleteAvif(b: Buffer): boolean {
  let i = 0;
  const seen = new Set<string>();
  while (i < b.length) {
    if (i + 8 > b.length) return false;
    let size = b.readUInt32BE(i);
    const type = b.toString('latin1', i + 4, i + 8);
    if (size === 1) {
      if (i + 16 > b.length) return false;
      const big = b.readBigUInt64BE(i + 8);
      if (big > BigInt(b.length)) return false;
      size = Number(big);
    } else if (size === 0) size = b.length - i; // runs to the end of the file
    if (size < 8 || i + size > b.length) return false;
    seen.add(type);
    i += size;
  }
  return seen.has('ftyp') && seen.has('meta') && seen.has('mdat');
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
  if (!sniffed) throw new ServiceError('ImageFormatUnsupported', `${describeFormat(bytes)}, not a JPEG, PNG, WebP or AVIF image`);
  const complete = { jpeg: isCompleteJpeg, png: isCompletePng, webp: isCompleteWebp, avif: isCompleteAvif }[sniffed](bytes);
  if (!complete) throw new ServiceError('ImageFormatUnsupported', `truncated or malformed ${sniffed.toUpperCase()}`);
  let meta: Metadata;
  try {
    // Header only. sharp's own pixel limit would fire here too, with a message we cannot code;
    // it is turned off and the limit below applied instead.
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new ServiceError('ImageFormatUnsupported', `unreadable image header (${(err as Error).message})`);
  }
  // libvips reports AVIF as 'heif'; its compression tells AV1 (decodable) from HEVC (HEIC, not).
  const found = meta.format === 'heif' ? (meta.compression === 'av1' ? 'avif' : 'HEIC') : meta.format;
  if (found !== sniffed) throw new ServiceError('ImageFormatUnsupported', `header says ${found}`);
  // An animation has no one picture to swap into.
  if ((meta.pages ?? 1) > 1) throw new ServiceError('ImageFormatUnsupported', `animated ${sniffed.toUpperCase()} (${meta.pages} frames)`);
  const { width, height } = meta;
  if (!width || !height) throw new ServiceError('ImageFormatUnsupported', 'image has no dimensions');
  if (width * height > maxPixels) {
    throw new ServiceError('ImageTooLarge', `${width}x${height} exceeds ${maxPixels} pixels`);
  }
  return { format: sniffed, width, height };
}
