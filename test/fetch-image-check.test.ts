// The byte-level checks behind downloadImage: magic bytes, truncation, header-only metadata.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import sharp from 'sharp';
import { inspectImage, isCompleteJpeg, isCompletePng, sniffFormat } from '../src/fetch/image-check.ts';
import { ServiceError } from '../src/jobs/errors.ts';
import { bombPng, sampleJpeg, samplePng } from './fetch-helpers.ts';

async function noisy(width: number, height: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 7919) % 251;
  return sharp(raw, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

test('magic bytes', async () => {
  assert.equal(sniffFormat(await sampleJpeg()), 'jpeg');
  assert.equal(sniffFormat(await samplePng()), 'png');
  assert.equal(sniffFormat(Buffer.from('GIF89a')), null);
  assert.equal(sniffFormat(Buffer.from([0xff, 0xd8])), null);
  assert.equal(sniffFormat(Buffer.alloc(0)), null);
});

test('property: every proper prefix of a baseline, progressive or EXIF JPEG is incomplete', async () => {
  const img = await noisy(96, 64);
  const files = [
    await sharp(img).jpeg({ quality: 80 }).toBuffer(),
    await sharp(img).jpeg({ progressive: true }).toBuffer(),
    await sharp(img).jpeg().withMetadata({ orientation: 6 }).toBuffer(),
  ];
  for (const f of files) {
    assert.equal(isCompleteJpeg(f), true);
    fc.assert(fc.property(fc.integer({ min: 0, max: f.length - 1 }), (n) => !isCompleteJpeg(f.subarray(0, n))));
  }
});

test('property: every proper prefix of a PNG is incomplete', async () => {
  const f = await sharp(await noisy(80, 50)).png().toBuffer();
  assert.equal(isCompletePng(f), true);
  fc.assert(fc.property(fc.integer({ min: 0, max: f.length - 1 }), (n) => !isCompletePng(f.subarray(0, n))));
});

test("an embedded thumbnail's EOI does not make a cut JPEG look complete", async () => {
  const main = await sharp(await noisy(120, 80)).jpeg().toBuffer();
  const thumb = await sampleJpeg(16, 16);
  // APP1 segment carrying a whole JPEG (as EXIF thumbnails do), right after SOI.
  const app1 = Buffer.alloc(4);
  app1.writeUInt16BE(0xffe1, 0);
  app1.writeUInt16BE(thumb.length + 2, 2);
  const withThumb = Buffer.concat([main.subarray(0, 2), app1, thumb, main.subarray(2)]);
  assert.equal(isCompleteJpeg(withThumb), true);
  const cut = withThumb.subarray(0, 2 + 4 + thumb.length + 200);
  assert.equal(isCompleteJpeg(cut), false);
  await assert.rejects(inspectImage(cut, 1e9), (e) => e instanceof ServiceError && e.errorName === 'ImageFormatUnsupported');
});

test('bytes after EOI (a motion photo trailer) are accepted', async () => {
  const jpeg = await sampleJpeg(32, 32);
  const withTrailer = Buffer.concat([jpeg, Buffer.from('....ftypmp42 video data')]);
  const info = await inspectImage(withTrailer, 1e9);
  assert.deepEqual(info, { format: 'jpeg', width: 32, height: 32 });
});

test('inspectImage reads the bomb header only', async () => {
  await assert.rejects(inspectImage(bombPng(20000), 50_000_000), (e) => e instanceof ServiceError && e.errorName === 'ImageTooLarge');
  assert.deepEqual(await inspectImage(bombPng(100), 50_000_000), { format: 'png', width: 100, height: 100 });
});

test('a structurally whole file that sharp cannot read is ImageFormatUnsupported', async () => {
  // SOI, a bogus SOS with no frame header, EOI: complete by structure, nonsense as an image.
  const junk = Buffer.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x02, 0x12, 0x34, 0xff, 0xd9]);
  assert.equal(isCompleteJpeg(junk), true);
  await assert.rejects(inspectImage(junk, 1e9), (e) => e instanceof ServiceError && e.errorName === 'ImageFormatUnsupported');
});
