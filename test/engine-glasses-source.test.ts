// glasses.source: the source's own glasses painted out of it before the swap, so that a template
// without glasses does not get the source's frames, bent by the warp and cut at the face's edge.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { DEFAULT_GLASSES, glassesMask } from '../src/engine/glasses.ts';
import { boxBlur, rgbToLab } from '../src/engine/raster.ts';
import { createDefaultEngine, type DefaultEngine } from '../src/engine/index.ts';
import { DEFAULT_SWAP } from '../src/engine/swap.ts';
import { DEFAULT_MASK } from '../src/engine/mask.ts';
import { EYE_LEFT, EYE_RIGHT } from '../src/engine/regions.ts';
import { decodeImage } from '../src/engine/image.ts';
import { eyeCircle, faceA, faceB } from './engine-fixtures.ts';

let engine: DefaultEngine;
let painting: DefaultEngine;
let lensing: DefaultEngine;
before(async () => {
  engine = createDefaultEngine({ warmup: false, swap: { ...DEFAULT_SWAP, mask: { ...DEFAULT_MASK, glasses: { ...DEFAULT_GLASSES, source: 0 } } } });
  painting = createDefaultEngine({ warmup: false, swap: { ...DEFAULT_SWAP, mask: { ...DEFAULT_MASK, glasses: { ...DEFAULT_GLASSES, source: 2, sourceLens: 0, sourceClean: 0 } } } });
  lensing = createDefaultEngine({ warmup: false, swap: { ...DEFAULT_SWAP, mask: { ...DEFAULT_MASK, glasses: { ...DEFAULT_GLASSES, source: 2, sourceLens: 1, sourceClean: 1 } } } });
  await Promise.all([engine.init(), painting.init(), lensing.init()]);
  assert.equal(DEFAULT_GLASSES.sourceLens, 1);
  assert.equal(DEFAULT_GLASSES.sourceClean, 1);
});
after(async () => {
  await Promise.all([engine.close(), painting.close(), lensing.close()]);
});

/** A portrait with rectangular dark frames drawn around both eyes (and a bridge). */
async function withFrames(bytes: Buffer, tint = 0): Promise<Buffer> {
  const img = await decodeImage(bytes);
  const [face] = await engine.faceAnalyser.detect(img, { embedding: false });
  const eye = (ids: number[]) => eyeCircle(face.mesh, ids);
  const [a, b] = [eye(EYE_LEFT), eye(EYE_RIGHT)].sort((p, q) => p.cx - q.cx);
  const sw = Math.max(2, a.r * 0.25);
  const lens = (e: { cx: number; cy: number; r: number }) =>
    `<rect x="${e.cx - 1.8 * e.r}" y="${e.cy - 1.3 * e.r}" width="${3.6 * e.r}" height="${2.6 * e.r}" rx="${0.5 * e.r}" stroke="#181818" stroke-width="${sw}" fill="${tint ? '#000' : 'none'}" fill-opacity="${tint}"/>`;
  const svg = `<svg width="${img.width}" height="${img.height}" xmlns="http://www.w3.org/2000/svg">${lens(a)}${lens(b)}
    <line x1="${a.cx + 1.8 * a.r}" y1="${a.cy - 0.3 * a.r}" x2="${b.cx - 1.8 * b.r}" y2="${b.cy - 0.3 * b.r}" stroke="#181818" stroke-width="${sw}"/></svg>`;
  return sharp(bytes).composite([{ input: Buffer.from(svg) }]).png().toBuffer();
}

/** Does the engine's own rim detector see glasses on this image (lightness over the whole frame)? */
async function wearsGlasses(bytes: Buffer): Promise<boolean> {
  const img = await decodeImage(bytes);
  const [face] = await engine.faceAnalyser.detect(img, { embedding: false });
  const mesh = face.mesh;
  const L = rgbToLab(Float32Array.from(img.data), img.width * img.height)[0];
  const fw = Math.hypot(mesh[454][0] - mesh[234][0], mesh[454][1] - mesh[234][1]);
  return !!glassesMask(L, new Uint8Array(img.width * img.height).fill(1), img.width, img.height, mesh, fw);
}

/** Dark-line pixels (12 L below the local mean) around both eyes of `mesh`, the eyes themselves left out. */
function darkAroundEyes(im: { width: number; height: number; data: Uint8Array }, mesh: ArrayLike<number>[]): number {
  const L = rgbToLab(Float32Array.from(im.data), im.width * im.height)[0];
  const fw = Math.hypot(mesh[454][0] - mesh[234][0], mesh[454][1] - mesh[234][1]);
  const mean = boxBlur(L, im.width, im.height, Math.round(0.03 * fw));
  let cnt = 0;
  for (const ids of [EYE_LEFT, EYE_RIGHT]) {
    const xs = ids.map((i) => mesh[i][0]), ys = ids.map((i) => mesh[i][1]);
    const cx = xs.reduce((s, v) => s + v, 0) / xs.length, cy = ys.reduce((s, v) => s + v, 0) / ys.length;
    const r = Math.max(...ids.map((i) => Math.hypot(mesh[i][0] - cx, mesh[i][1] - cy)));
    for (let y = Math.round(cy - 2.2 * r); y <= cy + 2.2 * r; y++) {
      for (let x = Math.round(cx - 2.6 * r); x <= cx + 2.6 * r; x++) {
        if (Math.hypot(x - cx, (y - cy) / 0.6) < 1.3 * r) continue;
        const i = y * im.width + x;
        if (mean[i] - L[i] > 12) cnt++;
      }
    }
  }
  return cnt;
}

test('glasses.source 2: a source wearing frames swapped into a template without: the frames do not come along; off, they do', async () => {
  const plain = await faceA();
  const glassy = await withFrames(plain);
  const template = await faceB('png');
  const t = await decodeImage(template);
  const [tFace] = await engine.faceAnalyser.detect(t, { embedding: false });
  const mesh = tFace.mesh;
  assert.ok(await wearsGlasses(glassy), 'the drawn frames read as glasses');
  const off = await engine.swapDetailed({ source: glassy, target: template });
  const on = await painting.swapDetailed({ source: glassy, target: template });
  const clean = await painting.swapDetailed({ source: plain, target: template });
  // Off, the frames come along (thousands of dark-line pixels around the eyes); painted out,
  // about as few are left as in the swap of the source without frames (brows, lashes, creases).
  const [nOff, nOn, nClean] = [off, on, clean].map((d) => darkAroundEyes(d.raw, mesh));
  assert.ok(nOff > 1000, `off: ${nOff} dark-line pixels`);
  assert.ok(nOn < 2 * nClean + 50, `on: ${nOn} dark-line pixels, without frames ${nClean}`);
  // A source without glasses is left alone: the same bytes as with the knob off.
  const cleanOff = await engine.swapDetailed({ source: plain, target: template });
  assert.deepEqual(Buffer.from(clean.raw.data), Buffer.from(cleanOff.raw.data));
  // The eyes themselves stay the source's: inside the eye outlines' boxes the result with the
  // frames painted out is no further from the swap of the source without them than the result
  // with the frames left on (the frames shift the colour statistics a little either way).
  const eyeDiff = (a: { width: number; data: Uint8Array }, b: { data: Uint8Array }) => {
    let diff = 0, cnt = 0;
    for (const ids of [EYE_LEFT, EYE_RIGHT]) {
      const xs = ids.map((i) => mesh[i][0]), ys = ids.map((i) => mesh[i][1]);
      for (let y = Math.ceil(Math.min(...ys)); y <= Math.floor(Math.max(...ys)); y++) {
        for (let x = Math.ceil(Math.min(...xs)); x <= Math.floor(Math.max(...xs)); x++) {
          const o = (y * a.width + x) * 3;
          for (let k = 0; k < 3; k++) diff += Math.abs(a.data[o + k] - b.data[o + k]);
          cnt += 3;
        }
      }
    }
    return diff / Math.max(1, cnt);
  };
  const dOn = eyeDiff(on.raw, clean.raw), dOff = eyeDiff(off.raw, cleanOff.raw);
  assert.ok(dOn < dOff + 2, `eyes differ by ${dOn.toFixed(2)} levels painted out, ${dOff.toFixed(2)} with the frames on`);
});

test('glasses.sourceLens: tinted lenses painted out leave no tone step at the rims; sourceClean; a source without glasses untouched', async () => {
  const plain = await faceA();
  // Lenses that darken the skin behind them by ~10 %.
  const glassy = await withFrames(plain, 0.1);
  const template = await faceB('png');
  const t = await decodeImage(template);
  const [tFace] = await engine.faceAnalyser.detect(t, { embedding: false });
  const eyes = [eyeCircle(tFace.mesh, EYE_LEFT), eyeCircle(tFace.mesh, EYE_RIGHT)];
  // Below each eye: the skin inside the lens (0.65–1 eye radii down) against that below the rim (1.8–2.1).
  const step = (im: { width: number; data: Uint8Array }) => {
    const L = rgbToLab(Float32Array.from(im.data), im.data.length / 3)[0];
    const mean = (e: { cx: number; cy: number; r: number }, from: number, to: number) => {
      let s = 0, n = 0;
      for (let y = Math.round(e.cy + from * e.r); y <= e.cy + to * e.r; y++) {
        for (let x = Math.round(e.cx - 1.1 * e.r); x <= e.cx + 1.1 * e.r; x++, n++) s += L[y * im.width + x];
      }
      return s / n;
    };
    return eyes.map((e) => mean(e, 1.8, 2.1) - mean(e, 0.65, 1));
  };
  const [clean, two, lens] = await Promise.all([painting.swapDetailed({ source: plain, target: template }), painting.swapDetailed({ source: glassy, target: template }), lensing.swapDetailed({ source: glassy, target: template })]);
  const s0 = step(clean.raw), s2 = step(two.raw), s3 = step(lens.raw);
  // The step the lens left, over the swap of the source without glasses (its own shading).
  const err = (s: number[]) => Math.max(...s.map((v, i) => Math.abs(v - s0[i])));
  assert.ok(err(s2) > 2, `the tint shows without sourceLens: ${s2.map((v) => v.toFixed(1))} vs ${s0.map((v) => v.toFixed(1))}`);
  assert.ok(err(s3) < 0.5 * err(s2), `sourceLens: step off by ${err(s3).toFixed(2)} L, ${err(s2).toFixed(2)} without it`);
  // A source without glasses: the same bytes either way.
  const cleanLens = await lensing.swapDetailed({ source: plain, target: template });
  assert.deepEqual(Buffer.from(cleanLens.raw.data), Buffer.from(clean.raw.data));
});
