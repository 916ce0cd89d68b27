// The implicit label of GB 45438-2025 (§6, annex E): an XMP packet whose TC260:AIGC property holds
// a JSON object of seven fields. JPEG carries it in an APP1 segment, PNG in an iTXt chunk
// (keyword XML:com.adobe.xmp). It is spliced into the encoded file, so the pixels are not
// encoded twice. ReservedCode1, which the standard leaves to the producer for protecting the
// content and the label, holds an HMAC: over the label's producer fields and over the image data
// (every byte of the file except the metadata that platforms rewrite: XMP, comments, text chunks;
// EXIF counts, since its orientation changes what a viewer shows).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { inflateSync } from 'node:zlib';

export const TC260_NS = 'http://www.tc260.org.cn/ns/AIGC/1.0/';
const XMP_JPEG_HEADER = Buffer.from('http://ns.adobe.com/xap/1.0/\0', 'latin1');
const XMP_PNG_KEYWORD = 'XML:com.adobe.xmp';
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const HMAC_PREFIX = 'wanxing-hmac-sha256-v1:';
/** A compressed XMP chunk inflates to at most this (a bomb stops here). */
const MAX_XMP = 1 << 20;

/** Annex E's fields, in its order. Label: "1" generated, "2" possibly, "3" suspected. */
export interface AigcLabel {
  Label: string;
  ContentProducer: string;
  ProduceID: string;
  ReservedCode1: string;
  ContentPropagator: string;
  PropagateID: string;
  ReservedCode2: string;
}

export type LabelledFormat = 'jpeg' | 'png';

/** What the producer writes; the HMAC goes into ReservedCode1. */
export interface LabelFields {
  producer: string;
  contentId: string;
}

/** The file with its XMP (and any older AIGC label) replaced by a signed TC260 label. */
export function embedLabel(file: Uint8Array, format: LabelledFormat, fields: LabelFields, key: Buffer): Buffer {
  const bare = stripXmp(Buffer.from(file.buffer, file.byteOffset, file.length), format);
  const label: AigcLabel = {
    Label: '1',
    ContentProducer: fields.producer,
    ProduceID: fields.contentId,
    ReservedCode1: '',
    ContentPropagator: '',
    PropagateID: '',
    ReservedCode2: '',
  };
  label.ReservedCode1 = HMAC_PREFIX + mac(key, label, imageDigest(bare, format)).toString('base64url');
  return insertXmp(bare, format, xmpPacket(label));
}

export type Verdict =
  | { state: 'valid'; label: AigcLabel }
  | { state: 'altered'; label: AigcLabel; why: string }
  | { state: 'absent'; why: string };

/** Reads the TC260 label of a file and checks its HMAC with `key`. */
export function verifyLabel(file: Uint8Array, key: Buffer): Verdict {
  const buf = Buffer.from(file.buffer, file.byteOffset, file.length);
  const format = formatOf(buf);
  if (!format) return { state: 'absent', why: 'not a JPEG or PNG file' };
  const label = readLabel(buf, format);
  if (!label) return { state: 'absent', why: 'no TC260 AIGC label in the XMP metadata' };
  if (!label.ReservedCode1.startsWith(HMAC_PREFIX)) return { state: 'altered', label, why: 'ReservedCode1 holds no Wanxing HMAC' };
  const given = Buffer.from(label.ReservedCode1.slice(HMAC_PREFIX.length), 'base64url');
  const want = mac(key, label, imageDigest(buf, format));
  if (given.length !== want.length || !timingSafeEqual(given, want)) {
    return { state: 'altered', label, why: 'the HMAC does not match: the image or the label was changed, or another key signed it' };
  }
  return { state: 'valid', label };
}

/** The label's JSON, if the file carries one (no check). */
export function readLabel(file: Buffer, format: LabelledFormat): AigcLabel | undefined {
  for (const xmp of xmpPackets(file, format)) {
    const m = /<TC260:AIGC>([\s\S]*?)<\/TC260:AIGC>/.exec(xmp) ?? /TC260:AIGC="([^"]*)"/.exec(xmp);
    if (!m) continue;
    try {
      const v = JSON.parse(unescapeXml(m[1]!)) as Partial<AigcLabel>;
      return {
        Label: String(v.Label ?? ''),
        ContentProducer: String(v.ContentProducer ?? ''),
        ProduceID: String(v.ProduceID ?? ''),
        ReservedCode1: String(v.ReservedCode1 ?? ''),
        ContentPropagator: String(v.ContentPropagator ?? ''),
        PropagateID: String(v.PropagateID ?? ''),
        ReservedCode2: String(v.ReservedCode2 ?? ''),
      };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export function formatOf(b: Buffer): LabelledFormat | undefined {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 8 && b.subarray(0, 8).equals(PNG_SIGNATURE)) return 'png';
  return undefined;
}

// The propagator's fields (ContentPropagator, PropagateID, ReservedCode2) stay outside the MAC:
// a platform that passes the file on may fill them in without breaking the producer's check.
function mac(key: Buffer, label: AigcLabel, digest: Buffer): Buffer {
  return createHmac('sha256', key)
    .update(JSON.stringify(['TC260-AIGC', label.Label, label.ContentProducer, label.ProduceID, digest.toString('hex')]))
    .digest();
}

function xmpPacket(label: AigcLabel): string {
  const json = escapeXml(JSON.stringify(label));
  return (
    '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>' +
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
    `<rdf:Description rdf:about="" xmlns:TC260="${TC260_NS}"><TC260:AIGC>${json}</TC260:AIGC></rdf:Description>` +
    '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
  );
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function unescapeXml(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&amp;/g, '&');
}

// ---- container structure -------------------------------------------------------------------

interface Piece {
  start: number;
  end: number;
  /** XMP, comments, text: outside the image digest. */
  volatile: boolean;
  xmp?: string;
}

/** JPEG segments up to the first scan (then the rest as one piece); PNG chunks. */
function pieces(b: Buffer, format: LabelledFormat): Piece[] {
  const out: Piece[] = [];
  if (format === 'jpeg') {
    out.push({ start: 0, end: 2, volatile: false });
    let i = 2;
    while (i + 4 <= b.length && b[i] === 0xff) {
      const marker = b[i + 1]!;
      if (marker === 0xda || marker === 0xd9) break; // scan data (or end): all image
      const len = b.readUInt16BE(i + 2);
      const end = Math.min(b.length, i + 2 + len);
      const isApp1 = marker === 0xe1;
      const body = b.subarray(i + 4, end);
      const xmp = isApp1 && body.subarray(0, XMP_JPEG_HEADER.length).equals(XMP_JPEG_HEADER) ? body.subarray(XMP_JPEG_HEADER.length).toString('utf8') : undefined;
      out.push({ start: i, end, volatile: xmp !== undefined || marker === 0xfe, xmp });
      i = end;
    }
    out.push({ start: i, end: b.length, volatile: false });
    return out;
  }
  out.push({ start: 0, end: 8, volatile: false });
  let i = 8;
  while (i + 12 <= b.length) {
    const len = b.readUInt32BE(i);
    const type = b.toString('latin1', i + 4, i + 8);
    const end = Math.min(b.length, i + 12 + len);
    let xmp: string | undefined;
    if (type === 'iTXt' || type === 'zTXt' || type === 'tEXt') {
      const data = b.subarray(i + 8, i + 8 + len);
      const nul = data.indexOf(0);
      if (nul > 0 && data.toString('latin1', 0, nul) === XMP_PNG_KEYWORD) xmp = pngText(type, data.subarray(nul + 1));
    }
    out.push({ start: i, end, volatile: ['tEXt', 'zTXt', 'iTXt', 'tIME'].includes(type), xmp });
    i = end;
    if (type === 'IEND') break;
  }
  if (i < b.length) out.push({ start: i, end: b.length, volatile: false });
  return out;
}

/** The text after a PNG text chunk's keyword (libvips writes XMP compressed, as zTXt). */
function pngText(type: string, rest: Buffer): string | undefined {
  try {
    if (type === 'tEXt') return rest.toString('latin1');
    if (type === 'zTXt') return inflateSync(rest.subarray(1), { maxOutputLength: MAX_XMP }).toString('utf8');
    // iTXt: compressed flag, method, language\0, translated keyword\0, text
    const compressed = rest[0] === 1;
    let p = rest.indexOf(0, 2) + 1;
    p = rest.indexOf(0, p) + 1;
    if (p <= 0) return undefined;
    return compressed ? inflateSync(rest.subarray(p), { maxOutputLength: MAX_XMP }).toString('utf8') : rest.subarray(p).toString('utf8');
  } catch {
    return undefined; // a broken chunk is no label
  }
}

function xmpPackets(b: Buffer, format: LabelledFormat): string[] {
  return pieces(b, format).flatMap((p) => (p.xmp === undefined ? [] : [p.xmp]));
}

/** SHA-256 of the image data: the file without the volatile metadata. */
export function imageDigest(b: Buffer, format: LabelledFormat): Buffer {
  const h = createHash('sha256');
  for (const p of pieces(b, format)) if (!p.volatile) h.update(b.subarray(p.start, p.end));
  return h.digest();
}

function stripXmp(b: Buffer, format: LabelledFormat): Buffer {
  const keep = pieces(b, format).filter((p) => p.xmp === undefined);
  return Buffer.concat(keep.map((p) => b.subarray(p.start, p.end)));
}

function insertXmp(b: Buffer, format: LabelledFormat, xmp: string): Buffer {
  const text = Buffer.from(xmp, 'utf8');
  if (format === 'jpeg') {
    const body = Buffer.concat([XMP_JPEG_HEADER, text]);
    if (body.length + 2 > 0xffff) throw new Error('XMP packet too large for one APP1 segment');
    const head = Buffer.alloc(4);
    head.writeUInt16BE(0xffe1, 0);
    head.writeUInt16BE(body.length + 2, 2);
    // After SOI and a JFIF APP0, where readers look for it first.
    let at = 2;
    if (b[2] === 0xff && b[3] === 0xe0) at = 4 + b.readUInt16BE(4);
    return Buffer.concat([b.subarray(0, at), head, body, b.subarray(at)]);
  }
  const data = Buffer.concat([Buffer.from(`${XMP_PNG_KEYWORD}\0\0\0\0\0`, 'latin1'), text]);
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write('iTXt', 4, 'latin1');
  data.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
  const ihdrEnd = 8 + 12 + b.readUInt32BE(8); // right after IHDR
  return Buffer.concat([b.subarray(0, ihdrEnd), chunk, b.subarray(ihdrEnd)]);
}

let crcTable: Uint32Array | undefined;
function crc32(buf: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = crcTable[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
