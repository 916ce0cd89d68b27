// The default face engine: a pipeline of named stages over the port in ./types.ts.
//   decode ▸ analyse (source; template from cache) ▸ warp ▸ mask ▸ colour ▸ blend ▸ enhance ▸ encode
// One instance per worker thread; init() loads the models once, swap() runs many times.
import { stageTimer } from './timings.ts';
import type { FaceEngine, SwapRequest, SwapResult } from './types.ts';
import { DEFAULT_LIMITS, FaceAnalyser, pickFace, type AnalyseLimits, type Face } from './analyse.ts';
import { decodeImage, encodeImage, DEFAULT_MAX_PIXELS, type RgbImage } from './image.ts';
import { DEFAULT_SWAP, swapFace, type SwapOptions, type SwapOutput } from './swap.ts';
import { contentHash, TemplateCache } from './cache.ts';
import { ServiceError } from '../jobs/errors.ts';
import { EsrganUpscaler, esrganModelDir } from './upscale.ts';
import { faceWidth } from './regions.ts';
import { roiAround } from './warp.ts';
import { landmarks5, type Point3 } from './analyse.ts';

export interface DefaultEngineOptions {
  /** Decoder pixel cap (sharp limitInputPixels), a second guard behind the service's own. */
  maxPixels?: number;
  /** Input checks: face size, angles, dominance, detector score. */
  limits?: Partial<AnalyseLimits>;
  /** Stage knobs (identity shape, mask, colour, blend, enhance). */
  swap?: Partial<SwapOptions>;
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
}

export const DEFAULT_UPSCALE: UpscaleOptions = { enabled: false, minRatio: 2, maxInput: 256 };

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
    this.swapOpts = { ...DEFAULT_SWAP, ...opts.swap };
    this.upscaleOpts = { ...DEFAULT_UPSCALE, ...opts.upscale };
  }

  async init(): Promise<void> {
    this.analyser ??= await FaceAnalyser.create({ warmup: this.opts.warmup });
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

  async swap(req: SwapRequest): Promise<SwapResult> {
    return (await this.swapDetailed(req)).result;
  }

  /** swap() plus what the CLI's --json and the evaluation need. */
  async swapDetailed(req: SwapRequest, opts: { embedding?: boolean } = {}): Promise<DetailedSwap> {
    const analyser = this.faceAnalyser;
    const { timings, time } = stageTimer();
    const maxPixels = this.opts.maxPixels ?? DEFAULT_MAX_PIXELS;
    const embedding = opts.embedding ?? false;

    // Template first: it is the likelier to be cached, and its failures are the caller's template.
    const key = contentHash(req.target);
    let cached = this.cache.get(key, embedding);
    const templateCached = !!cached;
    if (!cached) {
      const img = await time('decode', () => decodeImage(req.target, maxPixels));
      const faces = await time('analyseTarget', () => analyser.detect(img, { embedding, minScore: this.limits.minScore }));
      cached = { img, faces, withEmbedding: embedding };
      this.cache.set(key, cached);
    }
    const targetImg = cached.img;
    const srcImg = await time('decode', () => decodeImage(req.source, maxPixels));
    const srcFaces = await time('analyseSource', () => analyser.detect(srcImg, { embedding, minScore: this.limits.minScore }));
    const source = pickFace(srcFaces, srcImg, 'source', this.limits);
    const target = pickFace(cached.faces, targetImg, 'target', this.limits);

    req.onStage?.('running');
    let src = { img: srcImg, face: source };
    if (this.upscaler && faceWidth(target.mesh) >= this.upscaleOpts.minRatio * faceWidth(source.mesh)) {
      const up = this.upscaler;
      src = await time('upscale', () => upscaleFace(up, srcImg, source, this.upscaleOpts.maxInput));
    }
    const out = swapFace(src, { img: targetImg, face: target }, analyser.triangulation, this.swapOpts);
    Object.assign(timings, out.timings);
    const image = await time('encode', () => encodeImage(out.image, { jpegQuality: this.opts.jpegQuality }));
    timings.total = Object.values(timings).reduce((a, b) => a + b, 0);
    return {
      result: { image, format: targetImg.format, width: targetImg.width, height: targetImg.height, timings },
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

/** Crops the source face (with margin), upscales it ×2 and moves the mesh into the crop's frame. */
async function upscaleFace(up: EsrganUpscaler, img: RgbImage, face: Face, maxInput: number): Promise<{ img: RgbImage; face: Face }> {
  const roi = roiAround(face.mesh, img.width, img.height, Math.round(0.15 * faceWidth(face.mesh)));
  if (Math.max(roi.w, roi.h) > maxInput) return { img, face };
  const crop = new Uint8Array(roi.w * roi.h * 3);
  for (let y = 0; y < roi.h; y++) crop.set(img.data.subarray(((roi.y0 + y) * img.width + roi.x0) * 3, ((roi.y0 + y) * img.width + roi.x0 + roi.w) * 3), y * roi.w * 3);
  const big = up.upscale({ width: roi.w, height: roi.h, data: crop, format: img.format });
  const k = big.width / roi.w;
  const mesh = face.mesh.map(([x, y, z]) => [(x - roi.x0) * k, (y - roi.y0) * k, z * k] as Point3);
  return { img: big, face: { ...face, mesh, box: [(face.box[0] - roi.x0) * k, (face.box[1] - roi.y0) * k, face.box[2] * k, face.box[3] * k], landmarks5: landmarks5(mesh) } };
}

export function createDefaultEngine(options: DefaultEngineOptions = {}): DefaultEngine {
  return new DefaultEngine(options);
}

export { ServiceError };
export { FaceAnalyser, pickFace, DEFAULT_LIMITS, landmarks5, cosine } from './analyse.ts';
export type { Face, AnalyseLimits } from './analyse.ts';
