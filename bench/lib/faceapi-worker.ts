// A worker thread that runs @vladmandic/face-api's 128-d face descriptor (the dlib-style ResNet)
// on tfjs WASM, as a second recogniser independent of Human's faceres.
// Why a worker: face-api's node-wasm build wants the `@tensorflow/tfjs` umbrella package and sets
// up its own backend; in the engine's thread it would share (and reconfigure) Human's tfjs-core.
// A worker has its own module instances, so the two never meet.
// `@tensorflow/tfjs` is not installed: it is answered here with tfjs-core + converter + cpu
// backend, which is everything face-api's nets call.
import { parentPort } from 'node:worker_threads';
import { createRequire } from 'node:module';
import path from 'node:path';
import Module from 'node:module';

const require = createRequire(import.meta.url);

type Mod = { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
const M = Module as unknown as Mod;
const load = M._load;
let umbrella: unknown;
M._load = function (request: string, parent: unknown, isMain: boolean) {
  if (request === '@tensorflow/tfjs') {
    // The umbrella also adds the chained ops (t.as3D() …) that face-api calls.
    load('@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops', parent, false);
    umbrella ??= {
      ...(load('@tensorflow/tfjs-core', parent, false) as object),
      ...(load('@tensorflow/tfjs-converter', parent, false) as object),
      ...(load('@tensorflow/tfjs-backend-cpu', parent, false) as object),
    };
    return umbrella;
  }
  return load.call(this, request, parent, isMain);
};

interface FaceApi {
  tf: { setBackend(b: string): Promise<boolean>; ready(): Promise<void>; tensor3d(d: Uint8Array, s: [number, number, number], t: string): { dispose(): void }; getBackend(): string };
  nets: Record<string, { loadFromDisk(dir: string): Promise<void> }>;
  SsdMobilenetv1Options: new (o: { minConfidence: number; maxResults?: number }) => unknown;
  TinyFaceDetectorOptions: new (o: { inputSize: number; scoreThreshold: number }) => unknown;
  detectAllFaces(input: unknown, opts: unknown): {
    withFaceLandmarks(): { withFaceDescriptors(): Promise<{ detection: { box: { x: number; y: number; width: number; height: number }; score: number }; descriptor: Float32Array }[]> };
  };
}

const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
const modelDir = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');

export interface FaceApiRequest {
  id: number;
  width: number;
  height: number;
  /** RGB, 3 bytes a pixel. */
  data: Uint8Array;
}
export interface FaceApiReply {
  id: number;
  /** The largest face's 128-d descriptor; absent when face-api finds no face. */
  descriptor?: number[];
  box?: [number, number, number, number];
  error?: string;
}

async function init(): Promise<void> {
  await faceapi.tf.setBackend('wasm');
  await faceapi.tf.ready();
  if (process.env.FACEAPI_DEBUG) console.error('face-api backend', faceapi.tf.getBackend());
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir);
  await faceapi.nets.tinyFaceDetector.loadFromDisk(modelDir);
  await faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir);
  await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);
}

const ready = init();
parentPort!.on('message', async (req: FaceApiRequest) => {
  let reply: FaceApiReply = { id: req.id };
  try {
    await ready;
    const t = faceapi.tf.tensor3d(req.data, [req.height, req.width, 3], 'int32');
    try {
      // The tiny detector is 3-4× faster than SSD; SSD is the fallback when it finds nothing.
      let found = await faceapi.detectAllFaces(t, new faceapi.TinyFaceDetectorOptions({ inputSize: 416, scoreThreshold: 0.4 })).withFaceLandmarks().withFaceDescriptors();
      if (!found.length) found = await faceapi.detectAllFaces(t, new faceapi.SsdMobilenetv1Options({ minConfidence: 0.3, maxResults: 10 })).withFaceLandmarks().withFaceDescriptors();
      const area = (b: { width: number; height: number }) => b.width * b.height;
      const best = found.sort((a, b) => area(b.detection.box) - area(a.detection.box))[0];
      if (best) {
        const b = best.detection.box;
        reply = { id: req.id, descriptor: Array.from(best.descriptor), box: [b.x, b.y, b.width, b.height] };
      }
    } finally {
      t.dispose();
    }
  } catch (err) {
    reply = { id: req.id, error: (err as Error).stack ?? String(err) };
  }
  parentPort!.postMessage(reply);
});
