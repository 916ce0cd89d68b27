// glasses.fullRes: the template's rims cut into alpha at full size, traced close to the eyes
// (narrow lenses), only the rim's own pixels kept (no band of the template's skin around them).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { rgbToLab } from '../src/engine/raster.ts';
import { createDefaultEngine, type DefaultEngine } from '../src/engine/index.ts';
import { EYE_LEFT, EYE_RIGHT } from '../src/engine/regions.ts';
import { decodeImage } from '../src/engine/image.ts';
import { eyeCircle, faceA, faceB } from './engine-fixtures.ts';

let off: DefaultEngine;
let on: DefaultEngine;
before(async () => {
  off = createDefaultEngine({ warmup: false, swap: { mask: { glasses: { fullRes: 0 } } } as never });
  on = createDefaultEngine({ warmup: false, swap: { mask: { glasses: { fullRes: 2 } } } as never });
  await off.init();
  await on.init();
});
after(async () => {
  await off.close();
  await on.close();
});

/** Narrow rectangular frames: each lens's top rim runs close above the eye (0.75 eye radii from its centre). */
async function withNarrowFrames(bytes: Buffer): Promise<{ bytes: Buffer; boxes: { x0: number; y0: number; x1: number; y1: number }[] }> {
  const img = await decodeImage(bytes);
  const [face] = await off.faceAnalyser.detect(img, { embedding: false });
  const [a, b] = [eyeCircle(face.mesh, EYE_LEFT), eyeCircle(face.mesh, EYE_RIGHT)].sort((p, q) => p.cx - q.cx);
  const sw = Math.max(2, a.r * 0.18);
  const lens = (e: { cx: number; cy: number; r: number }) => `<rect x="${e.cx - 1.9 * e.r}" y="${e.cy - 0.75 * e.r}" width="${3.8 * e.r}" height="${2.05 * e.r}" rx="${0.4 * e.r}" stroke="#141414" stroke-width="${sw}" fill="none"/>`;
  const svg = `<svg width="${img.width}" height="${img.height}" xmlns="http://www.w3.org/2000/svg">${lens(a)}${lens(b)}
    <line x1="${a.cx + 1.9 * a.r}" y1="${a.cy}" x2="${b.cx - 1.9 * b.r}" y2="${b.cy}" stroke="#141414" stroke-width="${sw}"/></svg>`;
  // Each lens's box, its rim and a little of the skin around it.
  const boxes = [a, b].map((e) => ({ x0: e.cx - 2.2 * e.r, y0: e.cy - 1.05 * e.r, x1: e.cx + 2.2 * e.r, y1: e.cy + 1.6 * e.r }));
  return { bytes: await sharp(bytes).composite([{ input: Buffer.from(svg) }]).png().toBuffer(), boxes };
}

test('glasses.fullRes: narrow frames keep every rim (the top rim close to the eye too), with no band of template skin around them', async () => {
  const source = await faceA();
  const { bytes: target, boxes } = await withNarrowFrames(await faceB('png'));
  const t = await decodeImage(target);
  const L = rgbToLab(Float32Array.from(t.data), t.width * t.height)[0];
  const stats = async (engine: DefaultEngine) => {
    const d = await engine.swapDetailed({ source, target });
    assert.equal(d.swap.keptGlasses, true);
    const { roi, alpha } = d.swap;
    let rim = 0, kept = 0, halo = 0;
    for (let y = 0; y < roi.h; y++) for (let x = 0; x < roi.w; x++) {
      const o = (roi.y0 + y) * t.width + roi.x0 + x;
      const a = alpha[y * roi.w + x];
      if (L[o] <= 12) {
        rim++;
        if (a === 0) kept++;
      } else if (L[o] > 35 && a < 0.5 && boxes.some((q) => roi.x0 + x >= q.x0 && roi.x0 + x <= q.x1 && roi.y0 + y >= q.y0 && roi.y0 + y <= q.y1)) halo++;
    }
    // halo: light pixels (skin, not rim) around the lenses that stay mostly the template's.
    return { rim, kept: kept / rim, halo };
  };
  const a = await stats(off), b = await stats(on);
  assert.ok(b.rim > 100 && b.kept > 0.9, `rim pixels kept: ${JSON.stringify(b)}`);
  assert.ok(b.kept > a.kept, `more of the rims kept than without: ${JSON.stringify({ a, b })}`);
  // The working-size rims kept a band of the template's skin around them (≈ 5000 px here); at full size ≈ 3000.
  assert.ok(b.halo < 0.75 * a.halo, `less of the template's skin around the rims: ${JSON.stringify({ a, b })}`);
});
