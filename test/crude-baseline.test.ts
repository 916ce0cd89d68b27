// The crude classical swap (bench/lib/crude-engine.ts, DESIGN §5's baseline) end to end on two
// faces from @vladmandic/human's assets: it changes the face, leaves everything outside its mask
// bit-identical, and matches the template's face colour statistics.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CrudeEngine } from '../bench/lib/crude-engine.ts';
import { rgbToLab } from '../src/engine/raster.ts';
import { faceA, faceB, rawRgb } from './engine-fixtures.ts';

let engine: CrudeEngine;

before(async () => {
  engine = new CrudeEngine();
  await engine.init();
});

after(async () => {
  await engine.close();
});

test('crude swap: template size; face changed inside the mask, template bit-identical outside', async () => {
  const [source, target] = await Promise.all([faceA(), faceB('png')]);
  const d = await engine.swapDetailed({ source, target });
  assert.equal(d.result.format, 'png');
  assert.equal(d.result.width, 400);
  assert.equal(d.result.height, 400);
  for (const stage of ['decode', 'analyseSource', 'warp', 'colour', 'blend', 'encode', 'total']) assert.ok(stage in d.result.timings, `timing for ${stage}`);

  const out = await rawRgb(d.result.image);
  const tpl = await rawRgb(target);
  assert.equal(out.width, tpl.width);
  assert.equal(out.height, tpl.height);
  const { roi, alpha } = d.swap;
  let full = 0, changedFull = 0, diffFull = 0;
  for (let y = 0; y < out.height; y++) {
    for (let x = 0; x < out.width; x++) {
      const lx = x - roi.x0, ly = y - roi.y0;
      const a = lx >= 0 && ly >= 0 && lx < roi.w && ly < roi.h ? alpha[ly * roi.w + lx]! : 0;
      const i = (y * out.width + x) * 3;
      const diff = Math.abs(out.data[i]! - tpl.data[i]!) + Math.abs(out.data[i + 1]! - tpl.data[i + 1]!) + Math.abs(out.data[i + 2]! - tpl.data[i + 2]!);
      if (a === 0) assert.equal(diff, 0, `pixel ${x},${y} outside the mask changed`);
      else if (a === 1) {
        full++;
        diffFull += diff;
        if (diff > 0) changedFull++;
      }
    }
  }
  // The mask covers a real face (≈ 360 px wide template face), and inside it the face is another's.
  assert.ok(full > 0.2 * out.width * out.height, `fully swapped area ${full} px`);
  assert.ok(changedFull > 0.9 * full, `${changedFull} of ${full} fully swapped pixels changed`);
  assert.ok(diffFull / full / 3 > 5, `mean |Δ| inside ${(diffFull / full / 3).toFixed(1)} grey levels`);
  // The far corner of the template is outside any mask.
  assert.equal(alpha[0], 0);
});

test('crude swap: the face takes the template face colour (Lab mean per channel), both ways', async () => {
  const [a, b] = await Promise.all([faceA(), faceB('png')]);
  for (const [source, target] of [[a, b], [b, a]] as const) {
    const d = await engine.swapDetailed({ source, target });
    const { roi, alpha } = d.swap;
    const labMeans = async (bytes: Uint8Array) => {
      const img = await rawRgb(bytes);
      const v: number[] = [];
      for (let y = 0; y < roi.h; y++) {
        for (let x = 0; x < roi.w; x++) {
          if (!(alpha[y * roi.w + x]! > 0)) continue;
          const i = ((roi.y0 + y) * img.width + roi.x0 + x) * 3;
          v.push(img.data[i]!, img.data[i + 1]!, img.data[i + 2]!);
        }
      }
      return rgbToLab(new Float32Array(v), v.length / 3).map((p) => p.reduce((s, x) => s + x, 0) / p.length);
    };
    const [out, tpl] = [await labMeans(d.result.image), await labMeans(target)];
    // The two faces' a/b differ by ≈ 8 / 18 before the transfer (faceB is much warmer).
    assert.ok(Math.abs(out[0]! - tpl[0]!) < 5, `L ${out[0]!.toFixed(1)} vs template ${tpl[0]!.toFixed(1)}`);
    for (const k of [1, 2]) assert.ok(Math.abs(out[k]! - tpl[k]!) < 2, `Lab channel ${k}: ${out[k]!.toFixed(1)} vs template ${tpl[k]!.toFixed(1)}`);
  }
});
