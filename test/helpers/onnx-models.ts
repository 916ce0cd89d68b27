// Tiny stand-ins for inswapper_128 and an ArcFace recogniser, built with onnx-proto at test time.
// Same input/output signatures as the real models, a few hundred KB, deterministic weights:
//   swapper:    output = clip(0.5·target + 0.25 + broadcast(source · W), 0, 1); emap is the last initializer
//   recogniser: embedding = flatten(avgpool16(input)) · R, so it depends on the face crop's content
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

/** Deterministic uniform values in [-1, 1) (mulberry32). */
export function seededValues(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let a = seed >>> 0;
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 2 ** 31 - 1;
  }
  return out;
}

type Dim = number | string;

function valueInfo(name: string, shape: Dim[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: FLOAT,
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
}

function floatTensor(name: string, dims: number[], values: Float32Array, asRaw = true) {
  return onnx.TensorProto.create(
    asRaw
      ? { name, dims, dataType: FLOAT, rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) }
      : { name, dims, dataType: FLOAT, floatData: Array.from(values) },
  );
}

function int64Tensor(name: string, values: number[]) {
  return onnx.TensorProto.create({ name, dims: [values.length], dataType: INT64, int64Data: values });
}

function node(opType: string, input: string[], output: string[], attribute: object[] = [], name = '') {
  return onnx.NodeProto.create({ opType, input, output, attribute, name });
}

function encodeModel(graph: object): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'wanxing-tests',
    opsetImport: [{ domain: '', version: 13 }],
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

export interface SwapperOptions {
  /** Crop size (inswapper_128: 128). */
  size?: number;
  /** Latent size, i.e. the `source` input's width (512). */
  latent?: number;
  /** Rows of the emap, i.e. the recogniser's embedding size (512). */
  embedding?: number;
  targetName?: string;
  sourceName?: string;
  outputName?: string;
  /** Store the emap as float_data instead of raw_data (both occur in the wild). */
  emapAsFloatData?: boolean;
  /** Leave the emap out (the last initializer is then a scalar of the graph). */
  withoutEmap?: boolean;
  seed?: number;
  /** Seed of the emap's noise alone (default seed + 6), to vary the emap and nothing else. */
  emapSeed?: number;
}

/** The emap the tiny swapper carries: identity plus small deterministic noise, [embedding × latent]. */
export function tinyEmap(embedding = 512, latent = 512, seed = 7): Float32Array {
  const m = seededValues(embedding * latent, seed);
  for (let i = 0; i < m.length; i++) m[i] *= 0.05;
  for (let i = 0; i < Math.min(embedding, latent); i++) m[i * latent + i] += 1;
  return m;
}

export function buildSwapperModel(o: SwapperOptions = {}): Uint8Array {
  const size = o.size ?? 128, latent = o.latent ?? 512, embedding = o.embedding ?? 512, seed = o.seed ?? 1;
  const target = o.targetName ?? 'target', source = o.sourceName ?? 'source', output = o.outputName ?? 'output';
  const w = seededValues(latent * 3, seed + 1);
  for (let i = 0; i < w.length; i++) w[i] *= 0.5;
  const initializer = [
    floatTensor('gain', [], Float32Array.of(0.5)),
    floatTensor('bias', [], Float32Array.of(0.25)),
    floatTensor('W', [latent, 3], w),
    int64Tensor('shape', [1, 3, 1, 1]),
    floatTensor('lo', [], Float32Array.of(0)),
    floatTensor('hi', [], Float32Array.of(1)),
  ];
  if (!o.withoutEmap) initializer.push(floatTensor('emap', [embedding, latent], tinyEmap(embedding, latent, o.emapSeed ?? seed + 6), !o.emapAsFloatData));
  return encodeModel({
    name: 'tiny_inswapper',
    input: [valueInfo(target, [1, 3, size, size]), valueInfo(source, [1, latent])],
    output: [valueInfo(output, [1, 3, size, size])],
    initializer,
    node: [
      node('Mul', [target, 'gain'], ['t1']),
      node('Add', ['t1', 'bias'], ['t2']),
      node('MatMul', [source, 'W'], ['s1']),
      node('Reshape', ['s1', 'shape'], ['s2']),
      node('Add', ['t2', 's2'], ['t3']),
      node('Clip', ['t3', 'lo', 'hi'], [output]),
    ],
  });
}

export interface RecogniserOptions {
  /** Input side (w600k_r50: 112). */
  size?: number;
  /** Embedding size (512). */
  embedding?: number;
  inputName?: string;
  outputName?: string;
  /** Batch dimension: symbolic like the real export, or fixed. */
  batch?: Dim;
  /** Take raw 0..255 pixels and normalise inside (first nodes named Sub…/Mul…, as MXNet exports do). */
  builtInNormalisation?: boolean;
  seed?: number;
}

export function buildRecogniserModel(o: RecogniserOptions = {}): Uint8Array {
  const size = o.size ?? 112, embedding = o.embedding ?? 512, seed = o.seed ?? 11;
  const input = o.inputName ?? 'input.1', output = o.outputName ?? '683', batch = o.batch ?? 'None';
  const cells = Math.floor(size / 16);
  const features = 3 * cells * cells;
  const initializer = [floatTensor('R', [features, embedding], seededValues(features * embedding, seed))];
  const prologue = [];
  let pooledFrom = input;
  if (o.builtInNormalisation) {
    initializer.push(floatTensor('mean', [], Float32Array.of(127.5)), floatTensor('scale', [], Float32Array.of(1 / 127.5)));
    prologue.push(node('Sub', [input, 'mean'], ['centred'], [], 'Sub_0'), node('Mul', ['centred', 'scale'], ['normed'], [], 'Mul_1'));
    pooledFrom = 'normed';
  }
  return encodeModel({
    name: 'tiny_arcface',
    input: [valueInfo(input, [batch, 3, size, size])],
    output: [valueInfo(output, [batch, embedding])],
    initializer,
    node: [
      ...prologue,
      node('AveragePool', [pooledFrom], ['pooled'], [
        { name: 'kernel_shape', type: onnx.AttributeProto.AttributeType.INTS, ints: [16, 16] },
        { name: 'strides', type: onnx.AttributeProto.AttributeType.INTS, ints: [16, 16] },
      ]),
      node('Flatten', ['pooled'], ['flat'], [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }]),
      node('MatMul', ['flat', 'R'], [output]),
    ],
  });
}

/** Writes the two tiny models under `dir` with the default file names of the ONNX engine. */
export async function buildTinyModels(dir: string): Promise<{ swapper: string; recogniser: string }> {
  await mkdir(dir, { recursive: true });
  const swapper = join(dir, 'inswapper_128.onnx');
  const recogniser = join(dir, 'w600k_r50.onnx');
  await writeFile(swapper, buildSwapperModel());
  await writeFile(recogniser, buildRecogniserModel());
  return { swapper, recogniser };
}
