// mask.sideHair: the source's hair along the face's sides where colour cannot tell it (dark hair
// over dark skin, a greyscale photo), by lightness against the local skin, and its loose edge.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { capPerSide, growInto, localSkinRatio, DEFAULT_SIDE_HAIR, DEFAULT_HAIR_EDGE, DEFAULT_STUBBLE, distanceFeather, growHair, stubbleMap, upsampleKeep, type HairLike } from '../src/engine/hair.ts';
import { buildMaskAt, DEFAULT_MASK } from '../src/engine/mask.ts';
import { skinModel } from '../src/engine/skin.ts';
import { roiAround } from '../src/engine/warp.ts';
import { fillPolygon } from '../src/engine/raster.ts';
import { FACE_OVAL, LIPS_OUTER } from '../src/engine/regions.ts';
import { createDefaultEngine, type DefaultEngine } from '../src/engine/index.ts';
import { decodeImage } from '../src/engine/image.ts';
import { faceA, faceB, faceBPlane } from './engine-fixtures.ts';

test('localSkinRatio: hair is far darker than the skin next to it and of less chroma, a soft shadow is neither', () => {
  const w = 120, h = 80, n = w * h;
  const L = new Float32Array(n), A = new Float32Array(n), B = new Float32Array(n), cover = new Uint8Array(n).fill(1), skin = new Uint8Array(n);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      // Skin lit from the left (L 70 → 50: a shadow, its chroma falling a little), a dark strip of
      // low-chroma hair (L 22) on the right.
      const hair = x >= 100;
      L[i] = hair ? 22 : 70 - (20 * x) / 100;
      A[i] = B[i] = hair ? 2 : 15 - (2 * x) / 100;
      if (!hair) skin[i] = 1;
    }
  }
  const r = localSkinRatio([L, A, B], cover, skin, w, h, 200, 0.06);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < 95; x++) assert.ok(r.light[y * w + x] > 0.9 && r.chroma[y * w + x] > 0.9, `skin at ${x}: ${r.light[y * w + x]}, ${r.chroma[y * w + x]}`);
    for (let x = 102; x < 112; x++) assert.ok(r.light[y * w + x] < 0.5 && r.chroma[y * w + x] < 0.3, `hair at ${x}: ${r.light[y * w + x]}, ${r.chroma[y * w + x]}`);
  }
  // No skin reference: 1 (nothing is called dark). A greyscale source: chroma ratio 0 (no test).
  const none = localSkinRatio([L, A, B], cover, new Uint8Array(n), w, h, 200, 0.06);
  assert.ok(none.light.every((v) => v === 1));
  const grey = localSkinRatio([L, new Float32Array(n), new Float32Array(n)], cover, skin, w, h, 200, 0.06);
  assert.ok(grey.chroma.every((v) => v === 0));
});

test('growInto: seeds grow only through weak pixels inside, by at most `steps`', () => {
  const w = 40, h = 10, n = w * h;
  const occ = new Float32Array(n), seed = new Uint8Array(n), weak = new Uint8Array(n), inside = new Float32Array(n).fill(1);
  for (let y = 0; y < h; y++) {
    occ[y * w] = 1; seed[y * w] = 1; // a seeded column at x = 0
    occ[y * w + 39] = 1; // an unseeded one (the template's hair) at x = 39
    for (let x = 1; x < 39; x++) weak[y * w + x] = x !== 20 ? 1 : 0; // weak everywhere but x = 20
  }
  growInto(occ, seed, weak, inside, w, h, 5);
  for (let y = 0; y < h; y++) {
    for (let x = 1; x <= 5; x++) assert.equal(occ[y * w + x], 1);
    for (let x = 6; x < 39; x++) assert.equal(occ[y * w + x], 0, `x ${x}`);
  }
  // A break in the weak pixels stops it.
  const o2 = new Float32Array(n);
  for (let y = 0; y < h; y++) { o2[y * w] = 1; }
  growInto(o2, seed, weak, inside, w, h, 30);
  for (let y = 0; y < h; y++) {
    assert.equal(o2[y * w + 19], 1);
    assert.equal(o2[y * w + 21], 0);
  }
});

test('capPerSide: past the cap, only the outermost of what is given back beyond the base stays so, per side', () => {
  const w = 100, h = 10, n = w * h;
  const hard = new Float32Array(n).fill(1), base = new Float32Array(n), occ = new Float32Array(n), sides = new Uint8Array(n), lat = new Float32Array(n);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      sides[i] = x < 50 ? 1 : 2;
      lat[i] = Math.abs(x + 0.5 - 50);
      // Left: columns 0..19 given back (20 % of the face), column 0 already by the base. Right: columns 97..99 (3 %).
      if (x < 20 || x >= 97) occ[i] = 1;
      if (x === 0) base[i] = 1;
    }
  }
  capPerSide(occ, base, hard, sides, 0.05, () => lat);
  let left = 0, right = 0;
  for (let i = 0; i < n; i++) if (occ[i] && !base[i]) (sides[i] === 1 ? left++ : right++);
  assert.equal(left, 50);
  assert.equal(right, 30);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < 6; x++) assert.equal(occ[y * w + x], 1, 'the outermost stay given back');
    for (let x = 6; x < 20; x++) assert.equal(occ[y * w + x], 0, 'the inner part goes back to the source');
  }
});

let off: DefaultEngine, on: DefaultEngine;
before(async () => {
  off = createDefaultEngine({ warmup: false, swap: { mask: { sideHair: { rim: 0, dark: 0, grow: 0 } } } });
  on = createDefaultEngine({ warmup: false, swap: { mask: { sideHair: { rim: 0, dark: 0.6, grow: 0.03 } } } });
  await Promise.all([off.init(), on.init()]);
});
after(async () => {
  await off.close();
  await on.close();
});

test('sideHair: the defaults are what the docs say', () => {
  assert.equal(DEFAULT_MASK.sideHair, DEFAULT_SIDE_HAIR);
  for (const k of ['rim', 'dark', 'darkChroma', 'sigma', 'grow', 'weak', 'weakDark', 'lateral'] as const) assert.equal(typeof DEFAULT_SIDE_HAIR[k], 'number');
});

/**
 * The mask on a real mesh (faceB's) with synthetic Lab planes: a pale template, a greyscale
 * source of even skin (L 75) — and, when `hair`, a strip of dark hair (L 32, fine strands) along
 * the image-right side of the face from the eye line to the mouth, reaching in from the oval.
 */
async function maskOf(hair: boolean, side: Partial<typeof DEFAULT_SIDE_HAIR>, extra: Partial<typeof DEFAULT_MASK> = {}) {
  const img = await decodeImage(await faceB());
  const m = (await off.faceAnalyser.detect(img, { embedding: false }))[0].mesh.slice(0, 468);
  const fw = Math.hypot(m[454][0] - m[234][0], m[454][1] - m[234][1]);
  const roi = roiAround(m, img.width, img.height, Math.round(0.08 * fw) + 4);
  const { w, h } = roi, n = w * h;
  const cover = new Uint8Array(n);
  fillPolygon(cover, w, h, FACE_OVAL.map((i) => [m[i][0] - roi.x0, m[i][1] - roi.y0]), 1);
  const tLab: [Float32Array, Float32Array, Float32Array] = [new Float32Array(n).fill(70), new Float32Array(n).fill(14), new Float32Array(n).fill(16)];
  const sLab: [Float32Array, Float32Array, Float32Array] = [new Float32Array(n).fill(75), new Float32Array(n), new Float32Array(n)];
  const xr = m[454][0] - roi.x0, ye = (m[33][1] + m[263][1]) / 2 - roi.y0, ym = m[14][1] - roi.y0;
  const inStrip = (x: number, y: number) => y >= ye && y <= ym && x >= xr - 0.14 * fw;
  if (hair) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (inStrip(x, y)) sLab[0][y * w + x] = 32 + (x % 3 === 0 ? 10 : 0);
  for (let i = 0; i < n; i++) if (!cover[i]) tLab[0][i] = tLab[1][i] = tLab[2][i] = sLab[0][i] = 0;
  // sideHair alone: the kept hair's full-size edge (hairEdge) is tested on its own below.
  const opts = { ...DEFAULT_MASK, hairEdge: { ...DEFAULT_HAIR_EDGE, smooth: 0 }, sideHair: { ...DEFAULT_SIDE_HAIR, ...side }, ...extra };
  const radius = 0.02 * fw;
  const mask = buildMaskAt({ roi, cover, dstMesh: m, targetMesh: m, sourceMesh: m, targetLab: tLab, sourceLab: sLab, targetSkin: skinModel(tLab, w, h, m, roi.x0, roi.y0, radius), sourceSkin: skinModel(sLab, w, h, m, roi.x0, roi.y0, radius), faceW: fw, opts }, 1);
  const strip = new Uint8Array(n);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (inStrip(x, y)) strip[y * w + x] = 1;
  return { alpha: mask.alpha, strip, skin: mask.skin, light: mask.light, ring: mask.ring };
}

// The detector itself, without the gates (the painted strip is wider than the per-side cap).
const ON = { rim: 0, dark: 0.6, grow: 0.03, mouth: 0, cap: 0, hull: 0 };

test('sideHair: dark hair on a greyscale source is carried in without it, stays the template\'s with it', async () => {
  const a = await maskOf(true, { rim: 0, dark: 0, grow: 0 });
  const b = await maskOf(true, ON);
  // Where the hair is carried in without the test (alpha over 0.5 in the strip) ...
  let cnt = 0, sum = 0;
  for (let i = 0; i < a.alpha.length; i++) if (a.strip[i] && a.alpha[i] > 0.5) { cnt++; sum += b.alpha[i]; }
  assert.ok(cnt > 200, `off: the hair is carried in (${cnt} px)`);
  // ... it stays the template's with it.
  assert.ok(sum / cnt < 0.1, `on: mean alpha ${(sum / cnt).toFixed(2)} over the hair`);
  // Only alpha changes: the colour statistics and the blend's edge samples are those without it.
  assert.deepEqual(b.skin, a.skin);
  assert.deepEqual(b.light, a.light);
  assert.deepEqual(b.ring, a.ring);
});

test('sideHair: an even, clean source gets the very same mask', async () => {
  const a = await maskOf(false, { rim: 0, dark: 0, grow: 0 });
  const b = await maskOf(false, ON);
  assert.deepEqual(b.alpha, a.alpha);
});

test('sideHair: a real clean pair keeps (nearly) the same mask; pixels outside it stay the template\'s', async () => {
  const source = await faceB(), target = await faceA();
  const a = await off.swapDetailed({ source, target });
  const b = await on.swapDetailed({ source, target });
  let diff = 0, total = 0;
  for (let i = 0; i < a.swap.alpha.length; i++) {
    total += a.swap.alpha[i];
    diff += Math.abs(a.swap.alpha[i] - b.swap.alpha[i]);
  }
  assert.ok(diff / total < 0.02, `alpha moved by ${((100 * diff) / total).toFixed(2)} %`);
  const { roi } = b.swap, t = b.template.data, r = b.raw.data;
  for (let y = 0; y < b.raw.height; y++) {
    for (let x = 0; x < b.raw.width; x++) {
      const inRoi = x >= roi.x0 && y >= roi.y0 && x < roi.x0 + roi.w && y < roi.y0 + roi.h;
      if (inRoi && b.swap.alpha[(y - roi.y0) * roi.w + (x - roi.x0)] > 0) continue;
      const o = (y * b.raw.width + x) * 3;
      assert.ok(r[o] === t[o] && r[o + 1] === t[o + 1] && r[o + 2] === t[o + 2], `pixel ${x},${y} changed outside the mask`);
    }
  }
});

/**
 * A dark full beard: the face's lower oval below the nose's base (mesh point 2), moustache
 * included (a moustache is kept only as part of a beard that reaches in from the face's edge).
 * `at`: the moustache's middle, between the nose's base and the upper lip (point 0).
 */
async function withBeard(bytes: Buffer): Promise<{ bytes: Buffer; at: (x: number, y: number) => boolean }> {
  const img = await decodeImage(bytes);
  const [face] = await off.faceAnalyser.detect(img, { embedding: false });
  const [nx, ny] = face.mesh[2]!, [lx, ly] = face.mesh[0]!;
  const arc = FACE_OVAL.map((i) => face.mesh[i]!).filter((p) => p[1] > ny);
  // Closed along the nose's base: the oval's points nearest that height lie lower, at the cheeks.
  const pts = [[arc[0]![0], ny], ...arc, [arc[arc.length - 1]![0], ny]];
  const svg = `<svg width="${img.width}" height="${img.height}" xmlns="http://www.w3.org/2000/svg"><polygon points="${pts.map((p) => `${p[0]},${p[1]}`).join(' ')}" fill="#2a1d16"/></svg>`;
  const halfW = Math.abs(face.mesh[291]![0] - face.mesh[61]![0]) * 0.4;
  const cx = (nx + lx) / 2, cy = (ny + ly) / 2, ry = Math.max(2, (ly - ny) * 0.2);
  const at = (x: number, y: number) => ((x - cx) / halfW) ** 2 + ((y - cy) / ry) ** 2 <= 1;
  const { default: sharp } = await import('sharp');
  return { bytes: await sharp(bytes).composite([{ input: Buffer.from(svg) }]).png().toBuffer(), at };
}

/** Share of the moustache's pixels where the result is the template's (alpha under 0.1: mask.hairEdge's round feather leaves a trace of the source near the lip). */
function keptShare(d: Awaited<ReturnType<DefaultEngine['swapDetailed']>>, at: (x: number, y: number) => boolean): number {
  const { roi, alpha } = d.swap;
  let n = 0, kept = 0;
  for (let y = 0; y < roi.h; y++) for (let x = 0; x < roi.w; x++) {
    if (!at(roi.x0 + x, roi.y0 + y)) continue;
    n++;
    if (alpha[y * roi.w + x]! < 0.1) kept++;
  }
  assert.ok(n > 30, `moustache pixels ${n}`);
  return kept / n;
}

test('beard at the mouth: a bearded template keeps its moustache with beardMouth (the source\'s bare lip did not show through)', async () => {
  const engines = await Promise.all([0, 1].map(async (v) => {
    const e = createDefaultEngine({ warmup: false, swap: { mask: { beardMouth: v } } });
    await e.init();
    return e;
  }));
  try {
    const t = await withBeard(await faceB('png'));
    const source = await faceA();
    const kept0 = keptShare(await engines[0]!.swapDetailed({ source, target: t.bytes }), t.at);
    const kept1 = keptShare(await engines[1]!.swapDetailed({ source, target: t.bytes }), t.at);
    // Off, only what mask.hairEdge's growth from the kept cheeks reaches (about a third); on, all of it.
    assert.ok(kept0 < 0.5 && kept1 > 0.9, `template moustache kept: off ${kept0.toFixed(2)}, beardMouth 1 ${kept1.toFixed(2)}`);
  } finally {
    await Promise.all(engines.map((e) => e.close()));
  }
});

test('hairEdge on, stubble off by default', () => {
  assert.equal(DEFAULT_MASK.hairEdge, DEFAULT_HAIR_EDGE);
  assert.equal(DEFAULT_MASK.stubble, DEFAULT_STUBBLE);
  assert.equal(DEFAULT_HAIR_EDGE.smooth, 1);
  assert.equal(DEFAULT_STUBBLE.energy, 0);
});

test('hairEdge: the feather is round (the same at the same Euclidean distance in every direction) and 0 on the kept hair', () => {
  const w = 80, h = 80, keep = new Uint8Array(w * h);
  for (let y = 30; y < 50; y++) for (let x = 30; x < 50; x++) keep[y * w + x] = 1;
  const f = distanceFeather(keep, w, h, 5);
  for (let i = 0; i < keep.length; i++) if (keep[i]) assert.equal(f[i], 0);
  // Straight out from a side and diagonally out from a corner, 6 px away: the same value (a box
  // feather gives the corner the side's value at 6 px along each axis, 8.5 px away).
  const side = f[40 * w + 55], corner = f[Math.round(49 + 6 / Math.SQRT2) * w + Math.round(49 + 6 / Math.SQRT2)];
  assert.ok(Math.abs(side - corner) < 0.08, `side ${side.toFixed(3)}, corner ${corner.toFixed(3)}`);
  assert.ok(side > 0.2 && side < 0.8);
  assert.equal(f[40 * w + 70], 1);
  assert.equal(f[5 * w + 5], 1);
});

test('hairEdge: a diagonal edge on the cells comes back to full size without the cells\' steps', () => {
  const lw = 20, lh = 20, k = 4, w = lw * k, h = lh * k;
  const low = new Float32Array(lw * lh);
  for (let y = 0; y < lh; y++) for (let x = 0; x < lw; x++) if (x < y) low[y * lw + x] = 1;
  const full = upsampleKeep(low, lw, lh, k, new Uint8Array(w * h).fill(1), w, h);
  // Per row, the kept run's end: it moves by about one pixel a row (the cells' copy: k a row every k rows).
  let worst = 0;
  let prev = -1;
  for (let y = 8; y < h - 8; y++) {
    let end = 0;
    for (let x = 0; x < w; x++) if (full[y * w + x]) end = x + 1;
    if (prev >= 0) worst = Math.max(worst, Math.abs(end - prev));
    prev = end;
  }
  assert.ok(worst <= 2, `largest step ${worst} px`);
});

test('hairEdge: the kept hair grows only into hair-coloured pixels outside the guard, by at most `steps`', () => {
  const w = 40, h = 10, n = w * h;
  const keep = new Uint8Array(n), guard = new Uint8Array(n);
  for (let y = 0; y < h; y++) {
    keep[y * w] = keep[y * w + 1] = 1;
    guard[y * w + 30] = 1;
  }
  // Dark (hair-coloured) everywhere but column 20, which is skin in both photos.
  const L = new Float32Array(n).fill(10), A = new Float32Array(n), B = new Float32Array(n);
  for (let y = 0; y < h; y++) [L[y * w + 20], A[y * w + 20], B[y * w + 20]] = [50, 10, 10];
  const skin = Float64Array.of(50, 10, 10, 5, 5, 5);
  const hairy: HairLike = { cover: new Uint8Array(n).fill(1), target: skin, source: skin, z: 2, targetLab: [L, A, B], sourceLab: [L, A, B] };
  growHair(keep, w, h, 3, hairy, guard);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x <= 4; x++) assert.equal(keep[y * w + x], 1, `x ${x}`);
    for (let x = 5; x < w; x++) assert.equal(keep[y * w + x], 0, `x ${x}`);
  }
  growHair(keep, w, h, 100, hairy, guard);
  for (let y = 0; y < h; y++) {
    assert.equal(keep[y * w + 19], 1);
    assert.equal(keep[y * w + 20], 0, 'not hair-coloured: stops');
    assert.equal(keep[y * w + 21], 0);
  }
});

test('stubble: a field of fine dark dots of skin colour is found by texture, smooth skin and a soft shadow are not', () => {
  const w = 200, h = 200, n = w * h;
  const L = new Float32Array(n).fill(70), cover = new Uint8Array(n).fill(1);
  for (let y = 120; y < 180; y++) {
    for (let x = 0; x < w; x++) {
      // Stubble on the right (dots 3 L darker every 3 px, on a faint pore noise), a soft shadow on the left.
      if (x >= 100) L[y * w + x] = (x % 3 === 0 && y % 3 === 0 ? 64 : 70);
      else L[y * w + x] = 70 - 10 * Math.sin((Math.PI * (y - 120)) / 60);
    }
  }
  // Faint grain everywhere (the reference is not 0).
  for (let i = 0; i < n; i++) L[i] += ((i * 7919) % 13) / 13 - 0.5;
  // A mesh whose forehead points sit in the top band.
  const mesh: [number, number][] = Array.from({ length: 468 }, () => [100, 40]);
  const s = stubbleMap(L, cover, w, h, mesh, 0, 0, 200, 3);
  let dots = 0, dn = 0, shade = 0, sn = 0;
  for (let y = 130; y < 170; y++) for (let x = 10; x < 190; x++) {
    if (x >= 110) { dots += s[y * w + x]; dn++; } else if (x < 90) { shade += s[y * w + x]; sn++; }
  }
  assert.ok(dots / dn > 0.9, `stubble found: ${(dots / dn).toFixed(2)}`);
  assert.ok(shade / sn < 0.05, `shadow taken: ${(shade / sn).toFixed(2)}`);
  for (let y = 0; y < 100; y++) for (let x = 0; x < w; x++) assert.equal(s[y * w + x], 0);
});

test('hairEdge: a clean source with nothing kept gets the very same mask', async () => {
  const a = await maskOf(false, {});
  const b = await maskOf(false, {}, { hairEdge: { ...DEFAULT_HAIR_EDGE, smooth: 1 } });
  assert.deepEqual(b.alpha, a.alpha);
});

test('hairEdge: dark hair kept on the source stays kept (alpha 0 where it was), only its edge moves', async () => {
  const a = await maskOf(true, ON);
  const b = await maskOf(true, ON, { hairEdge: { ...DEFAULT_HAIR_EDGE, smooth: 1 } });
  let zeroA = 0, stillZero = 0;
  for (let i = 0; i < a.alpha.length; i++) if (a.strip[i] && a.alpha[i] === 0) { zeroA++; if (b.alpha[i] < 0.05) stillZero++; }
  assert.ok(zeroA > 200 && stillZero / zeroA > 0.95, `${stillZero} / ${zeroA}`);
  assert.deepEqual(b.skin, a.skin);
  assert.deepEqual(b.ring, a.ring);
});

/**
 * mask.beardDark on a real mesh (faceB's) with synthetic Lab planes: a clean pale template and a
 * brown-skinned source (L 55, a 12, b 18) — with `beard`, a dark-brown beard (L 30, a 5, b 7: within
 * the skin model's occluder threshold) over the lower face below the nose's base, lips excluded;
 * with `shadow`, a soft shadow (L 42, chroma kept at 85 %) under the nose and at the mouth's corners.
 */
async function beardMask(beard: boolean, shadow: boolean, dark: number, onTemplate = false, tplDark = 0) {
  const { m, fw, roi, w, h, n, sh, cover } = await faceBPlane(off);
  let tLab: [Float32Array, Float32Array, Float32Array] = [new Float32Array(n).fill(70), new Float32Array(n).fill(14), new Float32Array(n).fill(16)];
  let sLab: [Float32Array, Float32Array, Float32Array] = [new Float32Array(n).fill(55), new Float32Array(n).fill(12), new Float32Array(n).fill(18)];
  // With onTemplate the roles swap: the brown-skinned (bearded, shadowed) face is the template.
  if (onTemplate) [tLab, sLab] = [sLab, tLab];
  const bLab = onTemplate ? tLab : sLab;
  const ny = m[2][1] - roi.y0;
  const lips = new Uint8Array(n);
  fillPolygon(lips, w, h, sh(LIPS_OUTER), 1);
  const zone = new Uint8Array(n);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const i = y * w + x;
    if (!cover[i] || lips[i] || y < ny + 0.01 * fw) continue;
    zone[i] = 1;
    if (beard) { bLab[0][i] = 30 + (x % 3 === 0 ? 6 : 0); bLab[1][i] = 5; bLab[2][i] = 7; }
  }
  if (shadow) {
    // Under the nose (a band above the upper lip) and at the mouth's corners.
    const spots = [[m[2][0], m[2][1] + 0.02 * fw, 0.08 * fw, 0.015 * fw], [m[61][0], m[61][1], 0.025 * fw, 0.025 * fw], [m[291][0], m[291][1], 0.025 * fw, 0.025 * fw]];
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (lips[i]) continue;
      for (const [cx, cy, rx, ry] of spots) if (((x + roi.x0 - cx) / rx) ** 2 + ((y + roi.y0 - cy) / ry) ** 2 <= 1) { bLab[0][i] = 42; bLab[1][i] = 12 * 0.85; bLab[2][i] = 18 * 0.85; }
    }
  }
  for (let i = 0; i < n; i++) if (!cover[i]) for (const p of [...tLab, ...sLab]) p[i] = 0;
  const opts = { ...DEFAULT_MASK, beardDark: { ...DEFAULT_MASK.beardDark, dark, template: tplDark } };
  const radius = 0.02 * fw;
  const mask = buildMaskAt({ roi, cover, dstMesh: m, targetMesh: m, sourceMesh: m, targetLab: tLab, sourceLab: sLab, targetSkin: skinModel(tLab, w, h, m, roi.x0, roi.y0, radius), sourceSkin: skinModel(sLab, w, h, m, roi.x0, roi.y0, radius), faceW: fw, opts }, 1);
  return { alpha: mask.alpha, zone };
}

test('beardDark: on by default, with beardMouth 2', () => {
  assert.equal(DEFAULT_MASK.beardDark.dark, 0.75);
  assert.equal(DEFAULT_MASK.beardMouth, 2);
});

test('beardDark: a dark beard on brown skin passes the colour test and is carried in; with beardDark it is the template\'s', async () => {
  const a = await beardMask(true, false, 0);
  const b = await beardMask(true, false, 0.75);
  let cnt = 0, sum = 0;
  for (let i = 0; i < a.alpha.length; i++) if (a.zone[i] && a.alpha[i] > 0.5) { cnt++; sum += b.alpha[i]; }
  assert.ok(cnt > 500, `off: the beard is carried in (${cnt} px)`);
  assert.ok(sum / cnt < 0.1, `on: mean alpha ${(sum / cnt).toFixed(2)} over the beard`);
});

test('beardDark: a clean source, and one with soft shadows under the nose and at the mouth\'s corners, get the very same mask', async () => {
  for (const shadow of [false, true]) {
    const a = await beardMask(false, shadow, 0);
    const b = await beardMask(false, shadow, 0.75);
    assert.deepEqual(b.alpha, a.alpha);
  }
});

test('beardDark.template: on by default (0.75, bridge 0.03)', () => {
  assert.equal(DEFAULT_MASK.beardDark.template, 0.75);
  assert.equal(DEFAULT_MASK.beardDark.bridge, 0.03);
});

test('beardDark.template: a bearded brown-skinned template\'s dark moustache and goatee pass the colour test and got the source\'s bare lip; with it they stay the template\'s', async () => {
  const a = await beardMask(true, false, 0.75, true, 0);
  const b = await beardMask(true, false, 0.75, true, 0.75);
  let cnt = 0, sum = 0;
  for (let i = 0; i < a.alpha.length; i++) if (a.zone[i] && a.alpha[i] > 0.5) { cnt++; sum += b.alpha[i]; }
  assert.ok(cnt > 500, `off: the source's skin over the beard (${cnt} px)`);
  assert.ok(sum / cnt < 0.1, `on: mean alpha ${(sum / cnt).toFixed(2)} over the beard`);
});

test('beardDark.template: a clean-shaven template, and one with soft shadows under the nose and at the mouth\'s corners, get the very same mask', async () => {
  for (const shadow of [false, true]) {
    const a = await beardMask(false, shadow, 0.75, true, 0);
    const b = await beardMask(false, shadow, 0.75, true, 0.75);
    assert.deepEqual(b.alpha, a.alpha);
  }
});
