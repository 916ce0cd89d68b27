// Reads the graph's last initializer straight from an .onnx file. onnxruntime does not expose
// initializers, and inswapper keeps its `emap` there. A minimal protobuf walk (ModelProto.graph →
// GraphProto.initializer → TensorProto) is enough, needs no runtime dependency, and skips the
// hundreds of megabytes of weights without decoding them.
import { readFile } from 'node:fs/promises';

export interface FloatTensor {
  name: string;
  dims: number[];
  data: Float32Array;
}

const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const TENSOR = { dims: 1, dataType: 2, floatData: 4, name: 8, rawData: 9, dataLocation: 14 } as const;
const DATA_TYPE_FLOAT = 1;
const DATA_TYPE_NAMES: Record<number, string> = { 1: 'float', 2: 'uint8', 3: 'int8', 6: 'int32', 7: 'int64', 10: 'float16', 11: 'double', 16: 'bfloat16' };

class Reader {
  pos: number;
  constructor(readonly buf: Uint8Array, start = 0, readonly end = buf.length) {
    this.pos = start;
  }
  done(): boolean {
    return this.pos >= this.end;
  }
  varint(): number {
    let result = 0, mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Error('truncated varint');
      const byte = this.buf[this.pos++];
      result += (byte & 0x7f) * mul;
      if (byte < 0x80) return result;
      mul *= 128;
    }
    throw new Error('malformed varint');
  }
  /** Returns [field, wireType]. */
  tag(): [number, number] {
    const t = this.varint();
    return [Math.floor(t / 8), t & 7];
  }
  /** Start and end offsets of a length-delimited field's payload; moves past it. */
  span(): [number, number] {
    const len = this.varint();
    const start = this.pos;
    if (start + len > this.end) throw new Error('field runs past the end of its message');
    this.pos = start + len;
    return [start, start + len];
  }
  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) this.span();
    else if (wireType === 5) this.pos += 4;
    else throw new Error(`unsupported protobuf wire type ${wireType}`);
    if (this.pos > this.end) throw new Error('field runs past the end of its message');
  }
}

interface GraphScan {
  /** Offsets of the last GraphProto.initializer, or null if it has none. */
  lastInitializer: [number, number] | null;
  /** Names of the graph's first nodes, in order. */
  nodeNames: string[];
}

const GRAPH_NODE = 1;
const NODE_NAME = 3;

function utf8(buf: Uint8Array, [s, e]: [number, number]): string {
  return Buffer.from(buf.buffer, buf.byteOffset + s, e - s).toString('utf8');
}

/** One pass over an encoded ModelProto's graph, decoding only what is asked for. */
function scanGraph(buf: Uint8Array, maxNodes: number): GraphScan {
  const model = new Reader(buf);
  let graph: [number, number] | null = null;
  while (!model.done()) {
    const [field, wt] = model.tag();
    if (field === MODEL_GRAPH && wt === 2) graph = model.span();
    else model.skip(wt);
  }
  if (!graph) throw new Error('no graph in the model file (is it an ONNX model?)');
  const g = new Reader(buf, graph[0], graph[1]);
  const scan: GraphScan = { lastInitializer: null, nodeNames: [] };
  while (!g.done()) {
    const [field, wt] = g.tag();
    if (field === GRAPH_INITIALIZER && wt === 2) scan.lastInitializer = g.span();
    else if (field === GRAPH_NODE && wt === 2 && scan.nodeNames.length < maxNodes) {
      const [s, e] = g.span();
      const n = new Reader(buf, s, e);
      let name = '';
      while (!n.done()) {
        const [f, t] = n.tag();
        if (f === NODE_NAME && t === 2) name = utf8(buf, n.span());
        else n.skip(t);
      }
      scan.nodeNames.push(name);
    } else g.skip(wt);
  }
  return scan;
}

function decodeFloatTensor(buf: Uint8Array, [start, end]: [number, number]): FloatTensor {
  const r = new Reader(buf, start, end);
  const dims: number[] = [];
  let name = '', dataType = 0, external = false;
  let raw: [number, number] | null = null;
  const floats: number[] = [];
  while (!r.done()) {
    const [field, wt] = r.tag();
    if (field === TENSOR.dims && wt === 0) dims.push(r.varint());
    else if (field === TENSOR.dims && wt === 2) {
      const [s, e] = r.span();
      const p = new Reader(buf, s, e);
      while (!p.done()) dims.push(p.varint());
    } else if (field === TENSOR.dataType && wt === 0) dataType = r.varint();
    else if (field === TENSOR.name && wt === 2) name = utf8(buf, r.span());
    else if (field === TENSOR.rawData && wt === 2) raw = r.span();
    else if (field === TENSOR.floatData && wt === 2) {
      const [s, e] = r.span();
      const view = new DataView(buf.buffer, buf.byteOffset + s, e - s);
      for (let o = 0; o + 4 <= e - s; o += 4) floats.push(view.getFloat32(o, true));
    } else if (field === TENSOR.floatData && wt === 5) {
      floats.push(new DataView(buf.buffer, buf.byteOffset + r.pos, 4).getFloat32(0, true));
      r.skip(5);
    } else if (field === TENSOR.dataLocation && wt === 0) external = r.varint() === 1;
    else r.skip(wt);
  }
  const label = name ? `initializer "${name}"` : 'the last initializer';
  if (external) throw new Error(`${label} is stored as external data; save the model with its weights inside`);
  if (dataType !== DATA_TYPE_FLOAT) {
    throw new Error(`${label} has type ${DATA_TYPE_NAMES[dataType] ?? dataType}, expected float`);
  }
  const count = dims.reduce((a, b) => a * b, 1);
  let data: Float32Array;
  if (raw) {
    const bytes = raw[1] - raw[0];
    if (bytes !== count * 4) throw new Error(`${label}: ${bytes} bytes of data for shape [${dims}]`);
    // Copy into an aligned buffer; the payload can sit at any offset.
    data = new Float32Array(count);
    const view = new DataView(buf.buffer, buf.byteOffset + raw[0], bytes);
    for (let i = 0; i < count; i++) data[i] = view.getFloat32(i * 4, true);
  } else {
    if (floats.length !== count) throw new Error(`${label}: ${floats.length} values for shape [${dims}]`);
    data = Float32Array.from(floats);
  }
  return { name, dims, data };
}

/** The last initializer of an encoded ONNX model, which must be a float tensor. */
export function lastInitializer(model: Uint8Array): FloatTensor {
  const span = scanGraph(model, 0).lastInitializer;
  if (!span) throw new Error('the graph has no initializers');
  return decodeFloatTensor(model, span);
}

export async function readLastInitializer(path: string): Promise<FloatTensor> {
  return lastInitializer(await readFile(path));
}

/** Names of the first `count` nodes of the graph (empty strings for unnamed nodes). */
export function firstNodeNames(model: Uint8Array, count: number): string[] {
  return scanGraph(model, count).nodeNames;
}

export async function readFirstNodeNames(path: string, count: number): Promise<string[]> {
  return firstNodeNames(await readFile(path), count);
}
