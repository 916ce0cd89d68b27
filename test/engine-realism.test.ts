// The realism stages of the classic swap (issue 11): texture and grain match, shading through the
// mesh normals, hair strands by texture, the template's glasses, the forehead ramp, styling.
// Synthetic planes where the answer is known, and the real engine on @vladmandic/human's faces.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { matchTexture, DEFAULT_TEXTURE } from '../src/engine/texture.ts';
import { cellNormals, evalShading, fitShading, meshNormals } from '../src/engine/shading.ts';
import { strandMap } from '../src/engine/hair.ts';
import { DEFAULT_GLASSES, glassesMask, type GlassesProbe } from '../src/engine/glasses.ts';
import { boxBlur, rgbToLab } from '../src/engine/raster.ts';
import { createDefaultEngine } from '../src/engine/index.ts';
import { DEFAULT_SWAP } from '../src/engine/swap.ts';
import { DEFAULT_MASK } from '../src/engine/mask.ts';
import { multiband } from '../src/engine/blend.ts';
import { EYE_LEFT, EYE_RIGHT } from '../src/engine/regions.ts';
import { decodeImage } from '../src/engine/image.ts';
import { eyeCircle, faceA, faceB, noisy, useEngine } from './engine-fixtures.ts';


const rgbOf = (y: Float32Array) => {
  const out = new Float32Array(y.length * 3);
  for (let i = 0; i < y.length; i++) out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = y[i];
  return out;
};

/** Median |fine band| of a grey plane (its grain). */
function grain(y: Float32Array, w: number, h: number): number {
  const b = boxBlur(y, w, h, 1);
  const a = Array.from(y, (v, i) => Math.abs(v - b[i])).sort((p, q) => p - q);
  return a[a.length >> 1];
}

test('texture: a face cleaner than the template takes its grain; a matching one is left alone; same input, same output', () => {
  const w = 160, h = 160, n = w * h;
  const tgtY = noisy(n, 12, 7);
  const resY = boxBlur(noisy(n, 12, 9), w, h, 2); // the soft, clean source
  const alpha = new Float32Array(n).fill(1);
  const skin = new Float32Array(n).fill(1);
  const before = grain(resY, w, h);
  const res = rgbOf(resY);
  const report = matchTexture(res, rgbOf(tgtY), alpha, skin, w, h, 120);
  const after = new Float32Array(n);
  for (let i = 0; i < n; i++) after[i] = res[i * 3];
  const target = grain(tgtY, w, h);
  assert.ok(report.gains[0] > 1, `fine gain ${report.gains[0]}`);
  assert.ok(Math.abs(grain(after, w, h) - target) < 0.25 * target, `grain ${before.toFixed(2)} → ${grain(after, w, h).toFixed(2)}, template ${target.toFixed(2)}`);
  // Deterministic: the seeded noise gives the same bytes.
  const again = rgbOf(resY);
  matchTexture(again, rgbOf(tgtY), alpha, skin, w, h, 120);
  assert.deepEqual(again, res);
  // Off, or already matching: nothing moves.
  const same = rgbOf(tgtY);
  const r2 = matchTexture(same, rgbOf(tgtY), alpha, skin, w, h, 120);
  assert.deepEqual(r2.gains, [1, 1]);
  assert.equal(r2.noise, 0);
  const off = rgbOf(resY);
  matchTexture(off, rgbOf(tgtY), alpha, skin, w, h, 120, { ...DEFAULT_TEXTURE, strength: 0 });
  assert.deepEqual(off, rgbOf(resY));
});

test("texture: the grain a soft face lacks is the template's own on plain skin, noise elsewhere; a face with enough grain is untouched", () => {
  const w = 160, h = 160, n = w * h;
  const tgtY = noisy(n, 12, 7);
  const resY = boxBlur(noisy(n, 12, 9), w, h, 2);
  const alpha = new Float32Array(n).fill(1);
  // Plain skin on the left half only (the right half stands for eyes, brows, lips).
  const skin = new Float32Array(n);
  for (let i = 0; i < n; i++) if (i % w < w / 2) skin[i] = 1;
  const fineOf = (rgb: Float32Array) => {
    const y = Float32Array.from({ length: n }, (_, i) => rgb[i * 3]);
    const b = boxBlur(y, w, h, 1);
    return y.map((v, i) => v - b[i]);
  };
  const corr = (a: Float32Array, b: Float32Array, left: boolean) => {
    let ab = 0, aa = 0, bb = 0;
    for (let i = 0; i < n; i++) {
      if (i % w < w / 2 !== left || i % w < 2 || i % w > w - 3) continue;
      ab += a[i] * b[i];
      aa += a[i] * a[i];
      bb += b[i] * b[i];
    }
    return ab / Math.sqrt(aa * bb);
  };
  const tFine = fineOf(rgbOf(tgtY));
  const on = rgbOf(resY);
  matchTexture(on, rgbOf(tgtY), alpha, skin, w, h, 120, { ...DEFAULT_TEXTURE, templateGrain: 1 });
  const noise = rgbOf(resY);
  matchTexture(noise, rgbOf(tgtY), alpha, skin, w, h, 120, { ...DEFAULT_TEXTURE, templateGrain: 0 });
  const fOn = fineOf(on), fNoise = fineOf(noise);
  assert.ok(corr(fOn, tFine, true) > 0.8, `skin: fine band vs the template's ${corr(fOn, tFine, true).toFixed(2)}`);
  assert.ok(Math.abs(corr(fOn, tFine, false)) < 0.2, `elsewhere: ${corr(fOn, tFine, false).toFixed(2)}`);
  assert.ok(Math.abs(corr(fNoise, tFine, true)) < 0.2, `with noise: ${corr(fNoise, tFine, true).toFixed(2)}`);
  // Same level either way: the template's grain.
  const target = grain(tgtY, w, h);
  const level = grain(Float32Array.from({ length: n }, (_, i) => on[i * 3]), w, h);
  assert.ok(Math.abs(level - target) < 0.25 * target, `grain ${level.toFixed(2)}, template ${target.toFixed(2)}`);
  // A face as grainy as the template has no deficit: the knob changes nothing.
  const sharp1 = rgbOf(noisy(n, 12, 9)), sharp0 = rgbOf(noisy(n, 12, 9));
  matchTexture(sharp1, rgbOf(tgtY), alpha, skin, w, h, 120, { ...DEFAULT_TEXTURE, templateGrain: 1 });
  matchTexture(sharp0, rgbOf(tgtY), alpha, skin, w, h, 120, { ...DEFAULT_TEXTURE, templateGrain: 0 });
  assert.deepEqual(sharp1, sharp0);
});

test("texture: on plain skin the medium band is not amplified; what it lacks is the template's own (templateMedium)", () => {
  const w = 160, h = 160, n = w * h;
  // The template: blotches a few pixels wide (its pores, stubble); the result: weaker ones of its own.
  const tgtY = boxBlur(noisy(n, 40, 7), w, h, 2);
  const resY = boxBlur(noisy(n, 12, 9), w, h, 2);
  const alpha = new Float32Array(n).fill(1);
  const skin = new Float32Array(n).fill(1);
  const medium = (y: Float32Array) => {
    const b1 = boxBlur(y, w, h, 1);
    const b2 = boxBlur(y, w, h, 3);
    return b1.map((v, i) => v - b2[i]);
  };
  const lum = (rgb: Float32Array) => Float32Array.from({ length: n }, (_, i) => rgb[i * 3]);
  const corr = (a: Float32Array, b: Float32Array) => {
    let ab = 0, aa = 0, bb = 0;
    for (let y = 4; y < h - 4; y++) for (let x = 4; x < w - 4; x++) {
      const i = y * w + x;
      ab += a[i] * b[i];
      aa += a[i] * a[i];
      bb += b[i] * b[i];
    }
    return ab / Math.sqrt(aa * bb);
  };
  const on = rgbOf(resY);
  const rep = matchTexture(on, rgbOf(tgtY), alpha, skin, w, h, 250, { ...DEFAULT_TEXTURE, templateMedium: 1 });
  const off = rgbOf(resY);
  matchTexture(off, rgbOf(tgtY), alpha, skin, w, h, 250, { ...DEFAULT_TEXTURE, templateMedium: 0 });
  assert.ok(rep.gains[1] > 1.5, `the template's medium band is stronger: gain ${rep.gains[1].toFixed(2)}`);
  const mT = medium(tgtY), mOn = medium(lum(on)), mOff = medium(lum(off)), mRes = medium(resY);
  // Off: the source's blotches amplified (its own pattern); on: mostly the template's.
  assert.ok(corr(mOff, mRes) > 0.9 && Math.abs(corr(mOff, mT)) < 0.35, `off: ${corr(mOff, mRes).toFixed(2)} / ${corr(mOff, mT).toFixed(2)}`);
  assert.ok(corr(mOn, mT) > 0.7, `on: medium band vs the template's ${corr(mOn, mT).toFixed(2)}`);
  // The source's own pattern is kept, not amplified as it is with the knob off.
  const proj = (m: Float32Array) => m.reduce((a, v, i) => a + v * mRes[i], 0) / mRes.reduce((a, v) => a + v * v, 0);
  assert.ok(proj(mOn) > 0.7 && proj(mOn) < 0.7 * proj(mOff), `source's medium band ×${proj(mOn).toFixed(2)} (off: ×${proj(mOff).toFixed(2)})`);
});

test('shading: spherical harmonics of the mesh normals recover a known Lambertian shading', () => {
  // A hemisphere "face" seen from the front, its vertices on a grid, lit from the image left.
  const pts: [number, number, number][] = [];
  const tri: number[] = [];
  const N = 24, R = 100;
  for (let j = 0; j <= N; j++) {
    for (let i = 0; i <= N; i++) {
      const x = (i / N) * 2 - 1, y = (j / N) * 2 - 1;
      const z2 = Math.max(0, 1 - x * x - y * y);
      pts.push([R + R * x, R + R * y, -R * Math.sqrt(z2)]);
    }
  }
  for (let j = 0; j < N; j++) for (let i = 0; i < N; i++) {
    const a = j * (N + 1) + i;
    tri.push(a, a + 1, a + N + 1, a + 1, a + N + 2, a + N + 1);
  }
  const nrm = meshNormals(pts, tri);
  // Every normal faces the camera (−z), whatever the triangles' winding.
  for (let v = 0; v < pts.length; v++) assert.ok(nrm[v * 3 + 2] <= 1e-6);
  const cw = 50, ch = 50, k = 4;
  const { a, has } = cellNormals(pts, tri, nrm, nrm, cw, ch, k);
  const light = [-0.6, 0, -0.8]; // from the left and the front
  const values = new Float32Array(cw * ch);
  const weight = new Float32Array(cw * ch);
  for (let c = 0; c < cw * ch; c++) {
    if (!has[c]) continue;
    const d = a[c * 3] * light[0] + a[c * 3 + 1] * light[1] + a[c * 3 + 2] * light[2];
    values[c] = 20 + 60 * Math.max(0, d);
    weight[c] = 1;
  }
  const coef = fitShading(values, weight, a, has);
  assert.ok(coef);
  let err = 0, cnt = 0;
  for (let c = 0; c < cw * ch; c++) {
    if (!has[c] || values[c] < 25) continue;
    err += Math.abs(evalShading(coef, a, c) - values[c]);
    cnt++;
  }
  assert.ok(err / cnt < 3, `mean error ${(err / cnt).toFixed(2)} L`);
  // Too few samples: no fit.
  assert.equal(fitShading(values, new Float32Array(cw * ch), a, has), null);
});

test('hair strands: fine parallel lines are found, flat or blotchy skin is not', () => {
  const w = 120, h = 120, n = w * h;
  const cover = new Uint8Array(n).fill(1);
  const skinRef = new Uint8Array(n); // plain skin: the left half
  const L = noisy(n, 2, 3, 60);
  for (let y = 0; y < h; y++) for (let x = 60; x < w; x++) if (x % 4 < 2) L[y * w + x] += 25; // strands on the right
  for (let y = 0; y < 60; y++) for (let x = 0; x < 60; x++) skinRef[y * w + x] = 1;
  const m = strandMap(L, cover, skinRef, w, h, 200);
  let left = 0, right = 0;
  for (let y = 10; y < h - 10; y++) for (let x = 10; x < w - 10; x++) (x < 50 ? (left += m[y * w + x]) : x > 70 ? (right += m[y * w + x]) : 0);
  assert.equal(left, 0);
  assert.ok(right > 0.8 * (h - 20) * (w - 80), `strand pixels found ${right}`);
});

test('multiband: a tone step at the skin edge becomes a wider ramp; detail keeps its feather; kept holes and alpha 0 untouched', () => {
  // A face 300 px wide: a disc mask feathered over 18 px (alpha 0 at r = 150, 1 at r = 132) with
  // trusted edge samples (ring) just outside it, and a kept "mouth" hole (not ring) below the
  // centre; the face 80 grey levels brighter than the template, with ±10 vertical stripes of detail.
  const w = 320, h = 320, n = w * h;
  const alpha = new Float32Array(n);
  const ring = new Uint8Array(n);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const r = Math.hypot(x - 160, y - 160);
    alpha[y * w + x] = Math.max(0, Math.min(1, (150 - r) / 18, (Math.hypot(x - 160, y - 200) - 15) / 6));
    if (r >= 150 && r < 156) ring[y * w + x] = 1;
  }
  const src = new Float32Array(n * 3);
  const tgt = new Float32Array(n * 3).fill(100);
  for (let i = 0; i < n; i++) src.fill(180 + (i % 2 ? 10 : -10), i * 3, i * 3 + 3);
  const comp = (s: Float32Array) => Float32Array.from(alpha, (a, i) => tgt[i * 3] + a * (s[i * 3] - tgt[i * 3]));
  const before = comp(src);
  const orig = src.slice();
  multiband(src, tgt, alpha, ring, w, h, 300, 0.03);
  const after = comp(src);
  for (let i = 0; i < n; i++) {
    if (alpha[i] === 0) assert.deepEqual([src[i * 3], src[i * 3 + 1], src[i * 3 + 2]], [orig[i * 3], orig[i * 3 + 1], orig[i * 3 + 2]], 'alpha 0: src not even touched');
  }
  // Along the middle row from the left edge: the mean tone (pairs of pixels) reaches within 10
  // levels of the face's later than before; the inner face (50 px in) is as it was.
  const tone = (o: Float32Array, y: number, x: number) => (o[y * w + x] + o[y * w + x + 1]) / 2;
  const reach = (o: Float32Array) => { let x = 10; while (tone(o, 160, x) < 170) x += 2; return x; };
  assert.ok(reach(after) >= reach(before) + 6, `ramp ends at x ${reach(before)} → ${reach(after)}`);
  assert.ok(Math.abs(tone(after, 160, 60) - tone(before, 160, 60)) < 0.5);
  // Steepest step between neighbouring pixel pairs is no larger.
  const steep = (o: Float32Array) => { let m = 0; for (let x = 4; x < 70; x += 2) m = Math.max(m, Math.abs(tone(o, 160, x + 2) - tone(o, 160, x))); return m; };
  assert.ok(steep(after) <= steep(before) + 0.5, `steepest ${steep(before).toFixed(1)} → ${steep(after).toFixed(1)}`);
  // The stripes inside the feather keep (about) their alpha-weighted amplitude.
  for (const x of [16, 22, 28]) {
    const d0 = Math.abs(before[160 * w + x] - before[160 * w + x + 1]);
    const d1 = Math.abs(after[160 * w + x] - after[160 * w + x + 1]);
    assert.ok(Math.abs(d1 - d0) < 0.25 * d0 + 1, `detail at x ${x}: ${d0.toFixed(1)} → ${d1.toFixed(1)}`);
  }
  // The kept hole's own feather (row 200, x 160–190) is not widened.
  for (let x = 160; x <= 190; x++) assert.ok(Math.abs(after[200 * w + x] - before[200 * w + x]) < 0.5, `hole feather at x ${x}`);
  // Off (σ 0): nothing moves.
  const off = orig.slice();
  multiband(off, tgt, alpha, ring, w, h, 300, 0);
  assert.deepEqual(off, orig);
});

const engine = useEngine();

/** A portrait with round dark rims drawn around both eyes (and a bridge), like glasses. */
async function withGlasses(bytes: Buffer): Promise<Buffer> {
  const img = await decodeImage(bytes);
  const [face] = await engine().faceAnalyser.detect(img, { embedding: false });
  const eye = (ids: number[]) => {
    const c = eyeCircle(face.mesh, ids);
    return { ...c, r: c.r * 1.9 };
  };
  const [a, b] = [eye(EYE_LEFT), eye(EYE_RIGHT)].sort((p, q) => p.cx - q.cx);
  const sw = Math.max(2, a.r * 0.12);
  const svg = `<svg width="${img.width}" height="${img.height}" xmlns="http://www.w3.org/2000/svg">
    <circle cx="${a.cx}" cy="${a.cy}" r="${a.r}" stroke="#151515" stroke-width="${sw}" fill="none"/>
    <circle cx="${b.cx}" cy="${b.cy}" r="${b.r}" stroke="#151515" stroke-width="${sw}" fill="none"/>
    <line x1="${a.cx + a.r}" y1="${a.cy}" x2="${b.cx - b.r}" y2="${b.cy}" stroke="#151515" stroke-width="${sw}"/></svg>`;
  return sharp(bytes).composite([{ input: Buffer.from(svg) }]).png().toBuffer();
}

test('glasses: a template wearing glasses keeps its rims over the swapped face; one without keeps none', async () => {
  const source = await faceA();
  const plain = await faceB('png');
  const glassy = await withGlasses(plain);
  const withG = await engine().swapDetailed({ source, target: glassy });
  const without = await engine().swapDetailed({ source, target: plain });
  assert.equal(withG.swap.keptGlasses, true);
  assert.equal(without.swap.keptGlasses, false);
  // The rims are the template's pixels, bit for bit, where they cross the face.
  const t = await decodeImage(glassy);
  let rim = 0, kept = 0;
  const { roi, alpha } = withG.swap;
  const L = rgbToLab(Float32Array.from(t.data), t.width * t.height)[0];
  for (let y = 0; y < roi.h; y++) for (let x = 0; x < roi.w; x++) {
    const o = (roi.y0 + y) * t.width + roi.x0 + x;
    if (L[o] > 12) continue; // the drawn rims are near black
    rim++;
    if (alpha[y * roi.w + x] === 0) kept++;
  }
  assert.ok(rim > 100 && kept / rim > 0.9, `rim pixels kept: ${kept}/${rim}`);
  // The detector itself on the plain template's lightness: no glasses.
  const p = await decodeImage(plain);
  const [face] = await engine().faceAnalyser.detect(p, { embedding: false });
  const Lp = rgbToLab(Float32Array.from(p.data), p.width * p.height)[0];
  assert.equal(glassesMask(Lp, new Uint8Array(p.width * p.height).fill(1), p.width, p.height, face.mesh, 300), undefined);
});

/** Short dark dashes at random angles in the band around both eyes (mesh of the plain face): crow's feet and bags, not a frame. */
function withDashes(bytes: Buffer, width: number, height: number, mesh: number[][]): Promise<Buffer> {
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296;
  let lines = '';
  for (const ids of [EYE_LEFT, EYE_RIGHT]) {
    const xs = ids.map((i) => mesh[i]![0]!), ys = ids.map((i) => mesh[i]![1]!);
    const cx = xs.reduce((s, v) => s + v, 0) / xs.length, cy = ys.reduce((s, v) => s + v, 0) / ys.length;
    const r = Math.max(...ids.map((i) => Math.hypot(mesh[i]![0]! - cx, mesh[i]![1]! - cy)));
    for (let k = 0; k < 60; k++) {
      const a = rnd() * 2 * Math.PI, d = rnd() * 2 * Math.PI, rr = r * (1.5 + rnd() * 1.1);
      const x = cx + rr * Math.cos(a), y = cy + rr * Math.sin(a);
      lines += `<line x1="${x}" y1="${y}" x2="${x + 0.5 * r * Math.cos(d)}" y2="${y + 0.5 * r * Math.sin(d)}" stroke="#151515" stroke-width="${Math.max(2, 0.15 * r)}"/>`;
    }
  }
  const svg = `<svg width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">${lines}</svg>`;
  return sharp(bytes).composite([{ input: Buffer.from(svg) }]).png().toBuffer();
}

test('glasses: the traced rims refuse scattered dark marks around the eyes that the ring test took for glasses', async () => {
  const plain = await faceB('png');
  const p = await decodeImage(plain);
  const [face] = await engine().faceAnalyser.detect(p, { embedding: false });
  const d = await decodeImage(await withDashes(plain, p.width, p.height, face.mesh));
  const L = rgbToLab(Float32Array.from(d.data), d.width * d.height)[0];
  const cover = new Uint8Array(d.width * d.height).fill(1);
  const probe: GlassesProbe = {};
  assert.ok(glassesMask(L, cover, d.width, d.height, face.mesh, 300, { ...DEFAULT_GLASSES, trace: 0 }), 'the ring test is fooled');
  assert.equal(glassesMask(L, cover, d.width, d.height, face.mesh, 300, { ...DEFAULT_GLASSES, trace: 1 }, probe), undefined);
  // Refused for the traced outline's patchiness: a real frame's runs over a dark line at ≥ 0.78 of its angles.
  assert.equal(probe.lenses?.length, 2);
  assert.ok(probe.lenses!.every((l) => l.dark < 0.75), JSON.stringify(probe.lenses));
});

test('forehead: above the ramp the template stays; with the ramp off the swap reaches higher', async () => {
  const source = await faceB('png');
  const target = await faceA();
  const on = await engine().swapDetailed({ source, target });
  const offEngine = createDefaultEngine({ warmup: false, swap: { ...DEFAULT_SWAP, mask: { ...DEFAULT_MASK, foreheadTo: 0 } } });
  await offEngine.init();
  try {
    const off = await offEngine.swapDetailed({ source, target });
    // The upper third of the forehead (from the mesh's top toward the brows): the template's with
    // the ramp, the swap's without it.
    const browTop = Math.min(...[105, 334, 66, 296].map((i) => on.target.mesh[i][1]));
    const top = on.target.mesh[10][1];
    const band = (d: typeof on) => {
      const { roi, alpha } = d.swap;
      let max = 0;
      for (let y = 0; y < roi.h; y++) {
        const iy = roi.y0 + y;
        if (iy < top || iy > top + 0.35 * (browTop - top)) continue;
        for (let x = 0; x < roi.w; x++) max = Math.max(max, alpha[y * roi.w + x]);
      }
      return max;
    };
    assert.ok(band(on) < 0.5 * band(off) && band(off) > 0.5, `largest alpha on the upper forehead: ${band(on).toFixed(2)} with the ramp, ${band(off).toFixed(2)} without`);
  } finally {
    await offEngine.close();
  }
});

test("style: 'template' moves the lips' colour toward the template's, 'source' keeps the user's", async () => {
  const source = await faceA();
  const target = await faceB('png');
  const tpl = await engine().swapDetailed({ source, target });
  const own = await engine().swapDetailed({ source, target, style: 'source' });
  const lips = (d: typeof tpl) => {
    const img = d.raw;
    const ids = [0, 17, 13, 14, 37, 267, 84, 314];
    let a = 0;
    for (const id of ids) {
      const [x, y] = d.target.mesh[id];
      const o = (Math.round(y) * img.width + Math.round(x)) * 3;
      a += rgbToLab(Float32Array.from(img.data.subarray(o, o + 3)), 1)[1][0];
    }
    return a / ids.length;
  };
  const t = await decodeImage(target);
  const tLips = lips({ ...tpl, raw: t });
  assert.notDeepEqual(tpl.raw.data, own.raw.data);
  assert.ok(Math.abs(lips(tpl) - tLips) < Math.abs(lips(own) - tLips) + 1e-6, `lip a*: template ${tLips.toFixed(1)}, style template ${lips(tpl).toFixed(1)}, style source ${lips(own).toFixed(1)}`);
});

test('lower face: a grey patch of the source on the chin takes the template chroma; the same patch above the nose and the lips keep the main match', async () => {
  const { matchColour, DEFAULT_COLOUR } = await import('../src/engine/colour.ts');
  const { LIPS_OUTER } = await import('../src/engine/regions.ts');
  const w = 200, h = 200, n = w * h, faceW = 160;
  // A stand-in mesh: only the points the lower-face zone reads (forehead top, chin, nose tip, lips).
  const pos: [number, number][] = Array.from({ length: 468 }, () => [100, 100]);
  pos[10] = [100, 20];
  pos[152] = [100, 185];
  pos[1] = [100, 90];
  LIPS_OUTER.forEach((id, j) => {
    const t = (2 * Math.PI * j) / LIPS_OUTER.length;
    pos[id] = [100 + 22 * Math.cos(t), 128 + 7 * Math.sin(t)];
  });
  const geometry = { pos, tri: [], targetNormals: new Float32Array(0), sourceNormals: new Float32Array(0) };
  const run = (lowerFace: number) => {
    const tgt: [Float32Array, Float32Array, Float32Array] = [new Float32Array(n).fill(60), new Float32Array(n).fill(15), new Float32Array(n).fill(18)];
    const src: [Float32Array, Float32Array, Float32Array] = [new Float32Array(n).fill(60), new Float32Array(n).fill(15), new Float32Array(n).fill(18)];
    const skin = new Float32Array(n).fill(1);
    for (const [y0, y1] of [[150, 175], [40, 60]]) {
      for (let y = y0; y < y1; y++) for (let x = 80; x < 120; x++) {
        const i = y * w + x;
        src[0][i] = 56;
        src[1][i] = 4; // the source's blue-grey stubble shadow: not skin, so not in the statistics
        src[2][i] = 2;
        skin[i] = 0;
      }
    }
    // The lips: redder than the skin in both faces.
    for (let y = 124; y < 132; y++) for (let x = 85; x < 115; x++) src[1][y * w + x] = tgt[1][y * w + x] = 30;
    matchColour(src, tgt, skin, w, h, faceW, { ...DEFAULT_COLOUR, shading: 0, highlights: 0, edgeTone: 0, lowerFace }, skin, geometry);
    return src;
  };
  const off = run(0), on = run(1);
  const chin = 162 * w + 100, brow = 50 * w + 100, lip = 128 * w + 100;
  // Chin: the grey cast mostly gone (a and b toward the template's 15 / 18).
  assert.ok(on[1][chin] - off[1][chin] > 4, `a on the chin ${off[1][chin].toFixed(1)} → ${on[1][chin].toFixed(1)}`);
  assert.ok(on[2][chin] - off[2][chin] > 6, `b on the chin ${off[2][chin].toFixed(1)} → ${on[2][chin].toFixed(1)}`);
  assert.ok(Math.abs(on[1][chin] - 15) < 4 && Math.abs(on[2][chin] - 18) < 5);
  // Above the nose nothing changes; the lips keep (nearly) their colour.
  for (let c = 0; c < 3; c++) assert.ok(Math.abs(on[c][brow] - off[c][brow]) < 1e-3, `plane ${c} at the brow`);
  assert.ok(Math.abs(on[1][lip] - off[1][lip]) < 1.5, `a on the lips ${off[1][lip].toFixed(1)} → ${on[1][lip].toFixed(1)}`);
});

test('texture: the grain fill follows where the template has it (localGrain): a stubbled half is not smeared to the plain half\'s level', () => {
  const w = 160, h = 160, n = w * h;
  // The template: light grain on most of the face, a stubble-like heavy grain on its bottom 30 % (a jaw).
  const light = noisy(n, 6, 7), heavy = noisy(n, 30, 11);
  const jaw = Math.round(0.7 * h);
  const tgtY = Float32Array.from({ length: n }, (_, i) => (i < jaw * w ? light[i] : heavy[i]));
  const resY = boxBlur(noisy(n, 12, 9), w, h, 2); // the soft, enlarged source
  const alpha = new Float32Array(n).fill(1);
  const skin = new Float32Array(n).fill(1);
  const lum = (rgb: Float32Array) => Float32Array.from({ length: n }, (_, i) => rgb[i * 3]);
  /** Mean |fine band| over the rows y0..y1 (away from the edges and the halves' border). */
  const energy = (y: Float32Array, y0: number, y1: number) => {
    const b = boxBlur(y, w, h, 1);
    let s = 0, c = 0;
    for (let yy = y0; yy < y1; yy++) for (let x = 4; x < w - 4; x++) { s += Math.abs(y[yy * w + x] - b[yy * w + x]); c++; }
    return s / c;
  };
  const top = (y: Float32Array) => energy(y, 8, jaw - 12), bottom = (y: Float32Array) => energy(y, jaw + 12, h - 8);
  const off = rgbOf(resY);
  matchTexture(off, rgbOf(tgtY), alpha, skin, w, h, 120, { ...DEFAULT_TEXTURE, localGrain: 0 });
  const on = rgbOf(resY);
  const rep = matchTexture(on, rgbOf(tgtY), alpha, skin, w, h, 120, { ...DEFAULT_TEXTURE, localGrain: 3 });
  assert.ok(rep.noise > 0, 'a deficit to fill');
  const ratio = (y: Float32Array, part: (y: Float32Array) => number) => part(y) / part(tgtY);
  // Off: the stubbled half (structure to grainStructure: seeded noise at the face's level) stays far below the template's.
  assert.ok(ratio(lum(off), bottom) < 0.6, `off: bottom ${ratio(lum(off), bottom).toFixed(2)}`);
  assert.ok(ratio(lum(on), bottom) > ratio(lum(off), bottom) + 0.4, `bottom ${ratio(lum(off), bottom).toFixed(2)} → ${ratio(lum(on), bottom).toFixed(2)}`);
  // The plain part keeps its level (the fill's median is the face's).
  assert.ok(Math.abs(ratio(lum(on), top) - ratio(lum(off), top)) < 0.15, `top ${ratio(lum(off), top).toFixed(2)} → ${ratio(lum(on), top).toFixed(2)}`);
  // The default is on (3).
  const def = rgbOf(resY);
  matchTexture(def, rgbOf(tgtY), alpha, skin, w, h, 120);
  assert.deepEqual(def, on);
});

test('texture: features crisper in the template than in the result are sharpened toward it (featureGain), within their range', () => {
  const w = 160, h = 160, n = w * h;
  // Plain skin (left half) alike in both; the right half stands for brows and lids: stripes, crisp
  // in the template, blurred in the result (an enlarged source).
  const skinY = noisy(n, 10, 5);
  const stripes = Float32Array.from({ length: n }, (_, i) => (((i % w) >> 2) % 2 ? 170 : 90));
  const soft = boxBlur(stripes, w, h, 2);
  const tgtY = Float32Array.from({ length: n }, (_, i) => (i % w < w / 2 ? skinY[i] : stripes[i]));
  const resY = Float32Array.from({ length: n }, (_, i) => (i % w < w / 2 ? skinY[i] : soft[i]));
  const alpha = new Float32Array(n).fill(1);
  const skin = Float32Array.from({ length: n }, (_, i) => (i % w < w / 2 ? 1 : 0));
  const lum = (rgb: Float32Array) => Float32Array.from({ length: n }, (_, i) => rgb[i * 3]);
  const fineRight = (y: Float32Array) => {
    const b = boxBlur(y, w, h, 1);
    let s = 0, c = 0;
    for (let yy = 4; yy < h - 4; yy++) for (let x = w / 2 + 6; x < w - 4; x++) { s += Math.abs(y[yy * w + x] - b[yy * w + x]); c++; }
    return s / c;
  };
  const off = rgbOf(resY);
  matchTexture(off, rgbOf(tgtY), alpha, skin, w, h, 400);
  const on = rgbOf(resY);
  matchTexture(on, rgbOf(tgtY), alpha, skin, w, h, 400, { ...DEFAULT_TEXTURE, featureGain: 1 });
  const eOff = fineRight(lum(off)), eOn = fineRight(lum(on)), eT = fineRight(tgtY);
  assert.ok(eOn > 1.3 * eOff && eOn <= eT, `feature fine band ${eOff.toFixed(2)} → ${eOn.toFixed(2)}, template ${eT.toFixed(2)}`);
  // Held within the local range (± featureClamp): no halo past the stripes' own levels.
  const y = lum(on);
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < n; i++) if (i % w > w / 2 + 6 && i % w < w - 4) { lo = Math.min(lo, y[i]); hi = Math.max(hi, y[i]); }
  assert.ok(lo >= 90 - DEFAULT_TEXTURE.featureClamp - 0.5 && hi <= 170 + DEFAULT_TEXTURE.featureClamp + 0.5, `range ${lo.toFixed(1)}..${hi.toFixed(1)}`);
  // Plain skin is not touched by the knob.
  for (let i = 0; i < n; i++) if (i % w < w / 2 - 4) assert.equal(on[i * 3], off[i * 3]);
});
