// colour.browChroma / texture.browStrands (src/engine/browhair.ts): an enlarged small source's brows
// read as painted — after the colour match they kept a warm chroma the skin around them lost, and
// had no hair in them. browChroma holds each hair pixel's chroma to what real brows have relative to
// the skin (toward the skin's hue, lightness kept); browStrands draws thin strands along the brow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { drawBrowStrands, holdBrowChroma } from '../src/engine/browhair.ts';
import { roiAround } from '../src/engine/warp.ts';
import { convexHull, fillPolygon, growPolygon, labToRgb, rgbToLab } from '../src/engine/raster.ts';
import { BROW_LEFT, BROW_RIGHT, faceWidth, pick } from '../src/engine/regions.ts';
import { useFaceBMesh } from './engine-fixtures.ts';

let mesh: number[][];
let size: { width: number; height: number };
useFaceBMesh((face) => ({ mesh, size } = face));

/** faceB's mesh as the destination: pale skin (L 70, a 14, b 12) over the ROI, each brow's hull an orange-brown blob (L 35, a 20, b 34). */
function scene() {
  const fw = faceWidth(mesh);
  const roi = roiAround(mesh, size.width, size.height, Math.round(0.08 * fw) + 4);
  const n = roi.w * roi.h;
  const brow = new Uint8Array(n);
  for (const ids of [BROW_RIGHT, BROW_LEFT]) fillPolygon(brow, roi.w, roi.h, growPolygon(convexHull(pick(mesh, ids)), 0.005 * fw).map(([x, y]) => [x - roi.x0, y - roi.y0]), 1);
  const L = new Float32Array(n).fill(70), A = new Float32Array(n).fill(14), B = new Float32Array(n).fill(12);
  for (let i = 0; i < n; i++) if (brow[i]) { L[i] = 35; A[i] = 20; B[i] = 34; }
  const rgb = labToRgb(L, A, B, new Float32Array(n * 3));
  const cover = new Uint8Array(n).fill(1);
  return { fw, roi, n, brow, rgb, cover };
}

test('browChroma: the hair takes the skin hue at no more than its bound, lightness and skin kept; 0 leaves all', () => {
  const { fw, roi, n, brow, rgb, cover } = scene();
  const before = Float32Array.from(rgb);
  assert.equal(holdBrowChroma(rgb, cover, roi, mesh, fw, 0, 1.2), 0);
  assert.deepEqual(rgb, before);
  const changed = holdBrowChroma(rgb, cover, roi, mesh, fw, 1, 1.2);
  assert.ok(changed > 50, `changed ${changed}`);
  const [L0] = rgbToLab(before, n);
  const [L, A, B] = rgbToLab(rgb, n);
  const [, sa, sb] = [70, 14, 12];
  const cap = Math.hypot(sa, sb) * Math.min(1, (1.2 * 35) / 70);
  let inner = 0, far = 0, over = 0, worst = 0, ma = 0, mb = 0;
  for (let i = 0; i < n; i++) {
    if (brow[i]) {
      inner++;
      assert.ok(Math.abs(L[i]! - L0[i]!) < 1.5, `L ${L0[i]} → ${L[i]}`);
      if (Math.hypot(A[i]!, B[i]!) > cap + 2) { over++; worst = Math.max(worst, Math.hypot(A[i]!, B[i]!)); }
      ma += A[i]!;
      mb += B[i]!;
    } else if (rgb[i * 3] !== before[i * 3] || rgb[i * 3 + 1] !== before[i * 3 + 1] || rgb[i * 3 + 2] !== before[i * 3 + 2]) far++;
  }
  assert.ok(inner > 50);
  // (a few at the hull's sharp inner corners, where the feathered zone is under 1)
  assert.ok(over < 0.06 * inner, `${over} of ${inner} over the bound (worst ${worst}, bound ${cap})`);
  assert.equal(far, 0, 'skin pixels changed');
  // On average the skin's hue (40.6°), not the paint's (59.5°) (one pixel's hue is as coarse as its RGB levels at this chroma).
  const hue = (Math.atan2(mb, ma) * 180) / Math.PI;
  assert.ok(Math.hypot(ma, mb) / inner < cap + 1, `mean chroma ${Math.hypot(ma, mb) / inner}`);
  assert.ok(Math.abs(hue - 40.6) < 4, `hue ${hue}`);
});

test('browStrands: strands along the brow in the hair only, mean darkness about kept; 0 leaves all', () => {
  const { fw, roi, n, brow, rgb, cover } = scene();
  const before = Float32Array.from(rgb);
  assert.equal(drawBrowStrands(rgb, cover, roi, mesh, fw, 0, 0.025), 0);
  assert.deepEqual(rgb, before);
  assert.ok(drawBrowStrands(rgb, cover, roi, mesh, fw, 0.6, 0.025) > 50);
  const g = (p: Float32Array, i: number) => p[i * 3 + 1]!;
  let s0 = 0, s1 = 0, c = 0, dh = 0, dv = 0, far = 0;
  for (let y = 1; y < roi.h - 1; y++) for (let x = 1; x < roi.w - 1; x++) {
    const i = y * roi.w + x;
    if (!brow[i]) {
      if (g(rgb, i) !== g(before, i)) far++;
      continue;
    }
    s0 += g(before, i);
    s1 += g(rgb, i);
    c++;
    if (brow[i + 1] && brow[i + roi.w]) {
      dh += Math.abs(g(rgb, i + 1) - g(rgb, i));
      dv += Math.abs(g(rgb, i + roi.w) - g(rgb, i));
    }
  }
  assert.equal(far, 0, 'skin pixels changed');
  assert.ok(Math.abs(s1 / c - s0 / c) < 2, `mean ${s0 / c} → ${s1 / c}`);
  // Texture now, and it runs along the (near-horizontal) brow: steps across it larger than along.
  assert.ok(dv / c > 1, `vertical steps ${dv / c}`);
  assert.ok(dv > 1.3 * dh, `across ${dv} along ${dh}`);
});
