// The swap itself, after analysis: warp ▸ mask (keeps) ▸ colour (+ shading, style) ▸ blend ▸
// texture ▸ enhance, on a region of interest around the template's face. Pixels outside the mask
// are never written.
import type { Face } from './analyse.ts';
import type { RgbImage } from './image.ts';
import { fillTemplateBrows } from './brows.ts';
import { drawBrowStrands, holdBrowChroma } from './browhair.ts';
import { buildMaskAt, DEFAULT_MASK, type MaskOptions } from './mask.ts';
import { DEFAULT_COLOUR, matchColour, type ColourOptions } from './colour.ts';
import { DEFAULT_BLEND, membrane, multiband, type BlendOptions } from './blend.ts';
import { DEFAULT_ENHANCE, enhance, type EnhanceOptions } from './enhance.ts';
import { DEFAULT_TEXTURE, matchTexture, type TextureOptions, type TextureReport } from './texture.ts';
import { convexHull, fillPolygon, gaussBlur, growPolygon, labToRgb, rgbToLab } from './raster.ts';
import { BROW_LEFT, BROW_RIGHT, EYE_LEFT, EYE_RIGHT, FACE_OVAL, faceWidth, LIPS_INNER, LIPS_OUTER, pick } from './regions.ts';
import { fitSimilarity3d } from './similarity3d.ts';
import { meshNormals } from './shading.ts';
import { eyeShare, facialOpenness, greyness, keepTemplateEyes, matchEyeWhites, snapshotEyes, squintWeight } from './eyes.ts';
import { matchNostrils } from './nostrils.ts';
import { matchNoseLine } from './noseline.ts';
import { smoothMottle } from './mottle.ts';
import { applyStyle, DEFAULT_STYLE, type StyleOptions } from './style.ts';
import { skinModel } from './skin.ts';
import { cropFloat, LIPS_MID, roiAround, triangleStretch, warpTriangles, type Roi } from './warp.ts';
import { scratch } from './scratch.ts';
import { handPlane, plausibleHands } from './hands.ts';

/** How the source's proportions are placed in the template (destinationMesh); all off = the old mesh. */
export interface GeometryOptions {
  /**
   * Human's mesh z is in the mesh model's 192-px crop units, not image pixels, so its depth/width
   * ratio depends on the face's size in the photo and the 3-D pose fit under-rotates. > 0: z is
   * scaled to depthScale × faceWidth / 100 per mesh before the fit (0.9 fits best); 0 = raw z.
   */
  depthScale: number;
  /**
   * 0..1: how much of the vertical placement comes from the depth-scaled fit (the rest from the raw
   * one). Pitch and the source's vertical proportions (a longer nose) look alike to the fit; yaw and
   * its left-right layout do not. 1 = all (only with depthScale > 0).
   */
  depthVertical: number;
  /**
   * 1: no destination triangle flips or collapses (< 10 % of its template area): the identity moves
   * of the points of such triangles are shrunk until none does. 0 = off.
   */
  unfold: number;
  /** 0..1: share of the inner block's mean identity shift (its centroid's move) taken back. */
  keepPlacement: number;
  /**
   * 1: where the mesh folds over itself in the template (a turned head: the far cheek and eye
   * behind the nose), the triangle nearest the camera by the template's depth is the one drawn and
   * shaded. 0: list order (the warp kept the first triangle, the shading the last; fragments of the
   * far eye and shards by the nose on templates turned ≳ 18°).
   */
  depthOrder: number;
  /**
   * 0..1: share of the way the lips' two middle rings (LIPS_MID, inside the lips' body) move with
   * the mouth as a whole, as its outer and inner contours do, instead of toward the source's own
   * layout by the identity weight while the contours keep the template's shape: a closed smile into
   * a pout folded the lip triangles across each other (the smeared mouth). 0 = the old mesh.
   */
  lipRings: number;
  /**
   * lipRings' gate per pair: r = the lip body's triangles' mean anisotropy (geometric mean of σ1/σ2
   * of the source → destination map, unflipped triangles) with the middle rings at the source's
   * layout over that with them moved with the mouth; none below r = lipRingsFrom, all of lipRings
   * from 1.2 × it. 0 = ungated (needs the triangulation).
   */
  lipRingsFrom: number;
}

export const DEFAULT_GEOMETRY: GeometryOptions = { depthScale: 0, depthVertical: 1, unfold: 0, keepPlacement: 0, depthOrder: 1, lipRings: 1, lipRingsFrom: 1.4 };

export interface SwapOptions {
  /** 0 = the template's face shape, 1 = the source's inner proportions (eyes, nose, mouth layout). */
  identityShape: number;
  geometry: GeometryOptions;
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
  geometry: DEFAULT_GEOMETRY,
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

/**
 * The turn colour.edgeLight is gated on: |Δyaw| when the template is the more turned face (its wide
 * near cheek gets the source's foreshortened edge), 0 when the source is (its own far side, stretched,
 * is the stretch fade's; de-lighting it cost identity on the tune split).
 */
export function edgeTurn(sourceYaw: number, targetYaw: number): number {
  return Math.abs(targetYaw) >= Math.abs(sourceYaw) ? Math.abs(targetYaw - sourceYaw) : 0;
}

/**
 * texture.eyeHull's plane over the ROI: per side, the hull of the eye and its brow where the warp
 * put the source's (the destination mesh), grown 3 % of the face width and feathered (σ 1.5 %).
 */
export function eyeHulls(dst: ArrayLike<number>[], roi: Roi, fw: number): Float32Array {
  const plane = new Float32Array(roi.w * roi.h);
  for (const ids of [[...EYE_RIGHT, ...BROW_RIGHT], [...EYE_LEFT, ...BROW_LEFT]]) {
    fillPolygon(plane, roi.w, roi.h, growPolygon(convexHull(pick(dst, ids)), 0.03 * fw).map(([x, y]) => [x - roi.x0, y - roi.y0]), 1);
  }
  return gaussBlur(plane, roi.w, roi.h, Math.max(1, 0.015 * fw));
}

/**
 * ColourOptions.softEyes' weight from the source's eye crispness (undefined: not read, see softEyesMaxWidth,
 * or the knob was off when it was scaled): a smoothstep, whole at softEyesFull, none at softEyesFrom.
 */
export function softEyesWeight(crisp: number | undefined, o: { softEyes: number; softEyesFrom: number; softEyesFull: number }): number {
  if (!(o.softEyes > 0) || crisp === undefined || !(o.softEyesFrom > o.softEyesFull)) return 0;
  const u = Math.min(1, Math.max(0, (o.softEyesFrom - crisp) / (o.softEyesFrom - o.softEyesFull)));
  return Math.min(1, o.softEyes) * u * u * (3 - 2 * u);
}

/**
 * ColourOptions.socketLidSoft's strength for a source with this eye crispness (undefined: not read,
 * a large or shrunk source: 0); × softEyesWeight's smoothstep when socketLidSoftEyes is on.
 */
export function socketLidSoftWeight(crisp: number | undefined, o: { socketLidSoft: number; socketLidSoftEyes: number; softEyesFrom: number; softEyesFull: number }): number {
  if (!(o.socketLidSoft > 0) || crisp === undefined) return 0;
  const s = Math.min(1, o.socketLidSoft);
  return o.socketLidSoftEyes > 0 ? s * softEyesWeight(crisp, { softEyes: 1, softEyesFrom: o.softEyesFrom, softEyesFull: o.softEyesFull }) : s;
}

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
  const dst = destinationMesh(sMesh, tMesh, opts.identityShape, opts.geometry, triangulation);
  const fw = faceWidth(tMesh);
  const roi = roiAround(dst, target.img.width, target.img.height, Math.round(0.08 * fw) + 4);
  const n = roi.w * roi.h;
  const { draw: drawOrder, shade: shadeOrder } = paintOrder(triangulation, tMesh, opts.geometry.depthOrder);
  const warped = warpTriangles(source.img, sMesh, dst, drawOrder, roi, { rgb: scratch.f32('warp.rgb', n * 3), cover: scratch.u8('warp.cover', n), stretch: scratch.f32('warp.stretch', n) });
  const tgt = cropFloat(target.img, roi, scratch.f32('template.rgb', n * 3));
  timings.warp = now() - t;

  t = now();
  // Lab only where the warped face is: the rest of the ROI is never blended.
  const sLab = rgbToLab(warped.rgb, n, warped.cover, [scratch.f32('source.L', n), scratch.f32('source.a', n), scratch.f32('source.b', n)]);
  const tLab = rgbToLab(tgt, n, warped.cover, [scratch.f32('template.L', n), scratch.f32('template.a', n), scratch.f32('template.b', n)]);
  const radius = 0.02 * fw;
  const tSkin = skinModel(tLab, roi.w, roi.h, tMesh, roi.x0, roi.y0, radius);
  // mask.skinTrim: the template's hair test above the eyes, on a model its fringe does not widen.
  const tSkinHair = opts.mask.skinTrim > 0 ? skinModel(tLab, roi.w, roi.h, tMesh, roi.x0, roi.y0, radius, opts.mask.skinTrim) : undefined;
  const sSkin = skinModel(sLab, roi.w, roi.h, dst, roi.x0, roi.y0, radius);
  // The mask is computed at most ~240 px across the face (MASK_WORK_FW) and brought back up.
  // mask.hands: the hands found in either image (the engine sets Face.hands only when it is on).
  const hd = opts.mask.handDetect;
  const hands = opts.mask.hands > 0 ? handPlane(roi, { hands: target.face.hands && plausibleHands(target.face.hands, tMesh, hd) }, { hands: source.face.hands && plausibleHands(source.face.hands, sMesh, hd), mesh: sMesh, width: source.img.width, height: source.img.height }, dst, drawOrder, hd.width) : undefined;
  const mask = buildMaskAt({ ...(hands && { hands }), roi, cover: warped.cover, stretch: warped.stretch, dstMesh: dst, targetMesh: tMesh, sourceMesh: sMesh, targetLab: tLab, sourceLab: sLab, targetSkin: tSkin, ...(tSkinHair && { targetSkinHair: tSkinHair }), sourceSkin: sSkin, faceW: fw, opts: opts.mask }, Math.max(1, Math.round(fw / MASK_WORK_FW)));
  timings.mask = now() - t;

  t = now();
  const geometry = {
    pos: dst.map(([x, y]) => [x - roi.x0, y - roi.y0]),
    tri: shadeOrder,
    targetNormals: meshNormals(tMesh, triangulation),
    sourceNormals: meshNormals(sMesh, triangulation),
  };
  // ColourOptions.squint: each face's eye opening (lid gap / width) and the share of it that is not
  // lid skin, the source's measured on the warped source before the match.
  const sEye = opts.colour.squint > 0 ? { open: facialOpenness(sMesh), share: eyeShare(sLab, warped.cover, roi, dst, fw) } : undefined;
  const tEye = opts.colour.squint > 0 ? { open: facialOpenness(tMesh), share: eyeShare(tLab, warped.cover, roi, tMesh, fw) } : undefined;
  // The eyes' openings keep the source's own chroma, moved by one shift for both eyes
  // (ColourOptions.eyeWhites; off: nothing taken, nothing written).
  const eyeSnap = opts.colour.eyeWhites > 0 ? snapshotEyes(sLab, roi, dst, fw) : undefined;
  // A small, soft source's lids lifted as socketLid does (ColourOptions.socketLidSoft; off: the options as given).
  const lidSoft = socketLidSoftWeight(source.face.eyeCrispness, opts.colour);
  const colourOpts = lidSoft > opts.colour.socketLid ? { ...opts.colour, socketLid: lidSoft, socketLidTolerance: opts.colour.socketLidSoftTolerance } : opts.colour;
  matchColour(sLab, tLab, mask.skin, roi.w, roi.h, fw, colourOpts, mask.light, geometry, warped.cover, opts.colour.edgeLight > 0 ? { stretch: warped.stretch, alpha: mask.alpha, turn: edgeTurn(source.face.angles.yaw, target.face.angles.yaw) } : undefined);
  if (eyeSnap) matchEyeWhites(sLab, warped.cover, roi, dst, fw, eyeSnap, opts.colour.eyeWhites * (1 - greyness(tSkin.mean)));
  // A squinting source onto an open-eyed template: the template's own eyes inside the openings
  // (ColourOptions.squint; off: nothing read or written).
  // A soft, enlarged source's eyes likewise (ColourOptions.softEyes); the larger of the two weights.
  const soft = softEyesWeight(source.face.eyeCrispness, opts.colour);
  const squinting = opts.colour.squint > 0 ? squintWeight(sEye!, tEye!, opts.colour.squint, opts.colour.squintFrom, opts.colour.squintFull, opts.colour.squintMesh) : 0;
  if (opts.colour.squint > 0 || soft > 0) keepTemplateEyes(sLab, tLab, warped.cover, roi, dst, tMesh, fw, Math.max(squinting, soft));
  // The nose's base takes the template's darkness there (ColourOptions.nostrils; off: nothing read or written).
  matchNostrils(sLab, tLab, warped.cover, roi, dst, tMesh, fw, { strength: opts.colour.nostrils, max: opts.colour.nostrilsMax, tolerance: opts.colour.nostrilsTolerance });
  // Thin dark lines round the lower nose no deeper than the template's own (ColourOptions.noseLine; off: nothing read or written).
  matchNoseLine(sLab, tLab, warped.cover, roi, dst, tMesh, fw, { strength: opts.colour.noseLine, radius: opts.colour.noseLineRadius, tolerance: opts.colour.noseLineTolerance, floor: opts.colour.noseLineFloor });
  // The source's blotches on plain skin held to the template's level (ColourOptions.mottle; off: nothing read or written).
  if (opts.colour.mottle > 0) smoothMottle(sLab, tLab, warped.cover, mask.alpha, roi, dst, tMesh, fw, { strength: opts.colour.mottle, tolerance: opts.colour.mottleTolerance, fine: opts.colour.mottleFine, sigma: opts.colour.mottleSigma, chroma: opts.colour.mottleChroma });
  applyStyle(sLab, tLab, warped.cover, roi, dst, tMesh, fw, opts.style);
  // Into the warped buffer (its RGB is spent; outside the cover it stays 0): one 5 MB allocation less.
  const src = labToRgb(sLab[0], sLab[1], sLab[2], warped.rgb, warped.cover);
  timings.colour = now() - t;

  t = now();
  membrane(src, tgt, mask.alpha, mask.ring, roi.w, roi.h, fw, opts.blend, src);
  timings.blend = now() - t;

  t = now();
  // texture.softMedium: the template's medium band for a soft, enlarged source (softEyes' gate).
  const softMedium = opts.texture.softMedium > 0 ? opts.texture.softMedium * softEyesWeight(source.face.eyeCrispness, { softEyes: 1, softEyesFrom: opts.colour.softEyesFrom, softEyesFull: opts.colour.softEyesFull }) : 0;
  const texOpts = softMedium > opts.texture.templateMedium ? { ...opts.texture, templateMedium: softMedium } : opts.texture;
  const texture = matchTexture(src, tgt, mask.alpha, mask.skin, roi.w, roi.h, fw, texOpts, texOpts.eyeHull > 0 || texOpts.eyeHullGain > 0 || texOpts.eyeCoring > 0 ? eyeHulls(dst, roi, fw) : undefined);
  timings.texture = now() - t;

  t = now();
  enhance(src, mask.skin, roi.w, roi.h, fw, opts.enhance);
  timings.enhance = now() - t;
  // The brows' hair held to a real brow's chroma against the skin the result shows
  // (ColourOptions.browChroma), then hair strands drawn into it (TextureOptions.browStrands); off: nothing read or written.
  // Only for a small source shown at its own size or larger (its eye crispness read: softEyesMaxWidth): a large source's brows keep their own hair.
  const small = source.face.eyeCrispness !== undefined;
  if (small) holdBrowChroma(src, warped.cover, roi, dst, fw, opts.colour.browChroma, opts.colour.browChromaRatio);
  if (small) drawBrowStrands(src, warped.cover, roi, dst, fw, opts.texture.browStrands, opts.texture.browStrandsLength);

  // The composite, after the two-band transition at the skin edge (counted here).
  t = now();
  if (opts.blend.multiband) multiband(src, tgt, mask.alpha, mask.ring, roi.w, roi.h, fw, opts.blend.multiband);
  // mask.browFill: the template's brow hairs that still show, painted over with its own skin.
  if (opts.mask.browFill > 0) fillTemplateBrows(tgt, mask.alpha, warped.cover, roi, tMesh, dst, tSkin, fw, opts.mask.feather, opts.mask.browFill, opts.mask.statsThreshold > 0 ? opts.mask.statsThreshold : 2.5);
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
 * `geo` (./GeometryOptions) and the triangulation `tri` (for `unfold`) refine it; all off = as before.
 */
export function destinationMesh(sMesh: ArrayLike<number>[], tMesh: ArrayLike<number>[], identity: number, geo: GeometryOptions = DEFAULT_GEOMETRY, tri?: ArrayLike<number>): [number, number][] {
  const dst = tMesh.map((p) => [p[0], p[1]] as [number, number]);
  if (identity <= 0) return dst;
  // Depth in image pixels, in proportion to each face's width (GeometryOptions.depthScale).
  const depth = (m: ArrayLike<number>[]) => {
    const k = (geo.depthScale * faceWidth(m)) / 100;
    return m.map((p) => [p[0], p[1], (p[2] ?? 0) * k]);
  };
  const sFit = geo.depthScale > 0 ? depth(sMesh) : sMesh;
  const tFit = geo.depthScale > 0 ? depth(tMesh) : tMesh;
  // The source in the template's head pose (3-D fit over everything but the lips, whose opening is
  // expression): what is left between the two meshes is proportions, not pose.
  const lips = new Set([...LIPS_INNER, ...LIPS_OUTER]);
  const fitIds = tMesh.map((_, i) => i).filter((i) => !lips.has(i));
  const posedFit = fitSimilarity3d(sFit, tFit, fitIds);
  const posedRaw = geo.depthScale > 0 && geo.depthVertical < 1 ? fitSimilarity3d(sMesh, tMesh, fitIds) : undefined;
  const v = geo.depthVertical;
  const posed = (i: number): [number, number] => {
    const p = posedFit(sFit[i]);
    if (!posedRaw) return [p[0], p[1]];
    return [p[0], v * p[1] + (1 - v) * posedRaw(sMesh[i])[1]];
  };
  const oval = new Set(FACE_OVAL);
  // GeometryOptions.lipRings: the lips' body (its middle rings) moves with its contours by this share.
  const rings = new Set(geo.lipRings > 0 ? LIPS_MID : []);
  const ringShare = Math.min(1, geo.lipRings);
  const ringHome = new Map<number, [number, number]>();
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
    const [sx, sy] = posed(i);
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
    const [sx, sy] = posed(i);
    if (rings.has(i)) ringHome.set(i, [dst[i][0] + mx, dst[i][1] + my]);
    dst[i] = [dst[i][0] + wgt * (sx - dst[i][0]), dst[i][1] + wgt * (sy - dst[i][1])];
  }
  if (rings.size) {
    const own = new Map([...rings].map((i) => [i, dst[i]]));
    let share = ringShare;
    if (geo.lipRingsFrom > 0 && tri) {
      const home = dst.map((p, i) => ringHome.get(i) ?? p);
      const r = lipAnisotropy(sMesh, dst, tri) / lipAnisotropy(sMesh, home, tri);
      share *= Math.max(0, Math.min(1, (r - geo.lipRingsFrom) / (0.2 * geo.lipRingsFrom)));
    }
    for (const i of rings) {
      const o = own.get(i)!, h = ringHome.get(i)!;
      dst[i] = [o[0] + share * (h[0] - o[0]), o[1] + share * (h[1] - o[1])];
    }
  }
  if (geo.keepPlacement > 0) {
    // The inner block's mean move (each point by its falloff weight), taken back in the same falloff.
    let sx = 0, sy = 0, sw = 0;
    const fall = (i: number) => (oval.has(i) ? 0 : lips.has(i) ? 1 : weight(i) / identity);
    for (let i = 0; i < dst.length; i++) {
      const f = fall(i);
      sx += f * (dst[i][0] - tMesh[i][0]);
      sy += f * (dst[i][1] - tMesh[i][1]);
      sw += f * f;
    }
    if (sw > 0) {
      sx = (geo.keepPlacement * sx) / sw;
      sy = (geo.keepPlacement * sy) / sw;
      for (let i = 0; i < dst.length; i++) dst[i] = [dst[i][0] - fall(i) * sx, dst[i][1] - fall(i) * sy];
    }
  }
  if (geo.unfold > 0 && tri) unfold(dst, tMesh, tri);
  return dst;
}

/** The lips' body (contours and middle rings): geometric mean of σ1/σ2 over its unflipped triangles, source → dst. */
export function lipAnisotropy(src: ArrayLike<number>[], dst: ArrayLike<number>[], tri: ArrayLike<number>): number {
  const body = new Set([...LIPS_OUTER, ...LIPS_INNER, ...LIPS_MID]);
  const { hi, lo } = triangleStretch(src, dst, tri);
  let sum = 0, n = 0;
  for (let t = 0; t < hi.length; t++) {
    if (!(lo[t] > 0) || !body.has(tri[t * 3]) || !body.has(tri[t * 3 + 1]) || !body.has(tri[t * 3 + 2])) continue;
    sum += Math.log(hi[t] / lo[t]);
    n++;
  }
  return n ? Math.exp(sum / n) : 1;
}

/**
 * The triangle lists for the warp (which keeps the first triangle over a pixel) and the shading
 * grid (which keeps the last), so that both take the one nearest the camera where the template's
 * mesh folds (GeometryOptions.depthOrder); 0 = list order for both, as before.
 */
export function paintOrder(tri: ArrayLike<number>, tMesh: ArrayLike<number>[], depthOrder: number): { draw: ArrayLike<number>; shade: ArrayLike<number> } {
  if (!(depthOrder > 0)) return { draw: tri, shade: tri };
  const draw = nearestFirst(tri, tMesh);
  return { draw, shade: reversedTriangles(draw) };
}

/** The triangles (flat index triples) sorted by the mean depth of their corners in `mesh`, nearest the camera (−z) first. */
export function nearestFirst(tri: ArrayLike<number>, mesh: ArrayLike<number>[]): number[] {
  const n = Math.floor(tri.length / 3);
  const depth = new Float64Array(n);
  for (let t = 0; t < n; t++) depth[t] = (mesh[tri[t * 3]][2] ?? 0) + (mesh[tri[t * 3 + 1]][2] ?? 0) + (mesh[tri[t * 3 + 2]][2] ?? 0);
  // Stable: equal depths keep list order, so a flat mesh draws as before.
  const order = Array.from({ length: n }, (_, t) => t).sort((a, b) => depth[a] - depth[b] || a - b);
  const out: number[] = [];
  for (const t of order) out.push(tri[t * 3], tri[t * 3 + 1], tri[t * 3 + 2]);
  return out;
}

function reversedTriangles(tri: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let t = tri.length - 3; t >= 0; t -= 3) out.push(tri[t], tri[t + 1], tri[t + 2]);
  return out;
}

/**
 * No triangle of `dst` flipped or collapsed against the template's: each point's move from the
 * template is scaled by λ ∈ [0, 1], shrunk at the corners of offending triangles until none is left
 * (λ = 0 everywhere is the template's own mesh, so it ends).
 */
function unfold(dst: [number, number][], tMesh: ArrayLike<number>[], tri: ArrayLike<number>): void {
  const n = dst.length;
  const lam = new Float64Array(n).fill(1);
  const dx = dst.map((p, i) => p[0] - tMesh[i][0]);
  const dy = dst.map((p, i) => p[1] - tMesh[i][1]);
  const at = (i: number): [number, number] => [tMesh[i][0] + lam[i]! * dx[i]!, tMesh[i][1] + lam[i]! * dy[i]!];
  const area = (a: ArrayLike<number>, b: ArrayLike<number>, c: ArrayLike<number>) => (b[0] - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (b[1] - a[1]);
  const fw = faceWidth(tMesh);
  const minArea = 1e-5 * fw * fw;
  for (let it = 0; it < 60; it++) {
    let bad = 0;
    for (let t = 0; t + 2 < tri.length; t += 3) {
      const a = tri[t]!, b = tri[t + 1]!, c = tri[t + 2]!;
      if (lam[a] === 0 && lam[b] === 0 && lam[c] === 0) continue;
      const ta = area(tMesh[a], tMesh[b], tMesh[c]);
      if (Math.abs(ta) < minArea) continue; // degenerate in the template: its sign means nothing
      const da = area(at(a), at(b), at(c));
      if (da / ta >= 0.1) continue;
      bad++;
      const k = it < 40 ? 0.75 : 0;
      lam[a] *= k;
      lam[b] *= k;
      lam[c] *= k;
    }
    if (!bad) break;
  }
  for (let i = 0; i < n; i++) dst[i] = at(i);
}
