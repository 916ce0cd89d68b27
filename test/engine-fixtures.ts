// Face fixtures for the engine tests, cropped from the photos @vladmandic/human installs
// (no ../shared needed). All are built in memory as PNG/JPEG bytes.
import { createRequire } from 'node:module';
import { before, after } from 'node:test';
import path from 'node:path';
import sharp from 'sharp';
import { BROW_LEFT, BROW_RIGHT, EYE_LEFT, EYE_RIGHT, FACE_OVAL, LIPS_OUTER } from '../src/engine/regions.ts';
import type { ShadingGeometry } from '../src/engine/colour.ts';
import { createDefaultEngine, type DefaultEngine, type DetailedSwap } from '../src/engine/index.ts';
import type { SwapOptionsPatch } from '../src/engine/swap.ts';
import { decodeImage } from '../src/engine/image.ts';
import { fillPolygon } from '../src/engine/raster.ts';
import { roiAround } from '../src/engine/warp.ts';
import { buildMaskAt, type MaskOptions } from '../src/engine/mask.ts';
import { skinModel } from '../src/engine/skin.ts';

const require = createRequire(import.meta.url);
const ASSETS = path.join(path.dirname(require.resolve('@vladmandic/human')), '..', 'assets');

/** Man from the FaceID screenshot, face ≈ 230 px in a 440 px square. */
export async function faceA(format: 'png' | 'jpeg' = 'png'): Promise<Buffer> {
  const s = sharp(path.join(ASSETS, 'screenshot-faceid.jpg')).extract({ left: 0, top: 100, width: 220, height: 220 }).resize(440, 440, { kernel: 'lanczos3' });
  return format === 'png' ? s.png().toBuffer() : s.jpeg({ quality: 95 }).toBuffer();
}

/** The "selected face" of the face-match screenshot, face ≈ 360 px in a 400 px square. */
export async function faceB(format: 'png' | 'jpeg' = 'png'): Promise<Buffer> {
  const s = sharp(path.join(ASSETS, 'screenshot-facematch.jpg')).extract({ left: 0, top: 0, width: 200, height: 200 }).resize(400, 400, { kernel: 'lanczos3' });
  return format === 'png' ? s.png().toBuffer() : s.jpeg({ quality: 95 }).toBuffer();
}

/** A third person (grid face of the face-match screenshot) for identity retrieval. */
export async function faceC(): Promise<Buffer> {
  return sharp(path.join(ASSETS, 'screenshot-facematch.jpg')).extract({ left: 1270, top: 720, width: 130, height: 130 }).resize(400, 400, { kernel: 'lanczos3' }).png().toBuffer();
}

/** A and B side by side: two comparable faces. */
export async function twoFaces(): Promise<Buffer> {
  const [a, b] = await Promise.all([faceA(), faceB()]);
  return sharp({ create: { width: 840, height: 440, channels: 3, background: '#808080' } })
    .composite([{ input: a, left: 0, top: 0 }, { input: b, left: 440, top: 20 }])
    .png()
    .toBuffer();
}

/** The FaceID screenshot's text panel: no face. */
export async function noFace(): Promise<Buffer> {
  return sharp(path.join(ASSETS, 'screenshot-faceid.jpg')).extract({ left: 200, top: 280, width: 400, height: 280 }).resize(600, 420).png().toBuffer();
}

/** Face A shrunk to ~60 px inside a wide strip: detectable, but below the size limit. */
export async function tinyFace(): Promise<Buffer> {
  const small = await sharp(await faceA()).resize(110, 110).png().toBuffer();
  return sharp({ create: { width: 1400, height: 180, channels: 3, background: '#9a9a9a' } })
    .composite([{ input: small, left: 620, top: 35 }])
    .png()
    .toBuffer();
}

export async function rawRgb(bytes: Uint8Array): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** A fourth person (another grid face of the face-match screenshot), for group swaps. */
export async function faceD(): Promise<Buffer> {
  return sharp(path.join(ASSETS, 'screenshot-facematch.jpg')).extract({ left: 1398, top: 720, width: 130, height: 130 }).resize(400, 400, { kernel: 'lanczos3' }).png().toBuffer();
}

/** A plane of seeded noise (xorshift) with the given amplitude around `base`. */
export function noisy(n: number, amp: number, seed: number, base = 128): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = base + amp * (((s >>> 0) / 4294967296) * 2 - 1);
  }
  return out;
}

/** An eye's centre and the largest distance of its mesh points (`ids`) from it: where drawn frames go. */
export function eyeCircle(mesh: ArrayLike<number>[], ids: number[]): { cx: number; cy: number; r: number } {
  const xs = ids.map((i) => mesh[i]![0]!), ys = ids.map((i) => mesh[i]![1]!);
  const cx = xs.reduce((s, v) => s + v, 0) / xs.length, cy = ys.reduce((s, v) => s + v, 0) / ys.length;
  const r = Math.max(...ids.map((i) => Math.hypot(mesh[i]![0]! - cx, mesh[i]![1]! - cy)));
  return { cx, cy, r };
}

/**
 * A stand-in mesh for the colour stage's eye tests (a 240 × 220 ROI, face width 200): every point at
 * the middle but each eye's and brow's contour, on ellipses at x = 80 and 160 (eyes at y 90, brows at 62).
 */
export function eyeBandMesh(): [number, number][] {
  const pos: [number, number][] = Array.from({ length: 468 }, () => [120, 110]);
  for (const [eye, brow, cx] of [[EYE_RIGHT, BROW_RIGHT, 80], [EYE_LEFT, BROW_LEFT, 160]] as const) {
    eye.forEach((id, j) => {
      const t = (2 * Math.PI * j) / eye.length;
      pos[id] = [cx + 18 * Math.cos(t), 90 + 7 * Math.sin(t)];
    });
    brow.forEach((id, j) => {
      const t = (2 * Math.PI * j) / brow.length;
      pos[id] = [cx + 24 * Math.cos(t), 62 + 4 * Math.sin(t)];
    });
  }
  return pos;
}

/** Whether (x, y) lies in the axis-aligned ellipse at (cx, cy) with radii rx, ry. */
export const inEllipse = (x: number, y: number, cx: number, cy: number, rx: number, ry: number) => ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1;

/**
 * One default engine (no warm-up) for a test file: started before its tests, closed after them.
 * Call at the file's top level; the returned function gives the engine inside the tests.
 */
export function useEngine(options: Parameters<typeof createDefaultEngine>[0] = { warmup: false }): () => DefaultEngine {
  let engine: DefaultEngine | undefined;
  before(async () => {
    engine = createDefaultEngine(options);
    await engine.init();
  });
  after(async () => {
    await engine?.close();
  });
  return () => engine!;
}

/** Face B's 468 mesh points and its image size, found once (in a `before` hook) by an engine of its own, handed to `got`. */
export function useFaceBMesh(got: (face: { mesh: number[][]; size: { width: number; height: number } }) => void): void {
  before(async () => {
    const engine = createDefaultEngine({ warmup: false });
    await engine.init();
    try {
      const img = await decodeImage(await faceB());
      const mesh = (await engine.faceAnalyser.detect(img, { embedding: false }))[0]!.mesh.slice(0, 468).map((p) => [...p]);
      got({ mesh, size: { width: img.width, height: img.height } });
    } finally {
      await engine.close();
    }
  });
}

/**
 * A frontal face's landmarks on a 200-px plane for the colour stage's zones: the brow's centre
 * (168), the nose's tip (1), the chin (152), the lips' outer contour (an ellipse around (100,
 * lipsY)); every other point at the centre. No triangles, so no shading.
 */
export function frontalGeometry(lipsY = 150): ShadingGeometry {
  const pos: number[][] = Array.from({ length: 478 }, () => [100, 100]);
  pos[168] = [100, 40];
  pos[1] = [100, 100];
  pos[152] = [100, 195];
  LIPS_OUTER.forEach((id, j) => {
    const t = (2 * Math.PI * j) / LIPS_OUTER.length;
    pos[id] = [100 + 22 * Math.cos(t), lipsY + 7 * Math.sin(t)];
  });
  return { pos, tri: new Uint32Array(0), targetNormals: new Float32Array(0), sourceNormals: new Float32Array(0) };
}

/**
 * faceB's mesh and the mask stage's working plane around it: the ROI (as swapFace pads it), a
 * mesh-to-ROI mapper and the face oval's cover, for synthetic Lab planes on a real face's layout.
 */
export async function faceBPlane(engine: DefaultEngine) {
  const img = await decodeImage(await faceB());
  const m = (await engine.faceAnalyser.detect(img, { embedding: false }))[0]!.mesh.slice(0, 468);
  const fw = Math.hypot(m[454]![0]! - m[234]![0]!, m[454]![1]! - m[234]![1]!);
  const roi = roiAround(m, img.width, img.height, Math.round(0.08 * fw) + 4);
  const { w, h } = roi, n = w * h;
  const sh = (ids: number[]) => ids.map((i) => [m[i]![0]! - roi.x0, m[i]![1]! - roi.y0] as [number, number]);
  const cover = new Uint8Array(n);
  fillPolygon(cover, w, h, sh(FACE_OVAL), 1);
  return { m, fw, roi, w, h, n, sh, cover };
}

/** The mask stage at full size over faceBPlane()'s plane, with the same mesh for both faces and each face's own skin model. */
export function maskOnPlane(plane: Awaited<ReturnType<typeof faceBPlane>>, tLab: [Float32Array, Float32Array, Float32Array], sLab: [Float32Array, Float32Array, Float32Array], opts: MaskOptions) {
  const { m, fw, roi, w, h, cover } = plane;
  const radius = 0.02 * fw;
  return buildMaskAt({ roi, cover, dstMesh: m, targetMesh: m, sourceMesh: m, targetLab: tLab, sourceLab: sLab, targetSkin: skinModel(tLab, w, h, m, roi.x0, roi.y0, radius), sourceSkin: skinModel(sLab, w, h, m, roi.x0, roi.y0, radius), faceW: fw, opts }, 1);
}

/** Mean of `v` where `where` is set, and how many pixels that is. */
export function meanWhere(v: Float32Array, where: Uint8Array): { mean: number; count: number } {
  let c = 0, s = 0;
  for (let i = 0; i < v.length; i++) if (where[i]) { c++; s += v[i]!; }
  return { mean: c ? s / c : NaN, count: c };
}

/** A swap by an engine with these stage options (a fresh engine each: no template cache between). */
export async function swapWith(swap: SwapOptionsPatch, source: Buffer, target: Buffer): Promise<DetailedSwap> {
  const e = createDefaultEngine({ warmup: false, swap });
  await e.init();
  try {
    return await e.swapDetailed({ source, target });
  } finally {
    await e.close();
  }
}
