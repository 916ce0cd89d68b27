// Relief diagnostics: how strong the face's mid-band lightness relief is in the result against the
// template at the same pixels (and in the source, on its own face).
//   node --import tsx bench/relief-diag.ts --pair SRC::TPL::name ... [--variant name:a.b=v,...]...
// The mid band: log (L + 16) blurred at σ 0.02 face width less the same at σ 0.10, over the face's
// skin (the oval shrunk by 0.06 face width, eyes with brows and lips grown 0.03 left out). Printed:
// its spread (σ) and its mean at the nose bridge, the cheekbones and the forehead (× 100: percent
// of L + 16), and the skin's median L.
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { createDefaultEngine } from '../src/engine/index.ts';
import { convexHull, fillPolygon, gaussBlur, growPolygon } from '../src/engine/raster.ts';
import { BROW_LEFT, BROW_RIGHT, EYE_LEFT, EYE_RIGHT, FACE_OVAL, LIPS_OUTER, NOSTRIL_LEFT, NOSTRIL_RIGHT, faceWidth, pick } from '../src/engine/regions.ts';
import { padTightCrop } from './lib/dataset.ts';
import { parseDiagArgs, swapWithKnobs } from './lib/knobs.ts';

const { pairs, variants } = parseDiagArgs(process.argv.slice(2), '');
const engine = createDefaultEngine({ warmup: false });
await engine.init();

function chroma(data: ArrayLike<number>, n: number): Float32Array {
  const out = new Float32Array(n);
  const lin = (v: number) => (v <= 10.31475 ? v / 3294.6 : Math.pow((v + 14.025) / 269.025, 2.4));
  const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : (903.3 * t + 16) / 116);
  for (let i = 0; i < n; i++) {
    const r = lin(data[i * 3]!), g = lin(data[i * 3 + 1]!), b = lin(data[i * 3 + 2]!);
    const X = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047, Y = 0.2126 * r + 0.7152 * g + 0.0722 * b, Z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
    out[i] = Math.hypot(500 * (f(X) - f(Y)), 200 * (f(Y) - f(Z)));
  }
  return out;
}

function lab16(data: ArrayLike<number>, n: number): Float32Array {
  const out = new Float32Array(n);
  const lin = (v: number) => (v <= 10.31475 ? v / 3294.6 : Math.pow((v + 14.025) / 269.025, 2.4));
  for (let i = 0; i < n; i++) {
    const Y = 0.2126 * lin(data[i * 3]!) + 0.7152 * lin(data[i * 3 + 1]!) + 0.0722 * lin(data[i * 3 + 2]!);
    out[i] = 116 * (Y > 0.008856 ? Math.cbrt(Y) : (903.3 * Y + 16) / 116); // L + 16
  }
  return out;
}

interface Relief { C: number; cBridge: number; cCheek: number; cFore: number; sigma: number; bridge: number; cheek: number; fore: number; side: number; L: number }

/** The mid-band relief of an RGB image over the face of `mesh`. */
function relief(data: ArrayLike<number>, W: number, H: number, mesh: ArrayLike<number>[]): Relief {
  const fw = faceWidth(mesh);
  const xs = mesh.map((p) => p[0]!), ys = mesh.map((p) => p[1]!);
  const pad = Math.round(0.4 * fw);
  const x0 = Math.max(0, Math.floor(Math.min(...xs)) - pad), y0 = Math.max(0, Math.floor(Math.min(...ys)) - pad);
  const x1 = Math.min(W, Math.ceil(Math.max(...xs)) + pad), y1 = Math.min(H, Math.ceil(Math.max(...ys)) + pad);
  const w = x1 - x0, h = y1 - y0;
  const crop = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w * 3; x++) crop[y * w * 3 + x] = data[((y + y0) * W + x0) * 3 + x]!;
  const l16 = lab16(crop, w * h);
  const cc = chroma(crop, w * h);
  const lg = l16.map((v) => Math.log(v));
  const m = (ids: number[]) => pick(mesh, ids).map(([x, y]) => [x - x0, y - y0] as [number, number]);
  // Normalised blurs over the face's own pixels (the oval shrunk 0.02, features out): no background or hair.
  const wt = new Float32Array(w * h);
  fillPolygon(wt, w, h, growPolygon(m(FACE_OVAL), -0.02 * fw), 1);
  const feats = [[...EYE_RIGHT, ...BROW_RIGHT], [...EYE_LEFT, ...BROW_LEFT], LIPS_OUTER, NOSTRIL_RIGHT, NOSTRIL_LEFT];
  for (const ids of feats) fillPolygon(wt, w, h, growPolygon(convexHull(m(ids)), 0.015 * fw), 0);
  const nb = (sg: number) => {
    const a = gaussBlur(lg.map((v, i) => v * wt[i]!), w, h, sg * fw);
    const b = gaussBlur(wt, w, h, sg * fw);
    return a.map((v, i) => (b[i]! > 1e-3 ? v / b[i]! : 0));
  };
  const fine = nb(0.02);
  const coarse = nb(0.1);
  const skin = new Float32Array(w * h);
  fillPolygon(skin, w, h, growPolygon(m(FACE_OVAL), -0.06 * fw), 1);
  for (const ids of feats) fillPolygon(skin, w, h, growPolygon(convexHull(m(ids)), 0.03 * fw), 0);
  let n = 0, s = 0, s2 = 0;
  const Ls: number[] = [];
  const Cs: number[] = [];
  for (let i = 0; i < w * h; i++) {
    if (!skin[i]) continue;
    const d = fine[i]! - coarse[i]!;
    n++; s += d; s2 += d * d;
    Ls.push(l16[i]! - 16);
    Cs.push(cc[i]!);
  }
  Ls.sort((a, b) => a - b);
  Cs.sort((a, b) => a - b);
  const cAt = (ids: number[]) => {
    let a = 0, c = 0;
    const r = Math.max(1, Math.round(0.015 * fw));
    for (const id of ids) {
      const cx = Math.round(mesh[id]![0]! - x0), cy = Math.round(mesh[id]![1]! - y0);
      for (let y = cy - r; y <= cy + r; y++) for (let x = cx - r; x <= cx + r; x++) if (x >= 0 && y >= 0 && x < w && y < h) { a += cc[y * w + x]!; c++; }
    }
    return a / Math.max(1, c);
  };
  const at = (ids: number[]) => {
    let a = 0, c = 0;
    const r = Math.max(1, Math.round(0.025 * fw));
    for (const id of ids) {
      const cx = Math.round(mesh[id]![0]! - x0), cy = Math.round(mesh[id]![1]! - y0);
      for (let y = cy - r; y <= cy + r; y++) for (let x = cx - r; x <= cx + r; x++) if (x >= 0 && y >= 0 && x < w && y < h) { a += fine[y * w + x]! - coarse[y * w + x]!; c++; }
    }
    return (100 * a) / Math.max(1, c);
  };
  return { C: Cs[Cs.length >> 1] ?? 0, cBridge: cAt([6, 197, 195]), cCheek: cAt([117, 346, 50, 280]), cFore: cAt([151, 9, 108, 337]), sigma: 100 * Math.sqrt(Math.max(0, s2 / n - (s / n) ** 2)), bridge: at([6, 197, 195]), cheek: at([117, 346, 50, 280]), fore: at([151, 9, 108, 337]), side: at([137, 366, 123, 352]), L: Ls[Ls.length >> 1] ?? 0 };
}

const fmt = (r: Relief) => `σ ${r.sigma.toFixed(2)}  bridge ${r.bridge.toFixed(1)}  cheek ${r.cheek.toFixed(1)}  fore ${r.fore.toFixed(1)}  L ${r.L.toFixed(1)}  C ${r.C.toFixed(1)} Cbridge ${r.cBridge.toFixed(1)} Ccheek ${r.cCheek.toFixed(1)} Cfore ${r.cFore.toFixed(1)}`;
for (const [s, t, name] of pairs) {
  const [src, tpl] = await Promise.all([s!, t!].map(async (f) => (await padTightCrop(await readFile(f), 200)).bytes));
  let first = true;
  for (const [vname, knobs] of variants) {
    const d = await swapWithKnobs(engine, knobs, src!, tpl!);
    const W = d.raw.width, H = d.raw.height;
    if (first) {
      first = false;
      const si = await sharp(src!).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
      console.log(`${name} source   ${fmt(relief(si.data, si.info.width, si.info.height, d.source.mesh as ArrayLike<number>[]))}`);
      console.log(`${name} template ${fmt(relief(d.template.data, W, H, d.target.mesh as ArrayLike<number>[]))}`);
    }
    console.log(`${name} ${vname.padEnd(8)} ${fmt(relief(d.raw.data, W, H, d.target.mesh as ArrayLike<number>[]))}`);
  }
}
await engine.close?.();
