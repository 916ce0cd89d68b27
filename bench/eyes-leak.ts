// node --import tsx bench/eyes-leak.ts --out DIR --pair SRC::TPL::name [--variant name:a.b=v]...
//
// How much of the template's own detail around the eyes and brows reaches the result: the template
// is perturbed inside its eye and brow hulls (grown 3 % of the face width, feathered) — a fine
// pattern (stripes of period 4 px, ±12 grey levels: lashes, creases, grain), a medium one (period
// 6 % of the face width) and its detail removed (Gaussian σ 0.6 % of the face width) — and swapped
// with the same template analysis; leak = RMS(result′ − result) / RMS(template′ − template) over the
// perturbed pixels inside the swap's mask (alpha ≥ 0.99). Writes a crop (×3) of the result, the
// blur-perturbed result and their difference (×4 around grey) per variant. LEAK_GROW=0.1 grows the
// perturbed hulls to 10 % of the face width (crow's feet, the lids' surroundings).
import { readFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { createDefaultEngine } from '../src/engine/index.ts';
import { decodeImage, type RgbImage } from '../src/engine/image.ts';
import { convexHull, fillPolygon, gaussBlur, growPolygon } from '../src/engine/raster.ts';
import { BROW_LEFT, BROW_RIGHT, EYE_LEFT, EYE_RIGHT, faceWidth, pick } from '../src/engine/regions.ts';
import { padTightCrop } from './lib/dataset.ts';
import { parseDiagArgs, parseSet } from './lib/knobs.ts';
import { DEFAULT_SWAP, mergeSwapOptions } from '../src/engine/swap.ts';
import { DEFAULT_UPSCALE } from '../src/engine/index.ts';

type Mesh = ArrayLike<number>[];

function hullPlane(mesh: Mesh, w: number, h: number): Float32Array {
  const fw = faceWidth(mesh);
  const m = new Float32Array(w * h);
  for (const ids of [[...EYE_RIGHT, ...BROW_RIGHT], [...EYE_LEFT, ...BROW_LEFT]]) fillPolygon(m, w, h, growPolygon(convexHull(pick(mesh, ids)), Number(process.env.LEAK_GROW ?? 0.03) * fw), 1);
  return gaussBlur(m, w, h, 0.01 * fw);
}

function perturb(img: RgbImage, m: Float32Array, kind: string, fw: number): RgbImage {
  const { width: w, height: h } = img;
  const out = new Uint8Array(img.data);
  let blur: Float32Array[] | undefined;
  if (kind === 'blur') {
    blur = [0, 1, 2].map((c) => {
      const p = new Float32Array(w * h);
      for (let i = 0; i < w * h; i++) p[i] = img.data[i * 3 + c]!;
      return gaussBlur(p, w, h, 0.006 * fw);
    });
  }
  const period = kind === 'fine' ? 4 : 0.06 * fw;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const i = y * w + x;
    if (!(m[i]! > 1e-3)) continue;
    for (let c = 0; c < 3; c++) {
      const v = img.data[i * 3 + c]!;
      const t = blur ? blur[c]![i]! : v + 12 * Math.sin((2 * Math.PI * (x + 0.7 * y)) / period);
      out[i * 3 + c] = Math.max(0, Math.min(255, Math.round(v + m[i]! * (t - v))));
    }
  }
  return { ...img, data: out };
}

async function png(img: RgbImage): Promise<Buffer> {
  return sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 3 } }).png().toBuffer();
}

const argv = process.argv.slice(2);
const { out, pairs, variants } = parseDiagArgs(argv, '/tmp/eyes-leak');
await mkdir(out, { recursive: true });
const engine = createDefaultEngine({ warmup: false });
await engine.init();
const e = engine as unknown as { swapOpts: unknown; upscaleOpts: Record<string, unknown> };
for (const [s, t, name] of pairs) {
  const sb = (await padTightCrop(await readFile(s), 200)).bytes;
  const tb = (await padTightCrop(await readFile(t), 200)).bytes;
  const tImg = await decodeImage(tb);
  const tFaces = await engine.faceAnalyser.detect(tImg, { embedding: false });
  const tMesh = tFaces[0]!.mesh as Mesh;
  const fw = faceWidth(tMesh);
  const m = hullPlane(tMesh, tImg.width, tImg.height);
  const pert: Record<string, Buffer> = {};
  const pImgs: Record<string, RgbImage> = {};
  for (const k of ['fine', 'medium', 'blur']) { pImgs[k] = perturb(tImg, m, k, fw); pert[k] = await png(pImgs[k]!); }
  const tPng = await png(tImg);
  const lines: string[] = [];
  const tiles: Buffer[] = [];
  const xs = pick(tMesh, [...EYE_LEFT, ...EYE_RIGHT, ...BROW_LEFT, ...BROW_RIGHT]).map((p) => p[0]);
  const ys = pick(tMesh, [...EYE_LEFT, ...EYE_RIGHT, ...BROW_LEFT, ...BROW_RIGHT]).map((p) => p[1]);
  const pad = 0.15 * (Math.max(...xs) - Math.min(...xs));
  const cl = Math.max(0, Math.floor(Math.min(...xs) - pad)), ct = Math.max(0, Math.floor(Math.min(...ys) - pad));
  const cw = Math.min(tImg.width - cl, Math.ceil(Math.max(...xs) - Math.min(...xs) + 2 * pad)), ch = Math.min(tImg.height - ct, Math.ceil(Math.max(...ys) - Math.min(...ys) + 2 * pad));
  for (const [vname, spec] of variants) {
    const set = parseSet(spec);
    const up = (set.upscale ?? {}) as Record<string, unknown>;
    delete set.upscale;
    e.swapOpts = mergeSwapOptions(DEFAULT_SWAP, set);
    e.upscaleOpts = { ...DEFAULT_UPSCALE, ...up };
    const run = async (tbytes: Buffer) => (await engine.swapDetailed({ source: sb, target: tbytes, targetFaces: tFaces } as never));
    const base = await run(tPng);
    const R = base.raw;
    const alpha = base.swap.alpha, roi = base.swap.roi;
    const row: string[] = [];
    let blurRes: RgbImage | undefined;
    for (const k of ['fine', 'medium', 'blur']) {
      const d = await run(pert[k]!);
      if (k === 'blur') blurRes = d.raw;
      let num = 0, den = 0;
      for (let y = 0; y < roi.h; y++) for (let x = 0; x < roi.w; x++) {
        if (!(alpha[y * roi.w + x]! >= 0.99)) continue;
        const i = (y + roi.y0) * tImg.width + x + roi.x0;
        if (!(m[i]! > 0.5)) continue;
        for (let c = 0; c < 3; c++) {
          num += (d.raw.data[i * 3 + c]! - R.data[i * 3 + c]!) ** 2;
          den += (pImgs[k]!.data[i * 3 + c]! - tImg.data[i * 3 + c]!) ** 2;
        }
      }
      row.push(`${k} ${(100 * Math.sqrt(num / Math.max(1e-9, den))).toFixed(1)}%`);
    }
    lines.push(`${name} ${vname.padEnd(14)} leak: ${row.join('  ')}`);
    // crops: result, blur-perturbed result, diff ×4
    const diff = new Uint8Array(R.data.length);
    for (let i = 0; i < diff.length; i++) diff[i] = Math.max(0, Math.min(255, 128 + 4 * (blurRes!.data[i]! - R.data[i]!)));
    for (const im of [R, blurRes!, { ...R, data: diff }]) tiles.push(await sharp(await png(im)).extract({ left: cl, top: ct, width: cw, height: ch }).resize({ width: cw * 3, kernel: 'nearest' }).png().toBuffer());
    await sharp(await png(R)).toFile(path.join(out, `${name}.${vname}.png`));
  }
  const tc = await sharp(tPng).extract({ left: cl, top: ct, width: cw, height: ch }).resize({ width: cw * 3, kernel: 'nearest' }).png().toBuffer();
  const all = [tc, ...tiles];
  const H = (ch * 3 + 4) * all.length;
  await sharp({ create: { width: cw * 3, height: H, channels: 3, background: '#00f' } }).composite(all.map((b, i) => ({ input: b, left: 0, top: i * (ch * 3 + 4) }))).png().toFile(path.join(out, `${name}.leak.png`));
  console.log(lines.join('\n'));
}
await engine.close();
