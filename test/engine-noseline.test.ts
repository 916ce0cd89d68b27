// colour.noseLine (noseline.ts): thin dark lines round the lower nose are lifted to the template's
// depth there. On a real face's mesh with synthetic Lab planes: a drawn two-pixel line across the
// nose tip is lifted, a broad dark patch beside it (wider than the closing) and everything away from
// the lower nose stay as they were; through the whole swap, off is the default's output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeImage } from '../src/engine/image.ts';
import { matchNoseLine } from '../src/engine/noseline.ts';
import { faceWidth } from '../src/engine/regions.ts';
import { DEFAULT_SWAP, mergeSwapOptions } from '../src/engine/swap.ts';
import { faceA, faceB, useEngine } from './engine-fixtures.ts';

const engine = useEngine();

test('noseLine: a thin dark line at the nose tip is lifted, a broad dark patch and the rest of the face are not', async () => {
  const img = await decodeImage(await faceA());
  const [face] = await engine().faceAnalyser.detect(img, { embedding: false });
  const mesh = face.mesh.slice(0, 468);
  const w = img.width, h = img.height, n = w * h, fw = faceWidth(mesh);
  const plane = (v: number) => new Float32Array(n).fill(v);
  const src: [Float32Array, Float32Array, Float32Array] = [plane(70), plane(12), plane(16)];
  const [tx, ty] = [mesh[4]![0]!, mesh[4]![1]!];
  const half = Math.round(0.05 * fw);
  const line: number[] = [];
  // A two-pixel line across the tip (L 10), and a broad patch (L 20, 0.08 face widths square) on the bridge above it.
  for (let y = Math.round(ty); y < Math.round(ty) + 2; y++) for (let x = Math.round(tx) - half; x <= Math.round(tx) + half; x++) {
    src[0][y * w + x] = 10;
    line.push(y * w + x);
  }
  const side = Math.round(0.08 * fw);
  const py0 = Math.round(ty) - side - Math.round(0.03 * fw);
  const px0 = Math.round(tx) - (side >> 1);
  for (let y = py0; y < py0 + side; y++) for (let x = px0; x < px0 + side; x++) src[0][y * w + x] = 20;
  const centre = (py0 + (side >> 1)) * w + px0 + (side >> 1);
  const tgt: [Float32Array, Float32Array, Float32Array] = [plane(70), plane(12), plane(16)];
  const before = src.map((p) => Float32Array.from(p));
  const roi = { x0: 0, y0: 0, w, h };
  const cover = new Uint8Array(n).fill(1);
  const opts = { strength: 0, radius: 0.008, tolerance: 0.5, floor: 0.2 };
  // Off: nothing written.
  matchNoseLine(src, tgt, cover, roi, mesh, mesh, fw, opts);
  for (let c = 0; c < 3; c++) assert.deepEqual(src[c], before[c]);
  matchNoseLine(src, tgt, cover, roi, mesh, mesh, fw, { ...opts, strength: 1 });
  const mean = (ids: number[]) => ids.reduce((s, i) => s + src[0][i]!, 0) / ids.length;
  const lineAfter = mean(line);
  // The template has no line: the source's keeps floor 0.2 of log depth, (70 + 16)·e^−0.2 − 16 ≈ 54.
  assert.ok(lineAfter > 45, `the line lifted: 10 → ${lineAfter.toFixed(1)}`);
  assert.ok(lineAfter < 70, `not past the skin: ${lineAfter.toFixed(1)}`);
  assert.equal(src[0][centre], 20, 'a broad dark patch is not a line');
  let far = 0;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    if (Math.hypot(x - tx, y - ty) < 0.35 * fw) continue;
    const i = y * w + x;
    for (let c = 0; c < 3; c++) if (src[c][i] !== before[c][i]) far++;
  }
  assert.equal(far, 0, 'pixels away from the lower nose changed');
});

test('noseLine: through the swap, off is the default output and on changes pixels', async () => {
  const [s, t] = await Promise.all([faceA(), faceB()]);
  const run = async (noseLine: number | undefined) => {
    const e = engine() as unknown as { swapOpts: unknown };
    e.swapOpts = noseLine === undefined ? DEFAULT_SWAP : mergeSwapOptions(DEFAULT_SWAP, { colour: { noseLine, noseLineFloor: 0 } });
    return (await engine().swapDetailed({ source: s, target: t } as never)).raw;
  };
  const def = await run(undefined);
  const off = await run(0);
  const on = await run(1);
  (engine() as unknown as { swapOpts: unknown }).swapOpts = DEFAULT_SWAP;
  assert.ok(Buffer.from(off.data).equals(Buffer.from(def.data)), 'noseLine 0 is the default output');
  assert.ok(!Buffer.from(on.data).equals(Buffer.from(def.data)), 'the knob changed nothing on a real pair');
});
