// Loads the swapper and the recogniser into onnxruntime-node sessions and checks, at start, that
// they have the signatures the inswapper procedure needs. Any mismatch names the file and what
// was found, so a wrong model fails the service's start rather than its first job.
import { access, constants } from 'node:fs/promises';
import { basename } from 'node:path';
import * as ort from 'onnxruntime-node';
import { readFirstNodeNames, readLastInitializer } from './onnx-file.ts';

export type OnnxProvider = 'cpu' | 'cuda';

/** A model file that is missing, unreadable, or not of the expected kind. */
export class ModelCheckError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'ModelCheckError';
  }
}

export interface SessionOptions {
  provider: OnnxProvider;
  /** CUDA device ordinal. */
  deviceId?: number;
  /** Intra-op threads for the CPU provider (0 or absent: onnxruntime's default). */
  threads?: number;
}

export interface SwapperModel {
  file: string;
  session: ort.InferenceSession;
  targetName: string;
  sourceName: string;
  outputName: string;
  /** Crop side (128 for inswapper_128). */
  size: number;
  /** Width of the `source` input. */
  latentSize: number;
  /** [embeddingSize × latentSize], row-major: the graph's last initializer. */
  emap: Float32Array;
  embeddingSize: number;
}

export interface RecogniserModel {
  file: string;
  session: ort.InferenceSession;
  inputName: string;
  outputName: string;
  /** Input side (112 for ArcFace). */
  size: number;
  embeddingSize: number;
  /** Pixel normalisation, (x − mean)/std on RGB 0..255. */
  inputMean: number;
  inputStd: number;
}

/**
 * insightface's rule: recognisers exported from MXNet carry their own Sub and Mul among their
 * first nodes and take raw pixels; others (w600k_r50 and the PyTorch exports) take (x − 127.5)/127.5.
 */
export function recogniserNormalisation(firstNodeNames: string[]): { inputMean: number; inputStd: number } {
  const sub = firstNodeNames.some((n) => n.startsWith('Sub') || n.startsWith('_minus'));
  const mul = firstNodeNames.some((n) => n.startsWith('Mul') || n.startsWith('_mul'));
  return sub && mul ? { inputMean: 0, inputStd: 1 } : { inputMean: 127.5, inputStd: 127.5 };
}

type Shape = ReadonlyArray<number | string>;

function fmt(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

function tensorShape(file: string, m: ort.InferenceSession.ValueMetadata, role: string): Shape {
  if (!m.isTensor) throw new ModelCheckError(file, `${role} "${m.name}" is not a tensor`);
  if (m.type !== 'float32') throw new ModelCheckError(file, `${role} "${m.name}" is ${m.type}, expected float32`);
  return m.shape;
}

/** A batch dimension: symbolic, or a fixed 1 (or any fixed size when `anyFixed`). */
function isBatch(d: number | string, anyFixed = false): boolean {
  return typeof d === 'string' || d === -1 || d === 1 || (anyFixed && d > 0);
}

/** [batch, 3, S, S] with a fixed S, else null. */
function imageSide(shape: Shape, anyBatch = false): number | null {
  if (shape.length !== 4 || !isBatch(shape[0], anyBatch) || shape[1] !== 3) return null;
  const [h, w] = [shape[2], shape[3]];
  return typeof h === 'number' && h > 0 && h === w ? h : null;
}

/** [batch, D] with a fixed D, else null. */
function vectorWidth(shape: Shape, anyBatch = false): number | null {
  if (shape.length !== 2 || !isBatch(shape[0], anyBatch)) return null;
  return typeof shape[1] === 'number' && shape[1] > 0 ? shape[1] : null;
}

async function openSession(path: string, opts: SessionOptions): Promise<ort.InferenceSession> {
  const file = basename(path);
  try {
    await access(path, constants.R_OK);
  } catch {
    throw new ModelCheckError(file, `model file not found or not readable at ${path}`);
  }
  const executionProviders: ort.InferenceSession.ExecutionProviderConfig[] =
    opts.provider === 'cuda' ? [{ name: 'cuda', deviceId: opts.deviceId ?? 0 }] : ['cpu'];
  try {
    const options: ort.InferenceSession.SessionOptions = {
      executionProviders,
      graphOptimizationLevel: 'all',
      // Warnings (e.g. "unused initializer emap") are noise for operators.
      logSeverityLevel: 3,
    };
    if (opts.threads && opts.threads > 0) options.intraOpNumThreads = opts.threads;
    return await ort.InferenceSession.create(path, options);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (opts.provider === 'cuda' && /cuda|providers_shared|shared library|provider/i.test(msg)) {
      throw new ModelCheckError(
        file,
        `the CUDA execution provider could not be loaded (${msg}). It needs NVIDIA's driver, CUDA 12 and cuDNN 9 ` +
          `libraries on the library path, and onnxruntime-node's CUDA provider files, which the project skips at ` +
          `install: run "ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js" ` +
          `(see docs/ONNX.md), or set WANXING_ONNX_PROVIDER=cpu`,
      );
    }
    throw new ModelCheckError(file, `onnxruntime could not load the model: ${msg}`);
  }
}

/** Opens and checks an inswapper-class model: target [1,3,S,S] + source [1,L] → output [1,3,S,S], emap [D,L]. */
export async function loadSwapper(path: string, opts: SessionOptions): Promise<SwapperModel> {
  const file = basename(path);
  const session = await openSession(path, opts);
  try {
    const ins = session.inputMetadata, outs = session.outputMetadata;
    const expected = 'expected inputs target [1,3,S,S] and source [1,L], and one output [1,3,S,S]';
    const found = () =>
      `found inputs ${ins.map((m) => `${m.name} ${m.isTensor ? fmt(m.shape) : '(not a tensor)'}`).join(', ')}; ` +
      `outputs ${outs.map((m) => `${m.name} ${m.isTensor ? fmt(m.shape) : '(not a tensor)'}`).join(', ')}`;
    if (ins.length !== 2 || outs.length !== 1) throw new ModelCheckError(file, `not a face swapper: ${expected}; ${found()}`);
    // The two inputs are told apart by rank (inswapper names them target/source; forks rename them).
    const shapes = ins.map((m, i) => tensorShape(file, m, `input ${i}`));
    const ti = shapes.findIndex((s) => s.length === 4);
    const si = shapes.findIndex((s) => s.length === 2);
    if (ti < 0 || si < 0) throw new ModelCheckError(file, `not a face swapper: ${expected}; ${found()}`);
    const size = imageSide(shapes[ti]);
    if (size === null) {
      throw new ModelCheckError(file, `input "${ins[ti].name}" has shape ${fmt(shapes[ti])}, expected [1,3,S,S]`);
    }
    const latentSize = vectorWidth(shapes[si]);
    if (latentSize === null) {
      throw new ModelCheckError(file, `input "${ins[si].name}" has shape ${fmt(shapes[si])}, expected [1,L]`);
    }
    const outShape = tensorShape(file, outs[0], 'output');
    if (imageSide(outShape) !== size) {
      throw new ModelCheckError(file, `output "${outs[0].name}" has shape ${fmt(outShape)}, expected [1,3,${size},${size}]`);
    }
    let emap;
    try {
      emap = await readLastInitializer(path);
    } catch (err) {
      throw new ModelCheckError(file, `cannot read the emap (last initializer): ${err instanceof Error ? err.message : err}`);
    }
    if (emap.dims.length !== 2 || emap.dims[1] !== latentSize) {
      throw new ModelCheckError(
        file,
        `the last initializer${emap.name ? ` "${emap.name}"` : ''} has shape ${fmt(emap.dims)}, expected the emap [D,${latentSize}]`,
      );
    }
    return {
      file, session, size, latentSize,
      targetName: ins[ti].name, sourceName: ins[si].name, outputName: outs[0].name,
      emap: emap.data, embeddingSize: emap.dims[0],
    };
  } catch (err) {
    await session.release();
    throw err;
  }
}

/** Opens and checks an ArcFace-style recogniser: [N,3,S,S] (S a multiple of 112) → [N,D]. */
export async function loadRecogniser(path: string, opts: SessionOptions): Promise<RecogniserModel> {
  const file = basename(path);
  const session = await openSession(path, opts);
  try {
    const ins = session.inputMetadata, outs = session.outputMetadata;
    if (ins.length !== 1 || outs.length !== 1) {
      throw new ModelCheckError(
        file,
        `not a face recogniser: expected one input [N,3,112,112] and one output [N,512]; found ` +
          `${ins.length} inputs (${ins.map((m) => m.name).join(', ')}) and ${outs.length} outputs (${outs.map((m) => m.name).join(', ')})`,
      );
    }
    const inShape = tensorShape(file, ins[0], 'input');
    const size = imageSide(inShape, true);
    if (size === null || size % 112 !== 0) {
      throw new ModelCheckError(file, `input "${ins[0].name}" has shape ${fmt(inShape)}, expected [N,3,112,112]`);
    }
    const outShape = tensorShape(file, outs[0], 'output');
    const embeddingSize = vectorWidth(outShape, true);
    if (embeddingSize === null) {
      throw new ModelCheckError(file, `output "${outs[0].name}" has shape ${fmt(outShape)}, expected [N,D] (D = 512 for ArcFace)`);
    }
    let names: string[];
    try {
      names = await readFirstNodeNames(path, 8);
    } catch (err) {
      throw new ModelCheckError(file, `cannot read the graph: ${err instanceof Error ? err.message : err}`);
    }
    return { file, session, size, embeddingSize, inputName: ins[0].name, outputName: outs[0].name, ...recogniserNormalisation(names) };
  } catch (err) {
    await session.release();
    throw err;
  }
}

/** Both models, cross-checked: the recogniser's embedding must be the emap's row count. */
export async function loadModels(
  swapperPath: string,
  recogniserPath: string,
  opts: SessionOptions,
): Promise<{ swapper: SwapperModel; recogniser: RecogniserModel }> {
  const swapper = await loadSwapper(swapperPath, opts);
  let recogniser: RecogniserModel;
  try {
    recogniser = await loadRecogniser(recogniserPath, opts);
  } catch (err) {
    await swapper.session.release();
    throw err;
  }
  if (recogniser.embeddingSize !== swapper.embeddingSize) {
    await Promise.all([swapper.session.release(), recogniser.session.release()]);
    throw new ModelCheckError(
      `${recogniser.file} + ${swapper.file}`,
      `the recogniser gives ${recogniser.embeddingSize}-d embeddings but the swapper's emap expects ${swapper.embeddingSize}-d`,
    );
  }
  return { swapper, recogniser };
}
