// The swap itself, after analysis: warp ▸ mask (keeps) ▸ colour (+ shading, style) ▸ blend ▸
// texture ▸ enhance, on a region of interest around the template's face. Pixels outside the mask
// are never written.
import type { Face } from './analyse.ts';
import type { RgbImage } from './image.ts';
import { buildMaskAt, DEFAULT_MASK, type MaskOptions } from './mask.ts';
import { DEFAULT_COLOUR, matchColour, type ColourOptions } from './colour.ts';
import { DEFAULT_BLEND, membrane, multiband, type BlendOptions } from './blend.ts';
import { DEFAULT_ENHANCE, enhance, type EnhanceOptions } from './enhance.ts';
import { DEFAULT_TEXTURE, matchTexture, type TextureOptions, type TextureReport } from './texture.ts';
import { labToRgb, rgbToLab } from './raster.ts';
import { FACE_OVAL, faceWidth, LIPS_INNER, LIPS_OUTER } from './regions.ts';
import { fitSimilarity3d } from './similarity3d.ts';
import { meshNormals } from './shading.ts';
import { applyStyle, DEFAULT_STYLE, type StyleOptions } from './style.ts';
import { skinModel } from './skin.ts';
import { cropFloat, roiAround, warpTriangles, type Roi } from './warp.ts';
import { scratch } from './scratch.ts';

export interface SwapOptions {
  /** 0 = the template's face shape, 1 = the source's inner proportions (eyes, nose, mouth layout). */
  identityShape: number;
  mask: MaskOptions;
  colour: ColourOptions;
  blend: BlendOptions;
  /** The template's make-up over the user's features ('template', default) or the user's own. */
  style: StyleOptions;
  texture: TextureOptions;
  enhance: EnhanceOptions;
}

export const DEFAULT_SWAP: SwapOptions = {
  // 0.7: faceres retrieval 72.5 → 80 % on the tune split (40 pairs) for +0.2° pose error; 1.0 gained no more.
  identityShape: 0.7,
  mask: DEFAULT_MASK,
  colour: DEFAULT_COLOUR,
  // The edge correction fades out over the outer band and ignores outlying edge samples: the
  // inner face is the colour-matched source itself. multiband 0.05 (tune split, 40 pairs): seam
  // colour step excess 0.64 → 0.39 ΔE, tone step to neck / sides 5.97 / 5.51 → 4.85 / 4.70 ΔE,
  // retrieval unchanged (faceres 80 %, face-api 90 %); 0.03 and 0.08 gained less.
  blend: { ...DEFAULT_BLEND, band: 0.15, outlier: 18, multiband: 0.05 },
  style: DEFAULT_STYLE,
  texture: DEFAULT_TEXTURE,
  // Smoothing made the face cleaner than the hair and neck around it, a fault blind reviewers
  // named; the texture stage matches the template's grain instead. Still a knob.
  enhance: { ...DEFAULT_ENHANCE, strength: 0 },
};

export interface SwapOutput {
  image: RgbImage;
  roi: Roi;
  /** Blend weight over the ROI; 0 = template pixel untouched. */
  alpha: Float32Array;
  keptMouth: boolean;
  /** The template's glasses rims were kept. */
  keptGlasses: boolean;
  keptLips: boolean;
  occludedShare: number;
  texture: TextureReport;
  timings: Record<string, number>;
}

/** Any part of the stage options, at any depth (WANXING_SWAP_OPTIONS, createDefaultEngine({ swap })). */
export type SwapOptionsPatch = { [K in keyof SwapOptions]?: SwapOptions[K] extends object ? Partial<SwapOptions[K]> | { [k: string]: unknown } : SwapOptions[K] };

/**
 * The stage options with `patches` laid over `base` key by key, at every depth. A key the options
 * do not have, or a value of another type than the default's, is an error naming its path: a
 * misspelt knob must not be silently ignored.
 */
export function mergeSwapOptions(base: SwapOptions, ...patches: (SwapOptionsPatch | Record<string, unknown> | undefined)[]): SwapOptions {
  let out = base as unknown as Record<string, unknown>;
  for (const p of patches) if (p) out = mergeInto(out, p as Record<string, unknown>, 'swap');
  return out as unknown as SwapOptions;
}

function mergeInto(base: Record<string, unknown>, patch: Record<string, unknown>, at: string): Record<string, unknown> {
  const out = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    const path = `${at}.${k}`;
    if (!(k in base)) throw new Error(`unknown engine option ${path} (docs/ENGINE.md, Options)`);
    const b = base[k];
    const isObj = (x: unknown) => typeof x === 'object' && x !== null && !Array.isArray(x);
    if (isObj(b)) {
      if (!isObj(v)) throw new Error(`engine option ${path}: expected an object, got ${JSON.stringify(v)}`);
      out[k] = mergeInto(b as Record<string, unknown>, v as Record<string, unknown>, path);
    } else if (typeof v !== typeof b) {
      throw new Error(`engine option ${path}: expected a ${typeof b}, got ${JSON.stringify(v)}`);
    } else out[k] = v;
  }
  return out;
}

const now = () => performance.now();

/** Face width (px) the mask is computed at; larger faces take it at 1/2, 1/3 … of their size. */
const MASK_WORK_FW = 240;

export function swapFace(
  source: { img: RgbImage; face: Face },
  target: { img: RgbImage; face: Face },
  triangulation: ArrayLike<number>,
  opts: SwapOptions = DEFAULT_SWAP,
): SwapOutput {
  const timings: Record<string, number> = {};
  let t = now();
  const tMesh = target.face.mesh.slice(0, 468);
  const sMesh = source.face.mesh.slice(0, 468);
  const dst = destinationMesh(sMesh, tMesh, opts.identityShape);
  const fw = faceWidth(tMesh);
  const roi = roiAround(dst, target.img.width, target.img.height, Math.round(0.08 * fw) + 4);
  const n = roi.w * roi.h;
  const warped = warpTriangles(source.img, sMesh, dst, triangulation, roi, { rgb: scratch.f32('warp.rgb', n * 3), cover: scratch.u8('warp.cover', n), stretch: scratch.f32('warp.stretch', n) });
  const tgt = cropFloat(target.img, roi, scratch.f32('template.rgb', n * 3));
  timings.warp = now() - t;

  t = now();
  // Lab only where the warped face is: the rest of the ROI is never blended.
  const sLab = rgbToLab(warped.rgb, n, warped.cover, [scratch.f32('source.L', n), scratch.f32('source.a', n), scratch.f32('source.b', n)]);
  const tLab = rgbToLab(tgt, n, warped.cover, [scratch.f32('template.L', n), scratch.f32('template.a', n), scratch.f32('template.b', n)]);
  const radius = 0.02 * fw;
  const tSkin = skinModel(tLab, roi.w, roi.h, tMesh, roi.x0, roi.y0, radius);
  const sSkin = skinModel(sLab, roi.w, roi.h, dst, roi.x0, roi.y0, radius);
  // The mask is computed at most ~240 px across the face (MASK_WORK_FW) and brought back up.
  const mask = buildMaskAt({ roi, cover: warped.cover, stretch: warped.stretch, dstMesh: dst, targetMesh: tMesh, sourceMesh: sMesh, targetLab: tLab, sourceLab: sLab, targetSkin: tSkin, sourceSkin: sSkin, faceW: fw, opts: opts.mask }, Math.max(1, Math.round(fw / MASK_WORK_FW)));
  timings.mask = now() - t;

  t = now();
  const geometry = {
    pos: dst.map(([x, y]) => [x - roi.x0, y - roi.y0]),
    tri: triangulation,
    targetNormals: meshNormals(tMesh, triangulation),
    sourceNormals: meshNormals(sMesh, triangulation),
  };
  matchColour(sLab, tLab, mask.skin, roi.w, roi.h, fw, opts.colour, mask.light, geometry, warped.cover);
  applyStyle(sLab, tLab, warped.cover, roi, dst, tMesh, fw, opts.style);
  // Into the warped buffer (its RGB is spent; outside the cover it stays 0): one 5 MB allocation less.
  const src = labToRgb(sLab[0], sLab[1], sLab[2], warped.rgb, warped.cover);
  timings.colour = now() - t;

  t = now();
  membrane(src, tgt, mask.alpha, mask.ring, roi.w, roi.h, fw, opts.blend, src);
  timings.blend = now() - t;

  t = now();
  const texture = matchTexture(src, tgt, mask.alpha, mask.skin, roi.w, roi.h, fw, opts.texture);
  timings.texture = now() - t;

  t = now();
  enhance(src, mask.skin, roi.w, roi.h, fw, opts.enhance);
  timings.enhance = now() - t;

  // The composite, after the two-band transition at the skin edge (counted here).
  t = now();
  if (opts.blend.multiband) multiband(src, tgt, mask.alpha, mask.ring, roi.w, roi.h, fw, opts.blend.multiband);
  const out = composite(target.img, roi, tgt, src, mask.alpha);
  timings.composite = now() - t;
  return {
    image: { ...target.img, data: out },
    roi,
    alpha: mask.alpha,
    keptMouth: mask.keptMouth,
    keptGlasses: mask.keptGlasses,
    keptLips: mask.keptLips,
    occludedShare: mask.occludedShare,
    texture,
    timings,
  };
}

/**
 * The template with tgt + alpha·(src − tgt) written over the ROI, where alpha > 0 only. Each row
 * in a function of its own (as every per-pixel loop here): inside swapFace, called once a swap,
 * the loop never stayed optimised.
 */
function composite(img: RgbImage, roi: Roi, tgt: Float32Array, src: Float32Array, alpha: Float32Array): Uint8Array {
  const out = new Uint8Array(img.data);
  for (let y = 0; y < roi.h; y++) compositeRow(out, ((roi.y0 + y) * img.width + roi.x0) * 3, tgt, src, alpha, y * roi.w, roi.w);
  return out;
}

function compositeRow(out: Uint8Array, o: number, tgt: Float32Array, src: Float32Array, alpha: Float32Array, row: number, w: number): void {
  for (let x = 0, i = row; x < w; x++, i++, o += 3) {
    const a = alpha[i];
    if (!(a > 0)) continue; // never touch pixels outside the mask
    for (let k = 0; k < 3; k++) {
      const v = tgt[i * 3 + k] + a * (src[i * 3 + k] - tgt[i * 3 + k]);
      out[o + k] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
    }
  }
}

/**
 * Where the source's mesh points land in the template. The oval stays the template's (so the face
 * fits the head and pose); inner points move toward the source's own layout, brought into the
 * template's head pose by a least-squares 3-D similarity transform, by `identity` (0..1).
 */
export function destinationMesh(sMesh: ArrayLike<number>[], tMesh: ArrayLike<number>[], identity: number): [number, number][] {
  const dst = tMesh.map((p) => [p[0], p[1]] as [number, number]);
  if (identity <= 0) return dst;
  // The source in the template's head pose (3-D fit over everything but the lips, whose opening is
  // expression): what is left between the two meshes is proportions, not pose.
  const lips = new Set([...LIPS_INNER, ...LIPS_OUTER]);
  const posed = fitSimilarity3d(sMesh, tMesh, tMesh.map((_, i) => i).filter((i) => !lips.has(i)));
  const oval = new Set(FACE_OVAL);
  // Weight falls off toward the oval: distance from the face centre relative to the oval's.
  const cx = tMesh.reduce((s, p) => s + p[0], 0) / tMesh.length;
  const cy = tMesh.reduce((s, p) => s + p[1], 0) / tMesh.length;
  let ovalR = 0;
  for (const i of FACE_OVAL) ovalR += Math.hypot(tMesh[i][0] - cx, tMesh[i][1] - cy);
  ovalR /= FACE_OVAL.length;
  const weight = (i: number) => identity * Math.max(0, Math.min(1, (1 - Math.hypot(tMesh[i][0] - cx, tMesh[i][1] - cy) / ovalR) / 0.35));
  // The mouth moves as a whole (where it sits is identity) and keeps the template's shape.
  let mx = 0, my = 0;
  for (const i of LIPS_OUTER) {
    const [sx, sy] = posed(sMesh[i]);
    mx += (weight(i) * (sx - tMesh[i][0])) / LIPS_OUTER.length;
    my += (weight(i) * (sy - tMesh[i][1])) / LIPS_OUTER.length;
  }
  for (let i = 0; i < dst.length; i++) {
    if (oval.has(i)) continue;
    if (lips.has(i)) {
      dst[i] = [dst[i][0] + mx, dst[i][1] + my];
      continue;
    }
    const wgt = weight(i);
    const [sx, sy] = posed(sMesh[i]);
    dst[i] = [dst[i][0] + wgt * (sx - dst[i][0]), dst[i][1] + wgt * (sy - dst[i][1])];
  }
  return dst;
}
