// The evaluation's bookkeeping (bench/lib/dataset.ts): identities, the tune/report split, pair
// sampling and the padding of tight face crops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { identityOf, padTightCrop, samplePairs, splitOf } from '../bench/lib/dataset.ts';

test('flat-file identities drop numbering and size words', () => {
  assert.equal(identityOf('obama_small.jpg'), 'obama');
  assert.equal(identityOf('alex-lacamoire.png'), 'alex_lacamoire');
  assert.equal(identityOf('kit_harington_john2.jpeg'), 'kit_harington');
  assert.equal(identityOf('32bit.png', { '32bit': 'obama' }), 'obama');
});

test('the split depends on the name alone and puts about a third in tune', () => {
  const names = Array.from({ length: 300 }, (_, i) => `person_${i}`);
  const tune = names.filter((n) => splitOf(n) === 'tune').length;
  assert.ok(tune > 70 && tune < 130, `${tune} of 300 in tune`);
  for (const n of names.slice(0, 20)) assert.equal(splitOf(n), splitOf(String(n)));
  // Pinned values: a change to the hash would silently move identities between the splits.
  assert.deepEqual(['bbt_amy', 'yang_mi', 'obama', 'roger_federer'].map(splitOf), ['tune', 'report', 'report', 'tune']);
});

test('pair sampling is deterministic, capped and spreads over templates first', () => {
  const photos = Array.from({ length: 12 }, (_, i) => ({ file: `p${i}` }));
  const cands = photos.flatMap((s) => photos.filter((t) => t !== s).map((t) => ({ s, t })));
  const a = samplePairs(cands, 10, 3);
  const b = samplePairs(cands, 10, 3);
  assert.deepEqual(a.map((p) => `${p.s.file}>${p.t.file}`), b.map((p) => `${p.s.file}>${p.t.file}`));
  assert.equal(a.length, 10);
  assert.equal(new Set(a.map((p) => p.t.file)).size, 10, 'ten different templates');
  assert.notDeepEqual(samplePairs(cands, 10, 4).map((p) => p.s.file + p.t.file), a.map((p) => p.s.file + p.t.file));
  // Grouped by template: each template's pairs are adjacent.
  const many = samplePairs(cands, 40, 3).map((p) => p.t.file);
  for (let i = 2; i < many.length; i++) if (many[i] !== many[i - 1]) assert.ok(!many.slice(0, i - 1).includes(many[i]!), 'template seen again later');
  assert.equal(samplePairs(cands, 1000, 1).length, cands.length);
});

test('a tight crop is padded to 3× with its own pixels in the middle; larger photos are left alone', async () => {
  const crop = await sharp({ create: { width: 150, height: 150, channels: 3, background: { r: 200, g: 120, b: 90 } } }).png().toBuffer();
  const { bytes, padded } = await padTightCrop(crop, 200);
  assert.equal(padded, true);
  const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height, info.channels], [450, 450, 3]);
  const at = (x: number, y: number) => Array.from(data.subarray((y * 450 + x) * 3, (y * 450 + x) * 3 + 3));
  assert.deepEqual(at(225, 225), [200, 120, 90]);
  const corner = at(5, 5);
  assert.ok([200, 120, 90].every((v, c) => Math.abs(corner[c]! - v) <= 4), `the fill continues the edge colour: ${corner}`);
  const big = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#888' } }).png().toBuffer();
  const same = await padTightCrop(big, 200);
  assert.equal(same.padded, false);
  assert.equal(same.bytes, big);
});
