// The blind review's scoring (bench/panel-score.ts): shares rated ≥ 4 per rater and pooled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pool, score } from '../bench/panel-score.ts';
import type { PanelKey } from '../bench/panel.ts';

const key: PanelKey = {
  created: '',
  command: '',
  items: [
    { name: 'img01.png', kind: 'swap', source: 'a/1.jpg', template: 'b/1.jpg' },
    { name: 'img02.png', kind: 'untouched', photo: 'c/1.jpg' },
    { name: 'img03.png', kind: 'swap', source: 'c/2.jpg', template: 'd/1.jpg' },
    { name: 'img04.png', kind: 'untouched', photo: 'e/1.jpg' },
  ],
};

test('shares of swaps and untouched photos rated 4 or 5, per rater and pooled', () => {
  const a = score(key, 'A', { 'img01.png': 5, 'img02.png': 1, 'img03.png': 3, 'img04.png': 4 });
  assert.deepEqual([a.swaps, a.swapsFlagged, a.untouched, a.untouchedFlagged], [2, 1, 2, 1]);
  assert.equal(a.swapMean, 4);
  assert.equal(a.untouchedMean, 2.5);
  const b = score(key, 'B', { 'img01.png': 4, 'img02.png': 2, 'img03.png': 4, 'img04.png': null });
  assert.deepEqual(b.missing, ['img04.png']);
  const p = pool([a, b]);
  assert.deepEqual([p.swaps, p.swapsFlagged, p.untouched, p.untouchedFlagged], [4, 3, 3, 1]);
  assert.equal(p.swapMean, 4);
  assert.ok(Math.abs(p.untouchedMean - 7 / 3) < 1e-9);
});

test('ratings outside 1–5 or for images not in the panel are refused', () => {
  assert.throws(() => score(key, 'A', { 'img01.png': 6 }), /1–5/);
  assert.throws(() => score(key, 'A', { 'img01.png': 2.5 }), /1–5/);
  assert.throws(() => score(key, 'A', { 'img09.png': 2 }), /not in the panel/);
});
