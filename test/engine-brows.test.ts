// mask.browCover / mask.browFill: where the source's brows are shorter (or lower, narrower) than
// the template's, the template's brow tail showed beside the source's brow ("doubled brows"):
// kept as an occluder where it touched the temple's hair, or left in the outer feather's ramp and
// beyond the mesh's edge. browCover takes it out of the occluders inside the hard mask; browFill
// paints what still shows with the template's own skin, and those pixels count as inside the mask.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildMaskAt, DEFAULT_MASK, feather } from '../src/engine/mask.ts';
import { fillTemplateBrows, templateBrowZone } from '../src/engine/brows.ts';
import { skinModel } from '../src/engine/skin.ts';
import { roiAround } from '../src/engine/warp.ts';
import { boxBlur, convexHull, fillPolygon, growPolygon } from '../src/engine/raster.ts';
import { BROW_LEFT, BROW_RIGHT, FACE_OVAL, FEATURES } from '../src/engine/regions.ts';
import { useFaceBMesh } from './engine-fixtures.ts';

let mesh: number[][];
let size: { width: number; height: number };
useFaceBMesh((face) => ({ mesh, size } = face));

const OUTER: Record<string, number[]> = { right: [70, 46], left: [300, 276] };
const INNER: Record<string, number[]> = { right: [107, 55], left: [336, 285] };

/**
 * faceB's mesh as the template; the source's brows (as warped) pulled halfway toward their inner
 * ends (shorter brows). Synthetic Lab planes: pale skin in both; the template's brows dark, each
 * with its tail running on as a dark strip to the face's side (a brow that touches the temple's
 * hair); the source's own (shorter) brows dark.
 */
function setup() {
  const t = mesh;
  const fw = Math.hypot(t[454][0] - t[234][0], t[454][1] - t[234][1]);
  const d = t.map((p) => [...p]);
  for (const [side, ids] of [['right', BROW_RIGHT], ['left', BROW_LEFT]] as const) {
    const ix = (t[INNER[side][0]][0] + t[INNER[side][1]][0]) / 2, iy = (t[INNER[side][0]][1] + t[INNER[side][1]][1]) / 2;
    for (const id of ids) d[id] = [ix + 0.5 * (t[id][0] - ix), iy + 0.5 * (t[id][1] - iy), t[id][2]];
  }
  const roi = roiAround(t, size.width, size.height, Math.round(0.08 * fw) + 4);
  const { w, h } = roi, n = w * h;
  const sh = (m: number[][], ids: number[]) => ids.map((i) => [m[i][0] - roi.x0, m[i][1] - roi.y0] as [number, number]);
  const cover = new Uint8Array(n);
  fillPolygon(cover, w, h, sh(t, FACE_OVAL), 1);
  const tBrow = new Uint8Array(n), sBrow = new Uint8Array(n);
  for (const [side, ids] of [['right', BROW_RIGHT], ['left', BROW_LEFT]] as const) {
    fillPolygon(tBrow, w, h, convexHull(sh(t, ids)), 1);
    fillPolygon(sBrow, w, h, convexHull(sh(d, ids)), 1);
    // The tail's strip: from the outer end, 0.2 face widths on outward (past the oval's side), 5 % of
    // the face width taller than the brow's end (thinner, the hair edge's round contour drops it).
    const [a, b] = OUTER[side].map((i) => [t[i][0] - roi.x0, t[i][1] - roi.y0]);
    const dir = side === 'right' ? -1 : 1;
    const g = 0.025 * fw;
    fillPolygon(tBrow, w, h, [[a[0], a[1] - g], [a[0] + dir * 0.2 * fw, a[1] - g], [b[0] + dir * 0.2 * fw, b[1] + g], [b[0], b[1] + g]], 1);
  }
  const tLab: [Float32Array, Float32Array, Float32Array] = [new Float32Array(n).fill(70), new Float32Array(n).fill(14), new Float32Array(n).fill(16)];
  const sLab: [Float32Array, Float32Array, Float32Array] = [new Float32Array(n).fill(68), new Float32Array(n).fill(13), new Float32Array(n).fill(17)];
  for (let i = 0; i < n; i++) {
    if (tBrow[i]) { tLab[0][i] = 20; tLab[1][i] = 2; tLab[2][i] = 3; }
    if (sBrow[i]) { sLab[0][i] = 22; sLab[1][i] = 3; sLab[2][i] = 4; }
    if (!cover[i]) for (const p of [...tLab, ...sLab]) p[i] = 0;
  }
  return { t, d, fw, roi, cover, tBrow, sBrow, tLab, sLab };
}

function maskWith(s: ReturnType<typeof setup>, browCover: number) {
  const { t, d, fw, roi, cover, tLab, sLab } = s;
  const radius = 0.02 * fw;
  const opts = { ...DEFAULT_MASK, browCover };
  return buildMaskAt({ roi, cover, dstMesh: d, targetMesh: t, sourceMesh: d, targetLab: tLab, sourceLab: sLab, targetSkin: skinModel(tLab, roi.w, roi.h, t, roi.x0, roi.y0, radius), sourceSkin: skinModel(sLab, roi.w, roi.h, d, roi.x0, roi.y0, radius), faceW: fw, opts }, 1);
}

test('browCover on, browFill off by default', () => {
  assert.equal(DEFAULT_MASK.browCover, 1);
  assert.equal(DEFAULT_MASK.browFill, 0);
});

test('browCover: the template\'s brow tail beyond the source\'s shorter brow is no longer kept as hair; alpha stays 0 outside the hard mask', () => {
  const s = setup();
  const { w, h, x0, y0 } = s.roi;
  const n = w * h;
  // The template's brow pixels in its brow zone, outside the source's features hull (where the
  // occluder test runs), at least a feather's width inside the cover.
  const zone = templateBrowZone(s.t, x0, y0, w, h, 0.2, 0.015 * s.fw);
  const hull = new Uint8Array(n);
  fillPolygon(hull, w, h, growPolygon(convexHull(FEATURES.map((i) => [s.d[i][0] - x0, s.d[i][1] - y0] as [number, number])), 0.04 * s.fw), 1);
  const a = maskWith(s, 0), b = maskWith(s, 1);
  let c = 0, sa = 0, sb = 0;
  for (let i = 0; i < n; i++) {
    if (!s.tBrow[i] || !zone[i] || hull[i] || !s.cover[i]) continue;
    c++; sa += a.alpha[i]!; sb += b.alpha[i]!;
  }
  assert.ok(c > 20, `tail pixels: ${c}`);
  assert.ok(sa / c < 0.1, `off: the tail was kept (mean alpha ${(sa / c).toFixed(2)})`);
  assert.ok(sb / c > 0.8, `on: mean alpha ${(sb / c).toFixed(2)} over it`);
  // Nothing outside the cover, and the strip well beyond the zone (the "temple's hair") still kept.
  let out = 0, strip = 0, stripA = 0;
  for (let i = 0; i < n; i++) {
    if (!s.cover[i] && b.alpha[i] !== 0) out++;
    if (s.tBrow[i] && !zone[i] && !hull[i] && s.cover[i] && Math.abs((i % w) + x0 - s.t[1][0]) > 0.45 * s.fw) { strip++; stripA += b.alpha[i]!; }
  }
  assert.equal(out, 0);
  assert.ok(strip > 0 && stripA / strip < 0.2, `the strip beyond the zone: mean alpha ${(stripA / strip).toFixed(2)} over ${strip} px`);
});

test('browFill: the template\'s brow tail in the outer ramp and beyond the edge takes its skin; every pixel changed is inside the mask', () => {
  const s = setup();
  const { w, h } = s.roi;
  const n = w * h;
  const skin = [200, 150, 130], hair = [60, 50, 45];
  const tgt = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) tgt[i * 3 + k] = (s.tBrow[i] ? hair : skin)[k]! + ((i * 7919) % 5) - 2;
  // The mask's outer edge as mask.ts draws it: the cover eroded by 1.5 % of the face width, feathered over 3 %.
  const cf = new Float32Array(n);
  for (let i = 0; i < n; i++) cf[i] = s.cover[i]!;
  const er = boxBlur(cf, w, h, Math.round(0.015 * s.fw));
  for (let i = 0; i < n; i++) er[i] = er[i]! > 0.999 ? 1 : 0;
  const alpha = feather(er, w, h, Math.round(0.03 * s.fw));
  const before = tgt.slice(), a0 = alpha.slice();
  const changed = fillTemplateBrows(tgt, alpha, s.cover, s.roi, s.t, s.d, { mean: rgbLab(skin), spread: [4, 2, 2] }, s.fw, 0.03, 1, 2.5);
  assert.ok(changed > 50, `changed ${changed}`);
  const zone = templateBrowZone(s.t, s.roi.x0, s.roi.y0, w, h, 0.4, 0.02 * s.fw);
  const own = new Uint8Array(n);
  for (const ids of [BROW_RIGHT, BROW_LEFT]) fillPolygon(own, w, h, growPolygon(convexHull(ids.map((i) => [s.d[i][0] - s.roi.x0, s.d[i][1] - s.roi.y0] as [number, number])), 0.02 * s.fw), 1);
  let moved = 0, c = 0, bad = 0, hidden = 0, kept = 0, ownC = 0;
  for (let i = 0; i < n; i++) {
    const diff = Math.abs(tgt[i * 3]! - before[i * 3]!) + Math.abs(tgt[i * 3 + 1]! - before[i * 3 + 1]!) + Math.abs(tgt[i * 3 + 2]! - before[i * 3 + 2]!);
    if (diff > 0 && !(alpha[i]! > 0)) bad++;
    if (a0[i]! > 0 && alpha[i] !== a0[i]) bad++;
    if (a0[i] === 1 && diff > 0) hidden++;
    if (own[i] && s.tBrow[i]) { ownC++; if (diff === 0) kept++; }
    // The tail's pixels where the template shows by more than half, in the zone and the cover.
    if (s.tBrow[i] && zone[i] && !own[i] && s.cover[i] && a0[i]! < 0.5) { c++; if (Math.abs(tgt[i * 3]! - skin[0]!) < 25) moved++; }
  }
  assert.equal(bad, 0, 'a changed pixel outside the mask, or alpha moved where it was set');
  assert.equal(hidden, 0, 'pixels under alpha 1 are left alone');
  assert.ok(ownC > 20 && kept === ownC, `the template's brow over the source's own brows is left: ${kept}/${ownC}`);
  assert.ok(c > 30 && moved / c > 0.8, `the template's brow tail at the edge: ${moved}/${c} now skin-toned`);
});

function rgbLab(rgb: number[]): [number, number, number] {
  const lin = rgb.map((v) => { const c = v / 255; return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; });
  const X = (0.4124 * lin[0]! + 0.3576 * lin[1]! + 0.1805 * lin[2]!) / 0.95047, Y = 0.2126 * lin[0]! + 0.7152 * lin[1]! + 0.0722 * lin[2]!, Z = (0.0193 * lin[0]! + 0.1192 * lin[1]! + 0.9505 * lin[2]!) / 1.08883;
  const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  return [116 * f(Y) - 16, 500 * (f(X) - f(Y)), 200 * (f(Y) - f(Z))];
}
