// The default face engine: a pipeline of named stages over the port in ./types.ts.
//   decode ▸ analyse (source; template from cache) ▸ warp ▸ mask ▸ colour ▸ blend ▸ enhance ▸ encode
// One instance per worker thread; init() loads the models once, swap() runs many times.
import sharp from 'sharp';
import { stageTimer } from './timings.ts';
import type { FaceEngine, SwapRequest, SwapResult, TemplateFaces } from './types.ts';
import { DEFAULT_LIMITS, FaceAnalyser, type AnalyseLimits, type Face } from './analyse.ts';
import { planGroup, sourceFaceOf, swapGroup, targetFaceOf, type GroupDeps } from './group.ts';
import { decodeImage, DEFAULT_MAX_PIXELS, type RgbImage } from './image.ts';
import { DEFAULT_SWAP, mergeSwapOptions, swapFace, type SwapOptions, type SwapOptionsPatch, type SwapOutput } from './swap.ts';
import { contentHash, TemplateCache, type CachedTemplate } from './cache.ts';
import { ServiceError } from '../jobs/errors.ts';
import { EsrganUpscaler, esrganModelDir } from './upscale.ts';
import { faceWidth } from './regions.ts';
import { roiAround } from './warp.ts';
import { landmarks5, type Point3 } from './analyse.ts';
import { encodeResult } from './encode-result.ts';
import { deblurFeatures, featureCrispness, sharpenFeatures, shockFeatures } from './features.ts';

export interface DefaultEngineOptions {
  /** Decoder pixel cap (sharp limitInputPixels), a second guard behind the service's own. */
  maxPixels?: number;
  /** Input checks: face size, angles, dominance, detector score. */
  limits?: Partial<AnalyseLimits>;
  /** Stage knobs (identity shape, mask, colour, blend, enhance). */
  swap?: SwapOptionsPatch;
  /** Template cache budget in bytes (0 disables). Default 128 MiB. */
  templateCacheBytes?: number;
  jpegQuality?: number;
  /** ESRGAN ×2 on source faces much smaller than the template's (off by default: see BENCHMARKS.md). */
  upscale?: Partial<UpscaleOptions>;
  /** Run every model once at init so the first job does not pay the kernels' compile (default true). */
  warmup?: boolean;
}

export interface UpscaleOptions {
  enabled: boolean;
  /** Upscale when the template's face is at least this many times wider than the source's. */
  minRatio: number;
  /** Largest source crop side (px) fed to ESRGAN; bigger faces are not small enough to need it. */
  maxInput: number;
  /** Model folder (model.json + weights); default: the @upscalerjs/esrgan-slim package's x2 model. */
  modelDir?: string;
  /** Without ESRGAN: template-to-source face width ratio from which the source is enlarged (Lanczos-3) before the warp. */
  lanczosFrom: number;
  /** The largest such enlargement. */
  lanczosMax: number;
  /** Unsharp-mask gain on the enlarged source's eyes and brows only (0 = off; ./features.ts). */
  sharpenFeatures: number;
  /** Its blur σ in pixels of the source before enlargement. */
  sharpenSigma: number;
  /** Grey levels it may overshoot the local min/max by. */
  sharpenOvershoot: number;
  /**
   * Crispness of the source's eyes (featureCrispness(): fine-band over next-band RMS) at and above
   * which they are not sharpened, and at and below which they get the full gain (smoothstep
   * between): a crisp small photo needs no more edge, a soft one does. 0 / 0 = always full gain.
   */
  sharpenCrispFrom: number;
  sharpenCrispFull: number;
  /**
   * Share of a shock filter's result taken on the enlarged source's eyes and brows (0 = off;
   * ./features.ts shockFeatures): the enlargement's soft ramps become single crisp contours.
   */
  shockFeatures: number;
  /** Its iterations per unit of enlargement. */
  shockSteps: number;
  /**
   * Share of a Richardson–Lucy deconvolution taken on the small source's eyes and brows, at the
   * source's own resolution before the Lanczos enlargement (0 = off; ./features.ts deblurFeatures),
   * times its own crispness gate (deblurCrispFrom / Full): a soft source's lid, lash and iris ramps
   * are narrowed before they are enlarged into a smear.
   */
  deblurFeatures: number;
  /** Eye crispness (featureCrispness) at and above which it does nothing, and at and below which it is whole. */
  deblurCrispFrom: number;
  deblurCrispFull: number;
  /** σ (source pixels) of the Gaussian blur it undoes. */
  deblurSigma: number;
  /** Its iterations. */
  deblurIters: number;
  /** Grey levels it may leave the local min/max (radius ⌈2σ⌉) by. */
  deblurOvershoot: number;
}

export const DEFAULT_UPSCALE: UpscaleOptions = {
  enabled: false,
  minRatio: 2,
  maxInput: 256,
  lanczosFrom: 1.4,
  lanczosMax: 3,
  sharpenFeatures: 1,
  sharpenSigma: 1,
  sharpenOvershoot: 4,
  sharpenCrispFrom: 0.8,
  sharpenCrispFull: 0.45,
  shockFeatures: 0,
  shockSteps: 1,
  deblurFeatures: 0,
  deblurCrispFrom: 0.6,
  deblurCrispFull: 0.45,
  deblurSigma: 0.8,
  deblurIters: 5,
  deblurOvershoot: 4,
};

export interface DetailedSwap {
  result: SwapResult;
  /** The raw result pixels before encoding. */
  raw: RgbImage;
  template: RgbImage;
  source: Face;
  target: Face;
  swap: SwapOutput;
  templateCached: boolean;
}

type StageTime = ReturnType<typeof stageTimer>['time'];

/** mask.handDetect.pose: the crops' sides along the forearm, × its length (a hand is ≈ 0.6–0.8 of it). */
const POSE_HAND_SCALES = [0.55, 0.7, 0.85];

export class DefaultEngine implements FaceEngine {
  readonly name = 'classic';
  private analyser?: FaceAnalyser;
  private readonly cache: TemplateCache;
  private readonly limits: AnalyseLimits;
  private readonly swapOpts: SwapOptions;
  private readonly upscaleOpts: UpscaleOptions;
  private upscaler?: EsrganUpscaler;

  constructor(private readonly opts: DefaultEngineOptions = {}) {
    this.cache = new TemplateCache(opts.templateCacheBytes ?? 128 * 1024 * 1024);
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.swapOpts = mergeSwapOptions(DEFAULT_SWAP, opts.swap);
    this.upscaleOpts = { ...DEFAULT_UPSCALE, ...opts.upscale };
  }

  async init(): Promise<void> {
    this.analyser ??= await FaceAnalyser.create({ warmup: this.opts.warmup });
    if (this.swapOpts.mask.hands > 0 && (this.opts.warmup ?? true)) {
      // mask.hands: the hand models load and compile their kernels here, not in the first job.
      const hd = this.swapOpts.mask.handDetect;
      const side = 64;
      const blank = { width: side, height: side, data: new Uint8Array(side * side * 3).fill(128), format: 'png' as const };
      if (hd.track > 0) await this.analyser.detectHands(blank, { side: hd.side, minScore: hd.minScore, boxScore: 1e-6 }); // > 0: Human reads a 0 threshold as 1
      if (hd.pose > 0) await this.analyser.detectHandsByPose(blank, { side: hd.side, minScore: hd.poseScore, minJoint: 0, scales: POSE_HAND_SCALES });
    }
    if (this.upscaleOpts.enabled && !this.upscaler) {
      const dir = this.upscaleOpts.modelDir ?? esrganModelDir(2);
      if (!dir) throw new Error('upscale enabled but no ESRGAN model: install @upscalerjs/esrgan-slim or set upscale.modelDir');
      this.upscaler = await EsrganUpscaler.load(this.analyser.human.tf, dir);
    }
  }

  /** The analysis module (for other engines and tools): detection, mesh, angles, embedding. */
  get faceAnalyser(): FaceAnalyser {
    if (!this.analyser) throw new Error('engine not initialised: call init() first');
    return this.analyser;
  }

  /**
   * A source face much smaller than the template's is scaled up before the warp: by ESRGAN when
   * configured, else by Lanczos-3 (sharp) on a crop around the face. The warp's bilinear taps
   * smeared a 3× enlargement into blurred eyes and brows, which blind reviewers named first.
   */
  private async scaledSource(src: { img: RgbImage; face: Face }, target: Face, time: StageTime): Promise<{ img: RgbImage; face: Face }> {
    const ratio = faceWidth(target.mesh) / faceWidth(src.face.mesh);
    if (this.upscaler && ratio >= this.upscaleOpts.minRatio) {
      const up = this.upscaler;
      return time('upscale', () => upscaleFace(up, src.img, src.face, this.upscaleOpts.maxInput));
    }
    const o = this.upscaleOpts;
    if (ratio < o.lanczosFrom) {
      // A small source shown at its own size or a little larger keeps its softness (softEyes).
      return ratio >= 1 && this.swapOpts.colour.softEyesMaxWidth > 0 && this.softGated(src.face) ? { img: src.img, face: { ...src.face, eyeCrispness: featureCrispness(src.img, src.face.mesh) } } : src;
    }
    return time('upscale', async () => {
      const k = Math.min(o.lanczosMax, ratio);
      // The source's eye crispness (featureCrispness, measured once) → a gain by a smoothstep: 1 at
      // or below `full`, 0 at or above `from` (from ≤ full: always 1).
      let crisp: number | undefined;
      const gate = (from: number, full: number): number => {
        if (!(from > full)) return 1;
        crisp ??= featureCrispness(src.img, src.face.mesh);
        const u = Math.min(1, Math.max(0, (from - crisp) / (from - full)));
        return u * u * (3 - 2 * u);
      };
      const prep =
        o.deblurFeatures > 0
          ? (crop: RgbImage, mesh: ArrayLike<number>[]) => {
              const gain = gate(o.deblurCrispFrom, o.deblurCrispFull);
              if (gain > 0) deblurFeatures(crop, mesh, { amount: o.deblurFeatures * gain, sigma: o.deblurSigma, iters: o.deblurIters, overshoot: o.deblurOvershoot });
            }
          : undefined;
      const out = await resizeFace(src.img, src.face, k, prep);
      if (o.sharpenFeatures > 0) {
        const gain = gate(o.sharpenCrispFrom, o.sharpenCrispFull);
        if (gain > 0) sharpenFeatures(out.img, out.face.mesh, k, { amount: o.sharpenFeatures * gain, sigma: o.sharpenSigma, overshoot: o.sharpenOvershoot });
      }
      if (o.shockFeatures > 0) shockFeatures(out.img, out.face.mesh, k, { amount: o.shockFeatures, steps: o.shockSteps });
      // colour.softEyes, texture.softMedium and the brow hair read how soft the enlarged source's eyes were.
      if (this.softGated(src.face)) out.face.eyeCrispness = crisp ?? featureCrispness(src.img, src.face.mesh);
      return out;
    });
  }

  /**
   * Whether colour.softEyes, texture.softMedium, the brow hair (colour.browChroma,
   * texture.browStrands) or colour.socketLidSoft will read this source face's eye crispness: they act on a small source only.
   */
  private softGated(face: Face): boolean {
    const c = this.swapOpts.colour, t = this.swapOpts.texture;
    if (!(c.softEyes > 0 || t.softMedium > 0 || c.browChroma > 0 || t.browStrands > 0 || c.socketLidSoft > 0)) return false;
    return !(c.softEyesMaxWidth > 0) || faceWidth(face.mesh) <= c.softEyesMaxWidth;
  }

  /** The engine's stage options with the request's own choices (style) applied. */
  private optionsFor(req: SwapRequest): SwapOptions {
    return req.style ? { ...this.swapOpts, style: { ...this.swapOpts.style, style: req.style } } : this.swapOpts;
  }

  async swap(req: SwapRequest): Promise<SwapResult> {
    if (req.faces) return this.swapGroup(req);
    return (await this.swapDetailed(req)).result;
  }

  /** The template's pixels and faces, from the cache, from `given` (already analysed), or analysed now. */
  private async template(bytes: Uint8Array, embedding: boolean, time: StageTime, given?: Face[]): Promise<{ cached: CachedTemplate; templateCached: boolean }> {
    const key = contentHash(bytes);
    let cached = this.cache.get(key, embedding);
    const templateCached = !!cached;
    if (!cached) {
      const img = await time('decode', () => decodeImage(bytes, this.opts.maxPixels ?? DEFAULT_MAX_PIXELS));
      const faces = given && !embedding ? given : await time('analyseTarget', () => this.faceAnalyser.detect(img, { embedding, minScore: this.limits.minScore }));
      cached = { img, faces, withEmbedding: embedding };
      this.cache.set(key, cached);
    }
    return { cached, templateCached: templateCached || (!!given && !embedding) };
  }

  async listFaces(image: Uint8Array): Promise<TemplateFaces> {
    const { cached } = await this.template(image, false, stageTimer().time);
    return { width: cached.img.width, height: cached.img.height, faces: cached.faces };
  }

  /** A group job: one template analysis, each source into its own face (./group.ts). */
  private async swapGroup(req: SwapRequest): Promise<SwapResult> {
    const analyser = this.faceAnalyser;
    const { timings, time } = stageTimer();
    const { cached } = await this.template(req.target, false, time, req.targetFaces);
    const deps: GroupDeps = {
      limits: this.limits,
      time,
      decode: (bytes) => decodeImage(bytes, this.opts.maxPixels ?? DEFAULT_MAX_PIXELS),
      detect: (img) => analyser.detect(img, { minScore: this.limits.minScore }),
      swapOne: async (source, target) => {
        const src = await this.scaledSource(source, target.face, time);
        const out = swapFace(src, target, analyser.triangulation, this.optionsFor(req));
        return { image: out.image, timings: out.timings };
      },
    };
    const plans = await planGroup(cached, req.faces ?? [], deps);
    req.onStage?.('running');
    const out = await swapGroup(cached.img, plans, deps);
    for (const [k, v] of Object.entries(out.timings)) timings[k] = (timings[k] ?? 0) + v;
    const faceBoxes = cached.faces.map((f) => f.box);
    const { image, labelPlacement } = await time('encode', () => encodeResult(out.image, faceBoxes, req, this.opts.jpegQuality));
    timings.total = Object.values(timings).reduce((a, b) => a + b, 0);
    return { image, format: cached.img.format, width: cached.img.width, height: cached.img.height, timings, faceBoxes, ...(labelPlacement && { labelPlacement }) };
  }

  /** swap() plus what the CLI's --json and the evaluation need. */
  async swapDetailed(req: SwapRequest, opts: { embedding?: boolean } = {}): Promise<DetailedSwap> {
    const analyser = this.faceAnalyser;
    const { timings, time } = stageTimer();
    const maxPixels = this.opts.maxPixels ?? DEFAULT_MAX_PIXELS;
    const embedding = opts.embedding ?? false;

    // The source decodes in libvips' threads while the template is analysed on this one ('decode'
    // then counts only what is left to wait for).
    const srcDecoded = decodeImage(req.source, maxPixels);
    srcDecoded.catch(() => undefined); // the template's failure, if any, is the one reported
    // Template first: it is the likelier to be cached, and its failures are the caller's template.
    const { cached, templateCached } = await this.template(req.target, embedding, time, req.targetFaces);
    const targetImg = cached.img;
    const srcImg = await time('decode', () => srcDecoded);
    const srcFaces = await time('analyseSource', () => analyser.detect(srcImg, { embedding, minScore: this.limits.minScore }));
    const source = sourceFaceOf(srcFaces, srcImg, req.sourceFace, this.limits);
    const target = targetFaceOf(cached.faces, targetImg, req.targetFace, this.limits);

    // mask.hands: the hands in both images (the template's kept with it in the cache).
    const swapOpts = this.optionsFor(req);
    let sourceFace = source;
    let targetFace = target;
    if (swapOpts.mask.hands > 0) {
      const hd = swapOpts.mask.handDetect;
      // `near`: arms whose hand cannot reach a face are not looked at (the template's: all its faces).
      const find = async (img: RgbImage, near: Face['box'][]) => {
        const hs = hd.track > 0 ? await analyser.detectHands(img, { side: hd.side, minScore: hd.minScore, boxScore: hd.boxScore }) : [];
        if (hd.pose > 0) hs.push(...(await analyser.detectHandsByPose(img, { side: hd.side, minScore: hd.poseScore, minJoint: hd.poseJoint, scales: POSE_HAND_SCALES, near })));
        return hs.map((h) => h.keypoints);
      };
      sourceFace = { ...source, hands: await time('hands', () => find(srcImg, [source.box])) };
      cached.hands ??= await time('hands', () => find(targetImg, cached.faces.map((f) => f.box)));
      targetFace = { ...target, hands: cached.hands };
    }
    req.onStage?.('running');
    const src = await this.scaledSource({ img: srcImg, face: sourceFace }, targetFace, time);
    const out = swapFace(src, { img: targetImg, face: targetFace }, analyser.triangulation, swapOpts);
    Object.assign(timings, out.timings);
    const faceBoxes = cached.faces.map((f) => f.box);
    const { image, labelPlacement } = await time('encode', () => encodeResult(out.image, faceBoxes, req, this.opts.jpegQuality));
    timings.total = Object.values(timings).reduce((a, b) => a + b, 0);
    return {
      result: { image, format: targetImg.format, width: targetImg.width, height: targetImg.height, timings, faceBoxes, ...(labelPlacement && { labelPlacement }) },
      raw: out.image,
      template: targetImg,
      source,
      target,
      swap: out,
      templateCached,
    };
  }

  async close(): Promise<void> {
    this.upscaler?.dispose();
    this.upscaler = undefined;
    await this.analyser?.close();
    this.analyser = undefined;
  }
}

/** A crop around the face, resized k× with Lanczos-3, the mesh moved into its frame. */
async function resizeFace(img: RgbImage, face: Face, k: number, prep?: (crop: RgbImage, mesh: ArrayLike<number>[]) => void): Promise<{ img: RgbImage; face: Face }> {
  // The warp samples inside the mesh only: a margin of the kernel's reach (Lanczos-3: 3 px) and a
  // little more keeps the crop's clamped edges away from it, at half the pixels of a 15 % margin.
  const roi = roiAround(face.mesh, img.width, img.height, Math.max(6, Math.round(0.03 * faceWidth(face.mesh))));
  const crop = cropRgb(img, roi);
  // upscale.deblurFeatures: on the crop, at the source's own resolution, before the enlargement.
  if (prep) prep({ width: roi.w, height: roi.h, data: crop, format: img.format }, inFrame(face, roi, 1).mesh);
  const width = Math.round(roi.w * k), height = Math.round(roi.h * k);
  const data = await sharp(crop, { raw: { width: roi.w, height: roi.h, channels: 3 } }).resize(width, height, { kernel: 'lanczos3' }).raw().toBuffer();
  return { img: { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.length), format: img.format }, face: inFrame(face, roi, width / roi.w) };
}

/** The pixels of `roi` as packed RGB. */
function cropRgb(img: RgbImage, roi: { x0: number; y0: number; w: number; h: number }): Uint8Array {
  const crop = new Uint8Array(roi.w * roi.h * 3);
  for (let y = 0; y < roi.h; y++) crop.set(img.data.subarray(((roi.y0 + y) * img.width + roi.x0) * 3, ((roi.y0 + y) * img.width + roi.x0 + roi.w) * 3), y * roi.w * 3);
  return crop;
}

/** The face's mesh, box and landmarks in the frame of a crop at `roi`, scaled k×. */
function inFrame(face: Face, roi: { x0: number; y0: number }, k: number): Face {
  const mesh = face.mesh.map(([x, y, z]) => [(x - roi.x0) * k, (y - roi.y0) * k, z * k] as Point3);
  const hands = face.hands?.map((h) => h.map(([x, y]) => [(x - roi.x0) * k, (y - roi.y0) * k] as [number, number]));
  return { ...face, mesh, ...(hands && { hands }), box: [(face.box[0] - roi.x0) * k, (face.box[1] - roi.y0) * k, face.box[2] * k, face.box[3] * k], landmarks5: landmarks5(mesh) };
}

/** Crops the source face (with margin), upscales it ×2 and moves the mesh into the crop's frame. */
async function upscaleFace(up: EsrganUpscaler, img: RgbImage, face: Face, maxInput: number): Promise<{ img: RgbImage; face: Face }> {
  const roi = roiAround(face.mesh, img.width, img.height, Math.round(0.15 * faceWidth(face.mesh)));
  if (Math.max(roi.w, roi.h) > maxInput) return { img, face };
  const crop = cropRgb(img, roi);
  const big = up.upscale({ width: roi.w, height: roi.h, data: crop, format: img.format });
  return { img: big, face: inFrame(face, roi, big.width / roi.w) };
}

export function createDefaultEngine(options: DefaultEngineOptions = {}): DefaultEngine {
  return new DefaultEngine(options);
}

export { ServiceError };
export { FaceAnalyser, pickFace, DEFAULT_LIMITS, landmarks5, cosine } from './analyse.ts';
export type { Face, AnalyseLimits } from './analyse.ts';
