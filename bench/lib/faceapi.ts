// The second recogniser for the evaluation: @vladmandic/face-api's 128-d descriptor (a dlib-style
// ResNet trained apart from Human's faceres), run in a worker thread (see faceapi-worker.ts).
// Requests queue in the worker, so descriptors are computed while the engine swaps in this thread.
import { Worker } from 'node:worker_threads';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { RgbImage } from '../../src/engine/image.ts';
import type { FaceApiReply } from './faceapi-worker.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
// The engine pool's bootstrap: registers tsx in the worker, then imports the entry.
const BOOTSTRAP = path.join(here, '..', '..', 'src', 'workers', 'thread-bootstrap.mjs');
const ENTRY = pathToFileURL(path.join(here, 'faceapi-worker.ts')).href;

export class FaceApiRecogniser {
  private readonly worker: Worker;
  private next = 1;
  private readonly pending = new Map<number, { resolve: (r: FaceApiReply) => void; reject: (e: Error) => void }>();
  private failed?: Error;

  constructor() {
    this.worker = new Worker(BOOTSTRAP, { workerData: { entry: ENTRY } });
    this.worker.on('message', (r: FaceApiReply) => {
      const p = this.pending.get(r.id);
      this.pending.delete(r.id);
      if (r.error) p?.reject(new Error(`face-api: ${r.error}`));
      else p?.resolve(r);
    });
    const fail = (err: Error) => {
      this.failed = err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => code !== 0 && fail(new Error(`face-api worker exited with code ${code}`)));
  }

  /**
   * The 128-d descriptor of the largest face face-api finds in the square around `box`
   * ([x, y, w, h], `scale` × its larger side), or undefined when it finds none. The crop is
   * scaled down to at most `maxSide` px: the net reads a 150 px face chip.
   */
  async describe(img: RgbImage, box: [number, number, number, number], scale = 2.2, maxSide = 480): Promise<number[] | undefined> {
    if (this.failed) throw this.failed;
    const crop = cropSquare(img, box, scale, maxSide);
    const id = this.next++;
    const reply = await new Promise<FaceApiReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, width: crop.width, height: crop.height, data: crop.data }, [crop.data.buffer as ArrayBuffer]);
    });
    return reply.descriptor;
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

/**
 * The square of side `scale` × the box's larger side centred on the box, clipped to the image,
 * resampled (nearest, area-averaged when shrinking) to at most `maxSide` px.
 */
export function cropSquare(img: RgbImage, box: [number, number, number, number], scale: number, maxSide: number): { width: number; height: number; data: Uint8Array } {
  const side = Math.max(box[2], box[3]) * scale;
  const cx = box[0] + box[2] / 2;
  const cy = box[1] + box[3] / 2;
  const x0 = Math.max(0, Math.round(cx - side / 2));
  const y0 = Math.max(0, Math.round(cy - side / 2));
  const x1 = Math.min(img.width, Math.round(cx + side / 2));
  const y1 = Math.min(img.height, Math.round(cy + side / 2));
  const w = Math.max(1, x1 - x0);
  const h = Math.max(1, y1 - y0);
  const k = Math.max(1, Math.ceil(Math.max(w, h) / maxSide));
  const ow = Math.max(1, Math.floor(w / k));
  const oh = Math.max(1, Math.floor(h / k));
  const data = new Uint8Array(ow * oh * 3);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let dy = 0; dy < k; dy++) for (let dx = 0; dx < k; dx++) s += img.data[((y0 + y * k + dy) * img.width + x0 + x * k + dx) * 3 + c]!;
        data[(y * ow + x) * 3 + c] = Math.round(s / (k * k));
      }
    }
  }
  return { width: ow, height: oh, data };
}
