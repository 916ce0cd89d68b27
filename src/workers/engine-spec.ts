// Which engine to load, as data, so a worker thread can build it from the same description.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Config } from '../config.ts';
import type { FaceEngine } from '../engine/types.ts';
import { runnableUrl } from '../bundle.ts';

export interface EngineSpec {
  /** file:// URL of the module. */
  module: string;
  /** Name of its factory export; called with `options`. */
  factory: string;
  options: Record<string, unknown>;
  /** Input screening in the engine thread, before every swap (src/compliance/screening.ts); absent: off. */
  screening?: { threshold: number; maxPixels: number };
}

const here = path.dirname(fileURLToPath(import.meta.url));

export function engineSpecFor(cfg: Pick<Config, 'engine' | 'modelDir' | 'onnxProvider' | 'onnx' | 'face' | 'download' | 'compliance' | 'swapOptions'>): EngineSpec {
  const { enabled, threshold } = cfg.compliance.screening;
  return { ...engineModuleFor(cfg), ...(enabled && { screening: { threshold, maxPixels: cfg.download.maxPixels } }) };
}

function engineModuleFor(cfg: Pick<Config, 'engine' | 'modelDir' | 'onnxProvider' | 'onnx' | 'face' | 'download' | 'swapOptions'>): EngineSpec {
  const { templateCacheMb, jpegQuality, ...limits } = cfg.face;
  // Options both engines understand: the input checks, the decoder's pixel cap, cache and quality.
  const common = { limits, maxPixels: cfg.download.maxPixels, templateCacheBytes: templateCacheMb * 1024 * 1024, jpegQuality };
  switch (cfg.engine) {
    case 'classic':
      // The stage knobs ride in the spec: the service, the workers and `wanxing swap` swap alike.
      return { module: runnableUrl(pathToFileURL(path.join(here, '../engine/index.ts')).href), factory: 'createDefaultEngine', options: { ...common, ...(cfg.swapOptions && { swap: cfg.swapOptions }) } };
    case 'onnx':
      return {
        module: runnableUrl(pathToFileURL(path.join(here, '../engine/onnx/index.ts')).href),
        factory: 'createOnnxEngine',
        options: { ...common, modelDir: cfg.modelDir, provider: cfg.onnxProvider, ...cfg.onnx },
      };
    default:
      // An operator's own engine: a module path exporting createEngine(options).
      return { module: pathToFileURL(path.resolve(cfg.engine)).href, factory: 'createEngine', options: {} };
  }
}

export async function loadEngine(spec: EngineSpec): Promise<FaceEngine> {
  const mod = (await import(spec.module)) as Record<string, unknown>;
  const factory = mod[spec.factory];
  if (typeof factory !== 'function') throw new Error(`engine module ${spec.module} has no export ${spec.factory}()`);
  const engine = (await factory(spec.options)) as FaceEngine;
  await engine.init();
  if (!spec.screening) return engine;
  const { Screener, withScreening } = await import('../compliance/screening.ts');
  return withScreening(engine, await Screener.load(), spec.screening);
}
