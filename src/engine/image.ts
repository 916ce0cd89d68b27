// Decode/encode with sharp. Pixels travel as packed RGB bytes; a PNG's alpha plane is kept apart
// so the output can carry it back unchanged.
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ServiceError } from '../jobs/errors.ts';

type Sharp = ReturnType<typeof sharp>;
type Metadata = Awaited<ReturnType<Sharp['metadata']>>;

export interface RgbImage {
  width: number;
  height: number;
  /** Packed RGB, 3 bytes a pixel, row-major. */
  data: Uint8Array;
  /** Alpha plane (1 byte a pixel) when the input had one. */
  alpha?: Uint8Array;
  /** The output format: PNG for a PNG input, JPEG for JPEG, WebP and AVIF. */
  format: 'jpeg' | 'png';
  /**
   * The input's own ICC profile (pixels here are converted to sRGB): the result is converted back
   * to it and carries it, so a Display-P3 or Adobe-RGB template keeps its colours and its tag.
   */
  icc?: Uint8Array;
}

/** sharp's own default pixel cap; the service checks sizes first, this is the second guard. */
export const DEFAULT_MAX_PIXELS = 40_000_000;

/** Decodes started ahead of the swap, by the bytes they decode: decodeImage takes each over once. */
const early = new WeakMap<Uint8Array, { maxPixels: number; image: Promise<RgbImage> }>();

/**
 * Starts decoding in libvips' threads now, for a decodeImage of the same bytes (the same array) later:
 * a one-shot `wanxing swap` decodes its photos while the models load on the main thread.
 */
export function decodeEarly(bytes: Uint8Array, maxPixels = DEFAULT_MAX_PIXELS): void {
  const image = decode(bytes, maxPixels);
  image.catch(() => undefined); // reported by the decodeImage that takes it over
  early.set(bytes, { maxPixels, image });
}

export function decodeImage(bytes: Uint8Array, maxPixels = DEFAULT_MAX_PIXELS): Promise<RgbImage> {
  const started = early.get(bytes);
  if (started?.maxPixels !== maxPixels) return decode(bytes, maxPixels);
  early.delete(bytes);
  return started.image;
}

async function decode(bytes: Uint8Array, maxPixels: number): Promise<RgbImage> {
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: maxPixels }).metadata();
  } catch (err) {
    throw decodeFailure(err);
  }
  // WebP and AVIF (libvips: heif with AV1) decode like JPEG and come out as JPEG; HEIC (HEVC) does not.
  const avif = meta.format === 'heif' && meta.compression === 'av1';
  if (meta.format !== 'jpeg' && meta.format !== 'png' && meta.format !== 'webp' && !avif) {
    const found = meta.format === 'heif' ? 'HEIC' : (meta.format ?? 'unknown');
    throw new ServiceError('ImageFormatUnsupported', `format ${found}`);
  }
  if ((meta.pages ?? 1) > 1) throw new ServiceError('ImageFormatUnsupported', `animated ${meta.format} (${meta.pages} frames)`);
  const format = meta.format === 'png' ? 'png' : 'jpeg';
  if ((meta.width ?? 0) * (meta.height ?? 0) > maxPixels) {
    throw new ServiceError('ImageTooLarge', `${meta.width}x${meta.height}`);
  }
  try {
    // rotate() applies EXIF orientation, so faces are upright as a viewer shows them.
    const base = sharp(bytes, { limitInputPixels: maxPixels }).rotate().toColourspace('srgb');
    // A transparent WebP/AVIF becomes a JPEG: its see-through parts go white, not black.
    const opaque = meta.hasAlpha && format === 'jpeg' ? base.clone().flatten({ background: '#ffffff' }) : base.clone().removeAlpha();
    const { data, info } = await opaque.raw().toBuffer({ resolveWithObject: true });
    const img: RgbImage = { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length), format };
    if (meta.icc?.length) img.icc = new Uint8Array(meta.icc);
    // Alpha rides along only where the output (PNG) can carry it.
    if (meta.hasAlpha && format === 'png') {
      const a = await base.clone().extractChannel(3).raw().toBuffer();
      img.alpha = new Uint8Array(a.buffer, a.byteOffset, a.length);
    }
    return img;
  } catch (err) {
    throw decodeFailure(err);
  }
}

function decodeFailure(err: unknown): ServiceError {
  const msg = err instanceof Error ? err.message : String(err);
  if (/pixel limit/i.test(msg)) return new ServiceError('ImageTooLarge', msg);
  return new ServiceError('ImageFormatUnsupported', msg);
}

export interface EncodeOptions {
  jpegQuality?: number;
  /** An image (SVG) composited over the pixels in the same encode, at (left, top). */
  overlay?: { input: Buffer; left: number; top: number };
}

/** PNG when the template was PNG (lossless: untouched pixels stay identical), else JPEG. */
export async function encodeImage(img: RgbImage, opts: EncodeOptions = {}): Promise<Uint8Array> {
  const { width, height } = img;
  let s: Sharp;
  if (img.alpha) {
    const rgba = new Uint8Array(width * height * 4);
    for (let i = 0, j = 0; i < width * height; i++, j += 3) {
      rgba[i * 4] = img.data[j];
      rgba[i * 4 + 1] = img.data[j + 1];
      rgba[i * 4 + 2] = img.data[j + 2];
      rgba[i * 4 + 3] = img.alpha[i];
    }
    s = sharp(rgba, { raw: { width, height, channels: 4 } });
  } else {
    s = sharp(img.data, { raw: { width, height, channels: 3 } });
  }
  if (img.icc) s = s.withIccProfile(await iccFile(img.icc));
  if (opts.overlay) s = s.composite([opts.overlay]);
  const buf =
    img.format === 'png'
      ? await s.png({ compressionLevel: 6 }).toBuffer()
      : await s.jpeg({ quality: opts.jpegQuality ?? 92, chromaSubsampling: '4:4:4', mozjpeg: false }).toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

/** sharp takes an output profile by file name: each distinct profile is written once to the temp dir. */
const iccFiles = new Map<string, Promise<string>>();
function iccFile(icc: Uint8Array): Promise<string> {
  const key = createHash('sha256').update(icc).digest('hex').slice(0, 32);
  let file = iccFiles.get(key);
  if (!file) {
    const path = join(tmpdir(), `wanxing-icc-${key}.icc`);
    file = writeFile(path, icc).then(() => path);
    iccFiles.set(key, file);
  }
  return file;
}

/** Resamples an RGB image (used for test fixtures and the upscaler path). */
export async function resizeRgb(img: RgbImage, width: number, height: number): Promise<RgbImage> {
  const { data, info } = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(width, height, { kernel: 'lanczos3', fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length), format: img.format };
}
