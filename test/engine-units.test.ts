// The engine's pure parts, without models: geometry, raster maths, checks, cache, codecs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { pickFace, squareWindows, DEFAULT_LIMITS, type Face } from '../src/engine/analyse.ts';
import { TemplateCache } from '../src/engine/cache.ts';
import { decodeImage, encodeImage } from '../src/engine/image.ts';
import { membrane } from '../src/engine/blend.ts';
import { labToRgb, rgbToLab, boxBlur, localMinMax } from '../src/engine/raster.ts';
import { warpTriangles } from '../src/engine/warp.ts';
import { DEFAULT_SWAP, destinationMesh, mergeSwapOptions } from '../src/engine/swap.ts';
import { fitSimilarity3d } from '../src/engine/similarity3d.ts';
import { FACE_OVAL } from '../src/engine/regions.ts';
import { DEFAULT_COLOUR, matchColour } from '../src/engine/colour.ts';
import { ServiceError } from '../src/jobs/errors.ts';

function fakeFace(x: number, y: number, size: number, angles = { yaw: 0, pitch: 0, roll: 0 }): Face {
  return { box: [x, y, size, size], score: 1, mesh: [], angles, landmarks5: [] };
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof ServiceError ? err.errorName : String(err);
  }
  return undefined;
}

test('pickFace: none, several comparable, one dominant, too small, turned', () => {
  const img = { width: 1000, height: 1000 };
  const L = DEFAULT_LIMITS;
  assert.equal(codeOf(() => pickFace([], img, 'source', L)), 'NoFaceInSource');
  assert.equal(codeOf(() => pickFace([], img, 'target', L)), 'NoFaceInTarget');
  assert.equal(codeOf(() => pickFace([fakeFace(0, 0, 300), fakeFace(500, 0, 250)], img, 'source', L)), 'MultipleFacesInSource');
  assert.equal(codeOf(() => pickFace([fakeFace(0, 0, 300), fakeFace(500, 0, 250)], img, 'target', L)), 'MultipleFacesInTarget');
  // A bystander a quarter the area (half the side) or less does not count.
  assert.equal(pickFace([fakeFace(0, 0, 300), fakeFace(500, 0, 140)], img, 'source', L).box[2], 300);
  assert.equal(codeOf(() => pickFace([fakeFace(0, 0, 50)], { width: 200, height: 200 }, 'source', L)), 'FaceTooSmall');
  assert.equal(codeOf(() => pickFace([fakeFace(0, 0, 80)], { width: 2000, height: 2000 }, 'source', L)), 'FaceTooSmall');
  assert.equal(codeOf(() => pickFace([fakeFace(0, 0, 300, { yaw: 50, pitch: 0, roll: 0 })], img, 'source', L)), 'FaceAngleTooLarge');
  assert.equal(codeOf(() => pickFace([fakeFace(0, 0, 300, { yaw: 0, pitch: -40, roll: 0 })], img, 'target', L)), 'FaceAngleTooLarge');
  assert.equal(codeOf(() => pickFace([fakeFace(0, 0, 300, { yaw: 20, pitch: 10, roll: 60 })], img, 'target', L)), undefined);
});

test('squareWindows: near-square images are one window; tall ones one letterboxed square, or overlapping squares', () => {
  assert.deepEqual(squareWindows(1000, 1200), [{ x0: 0, y0: 0, w: 1000, h: 1200 }]);
  assert.deepEqual(squareWindows(970, 2204), [{ x0: -617, y0: 0, w: 2204, h: 2204 }]);
  assert.deepEqual(squareWindows(1200, 599), [{ x0: 0, y0: -301, w: 1200, h: 1200 }]);
  const wins = squareWindows(970, 2204, 2);
  assert.ok(wins.length >= 3);
  for (const w of wins) assert.equal(w.w, w.h);
  assert.equal(wins[0].y0, 0);
  assert.equal(wins[wins.length - 1].y0 + wins[wins.length - 1].h, 2204);
  for (let i = 1; i < wins.length; i++) assert.ok(wins[i].y0 - wins[i - 1].y0 <= 970 / 2 + 1, 'half-window overlap');
  const wide = squareWindows(1200, 599, 1.5);
  assert.equal(wide[wide.length - 1].x0 + wide[wide.length - 1].w, 1200);
});

test('TemplateCache: LRU by bytes, and entries without embeddings miss when one is needed', () => {
  const entry = (px: number) => ({ img: { width: px, height: 1, data: new Uint8Array(px * 3), format: 'png' as const }, faces: [], withEmbedding: false });
  const c = new TemplateCache(1000);
  c.set('a', entry(100));
  c.set('b', entry(100));
  assert.ok(c.get('a', false));
  c.set('c', entry(200)); // 300 + 300 + 600 > 1000: evicts the least recent, b
  assert.equal(c.get('b', false), undefined);
  assert.ok(c.get('a', false));
  assert.ok(c.get('c', false));
  assert.equal(c.get('a', true), undefined);
  new TemplateCache(0).set('x', entry(1));
});

test('warpTriangles: identical source and destination points reproduce the image', () => {
  const w = 40;
  const h = 30;
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37) % 251;
  const img = { width: w, height: h, data, format: 'png' as const };
  const pts = [[2, 2], [38, 2], [38, 28], [2, 28]];
  const out = warpTriangles(img, pts, pts, [0, 1, 2, 0, 2, 3], { x0: 0, y0: 0, w, h });
  let covered = 0;
  for (let i = 0; i < w * h; i++) {
    if (!out.cover[i]) continue;
    covered++;
    for (let k = 0; k < 3; k++) assert.ok(Math.abs(out.rgb[i * 3 + k] - data[i * 3 + k]) < 1e-3);
    assert.ok(Math.abs(out.stretch[i] - 1) < 1e-6);
  }
  assert.ok(covered >= 36 * 26);
});

test('membrane: a constant edge mismatch gives that constant inside', () => {
  const w = 64;
  const h = 48;
  const n = w * h;
  const src = new Float32Array(n * 3).fill(100);
  const tgt = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    tgt[i * 3] = 110;
    tgt[i * 3 + 1] = 90;
    tgt[i * 3 + 2] = 100;
  }
  const inside = new Float32Array(n);
  const ring = new Uint8Array(n).fill(1);
  for (let y = 10; y < 38; y++) for (let x = 10; x < 54; x++) inside[y * w + x] = 1;
  const d = membrane(src, tgt, inside, ring, w, h, 100);
  for (let i = 0; i < n; i++) {
    if (!inside[i]) continue;
    assert.ok(Math.abs(d[i * 3] - 10) < 0.5 && Math.abs(d[i * 3 + 1] + 10) < 0.5 && Math.abs(d[i * 3 + 2]) < 0.5, `pixel ${i}: ${d[i * 3]}`);
  }
});

test('Lab round trip and box blur', () => {
  const n = 500;
  const rgb = new Float32Array(n * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 97) % 256;
  const [L, A, B] = rgbToLab(rgb, n);
  const back = labToRgb(L, A, B, new Float32Array(n * 3));
  for (let i = 0; i < rgb.length; i++) assert.ok(Math.abs(back[i] - rgb[i]) < 0.6, `${rgb[i]} → ${back[i]}`);
  const flat = boxBlur(new Float32Array(100).fill(3), 10, 10, 3);
  for (const v of flat) assert.ok(Math.abs(v - 3) < 1e-5);
});

test('fitSimilarity3d recovers a 3-D rotation, scale and shift', () => {
  const a = [[0, 0, 0], [10, 0, 1], [0, 10, 2], [7, 3, -4], [2, 8, 6]];
  const [ux, uy, uz] = [0.3, 0.8, 0.52].map((v, _, all) => v / Math.hypot(...all));
  const c = Math.cos(0.7), s = Math.sin(0.7);
  const R = [
    [c + ux * ux * (1 - c), ux * uy * (1 - c) - uz * s, ux * uz * (1 - c) + uy * s],
    [uy * ux * (1 - c) + uz * s, c + uy * uy * (1 - c), uy * uz * (1 - c) - ux * s],
    [uz * ux * (1 - c) - uy * s, uz * uy * (1 - c) + ux * s, c + uz * uz * (1 - c)],
  ];
  const b = a.map((p) => R.map((r, k) => 1.5 * (r[0] * p[0] + r[1] * p[1] + r[2] * p[2]) + [5, -2, 3][k]));
  const f = fitSimilarity3d(a, b);
  for (let i = 0; i < a.length; i++) {
    const q = f(a[i]);
    for (let k = 0; k < 3; k++) assert.ok(Math.abs(q[k] - b[i][k]) < 1e-9, `point ${i} axis ${k}: ${q[k]} vs ${b[i][k]}`);
  }
});

test("destinationMesh: identity shape takes the source's proportions without its head pose", () => {
  // The source is the template's own face, turned 25° about the vertical axis and scaled: with
  // the pose removed nothing is left to move, so every destination point stays the template's.
  // A synthetic mesh: the oval on a circle, every other point well inside it.
  const oval = new Set(FACE_OVAL);
  const template = Array.from({ length: 468 }, (_, i) =>
    oval.has(i) ? [200 + 100 * Math.cos(i), 220 + 100 * Math.sin(i), 0] : [200 + 40 * Math.cos(i * 2.4) * ((i % 7) / 7), 220 + 40 * Math.sin(i * 1.7) * ((i % 5) / 5), 30 * Math.cos(i)],
  );
  const c = Math.cos(0.44), s = Math.sin(0.44);
  const turned = template.map(([x, y, z]) => [0.8 * (c * x + s * z) + 40, 0.8 * y - 10, 0.8 * (-s * x + c * z)]);
  const dst = destinationMesh(turned, template, 1);
  for (let i = 0; i < 468; i++) assert.ok(Math.hypot(dst[i][0] - template[i][0], dst[i][1] - template[i][1]) < 1e-6, `point ${i} moved`);
  // A real difference in proportions (eyes set wider in the source) does move the inner points.
  const wider = turned.map((p, i) => (i === 33 || i === 263 ? [p[0] + (i === 33 ? -8 : 8), p[1], p[2]] : p));
  const moved = destinationMesh(wider, template, 1);
  assert.ok(Math.hypot(moved[33][0] - template[33][0], moved[33][1] - template[33][1]) > 1, 'the eye corner moves');
  for (const i of FACE_OVAL) assert.deepEqual(moved[i], [template[i][0], template[i][1]], "the outline stays the template's");
});

test('decodeImage: codes for bad input; PNG alpha survives the round trip', async () => {
  await assert.rejects(decodeImage(new TextEncoder().encode('hello')), (e: unknown) => e instanceof ServiceError && e.errorName === 'ImageFormatUnsupported');
  const gif = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#f00' } }).gif().toBuffer();
  await assert.rejects(decodeImage(gif), (e: unknown) => e instanceof ServiceError && e.errorName === 'ImageFormatUnsupported');
  const big = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#0f0' } }).png().toBuffer();
  await assert.rejects(decodeImage(big, 10_000), (e: unknown) => e instanceof ServiceError && e.errorName === 'ImageTooLarge');

  const rgba = await sharp({ create: { width: 16, height: 12, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 0.5 } } }).png().toBuffer();
  const img = await decodeImage(rgba);
  assert.equal(img.format, 'png');
  assert.ok(img.alpha);
  const out = await encodeImage(img);
  const back = await sharp(out).raw().toBuffer({ resolveWithObject: true });
  assert.equal(back.info.channels, 4);
  assert.deepEqual([...back.data.subarray(0, 4)], [10, 20, 30, 128]);
  const jpeg = await encodeImage({ ...img, alpha: undefined, format: 'jpeg' });
  assert.equal((await sharp(jpeg).metadata()).format, 'jpeg');
});

test('mask feathering: the windowed hole feather equals the full one, and is 0 in the holes', async () => {
  const { feather, featherHoles } = await import('../src/engine/mask.ts');
  const w = 120;
  const h = 90;
  const m = new Float32Array(w * h).fill(1);
  for (let y = 40; y < 52; y++) for (let x = 50; x < 80; x++) m[y * w + x] = 0; // a "mouth"
  for (let y = 0; y < 6; y++) for (let x = 0; x < 10; x++) m[y * w + x] = 0; // a patch at the corner
  const full = feather(m, w, h, 5);
  const win = featherHoles(m, w, h, 5);
  let diff = 0;
  for (let i = 0; i < m.length; i++) {
    diff = Math.max(diff, Math.abs(full[i] - win[i]));
    if (!m[i]) assert.equal(win[i], 0);
  }
  assert.ok(diff < 1e-5, `max difference ${diff}`);
  assert.ok(win[20 * w + 100] === 1, 'far from holes stays 1');
});

test('membrane band and outliers: the correction fades to 0 deep inside; a beard-like edge sample is ignored', () => {
  const w = 120;
  const h = 120;
  const n = w * h;
  const src = new Float32Array(n * 3).fill(100);
  const tgt = new Float32Array(n * 3).fill(120); // +20 everywhere on the edge…
  // …except a strip along the bottom edge where the template is 80 darker (a beard).
  for (let y = 100; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < 3; k++) tgt[(y * w + x) * 3 + k] = 40;
  const inside = new Float32Array(n);
  const ring = new Uint8Array(n).fill(1);
  for (let y = 10; y < 100; y++) for (let x = 10; x < 110; x++) inside[y * w + x] = 1;
  const faceW = 100;
  const plain = membrane(src, tgt, inside, ring, w, h, faceW, { cell: 2, iterations: 400 });
  const robust = membrane(src, tgt, inside, ring, w, h, faceW, { cell: 2, iterations: 400, band: 0.15, outlier: 18 });
  const at = (d: Float32Array, x: number, y: number) => d[(y * w + x) * 3];
  // Plain membrane: the dark strip pulls the lower face down.
  assert.ok(at(plain, 60, 92) < 0, `plain near the beard: ${at(plain, 60, 92)}`);
  // Robust: the strip is left out, so the edge correction is +20 near the edge…
  assert.ok(Math.abs(at(robust, 60, 12) - 20) < 3, `robust at the top edge: ${at(robust, 60, 12)}`);
  assert.ok(at(robust, 60, 97) > 10, `robust near the beard: ${at(robust, 60, 97)}`);
  // …and 0 deep inside (more than the band from every edge).
  assert.ok(Math.abs(at(robust, 60, 55)) < 0.5, `robust at the centre: ${at(robust, 60, 55)}`);
});

test('keepConnectedToEdge: hair touching the edge stays, an inner blob (a brow) is dropped', async () => {
  const { keepConnectedToEdge } = await import('../src/engine/mask.ts');
  const w = 50;
  const h = 50;
  const hard = new Float32Array(w * h);
  for (let y = 5; y < 45; y++) for (let x = 5; x < 45; x++) hard[y * w + x] = 1;
  const occ = new Float32Array(w * h);
  for (let y = 5; y < 12; y++) for (let x = 5; x < 20; x++) occ[y * w + x] = 1; // fringe from the top-left edge
  for (let y = 20; y < 24; y++) for (let x = 25; x < 35; x++) occ[y * w + x] = 1; // brow inside
  keepConnectedToEdge(occ, hard, w, h);
  assert.equal(occ[8 * w + 10], 1);
  assert.equal(occ[11 * w + 19], 1);
  assert.equal(occ[22 * w + 30], 0);
});

test('keepBridgedToEdge: in the zone, a tuft a narrow gap from the edge-connected beard stays (its own pixels only); one far off, or outside the zone, is dropped', async () => {
  const { keepBridgedToEdge } = await import('../src/engine/mask.ts');
  const w = 60, h = 60;
  const hard = new Float32Array(w * h), zone = new Uint8Array(w * h);
  for (let y = 5; y < 55; y++) for (let x = 5; x < 55; x++) { hard[y * w + x] = 1; if (y >= 30) zone[y * w + x] = 1; }
  const occ = new Float32Array(w * h);
  const box = (x0: number, y0: number, x1: number, y1: number) => { for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) occ[y * w + x] = 1; };
  box(5, 45, 55, 55); // the chin's beard, from the bottom edge
  box(25, 38, 35, 42); // a soul patch 3 px above it
  box(25, 31, 30, 34); // a tuft 4 px above that: bridged too (a chain)
  box(40, 20, 45, 24); // a brow-like blob above the zone, 2 px from nothing: dropped
  box(12, 33, 16, 36); // in the zone but 9 px from the beard: dropped
  keepBridgedToEdge(occ, hard, zone, w, h, 2);
  assert.equal(occ[50 * w + 30], 1);
  assert.equal(occ[40 * w + 30], 1);
  assert.equal(occ[32 * w + 27], 1);
  assert.equal(occ[43 * w + 30], 0, 'the gap itself is not kept');
  assert.equal(occ[22 * w + 42], 0);
  assert.equal(occ[34 * w + 14], 0);
});

test("matchColour: a source lit hard from one side takes more of an evenly lit template's shading", () => {
  const w = 200, h = 200, n = w * h;
  const plane = (f: (x: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i % w));
  const template = () => [plane(() => 60), plane(() => 12), plane(() => 14)] as [Float32Array, Float32Array, Float32Array];
  // Bright left half, shadowed right half.
  const source = () => [plane((x) => (x < 100 ? 75 : 35)), plane(() => 12), plane(() => 14)] as [Float32Array, Float32Array, Float32Array];
  const weight = new Float32Array(n).fill(1);
  const sideStep = (L: Float32Array) => {
    let left = 0, right = 0;
    for (let y = 0; y < h; y++) for (let x = 0; x < 80; x++) {
      left += L[y * w + x];
      right += L[y * w + w - 1 - x];
    }
    return Math.abs(left - right) / (80 * h);
  };
  const withAuto = source();
  matchColour(withAuto, template(), weight, w, h, 200, DEFAULT_COLOUR);
  const without = source();
  matchColour(without, template(), weight, w, h, 200, { ...DEFAULT_COLOUR, detailLightingAuto: 0 });
  assert.ok(sideStep(withAuto[0]) < 0.6 * sideStep(without[0]), `step ${sideStep(withAuto[0]).toFixed(1)} vs ${sideStep(without[0]).toFixed(1)}`);

  // An evenly lit source is left to the coarse match alone: both settings give the same pixels.
  const even = () => [plane((x) => 50 + x / 20), plane(() => 12), plane(() => 14)] as [Float32Array, Float32Array, Float32Array];
  const a = even(), b = even();
  matchColour(a, template(), weight, w, h, 200, DEFAULT_COLOUR);
  matchColour(b, template(), weight, w, h, 200, { ...DEFAULT_COLOUR, detailLightingAuto: 0 });
  assert.deepEqual(a[0], b[0]);
});

test('stage options: a patch lays over the defaults at any depth; an unknown or mistyped knob is refused by name', () => {
  const m = mergeSwapOptions(DEFAULT_SWAP, { colour: { lowerFace: 1 } }, { mask: { strands: { energy: 0 } } });
  assert.equal(m.colour.lowerFace, 1);
  assert.equal(m.colour.lightingSigma, DEFAULT_SWAP.colour.lightingSigma);
  assert.equal(m.mask.strands.energy, 0);
  assert.equal(m.mask.strands.coherence, DEFAULT_SWAP.mask.strands.coherence);
  assert.equal(DEFAULT_SWAP.colour.lowerFace, 0, 'the defaults are not changed');
  assert.throws(() => mergeSwapOptions(DEFAULT_SWAP, { colour: { lowerFac: 1 } }), /unknown engine option swap\.colour\.lowerFac/);
  assert.throws(() => mergeSwapOptions(DEFAULT_SWAP, { colour: { lowerFace: 'yes' } }), /swap\.colour\.lowerFace: expected a number/);
  assert.throws(() => mergeSwapOptions(DEFAULT_SWAP, { colour: 1 }), /swap\.colour: expected an object/);
});

test('localMinMax: the windowed min and max equal a brute-force scan, windows clipped to the given box, other pixels untouched', () => {
  const w = 37, h = 29, n = w * h;
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 255;
  const v = Float32Array.from({ length: n }, rand);
  for (const r of [1, 3, 6]) {
    const [cx0, cy0, cx1, cy1] = [2, 3, 33, 26];
    const [x0, y0, x1, y1] = [5, 4, 30, 25];
    const lo = new Float32Array(n).fill(-1), hi = new Float32Array(n).fill(-1);
    localMinMax(v, w, r, x0, y0, x1, y1, cx0, cy0, cx1, cy1, lo, hi, new Float32Array(n), new Float32Array(n));
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        if (x < x0 || x > x1 || y < y0 || y > y1) {
          assert.equal(lo[i], -1);
          continue;
        }
        let a = Infinity, b = -Infinity;
        for (let yy = Math.max(cy0, y - r); yy <= Math.min(cy1, y + r); yy++) {
          for (let xx = Math.max(cx0, x - r); xx <= Math.min(cx1, x + r); xx++) {
            a = Math.min(a, v[yy * w + xx]);
            b = Math.max(b, v[yy * w + xx]);
          }
        }
        assert.equal(lo[i], a, `lo at ${x},${y}, r ${r}`);
        assert.equal(hi[i], b, `hi at ${x},${y}, r ${r}`);
      }
    }
  }
});
