// A BENCHMARK BASELINE, never served: the crude classical swap of DESIGN §5, the floor the engine
// must clearly beat, measured by `npm run eval -- … --engine crude` on the engine's own pairs.
//   Human's 468-point mesh on both photos (src/engine/analyse.ts) ▸ piecewise-affine warp of the
//   source over Human's triangulation onto the template's mesh points AS THEY ARE (no identityShape
//   move; src/engine/warp.ts) ▸ per-channel mean/std transfer in CIE Lab over the face ▸ alpha blend
//   with the mesh's area, feathered inward (src/engine/mask.ts feather()).
// No occluder/hair/glasses/mouth handling, no lighting, no membrane, texture or shading stages.
// Same decode, input checks (face size, angles, dominance), template cache and encode as the engine.
import { FaceAnalyser, DEFAULT_LIMITS, type Face } from '../../src/engine/analyse.ts';
import { contentHash, TemplateCache } from '../../src/engine/cache.ts';
import { encodeResult } from '../../src/engine/encode-result.ts';
import { sourceFaceOf, targetFaceOf } from '../../src/engine/group.ts';
import { decodeImage, type RgbImage } from '../../src/engine/image.ts';
import { feather } from '../../src/engine/mask.ts';
import { labToRgb, rgbToLab } from '../../src/engine/raster.ts';
import { faceWidth } from '../../src/engine/regions.ts';
import { stageTimer } from '../../src/engine/timings.ts';
import type { SwapRequest, SwapResult } from '../../src/engine/types.ts';
import { cropFloat, roiAround, warpTriangles, type Roi } from '../../src/engine/warp.ts';

/** Feather width, as a share of the face width (the engine's mask.feather is 0.03). */
export const CRUDE_FEATHER = 0.04;

export interface CrudeOutput {
  image: RgbImage;
  roi: Roi;
  /** Blend weight over the ROI; 0 = template pixel untouched. */
  alpha: Float32Array;
  timings: Record<string, number>;
}

/** The swap itself: source face onto the template's mesh, colour-matched, feathered in. */
export function crudeSwap(source: { img: RgbImage; face: Face }, target: { img: RgbImage; face: Face }, tri: ArrayLike<number>): CrudeOutput {
  const timings: Record<string, number> = {};
  let t = performance.now();
  const sMesh = source.face.mesh.slice(0, 468);
  const tMesh = target.face.mesh.slice(0, 468);
  const fw = faceWidth(tMesh);
  const roi = roiAround(tMesh, target.img.width, target.img.height, 4);
  const n = roi.w * roi.h;
  const warped = warpTriangles(source.img, sMesh, tMesh, tri, roi);
  const tgt = cropFloat(target.img, roi);
  timings.warp = performance.now() - t;

  // Reinhard-style transfer: each Lab channel of the warped face gets the template face's mean and
  // standard deviation over the same pixels (the whole mesh area: eyes, brows and lips included).
  t = performance.now();
  const s = rgbToLab(warped.rgb, n, warped.cover);
  const d = rgbToLab(tgt, n, warped.cover);
  let count = 0;
  for (let i = 0; i < n; i++) count += warped.cover[i];
  for (let c = 0; c < 3; c++) {
    const [ms, ss] = meanStd(s[c], warped.cover, count);
    const [md, sd] = meanStd(d[c], warped.cover, count);
    const k = sd / Math.max(ss, 1e-3);
    for (let i = 0; i < n; i++) if (warped.cover[i]) s[c][i] = (s[c][i] - ms) * k + md;
  }
  const src = labToRgb(s[0], s[1], s[2], warped.rgb, warped.cover);
  timings.colour = performance.now() - t;

  // Alpha: the mesh's area, eroded and blurred inward (feather() keeps it 0 outside the area).
  t = performance.now();
  const hard = new Float32Array(n);
  for (let i = 0; i < n; i++) hard[i] = warped.cover[i];
  const alpha = feather(hard, roi.w, roi.h, Math.max(2, Math.round(CRUDE_FEATHER * fw)));
  const out = new Uint8Array(target.img.data);
  for (let y = 0; y < roi.h; y++) {
    for (let x = 0; x < roi.w; x++) {
      const i = y * roi.w + x;
      const a = alpha[i];
      if (!(a > 0)) continue; // pixels outside the mask stay the template's
      const o = ((roi.y0 + y) * target.img.width + roi.x0 + x) * 3;
      for (let k = 0; k < 3; k++) out[o + k] = Math.min(255, Math.max(0, Math.round(tgt[i * 3 + k] + a * (src[i * 3 + k] - tgt[i * 3 + k]))));
    }
  }
  timings.blend = performance.now() - t;
  return { image: { ...target.img, data: out }, roi, alpha, timings };
}

function meanStd(v: Float32Array, only: Uint8Array, count: number): [number, number] {
  let sum = 0, sq = 0;
  for (let i = 0; i < v.length; i++) if (only[i]) (sum += v[i]), (sq += v[i] * v[i]);
  const m = sum / Math.max(1, count);
  return [m, Math.sqrt(Math.max(0, sq / Math.max(1, count) - m * m))];
}

/** What bench/eval.ts and bench/panel.ts read of a swap (DefaultEngine's DetailedSwap has all of it). */
export interface CrudeDetailedSwap {
  result: SwapResult;
  raw: RgbImage;
  template: RgbImage;
  source: Face;
  target: Face;
  swap: CrudeOutput;
}

/** crudeSwap() behind the engine's bench interface (init, faceAnalyser, swapDetailed, close). */
export class CrudeEngine {
  readonly name = 'crude';
  private analyser?: FaceAnalyser;
  private readonly cache = new TemplateCache(128 * 1024 * 1024);

  async init(): Promise<void> {
    this.analyser ??= await FaceAnalyser.create();
  }

  get faceAnalyser(): FaceAnalyser {
    if (!this.analyser) throw new Error('engine not initialised: call init() first');
    return this.analyser;
  }

  async swapDetailed(req: SwapRequest): Promise<CrudeDetailedSwap> {
    const analyser = this.faceAnalyser;
    const { timings, time } = stageTimer();
    const key = contentHash(req.target);
    let cached = this.cache.get(key, false);
    if (!cached) {
      const img = await time('decode', () => decodeImage(req.target));
      cached = { img, faces: await time('analyseTarget', () => analyser.detect(img)), withEmbedding: false };
      this.cache.set(key, cached);
    }
    const srcImg = await time('decode', () => decodeImage(req.source));
    const srcFaces = await time('analyseSource', () => analyser.detect(srcImg));
    const source = sourceFaceOf(srcFaces, srcImg, req.sourceFace, DEFAULT_LIMITS);
    const target = targetFaceOf(cached.faces, cached.img, req.targetFace, DEFAULT_LIMITS);
    const out = crudeSwap({ img: srcImg, face: source }, { img: cached.img, face: target }, analyser.triangulation);
    Object.assign(timings, out.timings);
    const faceBoxes = cached.faces.map((f) => f.box);
    const { image } = await time('encode', () => encodeResult(out.image, faceBoxes, {}));
    timings.total = Object.values(timings).reduce((a, b) => a + b, 0);
    const img = cached.img;
    return { result: { image, format: img.format, width: img.width, height: img.height, timings, faceBoxes }, raw: out.image, template: img, source, target, swap: out };
  }

  async close(): Promise<void> {
    await this.analyser?.close();
    this.analyser = undefined;
  }
}
