// Eyes of soft small sources: the Richardson–Lucy pass on the eyes at the source's own
// resolution, before the Lanczos enlargement (features.ts deblurFeatures, upscale.deblurFeatures).
// Faces from @vladmandic/human's assets only: a 115-px face blurred and recompressed (soft eyes
// like the 150-px `john_*` sources) onto a template face ≈ 3× larger.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { deblurFeatures, featureCrispness } from '../src/engine/features.ts';
import { decodeImage, type RgbImage } from '../src/engine/image.ts';
import { BROW_LEFT, BROW_RIGHT, EYE_LEFT, EYE_RIGHT, faceWidth } from '../src/engine/regions.ts';
import { boxBlur } from '../src/engine/raster.ts';
import { faceB, useEngine } from './engine-fixtures.ts';

const require = createRequire(import.meta.url);
const ASSETS = path.join(path.dirname(require.resolve('@vladmandic/human')), '..', 'assets');

const engine = useEngine();

const luma = (img: RgbImage) => Float32Array.from({ length: img.width * img.height }, (_, i) => 0.299 * img.data[i * 3] + 0.587 * img.data[i * 3 + 1] + 0.114 * img.data[i * 3 + 2]);
const EYES_BROWS = [...EYE_RIGHT, ...BROW_RIGHT, ...EYE_LEFT, ...BROW_LEFT];
const distTo = (mesh: ArrayLike<number>[], ids: number[], x: number, y: number) => Math.min(...ids.map((i) => Math.hypot(mesh[i][0] - x, mesh[i][1] - y)));

/** The FaceID screenshot's man at its own resolution (face ≈ 115 px in 220 px): crisp. */
const crispSmall = () => sharp(path.join(ASSETS, 'screenshot-faceid.jpg')).extract({ left: 0, top: 100, width: 220, height: 220 }).png().toBuffer();
/** The same blurred (σ 1 px) and recompressed: the soft eyes of a `john_*` crop (featureCrispness ≈ 0.44 as they). */
const softSmall = async () => sharp(await crispSmall()).blur(1).jpeg({ quality: 85 }).toBuffer();

test('deblur: the soft crop measures soft, and the pass lifts its eyes toward the crisp original, nothing else moves', async () => {
  const crisp = await decodeImage(await crispSmall());
  const soft = await decodeImage(await softSmall());
  const [face] = await engine().faceAnalyser.detect(crisp, { embedding: false });
  const { mesh } = face;
  assert.ok(featureCrispness(soft, mesh) < 0.5, `soft crop's crispness ${featureCrispness(soft, mesh).toFixed(3)}`);
  const out: RgbImage = { ...soft, data: Uint8Array.from(soft.data) };
  const t0 = performance.now();
  deblurFeatures(out, mesh, { amount: 1, sigma: 0.8, iters: 5, overshoot: 4 });
  const ms = performance.now() - t0;
  const w = soft.width, h = soft.height, fw = faceWidth(mesh);
  const [yc, ys, yo] = [luma(crisp), luma(soft), luma(out)];
  // Near the eyes and brows: error to the crisp original, and fine-band RMS.
  const fine = (y: Float32Array) => {
    const b = boxBlur(y, w, h, 1);
    return (i: number) => y[i] - b[i];
  };
  const [fc, fs, fo] = [fine(yc), fine(ys), fine(yo)];
  let eS = 0, eO = 0, gS = 0, gO = 0, gC = 0, far = 0, nNear = 0;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const i = y * w + x;
    const d = distTo(mesh, EYES_BROWS, x, y);
    if (d > 0.12 * fw) {
      for (let c = 0; c < 3; c++) if (out.data[i * 3 + c] !== soft.data[i * 3 + c]) far++;
      continue;
    }
    if (d > 0.02 * fw) continue;
    nNear++;
    eS += (ys[i] - yc[i]) ** 2;
    eO += (yo[i] - yc[i]) ** 2;
    gS += fs(i) ** 2;
    gO += fo(i) ** 2;
    gC += fc(i) ** 2;
  }
  assert.equal(far, 0, 'pixels away from the eyes and brows changed');
  assert.ok(gO > 1.3 * gS && gO < 1.2 * gC, `fine-band energy: soft ${gS.toFixed(0)}, deblurred ${gO.toFixed(0)}, crisp ${gC.toFixed(0)}`);
  assert.ok(eO < 0.85 * eS, `error to the crisp original: soft ${Math.sqrt(eS).toFixed(1)}, deblurred ${Math.sqrt(eO).toFixed(1)}`);
  const m = (v: number) => Math.sqrt(v / nNear).toFixed(2);
  console.log(`# deblur: ${ms.toFixed(1)} ms; eye/brow fine-band RMS ${m(gS)} → ${m(gO)} (crisp ${m(gC)}); RMS error to the crisp original ${m(eS)} → ${m(eO)}`);
});

/** A swap's result with these upscale options: its eye band's fine-band RMS (luma − 3×3 box, within 4 % of the face width of the template mesh's eye points) and the luma there. */
async function eyeBand(source: Buffer, template: Buffer, upscale: Record<string, number>): Promise<{ fine: number; y: Float32Array }> {
  const e = engine() as unknown as { upscaleOpts: Record<string, number> };
  const keep = e.upscaleOpts;
  e.upscaleOpts = { ...keep, ...upscale };
  try {
    const d = await engine().swapDetailed({ source, target: template });
    const mesh = d.target.mesh, fw = faceWidth(mesh);
    const w = d.raw.width, h = d.raw.height;
    const Y = luma(d.raw), b = boxBlur(Y, w, h, 1);
    const y: number[] = [];
    let f = 0;
    for (let yy = 0; yy < h; yy++) for (let x = 0; x < w; x++) {
      if (distTo(mesh, [...EYE_RIGHT, ...EYE_LEFT], x, yy) > 0.04 * fw) continue;
      const i = yy * w + x;
      y.push(Y[i]);
      f += (Y[i] - b[i]) ** 2;
    }
    return { fine: Math.sqrt(f / y.length), y: Float32Array.from(y) };
  } finally {
    e.upscaleOpts = keep;
  }
}

test('deblur: a soft small source swapped onto a 3× larger face gets eyes as crisp as its crisp original\'s swap (0: the old output)', async () => {
  const template = await faceB();
  const ref = await eyeBand(await crispSmall(), template, {});
  const soft = await softSmall();
  const off = await eyeBand(soft, template, {});
  const zero = await eyeBand(soft, template, { deblurFeatures: 0 });
  const on = await eyeBand(soft, template, { deblurFeatures: 1 });
  assert.deepEqual(zero.y, off.y, 'deblurFeatures 0 must leave the output bit-identical');
  const [rOff, rOn] = [off.fine / ref.fine, on.fine / ref.fine];
  console.log(`# swap eye band fine-band RMS over the crisp source's swap: off ${rOff.toFixed(3)}, on ${rOn.toFixed(3)}`);
  assert.ok(Math.abs(Math.log(rOn)) < 0.5 * Math.abs(Math.log(rOff)), `off ${rOff.toFixed(3)}, on ${rOn.toFixed(3)} (crisp 1)`);
});
