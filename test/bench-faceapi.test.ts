// The evaluation's second recogniser (bench/lib/faceapi.ts): face-api's 128-d descriptor in its
// worker thread, on faces from @vladmandic/human's sample pictures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FaceApiRecogniser } from '../bench/lib/faceapi.ts';
import { decodeImage } from '../src/engine/image.ts';
import { faceA, faceD, noFace } from './engine-fixtures.ts';

const dist = (a: number[], b: number[]) => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0));

test('face-api tells one person from another and finds no face where there is none', async () => {
  const fa = new FaceApiRecogniser();
  try {
    const describe = async (bytes: Buffer) => {
      const img = await decodeImage(bytes);
      return fa.describe(img, [0, 0, img.width, img.height], 1);
    };
    const [a, aJpeg, d, none] = await Promise.all([describe(await faceA()), describe(await faceA('jpeg')), describe(await faceD()), describe(await noFace())]);
    assert.equal(a?.length, 128);
    assert.ok(dist(a!, aJpeg!) < 0.2, `same photo, PNG vs JPEG: ${dist(a!, aJpeg!)}`);
    // face-api's own threshold for "same person" is 0.6.
    assert.ok(dist(a!, d!) > 0.6, `two people: ${dist(a!, d!)}`);
    assert.equal(none, undefined);
  } finally {
    await fa.close();
  }
});
