// The face mask: where the swapped face may replace the template. It starts from the warped
// mesh coverage, then gives back to the template what should stay the template's — the open
// mouth's interior (teeth), and hair or anything else that covers the face's outer band — and
// finally feathers inward so its value is exactly 0 on and outside the hard edge.
import { boxBlur, convexHull, downsample, downsampleWeighted, fillPolygon, growPolygon, upsample } from './raster.ts';
import { BROW_LEFT, BROW_RIGHT, EYE_LEFT, EYE_RIGHT, FEATURES, LIPS_INNER, LIPS_OUTER, mouthOpenness, pick } from './regions.ts';
import { DEFAULT_STRANDS, strandMap, type StrandOptions } from './hair.ts';
import { DEFAULT_GLASSES, glassesMask, type GlassesOptions } from './glasses.ts';
import { shadedSkinDistance, skinDistance, type SkinModel } from './skin.ts';
import type { Roi } from './warp.ts';

export interface MaskOptions {
  /** Feather width as a fraction of face width. */
  feather: number;
  /** Inner-lip opening (fraction of mouth width) above which the mouth counts as open (reported). */
  mouthOpenKeep: number;
  /** Skin distance above which an outer-band pixel counts as hair/occluder (0 disables). */
  occluderThreshold: number;
  /** Triangle enlargement (vs the median) from which the template shows through; 0 disables. */
  maxStretch: number;
  /** Mouth-openness difference above which the template's lips are kept (no stretched mouth). */
  mouthMismatch: number;
  /**
   * 1: only occluder pixels connected to the mask's outer edge are kept (hair and hands come from
   * outside the face; the template's brows or a mole inside it are not occluders). 0: every one.
   */
  occluderFromEdge: number;
  /** Skin distance (in both images) under which a pixel feeds the colour statistics and blend edge; 0 = every plain pixel. */
  statsThreshold: number;
  /**
   * The forehead fades to the template's: alpha goes from full at this share of the forehead's
   * height (brows' top = 0, the mesh's top, point 10, = 1) ... */
  foreheadFrom: number;
  /** ... to 0 at this share (0 = off: the mesh's edge across the forehead is the mask's). */
  foreheadTo: number;
  /** 1: the template's beard/stubble (non-skin below the eyes, reaching in from the edge) stays. */
  keepBeard: number;
  /** Hair strands of the source found by texture (hair.ts); `energy: 0` = off. */
  strands: StrandOptions;
  /** The template's glasses rims stay (glasses.ts); `contrast: 0` = off. */
  glasses: GlassesOptions;
}

export const DEFAULT_MASK: MaskOptions = { feather: 0.03, mouthOpenKeep: 0.07, occluderThreshold: 5.5, maxStretch: 6, mouthMismatch: 1, occluderFromEdge: 1, statsThreshold: 2.5, foreheadFrom: 0.2, foreheadTo: 1, keepBeard: 1, strands: DEFAULT_STRANDS, glasses: DEFAULT_GLASSES };

export interface FaceMask {
  /** 0..1 blend weight; exactly 0 outside the hard mask. */
  alpha: Float32Array;
  /** Weight for colour statistics: plain face pixels in both images (no keeps, no occluders). */
  skin: Float32Array;
  /** Weight for the lightness statistics: `skin`, plus shadowed template pixels over the source's skin. */
  light: Float32Array;
  /** Pixels that may hold Dirichlet samples for the blend: covered, plain skin in both images. */
  ring: Uint8Array;
  keptMouth: boolean;
  /** The template wears glasses, and their rims were kept. */
  keptGlasses: boolean;
  /** The template's lips were kept because the two expressions differ. */
  keptLips: boolean;
  /** Share of the face's outer band given back to the template as occluder/hair. */
  occludedShare: number;
}

export interface MaskInput {
  roi: Roi;
  cover: Uint8Array;
  stretch?: Float32Array;
  dstMesh: ArrayLike<number>[];
  targetMesh: ArrayLike<number>[];
  /** Source mesh in the source image (only its mouth openness is used). */
  sourceMesh?: ArrayLike<number>[];
  targetLab: [Float32Array, Float32Array, Float32Array];
  sourceLab: [Float32Array, Float32Array, Float32Array];
  targetSkin: SkinModel;
  sourceSkin: SkinModel;
  faceW: number;
  opts: MaskOptions;
}

export function buildMask(args: MaskInput): FaceMask {
  const { roi, cover, dstMesh, targetLab, sourceLab, targetSkin, sourceSkin, faceW, opts } = args;
  const { w, h, x0, y0 } = roi;
  const n = w * h;
  const local = (pts: [number, number][]) => pts.map(([x, y]) => [x - x0, y - y0] as [number, number]);

  // The mesh triangulation leaves the mouth opening uncovered: that interior is always the
  // template's. It is filled here so that the wide outer feather does not eat the lips around it.
  const mouth = new Uint8Array(n);
  fillPolygon(mouth, w, h, growPolygon(local(pick(args.targetMesh, LIPS_INNER)), 0.004 * faceW), 1);
  const keptMouth = mouthOpenness(args.targetMesh) > opts.mouthOpenKeep;
  // Expressions differ (a grin onto a closed mouth, or the reverse): the source's lips would be
  // squashed or stretched, so the template's lips stay too, behind a wider feather.
  const lips = new Uint8Array(n);
  const keptLips = !!args.sourceMesh && Math.abs(mouthOpenness(args.sourceMesh) - mouthOpenness(args.targetMesh)) > opts.mouthMismatch;
  if (keptLips) fillPolygon(lips, w, h, growPolygon(local(pick(args.targetMesh, LIPS_OUTER)), 0.005 * faceW), 1);

  // Erode coverage a little: the outermost mesh ring sits on the jaw/forehead edge.
  const cov = new Float32Array(n);
  for (let i = 0; i < n; i++) cov[i] = cover[i] || mouth[i];
  const erodeR = Math.max(1, Math.round(0.015 * faceW));
  const covBlur = boxBlur(cov, w, h, erodeR);
  const hard = new Float32Array(n);
  for (let i = 0; i < n; i++) hard[i] = covBlur[i] > 0.999 ? 1 : 0;

  // The features' hull (eyes, brows, nose, lips) is always the source's.
  const features = new Uint8Array(n);
  fillPolygon(features, w, h, growPolygon(convexHull(local(pick(dstMesh, FEATURES))), 0.04 * faceW), 1);

  // The eyes, brows and lips themselves (the source's where they land, and the template's): never
  // statistics of skin, in either image. The nose and the skin between them are.
  const parts = new Uint8Array(n);
  for (const mesh of [dstMesh, args.targetMesh]) {
    for (const ids of [EYE_LEFT, EYE_RIGHT, BROW_LEFT, BROW_RIGHT]) fillPolygon(parts, w, h, growPolygon(convexHull(local(pick(mesh, ids))), 0.02 * faceW), 1);
    fillPolygon(parts, w, h, growPolygon(local(pick(mesh, LIPS_OUTER)), 0.01 * faceW), 1);
  }

  // Occluders: in the outer band, pixels that are not skin in the template (its hair, a hand)
  // or not skin in the warped source (the source's fringe) stay the template's.
  const occ = new Float32Array(n);
  let band = 0;
  let occluded = 0;
  // Hair and fringes come from above: test only above the eye line (beards and stubble below it
  // are part of the face we replace).
  const m = args.targetMesh;
  const ux = m[10][0] - m[152][0];
  const uy = m[10][1] - m[152][1];
  const ul = Math.hypot(ux, uy) || 1;
  const ex = (m[33][0] + m[263][0]) / 2 - x0;
  const ey = (m[33][1] + m[263][1]) / 2 - y0;
  // Skin in both images (for colour statistics and blend edge samples): a beard, brows, lips or
  // a shadow on one image only must not pull the colour match or the edge correction.
  const bothSkin = new Uint8Array(n);
  const lightOnly = new Uint8Array(n);
  const statThr = opts.statsThreshold > 0 ? opts.statsThreshold : Infinity;
  for (let i = 0; i < n; i++) {
    if (!cover[i]) continue;
    const dt = skinDistance(targetSkin, targetLab[0][i], targetLab[1][i], targetLab[2][i]);
    const ds = skinDistance(sourceSkin, sourceLab[0][i], sourceLab[1][i], sourceLab[2][i]);
    // The source's skin under a coloured light (a blue-lit cheek) is skin too: not darker than its
    // skin (hair, beard and brows are), whatever its chroma.
    const sSkinny = ds <= statThr || shadedSkinDistance(sourceSkin, sourceLab[0][i], sourceLab[1][i], sourceLab[2][i]) <= statThr || sourceLab[0][i] >= sourceSkin.mean[0] - 2 * sourceSkin.spread[0];
    if (dt <= statThr && ds <= statThr) bothSkin[i] = 1;
    // Lightness and colour are carried by any template pixel over the source's skin outside the
    // eyes, brows and lips, however dark (a deep shadow on a side-lit template) or tinted (a
    // source's cheek or nose under a coloured light); hair and beard are excluded below.
    else if (sSkinny && !parts[i] && shadedSkinDistance(targetSkin, targetLab[0][i], targetLab[1][i], targetLab[2][i]) <= 2 * statThr) lightOnly[i] = 1;
    if (opts.occluderThreshold <= 0 || !hard[i] || features[i]) continue;
    const px = (i % w) + 0.5 - ex;
    const py = ((i / w) | 0) + 0.5 - ey;
    const up = (px * ux + py * uy) / ul;
    if (up >= 0) {
      band++;
      if (dt > opts.occluderThreshold || ds > opts.occluderThreshold) occ[i] = 1;
    } else if (ds > opts.occluderThreshold || (opts.keepBeard && dt > opts.occluderThreshold)) {
      // Below the eyes, what reaches in from the edge and is not skin stays the template's: the
      // source's long hair or a microphone at its chin, and the template's beard or stubble (its
      // styling; the source's smooth skin over it reads as painted).
      occ[i] = 1;
    }
  }
  if (opts.occluderThreshold > 0 && opts.strands.energy > 0) {
    // The source's strands of hair, found by texture (blonde or grey hair over pale skin passes
    // the colour test): reaching in from the edge, they stay the template's too.
    const strands = strandMap(sourceLab[0], cover, bothSkin, w, h, faceW, opts.strands);
    for (let i = 0; i < n; i++) if (strands[i] && hard[i] && !features[i]) occ[i] = 1;
  }
  if (opts.occluderThreshold > 0) {
    // Close small gaps and drop specks: smooth, then threshold.
    const sm = boxBlur(occ, w, h, Math.max(1, Math.round(0.01 * faceW)));
    for (let i = 0; i < n; i++) occ[i] = sm[i] > 0.45 && !features[i] ? 1 : 0;
    if (opts.occluderFromEdge) keepConnectedToEdge(occ, hard, w, h);
    for (let i = 0; i < n; i++) if (occ[i] && hard[i]) occluded++;
  }

  // The template's glasses: rims and bridge stay, through the features' hull (the eyes behind
  // the lenses are the source's).
  const glasses = glassesMask(targetLab[0], cover, w, h, args.targetMesh.map((p) => [p[0] - x0, p[1] - y0]), faceW, opts.glasses);
  if (glasses) for (let i = 0; i < n; i++) if (glasses[i]) occ[i] = 1;

  // Feather inward: erode by r, then blur by r (support r), so alpha is 0 wherever the mask is 0.
  // The outer edge gets a wide ramp; the kept holes (mouth, hair) a narrow one, so the lips
  // around an open mouth stay the source's.
  const outer = feather(hard, w, h, Math.max(1, Math.round(opts.feather * faceW)));
  const holes = new Float32Array(n);
  for (let i = 0; i < n; i++) holes[i] = mouth[i] || occ[i] ? 0 : 1;
  const inner = featherHoles(holes, w, h, Math.max(1, Math.round(0.012 * faceW)));
  let lipsKeep: Float32Array | undefined;
  if (keptLips) {
    const notLips = new Float32Array(n);
    for (let i = 0; i < n; i++) notLips[i] = lips[i] ? 0 : 1;
    lipsKeep = featherHoles(notLips, w, h, Math.max(1, Math.round(0.02 * faceW)));
  }
  // Smeared areas (far side of a turned source) fade to the template: smooth the weight so the
  // fade is gradual, and it can only lower alpha (never above 0 where the mask is 0).
  let keepSmear: Float32Array | undefined;
  if (args.stretch && opts.maxStretch > 0) {
    const lo = opts.maxStretch / 1.6;
    const wgt = new Float32Array(n);
    let any = false;
    for (let i = 0; i < n; i++) {
      const st = args.stretch[i];
      wgt[i] = !cover[i] ? 1 : st <= lo ? 1 : st >= opts.maxStretch ? 0 : (opts.maxStretch - st) / (opts.maxStretch - lo);
      if (wgt[i] < 1) any = true;
    }
    // Most pairs have no smeared triangle: skip the blurs then.
    if (any) keepSmear = boxBlur(boxBlur(wgt, w, h, Math.round(0.03 * faceW)), w, h, Math.round(0.03 * faceW));
  }
  // The upper forehead and hairline stay the template's, over a wide ramp on plain forehead skin:
  // a source's fringe, receding hairline or bald scalp never shows, and the transition lies where
  // the edge correction (blend) can match the tone, not along the hairline.
  let forehead: ((i: number) => number) | undefined;
  if (opts.foreheadTo > opts.foreheadFrom) {
    let browTop = -Infinity;
    for (const mesh of [dstMesh, m]) {
      for (const id of [...BROW_LEFT, ...BROW_RIGHT]) {
        const up = ((mesh[id][0] - x0 - ex) * ux + (mesh[id][1] - y0 - ey) * uy) / ul;
        if (up > browTop) browTop = up;
      }
    }
    const top = Math.max(...[dstMesh, m].map((mesh) => ((mesh[10][0] - x0 - ex) * ux + (mesh[10][1] - y0 - ey) * uy) / ul));
    const height = Math.max(1, top - browTop);
    const from = browTop + opts.foreheadFrom * height;
    const span = (opts.foreheadTo - opts.foreheadFrom) * height;
    forehead = (i) => {
      const up = (((i % w) + 0.5 - ex) * ux + (((i / w) | 0) + 0.5 - ey) * uy) / ul;
      const t = Math.min(1, Math.max(0, (up - from) / span));
      return 1 - t * t * (3 - 2 * t);
    };
  }
  const alpha = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    if (mouth[i] || occ[i]) hard[i] = 0;
    if (lips[i]) hard[i] = 0;
    alpha[i] = hard[i] ? outer[i] * inner[i] * (keepSmear ? keepSmear[i] : 1) * (lipsKeep ? lipsKeep[i] : 1) * (forehead ? forehead(i) : 1) : 0;
  }

  const skin = new Float32Array(n);
  const light = new Float32Array(n);
  const ring = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const plain = cover[i] && bothSkin[i] && !occ[i] && !mouth[i] && !lips[i] ? 1 : 0;
    skin[i] = plain && hard[i] ? 1 : 0;
    light[i] = skin[i] || (cover[i] && hard[i] && lightOnly[i] && !occ[i] && !mouth[i] && !lips[i]) ? 1 : 0;
    ring[i] = plain ? 1 : 0;
  }
  return { alpha, skin, light, ring, keptGlasses: !!glasses, keptMouth, keptLips, occludedShare: band ? occluded / band : 0 };
}

/**
 * buildMask() on a copy of the inputs reduced k× (box averages over covered pixels), its planes
 * brought back to full size: the mask is smooth where it is soft, and its hard edges are the
 * coverage's, re-applied at full resolution, so alpha is still exactly 0 wherever the warped face
 * is not. Most of the mask's cost scales with the pixels: k = 2 quarters it.
 */
export function buildMaskAt(args: MaskInput, k: number): FaceMask {
  if (k <= 1) return buildMask(args);
  const { roi, cover } = args;
  const { w, h } = roi;
  const n = w * h;
  const coverF = new Float32Array(n);
  for (let i = 0; i < n; i++) coverF[i] = cover[i];
  const c = downsample(coverF, w, h, k);
  const lw = c.w, lh = c.h;
  const coverLow = new Uint8Array(lw * lh);
  for (let i = 0; i < coverLow.length; i++) coverLow[i] = c.data[i] > 0.999 ? 1 : 0;
  const mean = (plane: Float32Array) => {
    const d = downsampleWeighted(plane, coverF, w, h, k);
    for (let i = 0; i < d.length; i++) d[i] = c.data[i] > 0 ? d[i] / c.data[i] : 0;
    return d;
  };
  const lab = (p: [Float32Array, Float32Array, Float32Array]) => [mean(p[0]), mean(p[1]), mean(p[2])] as [Float32Array, Float32Array, Float32Array];
  const scale = (m: ArrayLike<number>[]) => m.map((p) => [(p[0] - roi.x0) / k, (p[1] - roi.y0) / k]);
  const low = buildMask({
    ...args,
    roi: { ...roi, x0: 0, y0: 0, w: lw, h: lh },
    cover: coverLow,
    stretch: args.stretch && downsample(args.stretch, w, h, k).data,
    dstMesh: scale(args.dstMesh),
    targetMesh: scale(args.targetMesh),
    targetLab: lab(args.targetLab),
    sourceLab: lab(args.sourceLab),
    faceW: args.faceW / k,
  });
  const up = (p: Float32Array) => upsample(p, lw, lh, k, w, h);
  const alpha = up(low.alpha);
  for (let i = 0; i < n; i++) alpha[i] = cover[i] && alpha[i] > 1e-3 ? Math.min(1, alpha[i]) : 0;
  const binary = (p: Float32Array | Uint8Array) => {
    const f = up(Float32Array.from(p));
    for (let i = 0; i < n; i++) f[i] = cover[i] && f[i] > 0.5 ? 1 : 0;
    return f;
  };
  return { ...low, alpha, skin: binary(low.skin), light: binary(low.light), ring: Uint8Array.from(binary(low.ring)) };
}

/**
 * Keeps only the parts of `occ` (inside `hard`) that touch the hard mask's outside (4-connected):
 * hair, hats and hands reach into the face from its edge; brows and moles do not.
 */
export function keepConnectedToEdge(occ: Float32Array, hard: Float32Array, w: number, h: number): void {
  const n = w * h;
  const seen = new Uint8Array(n);
  const queue = new Int32Array(n);
  let qe = 0;
  for (let i = 0; i < n; i++) {
    if (!occ[i] || !hard[i]) continue;
    const x = i % w;
    const y = (i / w) | 0;
    const edge = x === 0 || y === 0 || x === w - 1 || y === h - 1 || !hard[i - 1] || !hard[i + 1] || !hard[i - w] || !hard[i + w];
    if (edge) {
      seen[i] = 1;
      queue[qe++] = i;
    }
  }
  for (let qs = 0; qs < qe; qs++) {
    const i = queue[qs];
    const x = i % w;
    const cand = [x > 0 ? i - 1 : -1, x < w - 1 ? i + 1 : -1, i - w, i + w];
    for (const j of cand) {
      if (j < 0 || j >= n || seen[j] || !occ[j] || !hard[j]) continue;
      seen[j] = 1;
      queue[qe++] = j;
    }
  }
  for (let i = 0; i < n; i++) if (occ[i] && hard[i] && !seen[i]) occ[i] = 0;
}

/** Erode by r then box-blur with total support r: a ramp that is exactly 0 where `m` is 0. */
export function feather(m: Float32Array, w: number, h: number, r: number): Float32Array {
  const eroded = boxBlur(m, w, h, r);
  for (let i = 0; i < eroded.length; i++) eroded[i] = eroded[i] > 0.999 ? 1 : 0;
  const half = Math.max(1, r >> 1);
  const out = r - half > 0 ? boxBlur(boxBlur(eroded, w, h, half), w, h, r - half) : boxBlur(eroded, w, h, half);
  for (let i = 0; i < out.length; i++) if (!m[i]) out[i] = 0;
  return out;
}

/**
 * feather() for a field of ones with small holes (mouth, lips, hair patches): only the holes'
 * bounding box, grown by 2r, can differ from 1, so only that window (grown by 3r: the blur
 * normalises by its in-window count) is computed.
 */
export function featherHoles(m: Float32Array, w: number, h: number, r: number): Float32Array {
  let x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (m[y * w + x]) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  const out = new Float32Array(w * h).fill(1);
  if (x1 < 0) return out;
  const pad = 3 * r + 2;
  x0 = Math.max(0, x0 - pad);
  y0 = Math.max(0, y0 - pad);
  x1 = Math.min(w - 1, x1 + pad);
  y1 = Math.min(h - 1, y1 + pad);
  const cw = x1 - x0 + 1;
  const ch = y1 - y0 + 1;
  const win = new Float32Array(cw * ch);
  for (let y = 0; y < ch; y++) for (let x = 0; x < cw; x++) win[y * cw + x] = m[(y0 + y) * w + x0 + x];
  // The window's own border is all ones but the box blur treats the border as an edge: pad
  // keeps the holes 3r + 2 away from it, so the result inside equals the full-size one.
  const f = feather(win, cw, ch, r);
  for (let y = 0; y < ch; y++) for (let x = 0; x < cw; x++) out[(y0 + y) * w + x0 + x] = f[y * cw + x];
  return out;
}
