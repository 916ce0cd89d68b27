// Input screening: the NSFW classifier of the `nsfwjs` package (its MobileNetV2 "mid" graph model,
// shipped inside the package), converted to ONNX (screening-model.ts; prebuilt in dist/ by the build)
// and run by onnxruntime-node on the calling thread, before any swap. nsfwjs's own preprocessing
// (RGB 224², /255) and class order. tfjs is not loaded: on it the model took ≈ 0.24 s to load and
// ≈ 36 ms a photo, on onnxruntime ≈ 0.09 s and ≈ 12 ms (npm run bench:screen).
// An explicit photo (P(porn) + P(hentai) at or over the threshold) is refused with -330007
// ContentRejected, naming which photo and its scores.
import { createRequire } from 'node:module';
import sharp from 'sharp';
import type { FaceEngine, SwapRequest, SwapResult } from '../engine/types.ts';
import { ServiceError } from '../jobs/errors.ts';
import { INPUT, OUTPUT, screeningModel } from './screening-model.ts';

const require = createRequire(import.meta.url);

export const CLASSES = ['drawing', 'hentai', 'neutral', 'porn', 'sexy'] as const;
export type ClassScores = Record<(typeof CLASSES)[number], number>;

/** Scores of a job's photos, kept in the audit trail. */
export interface ScreeningScores {
  source: ClassScores;
  target: ClassScores;
  /** A group job's further sources, in order. */
  others?: ClassScores[];
  ms: number;
}

export interface ScreeningOptions {
  threshold: number;
  /** Decoder pixel cap, as for the engine. */
  maxPixels?: number;
}

/** The score compared with the threshold: how explicit the photo is. */
export function explicitScore(s: ClassScores): number {
  return s.porn + s.hentai;
}

// The subset of onnxruntime-node used here (required when a screener loads: a thread that screens
// nothing never loads it).
type Ort = typeof import('onnxruntime-node');
type Session = import('onnxruntime-node').InferenceSession;

const SIZE = 224;

export class Screener {
  private constructor(
    private readonly ort: Ort,
    private readonly session: Session,
  ) {}

  /**
   * Loads the model once per thread (≈ 0.08 s from the prebuilt dist/screening.onnx; ≈ 0.2 s more,
   * ≈ 0.35 s more CPU, when it is converted from the package instead). One onnxruntime session that
   * uses no threads of its own (intra- and inter-op 1, sequential): it runs on the calling thread.
   * `warmup` (default on) runs it once on a blank photo so the first job does not pay the first
   * run's allocations; a one-shot CLI run turns it off, its first photo pays that anyway.
   */
  static async load(opts: { warmup?: boolean } = {}): Promise<Screener> {
    const ort = require('onnxruntime-node') as Ort;
    const model = screeningModel();
    const session = await ort.InferenceSession.create(model.bytes, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    if (session.inputNames[0] !== INPUT || session.outputNames[0] !== OUTPUT) throw new Error(`screening: the model's input/output are ${session.inputNames}/${session.outputNames}`);
    const screener = new Screener(ort, session);
    if (opts.warmup !== false) await screener.classify([new Uint8Array(SIZE * SIZE * 3)]); // first run allocates its buffers
    return screener;
  }

  /**
   * Probabilities in CLASSES order (the model's softmax) for each 224² packed RGB photo, all in one
   * batch: a job's photos share one pass through the graph (the first pass of a thread also sets up
   * the kernels, once instead of per photo).
   */
  private async classify(rgbs: Uint8Array[]): Promise<Float32Array[]> {
    const px = SIZE * SIZE * 3;
    const scaled = new Float32Array(px * rgbs.length);
    rgbs.forEach((rgb, k) => toUnit(rgb, scaled, k * px));
    const x = new this.ort.Tensor('float32', scaled, [rgbs.length, SIZE, SIZE, 3]);
    const out = (await this.session.run({ [INPUT]: x }))[OUTPUT]!;
    const p = out.data as Float32Array;
    return rgbs.map((_, k) => p.subarray(k * CLASSES.length, (k + 1) * CLASSES.length));
  }

  /** The classifier's probabilities for one encoded photo (EXIF orientation applied). */
  async score(bytes: Uint8Array, maxPixels = 50_000_000): Promise<ClassScores> {
    return (await this.scoreAll([bytes], maxPixels))[0]!;
  }

  /** The same for several photos, decoded side by side (libvips' threads) and classified in one batch. */
  async scoreAll(photos: Uint8Array[], maxPixels = 50_000_000): Promise<ClassScores[]> {
    return this.scorePixels(await Promise.all(photos.map((p) => Screener.pixels(p, maxPixels))));
  }

  /** A photo as the classifier takes it: 224² packed RGB (libvips' threads: may run while the model loads). */
  static async pixels(bytes: Uint8Array, maxPixels = 50_000_000): Promise<Uint8Array> {
    const { data, info } = await sharp(bytes, { limitInputPixels: maxPixels })
      .rotate()
      .resize(SIZE, SIZE, { fit: 'fill' })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.width !== SIZE || info.height !== SIZE || info.channels !== 3) throw new Error(`screening: unexpected ${info.width}x${info.height}x${info.channels}`);
    return data;
  }

  /** The probabilities for pixels from Screener.pixels(), one entry a photo (one batch). */
  async scorePixels(rgbs: Uint8Array[]): Promise<ClassScores[]> {
    if (rgbs.length === 0) return [];
    return (await this.classify(rgbs)).map((p) => Object.fromEntries(CLASSES.map((c, i) => [c, +p[i]!.toFixed(4)])) as ClassScores);
  }
}

function toUnit(rgb: Uint8Array, out: Float32Array, at: number): void {
  for (let i = 0; i < rgb.length; i++) out[at + i] = rgb[i]! / 255;
}

/** Refuses with ContentRejected when a photo's explicit score reaches the threshold. */
export function judge(which: string, s: ClassScores, threshold: number): void {
  const score = explicitScore(s);
  if (score >= threshold) {
    throw new ServiceError('ContentRejected', `${which}: explicit content (porn ${s.porn.toFixed(2)}, hentai ${s.hentai.toFixed(2)}, threshold ${threshold})`);
  }
}

/**
 * The engine behind a screen: both photos (each source of a group job) are classified before the
 * swap; the scores ride along on the result for the audit trail.
 */
export function withScreening(engine: FaceEngine, screener: Screener, opts: ScreeningOptions): FaceEngine {
  return {
    name: engine.name,
    init: () => engine.init(),
    close: () => engine.close(),
    ...(engine.listFaces && { listFaces: (image: Uint8Array) => engine.listFaces!(image) }),
    async swap(req: SwapRequest): Promise<SwapResult> {
      const t0 = performance.now();
      let scores: ScreeningScores;
      try {
        // The template first, as it is judged first (a refusal names the first photo over the threshold).
        const sources = req.faces ? req.faces.map((f) => f.source) : [req.source];
        const [target, ...all] = await screener.scoreAll([req.target, ...sources], opts.maxPixels);
        judge('模板图片', target!, opts.threshold);
        all.forEach((sc, i) => judge(sources.length > 1 ? `用户图片 ${i + 1}` : '用户图片', sc, opts.threshold));
        scores = { source: all[0]!, target: target!, ...(all.length > 1 && { others: all.slice(1) }), ms: performance.now() - t0 };
      } catch (err) {
        if (err instanceof ServiceError) throw err;
        // Undecodable: the engine's own decode names the problem with its code.
        await engine.swap(req);
        throw new ServiceError('ImageFormatUnsupported', (err as Error).message);
      }
      const result = await engine.swap(req);
      return { ...result, screening: scores, timings: { ...result.timings, screen: scores.ms } };
    },
  };
}
