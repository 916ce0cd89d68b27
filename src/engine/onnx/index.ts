// The generative engine: an inswapper-class swapper and an ArcFace-style recogniser on
// onnxruntime-node (CPU, or CUDA when asked for), fed by the default engine's face analysis.
//   decode ▸ analyse (template cached) ▸ embed source ▸ swap aligned target crop ▸ paste-back mask
//   ▸ colour ▸ blend ▸ enhance ▸ encode
// Same port as the default engine (../types.ts); init() loads and checks both models.
import { stageTimer } from '../timings.ts';
import { isAbsolute, join } from 'node:path';
import type { FaceEngine, SwapRequest, SwapResult, TemplateFaces } from '../types.ts';
import { DEFAULT_LIMITS, FaceAnalyser, type AnalyseLimits, type Face } from '../analyse.ts';
import { contentHash, TemplateCache, type CachedTemplate } from '../cache.ts';
import { planGroup, sourceFaceOf, swapGroup, targetFaceOf, type GroupDeps } from '../group.ts';
import { decodeImage, DEFAULT_MAX_PIXELS, type RgbImage } from '../image.ts';
import { encodeResult } from '../encode-result.ts';
import { faceWidth } from '../regions.ts';
import type { Landmarks5 } from './align.ts';
import { DEFAULT_FINISH, finishLayer, type FinishOptions } from './finish.ts';
import type { Raster } from './image.ts';
import { embedFace, swapFace } from './infer.ts';
import { loadModels, type OnnxProvider, type RecogniserModel, type SwapperModel } from './models.ts';
import { pasteLayer } from './paste.ts';

export { ModelCheckError, type OnnxProvider } from './models.ts';

export const DEFAULT_SWAPPER_FILE = 'inswapper_128.onnx';
export const DEFAULT_RECOGNISER_FILE = 'w600k_r50.onnx';

/** Finds faces in a decoded image, largest first (the default engine's FaceAnalyser does). */
export interface FaceDetector {
  detect(img: RgbImage, opts?: { minScore?: number }): Promise<Face[]>;
  close?(): Promise<void>;
}

export interface OnnxEngineOptions {
  /** Folder holding the two model files. */
  modelDir: string;
  /** 'cpu' (default) or 'cuda'; CUDA that does not load fails init() with set-up instructions. */
  provider?: OnnxProvider;
  /** Swapper file name in modelDir, or an absolute path. Default inswapper_128.onnx. */
  swapperFile?: string;
  /** Recogniser file name in modelDir, or an absolute path. Default w600k_r50.onnx. */
  recogniserFile?: string;
  /** CUDA device ordinal. */
  deviceId?: number;
  /** onnxruntime intra-op threads (CPU provider); default: onnxruntime's choice. */
  threads?: number;
  /** Decoder pixel cap, a second guard behind the service's own. */
  maxPixels?: number;
  /** Input checks shared with the default engine: face size, angles, dominance, score. */
  limits?: Partial<AnalyseLimits>;
  /** Colour/blend/enhance knobs; `false` turns a stage off. */
  finish?: Partial<FinishOptions>;
  /** Template cache budget in bytes (0 disables). Default 128 MiB. */
  templateCacheBytes?: number;
  jpegQuality?: number;
  /** Face detection; default: the default engine's FaceAnalyser (Human, WASM). */
  detector?: FaceDetector | (() => Promise<FaceDetector>);
}

/** Face width in pixels for the finishing stages: from the mesh, else from the eye distance. */
function widthOf(face: Face): number {
  if (face.mesh.length >= 468) return faceWidth(face.mesh);
  const [l, r] = face.landmarks5;
  // The cheek-to-cheek width is about 2.2 eye distances on an adult face.
  return 2.2 * Math.hypot(r[0] - l[0], r[1] - l[1]);
}

function raster(img: RgbImage): Raster<Uint8Array> {
  return { width: img.width, height: img.height, channels: 3, data: img.data };
}

export class OnnxEngine implements FaceEngine {
  readonly name = 'onnx';
  readonly swapperPath: string;
  readonly recogniserPath: string;
  private models?: { swapper: SwapperModel; recogniser: RecogniserModel };
  private detector?: FaceDetector;
  private readonly cache: TemplateCache;
  private readonly limits: AnalyseLimits;
  private readonly finish: FinishOptions;

  constructor(private readonly opts: OnnxEngineOptions) {
    if (!opts.modelDir && !(opts.swapperFile && isAbsolute(opts.swapperFile) && opts.recogniserFile && isAbsolute(opts.recogniserFile))) {
      throw new Error('the onnx engine needs a model folder (WANXING_MODEL_DIR)');
    }
    const at = (f: string) => (isAbsolute(f) ? f : join(opts.modelDir, f));
    this.swapperPath = at(opts.swapperFile ?? DEFAULT_SWAPPER_FILE);
    this.recogniserPath = at(opts.recogniserFile ?? DEFAULT_RECOGNISER_FILE);
    this.cache = new TemplateCache(opts.templateCacheBytes ?? 128 * 1024 * 1024);
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.finish = { ...DEFAULT_FINISH, ...opts.finish };
  }

  /** Loads and checks both models (a missing or wrong one throws ModelCheckError), then the detector. */
  async init(): Promise<void> {
    this.models ??= await loadModels(this.swapperPath, this.recogniserPath, {
      provider: this.opts.provider ?? 'cpu',
      deviceId: this.opts.deviceId,
      threads: this.opts.threads,
    });
    if (!this.detector) {
      const d = this.opts.detector;
      this.detector = typeof d === 'function' ? await d() : d ?? (await FaceAnalyser.create());
    }
  }

  /** The loaded models' signatures, for logs and the CLI. */
  describe(): { provider: OnnxProvider; swapper: string; recogniser: string; size: number; latent: number; embedding: number } {
    const m = this.ready().models;
    return {
      provider: this.opts.provider ?? 'cpu',
      swapper: this.swapperPath,
      recogniser: this.recogniserPath,
      size: m.swapper.size,
      latent: m.swapper.latentSize,
      embedding: m.recogniser.embeddingSize,
    };
  }

  private ready(): { models: NonNullable<OnnxEngine['models']>; detector: FaceDetector } {
    if (!this.models || !this.detector) throw new Error('engine not initialised: call init() first');
    return { models: this.models, detector: this.detector };
  }

  async swap(req: SwapRequest): Promise<SwapResult> {
    const { models, detector } = this.ready();
    const { timings, time } = stageTimer();
    const maxPixels = this.opts.maxPixels ?? DEFAULT_MAX_PIXELS;
    const minScore = this.limits.minScore;

    // Template first: likelier cached, and its failures are the template's.
    const cached = await this.template(req.target, time, req.targetFaces);
    const targetImg = cached.img;
    const deps = this.groupDeps(time);
    let out: RgbImage;
    if (req.faces) {
      // A group job: one template analysis, each source into its own face (../group.ts).
      const plans = await planGroup(cached, req.faces, deps);
      req.onStage?.('running');
      const group = await swapGroup(targetImg, plans, deps);
      Object.assign(timings, group.timings);
      out = group.image;
    } else {
      const srcImg = await time('decode', () => decodeImage(req.source, maxPixels));
      const srcFaces = await time('analyseSource', () => detector.detect(srcImg, { minScore }));
      const source = sourceFaceOf(srcFaces, srcImg, req.sourceFace, this.limits);
      const target = targetFaceOf(cached.faces, targetImg, req.targetFace, this.limits);
      req.onStage?.('running');
      const one = await deps.swapOne({ img: srcImg, face: source }, { img: targetImg, face: target });
      Object.assign(timings, one.timings);
      out = one.image;
    }
    const faceBoxes = cached.faces.map((f) => f.box);
    const { image, labelPlacement } = await time('encode', () => encodeResult(out, faceBoxes, req, this.opts.jpegQuality));
    timings.total = Object.values(timings).reduce((a, b) => a + b, 0);
    return { image, format: targetImg.format, width: targetImg.width, height: targetImg.height, timings, faceBoxes, ...(labelPlacement && { labelPlacement }) };
  }

  /** The template's pixels and faces: cached, `given` (already analysed), or analysed now. */
  private async template(bytes: Uint8Array, time: GroupDeps['time'], given?: Face[]): Promise<CachedTemplate> {
    const key = contentHash(bytes);
    let cached = this.cache.get(key, false);
    if (!cached) {
      const { detector } = this.ready();
      const img = await time('decode', () => decodeImage(bytes, this.opts.maxPixels ?? DEFAULT_MAX_PIXELS));
      const faces = given ?? (await time('analyseTarget', () => detector.detect(img, { minScore: this.limits.minScore })));
      cached = { img, faces, withEmbedding: false };
      this.cache.set(key, cached);
    }
    return cached;
  }

  async listFaces(image: Uint8Array): Promise<TemplateFaces> {
    const cached = await this.template(image, stageTimer().time);
    return { width: cached.img.width, height: cached.img.height, faces: cached.faces };
  }

  /** Detection and the one-face swap (embed ▸ swap ▸ paste-back ▸ finish), as ../group.ts uses them. */
  private groupDeps(time: GroupDeps['time']): GroupDeps {
    const { models, detector } = this.ready();
    return {
      limits: this.limits,
      time,
      decode: (bytes) => decodeImage(bytes, this.opts.maxPixels ?? DEFAULT_MAX_PIXELS),
      detect: (img) => detector.detect(img, { minScore: this.limits.minScore }),
      swapOne: async (source, target) => {
        const embedding = await time('embed', () => embedFace(models.recogniser, raster(source.img), source.face.landmarks5 as Landmarks5));
        const swapped = await time('swap', () => swapFace(models.swapper, raster(target.img), target.face.landmarks5 as Landmarks5, embedding));
        const layer = await time('mask', () => pasteLayer(swapped.crop, swapped.toCrop, target.img.width, target.img.height));
        const done = finishLayer(target.img, layer, widthOf(target.face), this.finish);
        return { image: done.image, timings: done.timings };
      },
    };
  }

  async close(): Promise<void> {
    const m = this.models;
    this.models = undefined;
    if (m) await Promise.all([m.swapper.session.release(), m.recogniser.session.release()]);
    // A detector handed in by the caller is the caller's to close.
    if (this.detector && !this.opts.detector) await this.detector.close?.();
    this.detector = undefined;
  }
}

export function createOnnxEngine(opts: OnnxEngineOptions): OnnxEngine {
  return new OnnxEngine(opts);
}
