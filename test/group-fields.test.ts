// The group-portrait fields on their own: parsing (API and CLI), the submit-time check against a
// listed template, and the engine request a job turns into.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSwapRequest } from '../src/jobs/validate.ts';
import { engineFaceFields, entryError } from '../src/jobs/face-selection.ts';
import { KnownTemplates } from '../src/jobs/known-templates.ts';
import { ServiceError } from '../src/jobs/errors.ts';
import { collectFace, parseFaceOption } from '../src/commands/face-args.ts';
import { LruMap } from '../src/workers/lru-map.ts';

const RULES = { defaultTimeoutS: 7200, maxTimeoutS: 86_400 };
const base = { target_url: 'https://e.com/t.jpg', notify_url: 'https://e.com/n' };
const invalid = (re: RegExp) => (e: unknown) => e instanceof ServiceError && e.errorName === 'InvalidArguments' && re.test(e.message);

test('parseSwapRequest: V1 bodies unchanged; target_face, source_face and faces parsed; mistakes named', () => {
  assert.deepEqual(parseSwapRequest({ ...base, source_url: 'https://e.com/s.jpg' }, RULES), { sourceUrl: 'https://e.com/s.jpg', targetUrl: base.target_url, notifyUrl: base.notify_url, timeoutS: 7200 });
  assert.deepEqual(parseSwapRequest({ ...base, source_url: 'https://e.com/s.jpg', target_face: 1, source_face: { x: 3, y: 4.5 } }, RULES).faces, { targetFace: 1, sourceFace: { x: 3, y: 4.5 } });
  const group = parseSwapRequest({ ...base, faces: [{ source_url: 'https://e.com/a.jpg', target_face: 1 }, { source_url: 'https://e.com/b.jpg', target_face: { x: 1, y: 2 }, source_face: 0 }] }, RULES);
  assert.equal(group.sourceUrl, 'https://e.com/a.jpg');
  assert.deepEqual(group.faces?.group, [
    { sourceUrl: 'https://e.com/a.jpg', targetFace: 1 },
    { sourceUrl: 'https://e.com/b.jpg', targetFace: { x: 1, y: 2 }, sourceFace: 0 },
  ]);
  const bad: [unknown, RegExp][] = [
    [{ ...base, source_url: 'https://e.com/s.jpg', target_face: 100 }, /target_face/],
    [{ ...base, source_url: 'https://e.com/s.jpg', target_face: { x: 1, y: 2, z: 3 } }, /target_face/],
    [{ ...base, source_url: 'https://e.com/s.jpg', target_face: null }, /target_face/],
    [{ ...base, faces: [{ source_url: 'ftp://e.com/a.jpg', target_face: 0 }] }, /faces\[0\]\.source_url/],
    [{ ...base, faces: [{ source_url: 'https://e.com/a.jpg', target_face: 0 }, { source_url: 'https://e.com/b.jpg', target_face: 0 }] }, /faces\[0\].*faces\[1\]/],
    [{ ...base, faces: [{ source_url: 'https://e.com/a.jpg', target_face: 0 }], target_face: 1 }, /faces/],
    [{ ...base, faces: 'x' }, /faces/],
    [{ ...base }, /source_url/],
  ];
  for (const [body, re] of bad) assert.throws(() => parseSwapRequest(body, RULES), invalid(re), JSON.stringify(body));
});

test('engine fields of a job; a group entry failure is named once', () => {
  assert.deepEqual(engineFaceFields(undefined, []), {});
  assert.deepEqual(engineFaceFields({ targetFace: 2 }, []), { targetFace: 2 });
  const a = new Uint8Array([1]), b = new Uint8Array([2]);
  assert.deepEqual(engineFaceFields({ group: [{ sourceUrl: 'u', targetFace: 0 }, { sourceUrl: 'v', targetFace: 1, sourceFace: 3 }] }, [a, b]), {
    faces: [{ source: a, targetFace: 0 }, { source: b, targetFace: 1, sourceFace: 3 }],
  });
  const e = entryError(2, new ServiceError('NoFaceInSource'));
  assert.equal(e.errorName, 'NoFaceInSource');
  assert.equal(e.message, '用户图片中未检测到人脸: faces[2]: NoFaceInSource');
  assert.match(entryError(1, new ServiceError('ImageDownloadFailed', 'HTTP 404')).message, /faces\[1\]: ImageDownloadFailed \(HTTP 404\)$/);
});

test('known templates: a choice outside the listed faces is refused at submit; unknown or expired URLs pass', () => {
  let now = 0;
  const known = new KnownTemplates(10, 1000, () => now);
  known.remember('https://e.com/t.jpg', [{ box: [0, 0, 100, 100] }, { box: [200, 0, 100, 100] }]);
  const job = (faces: object) => ({ sourceUrl: 's', targetUrl: 'https://e.com/t.jpg', notifyUrl: 'n', timeoutS: 1, faces });
  known.check(job({ targetFace: 1 }));
  known.check(job({ targetFace: { x: 250, y: 50 } }));
  assert.throws(() => known.check(job({ targetFace: 2 })), invalid(/target_face 2: 2 faces found/));
  assert.throws(() => known.check(job({ group: [{ sourceUrl: 'a', targetFace: 0 }, { sourceUrl: 'b', targetFace: { x: 50, y: 50 } }] })), invalid(/faces\[0\] and faces\[1\] both choose template face 0/));
  known.check({ ...job({ targetFace: 7 }), targetUrl: 'https://e.com/other.jpg' });
  now = 1001;
  known.check(job({ targetFace: 7 }));
});

test('CLI face options: N or X,Y; SRC=N repeated; mistakes explained', () => {
  assert.equal(parseFaceOption('1'), 1);
  assert.deepEqual(parseFaceOption('420,310.5'), { x: 420, y: 310.5 });
  assert.throws(() => parseFaceOption('left'), /expected a face index/);
  assert.throws(() => parseFaceOption('-1'), /expected a face index/);
  assert.deepEqual(collectFace('b=c.jpg=1', collectFace('a.jpg=0')), [
    { source: 'a.jpg', targetFace: 0 },
    { source: 'b=c.jpg', targetFace: 1 },
  ]);
  assert.throws(() => collectFace('a.jpg'), /SRC=INDEX/);
});

test('LruMap keeps the most recently used entries', () => {
  const m = new LruMap<string, number>(2);
  m.set('a', 1);
  m.set('b', 2);
  m.get('a');
  m.set('c', 3);
  assert.equal(m.get('b'), undefined);
  assert.equal(m.get('a'), 1);
  assert.equal(m.size, 2);
});
