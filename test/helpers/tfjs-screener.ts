// nsfwjs's screening graph on tfjs (tfjs-core + tfjs-converter + the WASM backend), as screening.ts
// ran it before it moved to onnxruntime: the reference the ONNX conversion is checked against
// (test/screening-onnx.test.ts). The same preprocessing (224² RGB / 255) and the same batch layout.
import { createRequire } from 'node:module';
import path from 'node:path';
import { readNsfwjsModel } from '../../src/compliance/screening-model.ts';

const require = createRequire(import.meta.url);
/* eslint-disable @typescript-eslint/no-explicit-any */
type GraphModel = { predict(x: unknown): { data(): Promise<Float32Array>; dispose(): void } };

/** Raw probabilities (CLASSES order, not rounded) for 224² packed RGB photos, one batch. */
export type Classify = (rgbs: Uint8Array[]) => Promise<Float32Array[]>;

export async function loadTfjsScreener(): Promise<Classify> {
  const tf = require('@tensorflow/tfjs-core') as any;
  const wasm = require('@tensorflow/tfjs-backend-wasm') as { setWasmPaths(p: string): void };
  if (tf.getBackend() !== 'wasm') {
    let dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
    while (!dir.endsWith('dist') && dir !== path.dirname(dir)) dir = path.dirname(dir);
    wasm.setWasmPaths(dir + path.sep);
    if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs WASM backend did not start');
    await tf.ready();
  }
  const { json, weights } = readNsfwjsModel();
  const converter = require('@tensorflow/tfjs-converter') as { loadGraphModel(h: unknown): Promise<GraphModel> };
  const model = await converter.loadGraphModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      format: json.format,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.length),
    }),
  );
  return async (rgbs) => {
    const px = 224 * 224 * 3;
    const scaled = new Float32Array(px * rgbs.length);
    rgbs.forEach((rgb, k) => {
      for (let i = 0; i < px; i++) scaled[k * px + i] = rgb[i]! / 255;
    });
    const x = tf.tensor4d(scaled, [rgbs.length, 224, 224, 3]);
    const out = model.predict(x);
    try {
      const p = await out.data();
      return rgbs.map((_, k) => p.slice(k * 5, (k + 1) * 5));
    } finally {
      out.dispose();
      x.dispose();
    }
  };
}
