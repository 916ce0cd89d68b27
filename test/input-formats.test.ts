// WebP and AVIF in (as CDNs serve them, even behind .jpg URLs); everything else refused with -320002,
// naming what was found. Photos from @vladmandic/human's assets, re-encoded by sharp.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { describeFormat, inspectImage, isCompleteAvif, isCompleteWebp, sniffFormat } from '../src/fetch/image-check.ts';
import { decodeImage } from '../src/engine/image.ts';
import { createDefaultEngine } from '../src/engine/index.ts';
import { ServiceError } from '../src/jobs/errors.ts';
import { faceA, faceB } from './engine-fixtures.ts';

const unsupported = (pattern: RegExp) => (e: unknown) => e instanceof ServiceError && e.errorName === 'ImageFormatUnsupported' && e.status === -320002 && pattern.test(e.message);

test('WebP and AVIF are sniffed, checked whole, and their headers read', async () => {
  const png = await faceB('png');
  const webp = await sharp(png).webp({ quality: 85 }).toBuffer();
  const avif = await sharp(png).avif({ quality: 60 }).toBuffer();
  assert.equal(sniffFormat(webp), 'webp');
  assert.equal(sniffFormat(avif), 'avif');
  assert.deepEqual(await inspectImage(webp, 1e9), { format: 'webp', width: 400, height: 400 });
  assert.deepEqual(await inspectImage(avif, 1e9), { format: 'avif', width: 400, height: 400 });
  assert.equal(isCompleteWebp(webp), true);
  assert.equal(isCompleteAvif(avif), true);
  // Cut files are refused before any decoder sees them.
  for (const n of [12, 100, webp.length - 1]) assert.equal(isCompleteWebp(webp.subarray(0, n)), false, `webp cut at ${n}`);
  for (const n of [20, 300, avif.length - 1]) assert.equal(isCompleteAvif(avif.subarray(0, n)), false, `avif cut at ${n}`);
  await assert.rejects(inspectImage(webp.subarray(0, webp.length - 10), 1e9), unsupported(/truncated or malformed WEBP/));
});

test('the pixel cap applies to WebP and AVIF like to JPEG', async () => {
  const big = { create: { width: 600, height: 500, channels: 3 as const, background: '#456' } };
  await assert.rejects(inspectImage(await sharp(big).webp().toBuffer(), 100_000), (e) => e instanceof ServiceError && e.errorName === 'ImageTooLarge');
  await assert.rejects(inspectImage(await sharp(big).avif().toBuffer(), 100_000), (e) => e instanceof ServiceError && e.errorName === 'ImageTooLarge');
  await assert.rejects(decodeImage(await sharp(big).webp().toBuffer(), 100_000), (e) => e instanceof ServiceError && e.errorName === 'ImageTooLarge');
});

test('GIF, HEIC, SVG, PDF, HTML and text are refused with -320002 naming the format', async () => {
  const gif = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#f00' } }).gif().toBuffer();
  // An HEIC header (ftyp heic): prebuilt libvips cannot write HEVC, and the sniffer needs the box only.
  const heic = Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic\0\0\0\0mif1heic'), Buffer.alloc(64)]);
  const cases: [Buffer, RegExp][] = [
    [gif, /^.*GIF, not a JPEG, PNG, WebP or AVIF image$/],
    [heic, /HEIC/],
    [Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'), /SVG/],
    [Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj'), /PDF/],
    [Buffer.from('<!DOCTYPE html><html><body>404 Not Found</body></html>'), /HTML page/],
    [Buffer.from('Access denied. Please log in.\n'), /text/],
  ];
  for (const [bytes, pattern] of cases) {
    await assert.rejects(inspectImage(bytes, 1e9), unsupported(pattern), pattern.source);
  }
  assert.equal(describeFormat(gif), 'GIF');
  // The engine's own decoder (the second guard) refuses them too.
  await assert.rejects(decodeImage(gif), unsupported(/gif/));
});

test('an animated WebP is refused: there is no one picture to swap into', async () => {
  const frame = (background: string) => sharp({ create: { width: 16, height: 16, channels: 3, background } }).png().toBuffer();
  const gif = await sharp([await frame('#0f0'), await frame('#f00')], { join: { animated: true } }).gif().toBuffer();
  const anim = await sharp(gif, { animated: true }).webp({ loop: 0 }).toBuffer();
  assert.equal((await sharp(anim).metadata()).pages, 2);
  await assert.rejects(inspectImage(anim, 1e9), unsupported(/animated WEBP/));
});

test('a WebP source and an AVIF template swap like JPEG; the result is JPEG', async () => {
  const engine = createDefaultEngine({ warmup: false });
  await engine.init();
  try {
    const source = await sharp(await faceA()).webp({ quality: 90 }).toBuffer();
    const target = await sharp(await faceB()).avif({ quality: 70 }).toBuffer();
    const r = await engine.swap({ source, target });
    assert.equal(r.format, 'jpeg');
    assert.equal((await sharp(r.image).metadata()).format, 'jpeg');
    assert.deepEqual([r.width, r.height], [400, 400]);
    // And the other way round; a PNG template still gives PNG.
    const r2 = await engine.swap({ source: await sharp(await faceA()).avif().toBuffer(), target: await faceB('png') });
    assert.equal(r2.format, 'png');
  } finally {
    await engine.close();
  }
});
