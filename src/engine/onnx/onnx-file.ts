// Reads the graph's last initializer straight from an .onnx file. onnxruntime does not expose
// initializers, and inswapper keeps its `emap` there. A minimal protobuf walk (ModelProto.graph →
// GraphProto.initializer → TensorProto) is enough, needs no runtime dependency, and skips the
// hundreds of megabytes of weights by seeking past them: only field headers, the first nodes
// and the last initializer are read from disk.
import { open } from 'node:fs/promises';

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

/** Random access to the encoded model: a file on disk or bytes in memory. */
interface ByteSource {
  size: number;
  read(pos: number, len: number): Promise<Uint8Array>;
}

function memorySource(buf: Uint8Array): ByteSource {
  return { size: buf.length, read: async (pos, len) => buf.subarray(pos, pos + len) };
}

async function withFileSource<T>(path: string, fn: (src: ByteSource) => Promise<T>): Promise<T> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    return await fn({
      size,
      read: async (pos, len) => {
        const buf = new Uint8Array(len);
        const { bytesRead } = await fh.read(buf, 0, len, pos);
        if (bytesRead !== len) throw new Error('the file ends inside a field');
        return buf;
      },
    });
  } finally {
    await fh.close();
  }
}

/** Walks one message's fields over a ByteSource through a small read-ahead window. */
class SourceReader {
  private win: Uint8Array = new Uint8Array(0);
  private winStart = 0;
  constructor(
    private readonly src: ByteSource,
    public pos: number,
    readonly end: number,
  ) {}
  done(): boolean {
    return this.pos >= this.end;
  }
  /** Field header: [field, wireType]; for length-delimited fields also the payload's [start, end]. */
  async header(): Promise<{ field: number; wireType: number; span?: [number, number] }> {
    const need = Math.min(this.end - this.pos, 24);
    if (this.pos < this.winStart || this.pos + need > this.winStart + this.win.length) {
      this.winStart = this.pos;
      this.win = await this.src.read(this.pos, Math.min(this.end - this.pos, 1 << 16));
    }
    const r = new Reader(this.win, this.pos - this.winStart);
    const [field, wireType] = r.tag();
    let span: [number, number] | undefined;
    if (wireType === 2) {
      const len = r.varint();
      const start = this.winStart + r.pos;
      if (start + len > this.end) throw new Error('field runs past the end of its message');
      span = [start, start + len];
      this.pos = start + len;
    } else {
      r.skip(wireType);
      this.pos = this.winStart + r.pos;
      if (this.pos > this.end) throw new Error('field runs past the end of its message');
    }
    return { field, wireType, span };
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

/** One pass over an encoded ModelProto's graph, reading only what is asked for. */
async function scanGraph(src: ByteSource, maxNodes: number): Promise<GraphScan> {
  const model = new SourceReader(src, 0, src.size);
  let graph: [number, number] | null = null;
  while (!model.done()) {
    const { field, span } = await model.header();
    if (field === MODEL_GRAPH && span) graph = span;
  }
  if (!graph) throw new Error('no graph in the model file (is it an ONNX model?)');
  const g = new SourceReader(src, graph[0], graph[1]);
  const scan: GraphScan = { lastInitializer: null, nodeNames: [] };
  while (!g.done()) {
    const { field, span } = await g.header();
    if (!span) continue;
    if (field === GRAPH_INITIALIZER) scan.lastInitializer = span;
    else if (field === GRAPH_NODE && scan.nodeNames.length < maxNodes) {
      const bytes = await src.read(span[0], span[1] - span[0]);
      const n = new Reader(bytes);
      let name = '';
      while (!n.done()) {
        const [f, t] = n.tag();
        if (f === NODE_NAME && t === 2) name = utf8(bytes, n.span());
        else n.skip(t);
      }
      scan.nodeNames.push(name);
    }
  }
  return scan;
}

async function lastInitializerOf(src: ByteSource): Promise<FloatTensor> {
  const span = (await scanGraph(src, 0)).lastInitializer;
  if (!span) throw new Error('the graph has no initializers');
  const bytes = await src.read(span[0], span[1] - span[0]);
  return decodeFloatTensor(bytes, [0, bytes.length]);
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
export function lastInitializer(model: Uint8Array): Promise<FloatTensor> {
  return lastInitializerOf(memorySource(model));
}

export function readLastInitializer(path: string): Promise<FloatTensor> {
  return withFileSource(path, lastInitializerOf);
}

/** Names of the first `count` nodes of the graph (empty strings for unnamed nodes). */
export async function firstNodeNames(model: Uint8Array, count: number): Promise<string[]> {
  return (await scanGraph(memorySource(model), count)).nodeNames;
}

export async function readFirstNodeNames(path: string, count: number): Promise<string[]> {
  return withFileSource(path, async (src) => (await scanGraph(src, count)).nodeNames);
}
