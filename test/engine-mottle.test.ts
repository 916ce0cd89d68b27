// colour.mottle (mottle.ts): the matched source's mid band (blotches a few per cent of the face
// wide) on plain skin held to the template's level. On a real face's mesh with synthetic Lab
// planes: blotches on the cheeks are damped toward the template's faint ones, the broad light and
// the eyes are kept; through the whole swap, off is the default's output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeImage } from '../src/engine/image.ts';
import { smoothMottle } from '../src/engine/mottle.ts';
import { faceWidth } from '../src/engine/regions.ts';
import { DEFAULT_SWAP, mergeSwapOptions } from '../src/engine/swap.ts';
import { faceA, faceB, useEngine } from './engine-fixtures.ts';

const engine = useEngine();

test('mottle: blotches on the cheeks are damped to the template level, the broad light and the eyes kept', async () => {
  const img = await decodeImage(await faceA());
  const [face] = await engine().faceAnalyser.detect(img, { embedding: false });
  const mesh = face.mesh.slice(0, 468);
  const w = img.width, h = img.height, n = w * h, fw = faceWidth(mesh);
  const period = 0.15 * fw;
  const blot = (x: number, y: number) => Math.sin((2 * Math.PI * x) / period) * Math.sin((2 * Math.PI * y) / period);
  const ramp = (x: number) => (20 * x) / w;
  const src: [Float32Array, Float32Array, Float32Array] = [new Float32Array(n), new Float32Array(n).fill(12), new Float32Array(n).fill(16)];
  const tgt: [Float32Array, Float32Array, Float32Array] = [new Float32Array(n), new Float32Array(n).fill(12), new Float32Array(n).fill(16)];
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    src[0][y * w + x] = 60 + ramp(x) + 10 * blot(x, y);
    tgt[0][y * w + x] = 60 + 2 * blot(x + period / 4, y);
  }
  const before = src.map((p) => Float32Array.from(p));
  const roi = { x0: 0, y0: 0, w, h };
  const cover = new Uint8Array(n).fill(1);
  const skin = new Float32Array(n).fill(1);
  const opts = { strength: 0, tolerance: 1, fine: 0.01, sigma: 0.06, chroma: 1 };
  smoothMottle(src, tgt, cover, skin, roi, mesh, mesh, fw, opts);
  for (let c = 0; c < 3; c++) assert.deepEqual(src[c], before[c], 'off: nothing written');
  smoothMottle(src, tgt, cover, skin, roi, mesh, mesh, fw, { ...opts, strength: 1 });
  // The left cheek (mesh 205) ± 0.06 face widths: blotch amplitude (its projection) before and after, and the mean.
  const [cx, cy] = [Math.round(mesh[205]![0]!), Math.round(mesh[205]![1]!)];
  const r = Math.round(0.06 * fw);
  let p0 = 0, p1 = 0, q = 0, m0 = 0, m1 = 0;
  for (let y = cy - r; y <= cy + r; y++) for (let x = cx - r; x <= cx + r; x++) {
    const i = y * w + x, b = blot(x, y);
    p0 += (before[0][i]! - 60 - ramp(x)) * b; p1 += (src[0][i]! - 60 - ramp(x)) * b; q += b * b;
    m0 += before[0][i]!; m1 += src[0][i]!;
  }
  const a0 = p0 / q, a1 = p1 / q, cnt = (2 * r + 1) ** 2;
  assert.ok(a0 > 9, `blotches before: ${a0.toFixed(2)}`);
  assert.ok(a1 < 5, `blotches damped: ${a0.toFixed(2)} → ${a1.toFixed(2)}`);
  assert.ok(a1 > 0.5, `not flattened past the template's: ${a1.toFixed(2)}`);
  assert.ok(Math.abs(m1 / cnt - m0 / cnt) < 1, `the broad light kept: ${(m0 / cnt).toFixed(1)} → ${(m1 / cnt).toFixed(1)}`);
  // The eye's centre (between the corners 33 and 133) untouched.
  const e = Math.round((mesh[33]![1]! + mesh[133]![1]!) / 2) * w + Math.round((mesh[33]![0]! + mesh[133]![0]!) / 2);
  assert.equal(src[0][e], before[0][e], 'the eye changed');
});

test('mottle: through the swap, off is the default output and on changes pixels', async () => {
  const [s, t] = await Promise.all([faceA(), faceB()]);
  const run = async (mottle: number | undefined) => {
    const e = engine() as unknown as { swapOpts: unknown };
    e.swapOpts = mottle === undefined ? DEFAULT_SWAP : mergeSwapOptions(DEFAULT_SWAP, { colour: { mottle } });
    return (await engine().swapDetailed({ source: s, target: t } as never)).raw;
  };
  const def = await run(undefined);
  const off = await run(0);
  const on = await run(1);
  (engine() as unknown as { swapOpts: unknown }).swapOpts = DEFAULT_SWAP;
  assert.ok(Buffer.from(off.data).equals(Buffer.from(def.data)), 'mottle 0 is the default output');
  assert.ok(!Buffer.from(on.data).equals(Buffer.from(def.data)), 'the knob changed nothing on a real pair');
});
