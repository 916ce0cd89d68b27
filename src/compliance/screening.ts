// Input screening: the NSFW classifier of the `nsfwjs` package (its MobileNetV2 "mid" graph model,
// shipped inside the package) on the tfjs WASM backend, in the engine thread, before any swap.
// The model is run here with tfjs-converter, with nsfwjs's own preprocessing (RGB 224², /255) and
// class order: nsfwjs's loader took 11–28 s a thread to start (its base64 handling), this 1–2 s.
// An explicit photo (P(porn) + P(hentai) at or over the threshold) is refused with -330007
// ContentRejected, naming which photo and its scores.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { FaceEngine, SwapRequest, SwapResult } from '../engine/types.ts';
import { ServiceError } from '../jobs/errors.ts';

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

// The subset of tfjs-core and nsfwjs used here.
/* eslint-disable @typescript-eslint/no-explicit-any */
type Tf = any;
type GraphModel = { predict(x: unknown): { data(): Promise<Float32Array>; dispose(): void } };

const SIZE = 224;

// The package's model files (its `exports` map names only the JS wrappers): model.min.js holds the
// graph, group1-shardNofM.min.js the weights as base64 strings.
type ModelJson = { modelTopology: unknown; format: string; weightsManifest: { paths: string[]; weights: unknown[] }[] };
const MODEL_DIR = () => path.join(path.dirname(require.resolve('nsfwjs')), '..', 'models', 'mobilenet_v2_mid');
/**
 * The weights decoded once at build time (scripts/build-cli.mjs writes them beside the bundle):
 * decoding the 5.7 MB of base64 took ≈ 0.1–0.15 s a load. Used only when written from the nsfwjs
 * version installed now, with the size its manifest names; else decoded from the package.
 */
export const PREBUILT_WEIGHTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/screening-weights');

function modelWeights(json: ModelJson): Buffer {
  try {
    const meta = JSON.parse(readFileSync(`${PREBUILT_WEIGHTS}.json`, 'utf8')) as { nsfwjs: string; model: string; bytes: number };
    const version = (JSON.parse(readFileSync(path.join(path.dirname(require.resolve('nsfwjs')), '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
    if (meta.nsfwjs === version && meta.model === 'mobilenet_v2_mid') {
      const bin = readFileSync(`${PREBUILT_WEIGHTS}.bin`);
      if (bin.length === meta.bytes) return bin;
    }
  } catch {
    /* not built, or from another nsfwjs: decode the package's own files */
  }
  const root = MODEL_DIR();
  return Buffer.concat(json.weightsManifest.flatMap((g) => g.paths).map((p) => Buffer.from(require(path.join(root, `${p.replace(/\.bin$/, '')}.min.js`)) as string, 'base64')));
}

export class Screener {
  private constructor(
    private readonly tf: Tf,
    private readonly model: GraphModel,
  ) {}

  /**
   * Loads the model once per thread (about half a second: at engine start, not in a job). `warmup`
   * (default on) runs it once on a blank photo so the first job does not pay the kernels' set-up; a
   * one-shot CLI run turns it off, its first photo pays that anyway.
   */
  static async load(opts: { warmup?: boolean } = {}): Promise<Screener> {
    const tf = require('@tensorflow/tfjs-core') as Tf;
    const wasm = require('@tensorflow/tfjs-backend-wasm') as { setWasmPaths(p: string): void };
    if (tf.getBackend() !== 'wasm') {
      let dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
      while (!dir.endsWith('dist') && dir !== path.dirname(dir)) dir = path.dirname(dir);
      wasm.setWasmPaths(dir + path.sep);
      if (!(await tf.setBackend('wasm'))) throw new Error('screening: the tfjs WASM backend did not start');
      await tf.ready();
    }
    const json = require(path.join(MODEL_DIR(), 'model.min.js')) as ModelJson;
    const weights = modelWeights(json);
    const converter = require('@tensorflow/tfjs-converter') as { loadGraphModel(h: unknown): Promise<GraphModel> };
    const model = await converter.loadGraphModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        format: json.format,
        weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
        weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.length),
      }),
    );
    const screener = new Screener(tf, model);
    if (opts.warmup !== false) await screener.classify([new Uint8Array(SIZE * SIZE * 3)]); // first run allocates the kernels
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
    const x = this.tf.tensor4d(scaled, [rgbs.length, SIZE, SIZE, 3]);
    try {
      const out = this.model.predict(x);
      try {
        const p = await out.data();
        return rgbs.map((_, k) => p.subarray(k * CLASSES.length, (k + 1) * CLASSES.length));
      } finally {
        out.dispose();
      }
    } finally {
      x.dispose();
    }
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
