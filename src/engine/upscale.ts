// ESRGAN ×2 super-resolution for source faces much smaller than the template's face, with the
// "slim" RDN model that @upscalerjs/esrgan-slim ships in npm. The model is a Keras layers model
// made only of Conv2D / ReLU / Concatenate / Add / UpSampling2D, so it runs here as a few tfjs-core
// ops on the same WASM backend as Human (no tfjs-layers, no second tfjs copy).
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { RgbImage } from './image.ts';

const require = createRequire(import.meta.url);

// The subset of tfjs-core we call (Human exposes its tfjs instance as `human.tf`).
/* eslint-disable @typescript-eslint/no-explicit-any */
type Tf = any;

interface LayerSpec {
  name: string;
  kind: string;
  config: Record<string, any>;
  inputs: string[];
}

/** Folder of the npm package's x2 model, or undefined when the package is not installed. */
export function esrganModelDir(scale = 2): string | undefined {
  try {
    let dir = path.dirname(require.resolve('@upscalerjs/esrgan-slim'));
    while (!existsSync(path.join(dir, 'models')) && dir !== path.dirname(dir)) dir = path.dirname(dir);
    const m = path.join(dir, 'models', `x${scale}`);
    return existsSync(path.join(m, 'model.json')) ? m : undefined;
  } catch {
    return undefined;
  }
}

export class EsrganUpscaler {
  private constructor(
    private readonly tf: Tf,
    private readonly layers: LayerSpec[],
    private readonly weights: Map<string, any>,
    private readonly input: string,
    private readonly output: string,
    readonly scale: number,
  ) {}

  static async load(tf: Tf, dir: string): Promise<EsrganUpscaler> {
    const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8'));
    const cfg = json.modelTopology.model_config.config;
    const layers: LayerSpec[] = cfg.layers.map((l: any) => ({
      name: l.name,
      kind: l.class_name,
      config: l.config,
      inputs: (l.inbound_nodes[0] ?? []).map((n: any[]) => n[0] as string),
    }));
    const weights = new Map<string, any>();
    for (const group of json.weightsManifest) {
      const bin = Buffer.concat(await Promise.all(group.paths.map((p: string) => readFile(path.join(dir, p)))));
      let off = 0;
      for (const w of group.weights) {
        if (w.dtype !== 'float32' || w.quantization) throw new Error(`esrgan: unsupported weight ${w.name}`);
        const size = w.shape.reduce((a: number, b: number) => a * b, 1);
        const data = new Float32Array(bin.buffer.slice(bin.byteOffset + off, bin.byteOffset + off + size * 4));
        weights.set(w.name, tf.tensor(data, w.shape, 'float32'));
        off += size * 4;
      }
    }
    const scale = layers.find((l) => l.kind === 'UpSampling2D')?.config.size?.[0] ?? 2;
    return new EsrganUpscaler(tf, layers, weights, cfg.input_layers[0][0], cfg.output_layers[0][0], scale);
  }

  /** Upscales an RGB image by `scale` (0..255 in, 0..255 out). */
  upscale(img: RgbImage): RgbImage {
    const tf = this.tf;
    const out = tf.tidy(() => {
      const vals = new Map<string, any>();
      vals.set(this.input, tf.tensor4d(Float32Array.from(img.data), [1, img.height, img.width, 3], 'float32'));
      for (const l of this.layers) {
        if (l.kind === 'InputLayer') continue;
        const xs = l.inputs.map((n) => vals.get(n));
        vals.set(l.name, this.apply(l, xs));
      }
      return tf.squeeze(tf.clipByValue(tf.round(vals.get(this.output)), 0, 255), [0]);
    });
    const [h, w] = out.shape;
    const data = Uint8Array.from(out.dataSync() as Float32Array);
    out.dispose();
    return { width: w, height: h, data, format: img.format };
  }

  private apply(l: LayerSpec, xs: any[]): any {
    const tf = this.tf;
    switch (l.kind) {
      case 'Conv2D': {
        const k = this.weights.get(`${l.name}/kernel`);
        let y = tf.conv2d(xs[0], k, l.config.strides ?? [1, 1], l.config.padding, 'NHWC', l.config.dilation_rate ?? [1, 1]);
        if (l.config.use_bias !== false) y = tf.add(y, this.weights.get(`${l.name}/bias`));
        return activation(tf, y, l.config.activation);
      }
      case 'Activation':
        return activation(tf, xs[0], l.config.activation);
      case 'Concatenate':
        return tf.concat(xs, l.config.axis ?? -1);
      case 'Add':
        return xs.reduce((a, b) => tf.add(a, b));
      case 'UpSampling2D': {
        const [sh, sw] = l.config.size ?? [2, 2];
        const [, h, w] = xs[0].shape;
        return l.config.interpolation === 'bilinear' ? tf.image.resizeBilinear(xs[0], [h * sh, w * sw]) : tf.image.resizeNearestNeighbor(xs[0], [h * sh, w * sw]);
      }
      default:
        throw new Error(`esrgan: unsupported layer ${l.kind}`);
    }
  }

  dispose(): void {
    for (const t of this.weights.values()) t.dispose();
    this.weights.clear();
  }
}

function activation(tf: Tf, x: any, name: string | undefined): any {
  switch (name ?? 'linear') {
    case 'linear':
      return x;
    case 'relu':
      return tf.relu(x);
    default:
      throw new Error(`esrgan: unsupported activation ${name}`);
  }
}
