// mask.hands: a hand touching the face stays where it is. The mask's occluder test is a colour
// distance from the skin model, so a hand (skin-coloured) on the source's cheek was warped onto the
// template's cheek, and a template's hand over its chin was painted over. Here the hands' polygons
// (./hands.ts) are occluders whatever their colour.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { buildMaskAt, DEFAULT_MASK } from '../src/engine/mask.ts';
import { handPlane, plausibleHands, rasterHands } from '../src/engine/hands.ts';
import { skinModel } from '../src/engine/skin.ts';
import { roiAround } from '../src/engine/warp.ts';
import { fillPolygon } from '../src/engine/raster.ts';
import { FACE_OVAL } from '../src/engine/regions.ts';
import { createDefaultEngine, type DefaultEngine } from '../src/engine/index.ts';
import { decodeImage } from '../src/engine/image.ts';
import { faceB } from './engine-fixtures.ts';

let engine: DefaultEngine;
let mesh: number[][];
let tri: ArrayLike<number>;
let size: { width: number; height: number };
before(async () => {
  engine = createDefaultEngine({ warmup: false });
  await engine.init();
  const img = await decodeImage(await faceB());
  size = img;
  mesh = (await engine.faceAnalyser.detect(img, { embedding: false }))[0].mesh.slice(0, 468);
  tri = engine.faceAnalyser.triangulation;
});
after(async () => {
  await engine.close();
});

const fwOf = (m: number[][]) => Math.hypot(m[454][0] - m[234][0], m[454][1] - m[234][1]);

/** A flat upright hand (21 keypoints, Human's order) of palm width `pw`, its wrist at (x, y). */
function hand(x: number, y: number, pw: number): [number, number][] {
  const k: [number, number][] = [[x, y]];
  // Thumb out to the side, then four fingers from their bases up.
  for (let j = 1; j <= 4; j++) k.push([x - 0.4 * pw - 0.25 * pw * j, y - 0.3 * pw * j]);
  for (let f = 0; f < 4; f++) {
    const bx = x - 0.5 * pw + (f * pw) / 3;
    for (let j = 0; j < 4; j++) k.push([bx, y - pw - 0.3 * pw * j]);
  }
  return k;
}

/**
 * faceB's mesh with synthetic Lab planes, one skin colour in both images; the source's hand on the
 * face's left cheek has the skin's colour too (the colour test cannot see it).
 */
function masks(hands: number, withPlane: boolean) {
  const m = mesh;
  const fw = fwOf(m);
  const roi = roiAround(m, size.width, size.height, Math.round(0.08 * fw) + 4);
  const { w, h } = roi, n = w * h;
  const cover = new Uint8Array(n);
  fillPolygon(cover, w, h, FACE_OVAL.map((i) => [m[i][0] - roi.x0, m[i][1] - roi.y0] as [number, number]), 1);
  const tLab: [Float32Array, Float32Array, Float32Array] = [new Float32Array(n).fill(68), new Float32Array(n).fill(13), new Float32Array(n).fill(17)];
  const sLab: [Float32Array, Float32Array, Float32Array] = [new Float32Array(n).fill(64), new Float32Array(n).fill(14), new Float32Array(n).fill(18)];
  for (let i = 0; i < n; i++) if (!cover[i]) for (const p of [...tLab, ...sLab]) p[i] = 0;
  // The hand: wrist below the left jaw, fingers up over the left cheek.
  const pw = 0.3 * fw;
  const kp = hand(m[234][0] + 0.22 * fw, m[234][1] + 0.45 * fw, pw);
  const plane = handPlane(roi, {}, { hands: [kp], mesh: m, width: size.width, height: size.height }, m, tri, 0.22);
  assert.ok(plane, 'the hand is over the face');
  // Its middle (inside the polygon, away from its edge): where the source's fingers lie.
  const core = new Uint8Array(n);
  rasterHands(core, w, h, roi.x0, roi.y0, [kp], 0.05);
  for (let i = 0; i < n; i++) core[i] = core[i] && cover[i] ? 1 : 0;
  const opts = { ...DEFAULT_MASK, hands };
  const radius = 0.02 * fw;
  const mask = buildMaskAt({ ...(withPlane && { hands: plane }), roi, cover, dstMesh: m, targetMesh: m, sourceMesh: m, targetLab: tLab, sourceLab: sLab, targetSkin: skinModel(tLab, w, h, m, roi.x0, roi.y0, radius), sourceSkin: skinModel(sLab, w, h, m, roi.x0, roi.y0, radius), faceW: fw, opts }, 1);
  return { alpha: mask.alpha, core, cover };
}

function mean(alpha: Float32Array, where: Uint8Array): number {
  let c = 0, s = 0;
  for (let i = 0; i < alpha.length; i++) if (where[i]) { c++; s += alpha[i]; }
  return c ? s / c : NaN;
}

test('hands: off by default, and off is the old mask exactly', () => {
  assert.equal(DEFAULT_MASK.hands, 0);
  const a = masks(0, false), b = masks(0, true);
  assert.deepEqual(b.alpha, a.alpha);
});

test('hands: a skin-coloured hand on the cheek stays the template\'s; alpha 0 outside the cover', () => {
  const off = masks(0, true);
  const on = masks(1, true);
  let count = 0;
  for (const v of on.core) count += v;
  assert.ok(count > 200, `hand core ${count} px`);
  // Old code: the colour test passes the hand, the source's fingers are drawn (alpha ≈ 1).
  assert.ok(mean(off.alpha, off.core) > 0.6, `off ${mean(off.alpha, off.core)}`);
  assert.ok(mean(on.alpha, on.core) < 0.1, `on ${mean(on.alpha, on.core)}`);
  for (let i = 0; i < on.alpha.length; i++) if (!on.cover[i]) assert.equal(on.alpha[i], 0);
  // The rest of the face is still the source's: the right cheek.
  const right = new Uint8Array(on.alpha.length);
  const fw = fwOf(mesh);
  const roi = roiAround(mesh, size.width, size.height, Math.round(0.08 * fw) + 4);
  const cx = Math.round(mesh[454][0] - 0.2 * fw - roi.x0), cy = Math.round(mesh[454][1] - roi.y0);
  for (let y = cy - 5; y <= cy + 5; y++) for (let x = cx - 5; x <= cx + 5; x++) right[y * roi.w + x] = 1;
  assert.ok(mean(on.alpha, right) > 0.9, `right cheek ${mean(on.alpha, right)}`);
});

test('handPlane: the source\'s hand moves with the face\'s warp; the template\'s stays put', () => {
  const fw = fwOf(mesh);
  const roi = roiAround(mesh, size.width, size.height, Math.round(0.2 * fw));
  const kp = hand(mesh[234][0] + 0.22 * fw, mesh[234][1] + 0.45 * fw, 0.3 * fw);
  const dx = 7, dy = 4;
  const dst = mesh.map((p) => [p[0] + dx, p[1] + dy]);
  const src = handPlane(roi, {}, { hands: [kp], mesh, width: size.width, height: size.height }, dst, tri, 0.22)!;
  const tpl = handPlane(roi, { hands: [kp] }, { mesh, width: size.width, height: size.height }, dst, tri, 0.22)!;
  // Centroids: the warped source hand (inside the mesh) is the template-frame hand moved by (dx, dy).
  const centroid = (p: Uint8Array, only?: Uint8Array) => {
    let c = 0, sx = 0, sy = 0;
    for (let i = 0; i < p.length; i++) if (p[i] && (!only || only[i])) { c++; sx += i % roi.w; sy += Math.floor(i / roi.w); }
    return [sx / c, sy / c, c];
  };
  // The template's hand where it is (all of it); the source's only where the face's mesh reaches.
  const moved = new Uint8Array(tpl.length);
  for (let i = 0; i < tpl.length; i++) {
    const x = i % roi.w, y = Math.floor(i / roi.w);
    if (tpl[i] && x + dx < roi.w && y + dy < roi.h) moved[(y + dy) * roi.w + x + dx] = 1;
  }
  const [ax, ay, ac] = centroid(src);
  const [bx, by] = centroid(moved, src);
  assert.ok(ac > 200);
  assert.ok(Math.abs(ax - bx) < 1.5 && Math.abs(ay - by) < 1.5, `${ax},${ay} vs ${bx},${by}`);
  let inside = 0;
  for (let i = 0; i < src.length; i++) if (src[i] && moved[i]) inside++;
  assert.ok(inside / ac > 0.97, `overlap ${inside / ac}`);
});

test('plausibleHands: a "hand" wholly inside the face (the skeleton model on a nose) is dropped', () => {
  const fw = fwOf(mesh);
  const onCheek = hand(mesh[234][0] + 0.22 * fw, mesh[234][1] + 0.45 * fw, 0.3 * fw);
  // Wrist on the nose tip, fingers up the nose: all inside the oval.
  const onNose = hand(mesh[1][0], mesh[1][1], 0.3 * fw);
  const tiny = hand(mesh[234][0] + 0.22 * fw, mesh[234][1] + 0.45 * fw, 0.05 * fw);
  const kept = plausibleHands([onCheek, onNose, tiny], mesh, { outside: 1, minPalm: 0.15 });
  assert.deepEqual(kept, [onCheek]);
  assert.equal(plausibleHands([onNose], mesh, { outside: 0, minPalm: 0.15 }).length, 1);
});

test('hands off (the default): no hand or body model is loaded or run by a swap', async () => {
  assert.equal(DEFAULT_MASK.handDetect.pose, 0);
  const d = await engine.swapDetailed({ source: await faceB(), target: await faceB() } as never);
  assert.equal(d.result.timings.hands, undefined);
  const a = engine.faceAnalyser as unknown as { handsReady?: unknown; bodyReady?: unknown; skeletonReady?: unknown };
  assert.equal(a.handsReady, undefined);
  assert.equal(a.bodyReady, undefined);
  assert.equal(a.skeletonReady, undefined);
});
