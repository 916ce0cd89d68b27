// The screening classifier as an ONNX model: nsfwjs's MobileNetV2 "mid" tfjs graph model (shipped
// inside the npm package as model.min.js + base64 weight shards) converted node by node, so
// onnxruntime-node can run it (screening.ts) instead of tfjs. The converter takes the ops a tfjs
// graph-model of this kind carries and refuses anything else by name:
//   Placeholder (NHWC)            → the graph input, then a Transpose to NCHW
//   _FusedConv2D                  → Conv (+ bias) (+ Relu, or Clip 0–6 for Relu6)
//   FusedDepthwiseConv2dNative    → Conv with group = channels (the same fused ops)
//   Mul / Sub / AddV2             → Mul / Sub / Add (a scalar constant, or two activations)
//   AvgPool / MaxPool             → AveragePool / MaxPool
//   Squeeze (the spatial dims)    → Flatten
//   _FusedMatMul (+ BiasAdd)      → Gemm
//   Softmax, Identity             → Softmax (last axis), Identity
// TF "SAME" padding becomes explicit pads, the extra row/column at the end as TF puts it (the
// graph's spatial sizes are fixed: 224²). Weights are dequantized as tfjs does it (value = q · scale
// + min, in doubles, stored as float32), so both runtimes start from the same float32 weights.
//
// `npm run build` (scripts/build-cli.mjs) writes the model beside the bundle (dist/screening.onnx,
// tagged in dist/screening.json with the nsfwjs version and FORMAT); a screener uses it while both
// match, else converts the package's files in memory at load.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeModel, type OnnxModel, type OnnxNode, type OnnxTensor } from './onnx-writer.ts';

const require = createRequire(import.meta.url);

/** Bumped whenever the converter's output changes: a model written by an older converter is not used. */
export const FORMAT = 1;
export const MODEL_NAME = 'mobilenet_v2_mid';
/** The ONNX graph's input (NHWC float32 [batch, 224, 224, 3], RGB in 0–1) and output ([batch, 5], softmax). */
export const INPUT = 'input';
export const OUTPUT = 'Identity';

export const PREBUILT_MODEL = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/screening.onnx');
const META = (file: string) => file.replace(/\.onnx$/, '.json');

const nsfwjsRoot = () => path.join(path.dirname(require.resolve('nsfwjs')), '..', '..');
export const NSFWJS_MODEL_DIR = () => path.join(nsfwjsRoot(), 'dist', 'models', MODEL_NAME);
export const nsfwjsVersion = (): string => (JSON.parse(readFileSync(path.join(nsfwjsRoot(), 'package.json'), 'utf8')) as { version: string }).version;

// ---- the tfjs graph model ----

interface TfAttr {
  s?: string;
  i?: string;
  f?: number;
  b?: boolean;
  type?: string;
  list?: { i?: string[]; s?: string[] };
  shape?: { dim?: { size: string }[] };
}
interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttr>;
}
interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; min?: number; scale?: number };
}
export interface TfGraphModel {
  format: string;
  modelTopology: { node: TfNode[] };
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
}

/** model.min.js's graph and the weights' bytes, decoded from the package's base64 shards. */
export function readNsfwjsModel(): { json: TfGraphModel; weights: Buffer } {
  const dir = NSFWJS_MODEL_DIR();
  const json = require(path.join(dir, 'model.min.js')) as TfGraphModel;
  const weights = Buffer.concat(json.weightsManifest.flatMap((g) => g.paths).map((p) => Buffer.from(require(path.join(dir, `${p.replace(/\.bin$/, '')}.min.js`)) as string, 'base64')));
  return { json, weights };
}

/** The weights as tfjs-core's io.decodeWeights gives them (float32 only; uint8/uint16 dequantized). */
export function decodeWeights(json: TfGraphModel, bytes: Uint8Array): Map<string, { shape: number[]; data: Float32Array }> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  let offset = 0;
  for (const spec of json.weightsManifest.flatMap((g) => g.weights)) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    if (spec.dtype !== 'float32') throw new Error(`screening model: weight ${spec.name} is ${spec.dtype}, not float32`);
    const q = spec.quantization;
    let data: Float32Array;
    if (!q) {
      data = new Float32Array(n);
      new Uint8Array(data.buffer).set(bytes.subarray(offset, offset + 4 * n));
      offset += 4 * n;
    } else if ((q.dtype === 'uint8' || q.dtype === 'uint16') && q.min !== undefined && q.scale !== undefined) {
      const size = q.dtype === 'uint8' ? 1 : 2;
      const view = new DataView(bytes.buffer, bytes.byteOffset + offset, n * size);
      data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = (size === 1 ? view.getUint8(i) : view.getUint16(2 * i, true)) * q.scale + q.min;
      offset += n * size;
    } else throw new Error(`screening model: weight ${spec.name} is quantized as ${q.dtype}, which the converter does not take`);
    out.set(spec.name, { shape: spec.shape, data });
  }
  if (offset !== bytes.length) throw new Error(`screening model: the manifest names ${offset} bytes of weights, the shards hold ${bytes.length}`);
  return out;
}

// ---- the conversion ----

type Act = { kind: 'nchw'; name: string; c: number; h: number; w: number } | { kind: 'flat'; name: string; c: number };

const str = (a: TfAttr | undefined) => (a?.s !== undefined ? Buffer.from(a.s, 'base64').toString('utf8') : undefined);
const ints = (a: TfAttr | undefined) => (a?.list?.i ?? []).map(Number);
const strs = (a: TfAttr | undefined) => (a?.list?.s ?? []).map((s) => Buffer.from(s, 'base64').toString('utf8'));

/** Output size and [before, after] padding of one spatial dimension, as TF computes them. */
function pad(size: number, k: number, stride: number, dilation: number, padding: string): { out: number; pads: [number, number] } {
  const eff = (k - 1) * dilation + 1;
  if (padding === 'VALID') return { out: Math.floor((size - eff) / stride) + 1, pads: [0, 0] };
  if (padding !== 'SAME') throw new Error(`screening model: padding ${padding} not taken`);
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + eff - size, 0);
  return { out, pads: [Math.floor(total / 2), total - Math.floor(total / 2)] };
}

/** nsfwjs's tfjs graph model as an ONNX model (opset 13). */
export function convertGraph(json: TfGraphModel, weightBytes: Uint8Array, meta: { producerVersion: string; doc?: string }): OnnxModel {
  if (json.format !== 'graph-model') throw new Error(`screening model: format ${json.format}, not graph-model`);
  const weights = decodeWeights(json, weightBytes);
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  const acts = new Map<string, Act>();
  const inputs: OnnxModel['inputs'] = [];
  const used = new Set<string>();
  const tfNodes = json.modelTopology.node;
  const byName = new Map(tfNodes.map((n) => [n.name, n]));
  let consts = 0;

  const ref = (input: string) => {
    if (input.startsWith('^')) throw new Error(`screening model: control input ${input} not taken`);
    const m = /^(.*?)(?::(\d+))?$/.exec(input)!;
    if (m[2] && m[2] !== '0') throw new Error(`screening model: output ${input} not taken`);
    used.add(m[1]!);
    return m[1]!;
  };
  const act = (input: string): Act => {
    const a = acts.get(ref(input));
    if (!a) throw new Error(`screening model: ${input} is not computed before its use (or is a constant where a tensor is needed)`);
    return a;
  };
  const weight = (input: string) => {
    const name = ref(input);
    const w = weights.get(name);
    if (!w || byName.get(name)?.op !== 'Const') throw new Error(`screening model: ${input} is not a constant with weights`);
    return w;
  };
  const scalar = (v: number) => {
    const name = `const_${consts++}`;
    initializers.push({ name, dims: [], data: Float32Array.of(v) });
    return name;
  };
  let clip: [string, string] | undefined;
  /** The fused activation after a conv or matmul, writing `out`. */
  const activation = (op: string | undefined, x: string, out: string) => {
    if (op === 'Relu') nodes.push({ op: 'Relu', inputs: [x], outputs: [out] });
    else if (op === 'Relu6') {
      clip ??= [scalar(0), scalar(6)];
      nodes.push({ op: 'Clip', inputs: [x, ...clip], outputs: [out] });
    } else throw new Error(`screening model: fused activation ${op} not taken`);
  };
  const fused = (n: TfNode) => {
    const ops = strs(n.attr?.fused_ops);
    const bias = ops[0] === 'BiasAdd';
    const rest = bias ? ops.slice(1) : ops;
    if (rest.length > 1 || (n.input ?? []).length !== 2 + (bias ? 1 : 0)) throw new Error(`screening model: ${n.name}: fused ops ${ops.join(',')} not taken`);
    return { bias, act: rest[0] };
  };

  for (const n of tfNodes) {
    const attr = n.attr ?? {};
    switch (n.op) {
      case 'Const':
        break;
      case 'Placeholder': {
        const dims = (attr.shape?.shape?.dim ?? []).map((d) => Number(d.size));
        if (dims.length !== 4 || dims.slice(1).some((d) => !(d > 0))) throw new Error(`screening model: input ${n.name} of shape [${dims}], not NHWC`);
        const [, h, w, c] = dims as [number, number, number, number];
        inputs.push({ name: n.name, shape: ['batch', h, w, c] });
        nodes.push({ op: 'Transpose', inputs: [n.name], outputs: [`${n.name}/nchw`], attrs: { perm: [0, 3, 1, 2] } });
        acts.set(n.name, { kind: 'nchw', name: `${n.name}/nchw`, c, h, w });
        break;
      }
      case 'Mul':
      case 'Sub':
      case 'AddV2':
      case 'Add': {
        const op = n.op === 'Mul' ? 'Mul' : n.op === 'Sub' ? 'Sub' : 'Add';
        const [a, b] = (n.input ?? []).map((i) => ref(i));
        const operand = (name: string) => {
          if (acts.has(name)) return acts.get(name)!;
          const w = weight(name);
          if (w.data.length !== 1) throw new Error(`screening model: ${n.name}: a constant of shape [${w.shape}] (only scalars taken)`);
          return scalar(w.data[0]!);
        };
        const x = operand(a!);
        const y = operand(b!);
        const shapeOf = typeof x === 'string' ? y : x;
        if (typeof shapeOf === 'string') throw new Error(`screening model: ${n.name}: two constants`);
        if (typeof x !== 'string' && typeof y !== 'string' && (x.kind !== y.kind || x.c !== y.c || (x.kind === 'nchw' && y.kind === 'nchw' && (x.h !== y.h || x.w !== y.w))))
          throw new Error(`screening model: ${n.name}: operands of different shapes`);
        nodes.push({ op, inputs: [typeof x === 'string' ? x : x.name, typeof y === 'string' ? y : y.name], outputs: [n.name] });
        acts.set(n.name, { ...shapeOf, name: n.name });
        break;
      }
      case '_FusedConv2D':
      case 'FusedDepthwiseConv2dNative': {
        const depthwise = n.op === 'FusedDepthwiseConv2dNative';
        if (str(attr.data_format) !== 'NHWC') throw new Error(`screening model: ${n.name}: data_format ${str(attr.data_format)}`);
        const { bias, act: fusedAct } = fused(n);
        const x = act(n.input![0]!);
        if (x.kind !== 'nchw') throw new Error(`screening model: ${n.name}: input is not 4-D`);
        const f = weight(n.input![1]!);
        const [kh, kw, ci, co] = f.shape as [number, number, number, number];
        if (f.shape.length !== 4 || ci !== x.c) throw new Error(`screening model: ${n.name}: filter [${f.shape}] for ${x.c} channels`);
        const [, sh, sw] = ints(attr.strides);
        const [, dh, dw] = ints(attr.dilations).length ? ints(attr.dilations) : [1, 1, 1, 1];
        const padding = str(attr.padding) ?? '';
        const ph = pad(x.h, kh, sh!, dh!, padding);
        const pw = pad(x.w, kw, sw!, dw!, padding);
        const out = depthwise ? ci * co : co; // depthwise: [kh, kw, channels, multiplier]
        // TF's HWIO (depthwise: HW·C·M) to ONNX's OIHW (depthwise: (C·M)·1·H·W).
        const data = new Float32Array(f.data.length);
        for (let h = 0; h < kh; h++)
          for (let w = 0; w < kw; w++)
            for (let i = 0; i < ci; i++)
              for (let o = 0; o < co; o++) {
                const src = ((h * kw + w) * ci + i) * co + o;
                data[depthwise ? ((i * co + o) * kh + h) * kw + w : ((o * ci + i) * kh + h) * kw + w] = f.data[src]!;
              }
        const wName = ref(n.input![1]!);
        initializers.push({ name: wName, dims: depthwise ? [out, 1, kh, kw] : [out, ci, kh, kw], data });
        const convInputs = [x.name, wName];
        if (bias) {
          const b = weight(n.input![2]!);
          if (b.data.length !== out) throw new Error(`screening model: ${n.name}: bias of ${b.data.length} for ${out} channels`);
          initializers.push({ name: ref(n.input![2]!), dims: [out], data: b.data });
          convInputs.push(ref(n.input![2]!));
        }
        const convOut = fusedAct ? `${n.name}/conv` : n.name;
        nodes.push({
          op: 'Conv',
          name: n.name,
          inputs: convInputs,
          outputs: [convOut],
          attrs: { kernel_shape: [kh, kw], strides: [sh!, sw!], dilations: [dh!, dw!], pads: [ph.pads[0], pw.pads[0], ph.pads[1], pw.pads[1]], group: depthwise ? ci : 1 },
        });
        if (fusedAct) activation(fusedAct, convOut, n.name);
        acts.set(n.name, { kind: 'nchw', name: n.name, c: out, h: ph.out, w: pw.out });
        break;
      }
      case 'AvgPool':
      case 'MaxPool': {
        if (str(attr.data_format) !== 'NHWC') throw new Error(`screening model: ${n.name}: data_format ${str(attr.data_format)}`);
        const x = act(n.input![0]!);
        if (x.kind !== 'nchw') throw new Error(`screening model: ${n.name}: input is not 4-D`);
        const [, kh, kw] = ints(attr.ksize);
        const [, sh, sw] = ints(attr.strides);
        const padding = str(attr.padding) ?? '';
        const ph = pad(x.h, kh!, sh!, 1, padding);
        const pw = pad(x.w, kw!, sw!, 1, padding);
        // TF's average over a SAME window counts only the pixels inside: ONNX's count_include_pad 0 (its default).
        nodes.push({ op: n.op === 'AvgPool' ? 'AveragePool' : 'MaxPool', name: n.name, inputs: [x.name], outputs: [n.name], attrs: { kernel_shape: [kh!, kw!], strides: [sh!, sw!], pads: [ph.pads[0], pw.pads[0], ph.pads[1], pw.pads[1]] } });
        acts.set(n.name, { kind: 'nchw', name: n.name, c: x.c, h: ph.out, w: pw.out });
        break;
      }
      case 'Squeeze': {
        const x = act(n.input![0]!);
        const dims = ints(attr.squeeze_dims).sort();
        if (x.kind !== 'nchw' || x.h !== 1 || x.w !== 1 || dims.join() !== '1,2') throw new Error(`screening model: ${n.name}: only the squeeze of 1×1 spatial dims is taken`);
        nodes.push({ op: 'Flatten', name: n.name, inputs: [x.name], outputs: [n.name], attrs: { axis: 1 } });
        acts.set(n.name, { kind: 'flat', name: n.name, c: x.c });
        break;
      }
      case '_FusedMatMul': {
        const { bias, act: fusedAct } = fused(n);
        if (attr.transpose_a?.b) throw new Error(`screening model: ${n.name}: transpose_a`);
        const x = act(n.input![0]!);
        const w = weight(n.input![1]!);
        const transB = attr.transpose_b?.b ? 1 : 0;
        const [k, units] = transB ? [w.shape[1], w.shape[0]] : [w.shape[0], w.shape[1]];
        if (x.kind !== 'flat' || w.shape.length !== 2 || k !== x.c) throw new Error(`screening model: ${n.name}: [${w.shape}] for ${x.c} features`);
        initializers.push({ name: ref(n.input![1]!), dims: w.shape, data: w.data });
        const gemmInputs = [x.name, ref(n.input![1]!)];
        if (bias) {
          const b = weight(n.input![2]!);
          if (b.data.length !== units) throw new Error(`screening model: ${n.name}: bias of ${b.data.length} for ${units} units`);
          initializers.push({ name: ref(n.input![2]!), dims: [units!], data: b.data });
          gemmInputs.push(ref(n.input![2]!));
        }
        const out = fusedAct ? `${n.name}/gemm` : n.name;
        nodes.push({ op: 'Gemm', name: n.name, inputs: gemmInputs, outputs: [out], attrs: { transB } });
        if (fusedAct) activation(fusedAct, out, n.name);
        acts.set(n.name, { kind: 'flat', name: n.name, c: units! });
        break;
      }
      case 'Softmax': {
        const x = act(n.input![0]!);
        if (x.kind !== 'flat') throw new Error(`screening model: ${n.name}: softmax of a 4-D tensor`);
        nodes.push({ op: 'Softmax', name: n.name, inputs: [x.name], outputs: [n.name], attrs: { axis: 1 } });
        acts.set(n.name, { ...x, name: n.name });
        break;
      }
      case 'Identity': {
        const x = act(n.input![0]!);
        nodes.push({ op: 'Identity', name: n.name, inputs: [x.name], outputs: [n.name] });
        acts.set(n.name, { ...x, name: n.name });
        break;
      }
      default:
        throw new Error(`screening model: op ${n.op} (${n.name}) not taken by the converter`);
    }
  }
  const ends = tfNodes.filter((n) => n.op !== 'Const' && !used.has(n.name));
  if (ends.length !== 1 || acts.get(ends[0]!.name)?.kind !== 'flat') throw new Error(`screening model: ${ends.length} graph outputs (${ends.map((n) => n.name)}), not one [batch, classes]`);
  const out = acts.get(ends[0]!.name)!;
  return {
    producerName: 'wanxing (src/compliance/screening-model.ts)',
    producerVersion: meta.producerVersion,
    ...(meta.doc && { docString: meta.doc }),
    irVersion: 7,
    opset: 13,
    graphName: MODEL_NAME,
    nodes,
    initializers,
    inputs,
    outputs: [{ name: out.name, shape: ['batch', out.c] }],
    metadata: { format: String(FORMAT) },
  };
}

/** nsfwjs's screening model, converted now (≈ 0.2 s: decoding the base64 shards is most of it). */
export function convertNsfwjsModel(): Uint8Array {
  const { json, weights } = readNsfwjsModel();
  const version = nsfwjsVersion();
  return encodeModel(convertGraph(json, weights, { producerVersion: `nsfwjs ${version} ${MODEL_NAME}, format ${FORMAT}`, doc: `nsfwjs ${version}'s ${MODEL_NAME} graph model (tfjs), converted; classes drawing, hentai, neutral, porn, sexy` }));
}

interface ModelMeta {
  nsfwjs: string;
  model: string;
  format: number;
  bytes: number;
}

/** Writes the converted model (and its tag) into `dir` as screening.onnx / screening.json (the build). */
export function writeScreeningModel(dir: string): { bytes: number } {
  const bytes = convertNsfwjsModel();
  const file = path.join(dir, 'screening.onnx');
  writeFileSync(file, bytes);
  const meta: ModelMeta = { nsfwjs: nsfwjsVersion(), model: MODEL_NAME, format: FORMAT, bytes: bytes.length };
  writeFileSync(META(file), JSON.stringify(meta) + '\n');
  return { bytes: bytes.length };
}

/**
 * The model for a screener: the prebuilt file while its tag matches the nsfwjs installed now, this
 * converter's FORMAT and the file's size; else converted from the package in memory.
 */
export function screeningModel(prebuilt = PREBUILT_MODEL): { bytes: Uint8Array; prebuilt: boolean } {
  try {
    const meta = JSON.parse(readFileSync(META(prebuilt), 'utf8')) as ModelMeta;
    if (meta.nsfwjs === nsfwjsVersion() && meta.model === MODEL_NAME && meta.format === FORMAT) {
      const bytes = readFileSync(prebuilt);
      if (bytes.length === meta.bytes) return { bytes, prebuilt: true };
    }
  } catch {
    /* not built, or from another nsfwjs or converter: convert the package's own files */
  }
  return { bytes: convertNsfwjsModel(), prebuilt: false };
}
