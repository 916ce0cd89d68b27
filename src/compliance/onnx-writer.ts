// A small writer for the ONNX protobuf (onnx.proto, proto2): just the messages and fields the
// screening model's converter (screening-model.ts) emits. Field numbers from onnx.proto; the test
// decodes what this writes with the `onnx-proto` package (a devDependency) and checks it field by field.
// Repeated scalars are written unpacked (proto2's default; parsers take either).

/** onnx.TensorProto.DataType */
export const FLOAT = 1;
/** onnx.AttributeProto.AttributeType */
const ATTR = { FLOAT: 1, INT: 2, STRING: 3, INTS: 7 } as const;

/** Protobuf bytes as a list of chunks: a sub-message is appended without copying its payload. */
class Pb {
  readonly parts: Uint8Array[] = [];
  length = 0;

  private push(b: Uint8Array): void {
    this.parts.push(b);
    this.length += b.length;
  }

  private varint(v: number): void {
    // Non-negative integers up to 2^53 (dims, lengths, enum values, opset versions).
    if (!Number.isSafeInteger(v) || v < 0) throw new Error(`onnx-writer: ${v} is not a non-negative integer`);
    const out: number[] = [];
    while (v >= 0x80) {
      out.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    out.push(v);
    this.push(Uint8Array.from(out));
  }

  private tag(field: number, wire: 0 | 2 | 5): void {
    this.varint(field * 8 + wire);
  }

  int(field: number, v: number): this {
    this.tag(field, 0);
    if (v < 0) {
      // int64 negative: ten-byte two's complement (only the attribute value -1 and the like).
      const big = BigInt.asUintN(64, BigInt(v));
      const out: number[] = [];
      let x = big;
      while (x >= 0x80n) {
        out.push(Number(x & 0x7fn) | 0x80);
        x >>= 7n;
      }
      out.push(Number(x));
      this.push(Uint8Array.from(out));
    } else this.varint(v);
    return this;
  }

  float(field: number, v: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.push(b);
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.tag(field, 2);
    this.varint(b.length);
    this.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, Buffer.from(s, 'utf8'));
  }

  msg(field: number, m: Pb): this {
    this.tag(field, 2);
    this.varint(m.length);
    for (const p of m.parts) this.push(p);
    return this;
  }

  toBytes(): Uint8Array {
    return Buffer.concat(this.parts, this.length);
  }
}

export type AttrValue = number | string | number[] | { float: number };

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attrs?: Record<string, AttrValue>;
}

export interface OnnxTensor {
  name: string;
  dims: number[];
  /** float32 values, in ONNX's row-major order for `dims`. */
  data: Float32Array;
}

export interface OnnxValueInfo {
  name: string;
  /** A number, or a name for a symbolic dimension (the batch). */
  shape: (number | string)[];
}

export interface OnnxModel {
  producerName: string;
  producerVersion: string;
  docString?: string;
  opset: number;
  irVersion: number;
  graphName: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  metadata?: Record<string, string>;
}

function attribute(name: string, v: AttrValue): Pb {
  const a = new Pb().string(1, name); // name
  if (typeof v === 'string') return a.bytes(4, Buffer.from(v, 'utf8')).int(20, ATTR.STRING); // s, type
  if (Array.isArray(v)) {
    for (const x of v) a.int(8, x); // ints
    return a.int(20, ATTR.INTS);
  }
  if (typeof v === 'object') return a.float(2, v.float).int(20, ATTR.FLOAT); // f
  if (!Number.isInteger(v)) throw new Error(`onnx-writer: attribute ${name}: ${v} is not an integer (use { float })`);
  return a.int(3, v).int(20, ATTR.INT); // i
}

function node(n: OnnxNode): Pb {
  const p = new Pb();
  for (const i of n.inputs) p.string(1, i);
  for (const o of n.outputs) p.string(2, o);
  if (n.name) p.string(3, n.name);
  p.string(4, n.op);
  for (const [k, v] of Object.entries(n.attrs ?? {})) p.msg(5, attribute(k, v));
  return p;
}

function tensor(t: OnnxTensor): Pb {
  const n = t.dims.reduce((a, b) => a * b, 1);
  if (t.data.length !== n) throw new Error(`onnx-writer: ${t.name}: ${t.data.length} values for dims [${t.dims}]`);
  const p = new Pb();
  for (const d of t.dims) p.int(1, d); // dims
  p.int(2, FLOAT); // data_type
  p.string(8, t.name); // name
  // raw_data: little-endian float32 (this machine's order; checked at load of this module below).
  return p.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

function valueInfo(v: OnnxValueInfo): Pb {
  const shape = new Pb();
  for (const d of v.shape) shape.msg(1, typeof d === 'number' ? new Pb().int(1, d) : new Pb().string(2, d)); // dim: dim_value | dim_param
  const tensorType = new Pb().int(1, FLOAT).msg(2, shape); // elem_type, shape
  return new Pb().string(1, v.name).msg(2, new Pb().msg(1, tensorType)); // name, type { tensor_type }
}

/** The ModelProto's bytes. */
export function encodeModel(m: OnnxModel): Uint8Array {
  const graph = new Pb();
  for (const n of m.nodes) graph.msg(1, node(n)); // node
  graph.string(2, m.graphName); // name
  for (const t of m.initializers) graph.msg(5, tensor(t)); // initializer
  for (const v of m.inputs) graph.msg(11, valueInfo(v)); // input
  for (const v of m.outputs) graph.msg(12, valueInfo(v)); // output
  const model = new Pb()
    .int(1, m.irVersion) // ir_version
    .string(2, m.producerName)
    .string(3, m.producerVersion);
  if (m.docString) model.string(6, m.docString);
  model.msg(7, graph); // graph
  model.msg(8, new Pb().string(1, '').int(2, m.opset)); // opset_import: the default domain
  for (const [k, v] of Object.entries(m.metadata ?? {})) model.msg(14, new Pb().string(1, k).string(2, v)); // metadata_props
  return model.toBytes();
}

if (new Uint8Array(new Float32Array([1]).buffer)[3] !== 0x3f) throw new Error('onnx-writer: a big-endian machine (raw_data is little-endian)');
