// The face mask: where the swapped face may replace the template. It starts from the warped
// mesh coverage, then gives back to the template what should stay the template's — the open
// mouth's interior (teeth), and hair or anything else that covers the face's outer band — and
// finally feathers inward so its value is exactly 0 on and outside the hard edge.
import { bilinearTaps, boxBlur, convexHull, fillPolygon, gaussBlur, growPolygon, setBox } from './raster.ts';
import { BROW_LEFT, BROW_RIGHT, EYE_LEFT, EYE_RIGHT, FEATURES, LIPS_INNER, LIPS_OUTER, mouthOpenness, pick } from './regions.ts';
import { DEFAULT_SIDE_HAIR, capPerSide, growInto, localSkinRatio, DEFAULT_STRANDS, strandLocks, strandMap, DEFAULT_HAIR_EDGE, DEFAULT_STUBBLE, distanceFeather, growHair, stubbleMap, upsampleKeep, type HairEdgeOptions, type Rect, type StubbleOptions, type SideHairOptions, type StrandOptions } from './hair.ts';
import { templateBrowZone } from './brows.ts';
import { DEFAULT_GLASSES, glassesMask, removeSourceGlasses, type GlassesOptions } from './glasses.ts';
import { shadedSkinZ, skinParams, skinZ, type SkinModel } from './skin.ts';
import type { Roi } from './warp.ts';
import { DEFAULT_HANDS, type HandOptions } from './hands.ts';

export interface VisibilityOptions {
  /** 0..1: how much of a hidden part is filled from the near side, mirrored (0 = off). */
  mirror: number;
  /** 0..1: how far a hidden part that was not filled fades to the template (0 = off). */
  fade: number;
  /** Source/template visibility ratio at and above which nothing changes ... */
  from: number;
  /** ... and at and below which the point counts as fully hidden. */
  to: number;
  /** |yaw| of the source (degrees, from its mesh's symmetry plane) under which nothing is done. */
  minYaw: number;
  /** Depth scale applied to both meshes' z before their normals are taken (Human's depth is flat). */
  zScale: number;
}

export const DEFAULT_VISIBILITY: VisibilityOptions = { mirror: 0, fade: 0, from: 0.7, to: 0.35, minYaw: 5, zScale: 2 };

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
  /**
   * The beard around the mouth (inside the features' hull, which keepBeard never enters): below
   * the nose and outside both meshes' outer lip contour (grown by 0.6 % of the face width), what
   * is not skin and reaches in from the edge stays the template's too. 0 = off; 1 = the template's
   * moustache / goatee (with keepBeard); 2 = also the source's (its moustache on a clean template).
   */
  beardMouth: number;
  /** The source's moustache / goatee that colour cannot tell from its skin (dark beard over dark skin), for beardMouth 2; `dark: 0` = off. */
  beardDark: BeardDarkOptions;
  /** Hair strands of the source found by texture (hair.ts); `energy: 0` = off. */
  strands: StrandOptions;
  /** The source's hair along the face's sides where colour cannot tell it (hair.ts); `rim: 0, dark: 0` = off. */
  sideHair: SideHairOptions;
  /** The template's glasses rims stay (glasses.ts); `contrast: 0` = off. */
  glasses: GlassesOptions;
  /** The kept hair's edge worked out at full size, grown into hair-coloured pixels, feathered round (hair.ts); `smooth: 0` = off. */
  hairEdge: HairEdgeOptions;
  /** Light stubble at the mouth found by texture (hair.ts), for mask.beardMouth; `energy: 0` = off. */
  stubble: StubbleOptions;
  /** Parts of a turned source that it hid or saw edge-on: mirrored from the near side, or faded (below). */
  visibility: VisibilityOptions;
  /**
   * 1: the template's brows where the source's do not reach (its brows lower, shorter or narrower)
   * are never kept as occluders: in the template's brow zone (its brows' hulls, their tails drawn
   * out by a fifth of the brow's length, grown by 1.5 % of the face width), its brow hairs (not
   * skin in the template) over the source's skin or its warped brows, grown by 1 % of the face
   * width, are taken out of the occluders (and what they alone tied to the mask's edge). A brow
   * tail that touched the temple's hair was kept with it and showed beside the source's brow (a
   * doubled brow). 0 = off.
   */
  browCover: number;
  /**
   * Skin models without the samples the first pass puts further than this from skin (0 = off):
   * hair over a face's forehead sample points no longer widens the model until hair is skin.
   */
  skinTrim: number;
  /**
   * 0..1: the template's brow hairs that still show near the mask's outer edge (in the outer ramp,
   * the eroded rim, or beyond the mesh's edge at the temple), in its brow zone (tails drawn out by
   * 0.4 of the brow's length) inside its face oval (grown by 4 %) and outside the source's warped
   * brows, are painted over by this share with the template's own skin around them and its grain
   * (brows.ts fillTemplateBrows, just before the composite). Those pixels count as inside the mask
   * (alpha at least 1/512). 0 = off.
   */
  browFill: number;
  /**
   * 1: hands touching the face (Human's hand module, ./hands.ts) stay the template's: the
   * source's hand, warped with the face, and the template's own hand are occluders, whatever their
   * colour. 0 = off (no hand model loaded or run).
   */
  hands: number;
  /** mask.hands' detection and polygon (./hands.ts). */
  handDetect: HandOptions;
}

/**
 * mask.beardDark: in beardMouth's zone, a source pixel much darker than the source's own skin near
 * it and of much less chroma is its beard (a dark-brown moustache over brown skin is within the
 * skin model's spread, which counts darkness for little); a shadow (under the nose, at the mouth's
 * corners) keeps most of its chroma, the lips have more.
 */
export interface BeardDarkOptions {
  /** Lightness ratio to the source's local skin under which a pixel in the zone is beard (0 = off) ... */
  dark: number;
  /** ... when its chroma ratio to the local skin's is also under this. */
  chroma: number;
  /** σ of the local skin reference (the source's skin outside the zone and the eyes, brows, lips), face widths. */
  sigma: number;
  /**
   * ... and where its fine-band energy is over this × the forehead's (hair.ts's stubbleMap; a beard
   * is textured, a deep shadow on the unlit side smooth); 0 = no texture test.
   */
  texture: number;
  /**
   * beardMouth's zone reaches this far (face widths) above the nose's base, to the nostrils (the
   * lower nose's hull itself stays guarded): a moustache grows up to them.
   */
  lift: number;
  /**
   * The same test on the template against its own skin (with keepBeard and beardMouth ≥ 1): its
   * dark moustache and goatee on brown skin score as skin too, and the source's bare lip and chin
   * showed inside a ring of its beard. Lightness ratio, as `dark`; 0 = off.
   */
  template: number;
  /**
   * ... only when at least this share of beardMouth's zone is the template's beard (by that test or
   * the colour test): a clean-shaven template's shadows and stubble pass it here and there.
   */
  templateShare: number;
  /**
   * ... and there, in the lower face, occluders parted from the beard by a gap up to this (face
   * widths) still reach the edge through it (a soul patch under the lower lip); 0 = the plain edge rule.
   */
  bridge: number;
  /**
   * 1: for the source's tests (its moustache, with beardMouth 2) the zone's top and its nose guard are
   * the source's own (warped) nose alone, not the lower of the two noses: the source's moustache
   * grows up to its own nostrils, and under a template's longer nose the strip between them was
   * guarded and stayed the source's (a painted moustache under the nose). The template's tests keep
   * the zone of both. 0 = off (the old zone); on by default.
   */
  nose: number;
  /**
   * The template's own moustache (with `template` > 0): on a pale template a near-black moustache
   * is within the skin model's spread (skinZ ≈ 2–3), brown hair keeps a shadow's chroma (the
   * `chroma` gate drops half of it), a dense moustache's core is smooth (the texture test drops
   * most of the rest), the share over the whole zone (chin included) stays under `templateShare`,
   * and a moustache that does not join the beard at the jaw fails the edge rule: the source's bare
   * upper lip showed under the template's nose inside its beard. With this > 0 (0.3 to use): in the
   * upper part of beardMouth's zone (above the template's mouth line), template pixels under this ×
   * its local skin lightness (the `template` test's reference, `moustacheChroma` as its chroma gate)
   * are its moustache's core when they are at least `moustacheShare` of either half of that part;
   * the core, grown to `moustacheGrow`, less parts under a tenth of the largest (a mole), and the
   * occluders joined to it in the zone stay the template's without reaching the edge, and the kept
   * areas' feather spares the source's lips. Lightness ratio; 0 = off.
   */
  moustache: number;
  /** ... and its lighter edge and thin ends: the pixels under this × the local skin joined to those (0 or ≤ `moustache`: none). */
  moustacheGrow: number;
  /** ... the least share of each half of that part (either side of the nose's base) that is that dark: a moustache covers both, a side light's shadow one. */
  moustacheShare: number;
  /** ... the chroma gate for it (as `chroma`, against √ of the lightness ratio); 0 = none. */
  moustacheChroma: number;
  /**
   * The template's stubble under its lower lip (with `template` > 0): light grey-brown stubble passes
   * the colour test and beardDark's (not dark enough, not greyer than the skin), so the source's
   * chin under its lip showed as a lighter blotch in the template's beard. In the band between the
   * lower lip and the chin (between the mouth's corners, below the lip's lowest point, above 40 %
   * of the way on to the chin's tip), the template's pixels of fine-band energy over `underLip` ×
   * its forehead's (mask.stubble's texture) are its beard when they are at least `underLipShare` of
   * the band; kept then without reaching the edge (as the moustache). 0 = off.
   */
  underLip: number;
  /** ... the least share of that band that is stubble (a bare chin's pores and a lip's shadow are less). */
  underLipShare: number;
}

export const DEFAULT_BEARD_DARK: BeardDarkOptions = { dark: 0.75, chroma: 0.9, sigma: 0.08, texture: 2, lift: 0.03, template: 0.75, templateShare: 0.25, bridge: 0.03, nose: 1, moustache: 0.3, moustacheGrow: 0.45, moustacheShare: 0.1, moustacheChroma: 1.2, underLip: 5, underLipShare: 0.9 };

export const DEFAULT_MASK: MaskOptions = { feather: 0.03, mouthOpenKeep: 0.07, occluderThreshold: 5.5, maxStretch: 6, mouthMismatch: 1, occluderFromEdge: 1, statsThreshold: 2.5, foreheadFrom: 0.2, foreheadTo: 1, keepBeard: 1, beardMouth: 2, beardDark: DEFAULT_BEARD_DARK, strands: DEFAULT_STRANDS, sideHair: DEFAULT_SIDE_HAIR, glasses: DEFAULT_GLASSES, hairEdge: DEFAULT_HAIR_EDGE, stubble: DEFAULT_STUBBLE, visibility: DEFAULT_VISIBILITY, browCover: 1, skinTrim: 2.5, browFill: 0, hands: 0, handDetect: DEFAULT_HANDS };

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
  /**
   * glasses.fullRes: the rims found at the mask's working size (0/1), not cut into `alpha` there:
   * buildMaskAt() cuts the rims in at full size (found again there, else these brought back up).
   */
  glassesLow?: Uint8Array;
  /** The template's lips were kept because the two expressions differ. */
  keptLips: boolean;
  /** Share of the face's outer band given back to the template as occluder/hair. */
  occludedShare: number;
  /** mask.hairEdge: the kept hair and occluders (0/1, at the mask's working size), left out of `alpha` for buildMaskAt() to apply at full size. */
  hairKeep?: Float32Array;
  /** mask.beardDark.moustache: the template's moustache was found and kept (the kept areas' feather then spares the source's lips). */
  moustache?: boolean;
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
  /** mask.skinTrim: the template's model without its off-skin samples, for the hair test above the eyes. */
  targetSkinHair?: SkinModel;
  sourceSkin: SkinModel;
  faceW: number;
  opts: MaskOptions;
  /** Set by applyVisibility(): per mesh vertex, the share of the source kept where it was hidden (visibility.fade). */
  visibilityKeep?: { tris: Int32Array; keep: Float32Array };
  /** mask.stubble: 1 where the template / the warped source is stubble by texture (set by buildMaskAt). */
  stubble?: { target: Float32Array; source?: Float32Array };
  /**
   * mask.beardDark.texture: the share of the warped source that is textured nearby (set by
   * buildMaskAt), worked out when called: only when the colour test found a dark pixel, and
   * right (up to rounding) only inside `box`, the bounding box of those pixels (ends exclusive).
   */
  beardTexture?: (box: Rect) => Float32Array;
  /** The same for the template (mask.beardDark.template). */
  templateBeardTexture?: (box: Rect) => Float32Array;
  /** mask.beardDark.underLip: 1 where the template is stubble by texture under its lower lip (set by buildMaskAt). */
  underLipStubble?: Float32Array;
  /** mask.hands: 1 where a hand is (the source's as warped, the template's), over the ROI (./hands.ts handPlane). */
  hands?: Uint8Array;
}

// The mask's pixel loops live in small module-level kernels below, buildMask() is glue: a swap
// runs it once, so its own code stays cheap unoptimised, while the kernels (monomorphic, no
// closures created per call) get optimised within the first swaps and stay so.
export function buildMask(args: MaskInput): FaceMask {
  const { roi, cover, dstMesh, targetLab, sourceLab, targetSkin, sourceSkin, faceW, opts } = args;
  const { w, h, x0, y0 } = roi;
  const n = w * h;

  // The mesh triangulation leaves the mouth opening uncovered: that interior is always the
  // template's. It is filled here so that the wide outer feather does not eat the lips around it.
  const mouth = new Uint8Array(n);
  fillPolygon(mouth, w, h, growPolygon(shifted(pick(args.targetMesh, LIPS_INNER), x0, y0), 0.004 * faceW), 1);
  const keptMouth = mouthOpenness(args.targetMesh) > opts.mouthOpenKeep;
  // Expressions differ (a grin onto a closed mouth, or the reverse): the source's lips would be
  // squashed or stretched, so the template's lips stay too, behind a wider feather.
  const lips = new Uint8Array(n);
  const keptLips = !!args.sourceMesh && Math.abs(mouthOpenness(args.sourceMesh) - mouthOpenness(args.targetMesh)) > opts.mouthMismatch;
  if (keptLips) fillPolygon(lips, w, h, growPolygon(shifted(pick(args.targetMesh, LIPS_OUTER), x0, y0), 0.005 * faceW), 1);

  // Erode coverage a little: the outermost mesh ring sits on the jaw/forehead edge.
  const hard = orPlanes(cover, mouth);
  threshold(boxBlur(hard, w, h, Math.max(1, Math.round(0.015 * faceW))), 0.999, hard);

  // The features' hull (eyes, brows, nose, lips) is always the source's.
  const features = new Uint8Array(n);
  fillPolygon(features, w, h, growPolygon(convexHull(shifted(pick(dstMesh, FEATURES), x0, y0)), 0.04 * faceW), 1);

  // The eyes, brows and lips themselves (the source's where they land, and the template's): never
  // statistics of skin, in either image. The nose and the skin between them are.
  const parts = new Uint8Array(n);
  for (const mesh of [dstMesh, args.targetMesh]) {
    for (const ids of [EYE_LEFT, EYE_RIGHT, BROW_LEFT, BROW_RIGHT]) fillPolygon(parts, w, h, growPolygon(convexHull(shifted(pick(mesh, ids), x0, y0)), 0.02 * faceW), 1);
    fillPolygon(parts, w, h, growPolygon(shifted(pick(mesh, LIPS_OUTER), x0, y0), 0.01 * faceW), 1);
  }

  // "Up" across the face (chin → forehead top), from the eye line: hair and fringes come from
  // above it, and the forehead fade runs along it.
  const m = args.targetMesh;
  const ux = m[10][0] - m[152][0];
  const uy = m[10][1] - m[152][1];
  const up: UpAxis = { ux, uy, ul: Math.hypot(ux, uy) || 1, ex: (m[33][0] + m[263][0]) / 2 - x0, ey: (m[33][1] + m[263][1]) / 2 - y0 };

  // mask.browCover: the template's brow hairs where the source's brows do not cover them.
  const tplBrow = opts.browCover > 0 ? templateBrowPixels(m, dstMesh, targetLab, sourceLab, skinParams(targetSkin), skinParams(sourceSkin), cover, x0, y0, w, h, faceW, opts) : undefined;

  // mask.beardMouth: the part of the features' hull where a moustache or goatee grows; there the
  // occluder test runs too (the features' hull less that zone guards the rest).
  const darkOn = opts.beardMouth >= 2 && opts.occluderThreshold > 0 && opts.beardDark.dark > 0;
  const tplDarkOn = opts.beardMouth >= 1 && !!opts.keepBeard && opts.occluderThreshold > 0 && opts.beardDark.template > 0;
  const lift = darkOn || tplDarkOn ? opts.beardDark.lift * faceW : 0;
  const beardZone = opts.beardMouth > 0 && opts.occluderThreshold > 0 ? mouthBeardZone(features, dstMesh, m, up, x0, y0, faceW, w, h, lift) : undefined;
  // mask.beardDark.nose: the source's tests in a zone up to its own nose (its top and guard the
  // warped source's alone); the template's keep beardZone.
  const srcZone = beardZone && opts.beardMouth >= 2 && opts.beardDark.nose > 0 ? orU8(beardZone, mouthBeardZone(features, dstMesh, m, up, x0, y0, faceW, w, h, lift, true)) : beardZone;
  const featuresG = srcZone ? minusPlane(features, srcZone) : features;

  // mask.sideHair acts only at the face's sides (hair hangs there; smile folds and the chin's
  // shadow lie nearer the midline).
  const side = opts.sideHair;
  // mask.hairEdge: the kept hair's edge and feather are worked out at full size (buildMaskAt).
  const edgeOn = opts.hairEdge.smooth > 0 && opts.occluderThreshold > 0;
  const sideOn = opts.occluderThreshold > 0 && (side.rim > 0 || side.dark > 0 || side.grow > 0);
  // With side.mouth, not below the line through the source's mouth corners (as warped): a beard.
  let mouthT = -Infinity;
  if (sideOn && side.mouth) {
    const mx = (dstMesh[61][0] + dstMesh[291][0]) / 2 - x0, my = (dstMesh[61][1] + dstMesh[291][1]) / 2 - y0;
    mouthT = ((mx - up.ex) * up.ux + (my - up.ey) * up.uy) / up.ul;
  }
  const sides = sideOn ? lateralZone(cover, up, side.lateral * faceW, w, h, mouthT) : undefined;
  const { bothSkin, lightOnly, occ, band, srcSkin, srcZ } = classifySkin(targetLab, sourceLab, skinParams(targetSkin), skinParams(sourceSkin), cover, hard, featuresG, parts, w, h, up, opts, sides, beardZone, beardZone && args.stubble, srcZone, args.targetSkinHair && skinParams(args.targetSkinHair));
  // mask.beardDark: the dark moustache / goatee by lightness and chroma against the image's own skin.
  // Its zone: beardMouth's, and below the nose's base outside the features' hull (the goatee's
  // chin, the beard by the mouth's corners, through which the moustache reaches the edge).
  const lower = beardZone && (darkOn || tplDarkOn) ? lowerFace(beardZone, features, cover, dstMesh, m, up, x0, y0, w, h) : undefined;
  // mask.beardDark.nose: the source's also in its own zone (up to its own nose).
  const srcLower = lower && srcZone !== beardZone ? orU8(lower, srcZone!) : lower;
  const sourceBeard = srcLower && darkOn ? beardDarkMap(sourceLab, skinParams(sourceSkin), cover, srcLower, parts, w, h, faceW, opts.beardDark.dark, opts, args.beardTexture) : undefined;
  if (sourceBeard) markWhere(occ, sourceBeard, hard);
  // The template's own (mask.beardDark.template): its styling stays, as keepBeard keeps the rest.
  let bridgeZone: Uint8Array | undefined;
  if (lower && tplDarkOn) {
    // Only a bearded template: on a clean-shaven one the test finds little but shadows and stubble.
    // The texture test only takes pixels away, so a template under the share before it is skipped.
    const tp = skinParams(targetSkin);
    const bearded = (map: Uint8Array) => templateBeardShare(targetLab, tp, beardZone!, hard, map, opts.occluderThreshold) >= opts.beardDark.templateShare;
    const tm = beardDarkMap(targetLab, tp, cover, lower, parts, w, h, faceW, opts.beardDark.template, opts, args.templateBeardTexture, bearded);
    if (tm && bearded(tm)) {
      markWhere(occ, tm, hard);
      bridgeZone = lower;
    }
  }
  // mask.beardDark.moustache: the template's own moustache, kept without reaching the edge.
  const moustache = lower && tplDarkOn && opts.beardDark.moustache > 0 ? templateMoustache(targetLab, skinParams(targetSkin), cover, lower, beardZone!, hard, parts, m, up, x0, y0, w, h, faceW, opts) : undefined;
  if (moustache) markWhere(occ, moustache, hard);
  // mask.beardDark.underLip: the template's stubble between its lower lip and chin.
  const underLip = lower && tplDarkOn && args.underLipStubble ? templateUnderLip(args.underLipStubble, lower, hard, parts, m, up, x0, y0, w, h, opts.beardDark.underLipShare) : undefined;
  if (underLip) markWhere(occ, underLip, hard);
  let occluded = 0;
  if (opts.occluderThreshold > 0 && opts.strands.energy > 0) {
    // The source's strands of hair, found by texture (blonde or grey hair over pale skin passes
    // the colour test): reaching in from the edge, they stay the template's too.
    const strands = strandMap(sourceLab[0], cover, bothSkin, w, h, faceW, opts.strands);
    markWhere(occ, strands, hard, features);
    const sf = opts.strands;
    if (sf.fill > 0) {
      // mask.strands.fill: the plain inside of a lock whose edges and strands the texture found.
      const lat = lateralZone(cover, up, sf.lateral * faceW, w, h, -sf.low * faceW);
      // The local skin lightness: a normalised blur over the source's own skin.
      const wt = new Float32Array(n), wl = new Float32Array(n);
      sourceSkinWeights(skinParams(sourceSkin), sourceLab, cover, parts, strands, opts.statsThreshold, wt, wl);
      const sigma = Math.max(1, DEFAULT_SIDE_HAIR.sigma * faceW);
      const lockGuard = sf.hull ? features : sideGuard(features, parts, lat);
      const dark = darkAt(sourceLab[0], gaussBlur(wl, w, h, sigma), gaussBlur(wt, w, h, sigma), lat, hard, lockGuard, sf.fill);
      const locks = strandLocks(dark, strands, hard, w, h, sf.share, sf.size * faceW * faceW);
      markWhere(occ, locks, hard, lockGuard);
    }
  }
  // The source's hair where colour cannot tell it (mask.sideHair, hair.ts): much darker than its
  // own skin next to it; and the seeds from which its kept hair grows into its loose edge.
  // At the sides, hair hanging by the eyes is inside the features' convex hull (it reaches the
  // brows' outer ends): there only the eyes, brows and lips themselves are guarded, unless
  // side.hull (a source's glasses read as dark hair): 1 = the growth keeps out of the hull, 2 = all.
  const guard = sides && (side.dark > 0 || side.grow > 0) && side.hull < 2 ? sideGuard(featuresG, parts, sides) : featuresG;
  let ratio: { light: Float32Array; chroma: Float32Array } | undefined;
  let seed: Uint8Array | undefined;
  // What would be kept without mask.sideHair: the colour statistics and the blend's edge samples
  // stay those (only alpha changes), so the colour match of the rest of the face does not move.
  const base = sideOn ? occ.slice() : undefined;
  if (base) for (let i = 0; i < n; i++) if (!hard[i]) base[i] = 0;
  if (srcZ && srcSkin && sides) {
    ratio = localSkinRatio(sourceLab, cover, srcSkin, w, h, faceW, side.sigma);
    seed = sourceHair(srcZ, ratio.light, ratio.chroma, sides, guard, opts.occluderThreshold, side.dark, side.darkChroma);
    markWhere(occ, seed, side.rim ? undefined : hard, guard);
  }
  if (opts.occluderThreshold > 0) {
    // Close small gaps and drop specks: smooth, then threshold.
    thresholdOutside(smoothOcc(occ, w, h, Math.max(1, Math.round(0.01 * faceW)), edgeOn), 0.45, guard, occ);
    // mask.beardDark.moustache: what the edge rule would drop of it (an island under the nose).
    const smoothed = moustache || underLip ? occ.slice() : undefined;
    if (opts.occluderFromEdge) {
      // mask.beardDark.bridge: on a bearded template, a tuft parted from the beard by a narrow gap
      // (the soul patch under the lower lip) reaches the edge through it.
      const bridge = bridgeZone && opts.beardDark.bridge > 0 ? Math.max(1, Math.round(opts.beardDark.bridge * faceW / 2)) : 0;
      if (bridge) keepBridgedToEdge(occ, hard, bridgeZone!, w, h, bridge);
      else keepConnectedToEdge(occ, hard, w, h);
    }
    if (seed && ratio && srcZ && sides && side.grow > 0) {
      // The hair's loose edge: from the source's hair (seeds near it), into weakly un-skin-like pixels.
      const near = boxBlur(u8ToF32(seed), w, h, Math.max(1, Math.round(0.01 * faceW)));
      const weak = weakHair(srcZ, ratio.light, sides, side.hull ? features : guard, side.weak, side.weakDark);
      growInto(occ, nonZero(near), weak, hard, w, h, Math.max(1, Math.round(side.grow * faceW)));
    }
    if (base) {
      thresholdOutside(boxBlur(base, w, h, Math.max(1, Math.round(0.01 * faceW))), 0.45, featuresG, base);
      if (opts.occluderFromEdge) keepConnectedToEdge(base, hard, w, h);
      // The glasses (below) are kept for both.
      // At most side.cap of the face given back per side beyond that; past it, only the outermost part.
      if (sides && side.cap > 0) capPerSide(occ, base, hard, sides, side.cap, () => lateralDistance(up, w, h));
    }
    if (smoothed) keepKept(occ, smoothed, moustache, underLip, beardZone!, lower!, w, h);
    if (tplBrow) {
      // mask.browCover: the template's brow is no occluder (what it alone tied to the edge goes too).
      let dropped = false;
      for (let i = 0; i < n; i++) if (tplBrow[i] && occ[i]) { occ[i] = 0; dropped = true; }
      if (dropped && opts.occluderFromEdge) {
        const bridge = bridgeZone && opts.beardDark.bridge > 0 ? Math.max(1, Math.round(opts.beardDark.bridge * faceW / 2)) : 0;
        if (bridge) keepBridgedToEdge(occ, hard, bridgeZone!, w, h, bridge);
        else keepConnectedToEdge(occ, hard, w, h);
        if (smoothed) keepKept(occ, smoothed, moustache, underLip, beardZone!, lower!, w, h);
      }
    }
    occluded = countBoth(occ, hard);
  }
  if (args.hands && opts.hands > 0) {
    // mask.hands: the hands are occluders wherever they are (not only reaching in from the edge,
    // and through the features' hull: a hand over the mouth stays too); the statistics leave them out.
    markWhere(occ, args.hands, hard);
    if (base) markWhere(base, args.hands, hard);
    occluded = countBoth(occ, hard);
  }

  // The template's glasses: rims and bridge stay, through the features' hull (the eyes behind
  // the lenses are the source's).
  const glasses = glassesMask(targetLab[0], cover, w, h, shifted(args.targetMesh, x0, y0), faceW, opts.glasses);
  // glasses.feather: the rims get their own (narrower) feather, not that of the other kept areas.
  const ownFeather = !!glasses && opts.glasses.feather > 0;
  // mask.hairEdge: alpha here leaves the hair and occluders out (only the glasses are kept); the
  // statistics still leave them out.
  const hairKeep = edgeOn ? occ.slice() : undefined;
  // glasses.fullRes: the rims are cut into alpha at full size (buildMaskAt), not here; the
  // statistics and edge samples still leave them out.
  const fullRims = !!glasses && opts.glasses.fullRes > 0;
  const alphaOcc = edgeOn ? new Float32Array(n) : fullRims ? occ.slice() : occ;
  const holes = ownFeather && !fullRims ? alphaOcc.slice() : alphaOcc;
  if (glasses) markWhere(occ, glasses);
  if (glasses && edgeOn && !fullRims) markWhere(alphaOcc, glasses);
  if (glasses && base) markWhere(base, glasses);

  // Feather inward: erode by r, then blur by r (support r), so alpha is 0 wherever the mask is 0.
  // The outer edge gets a wide ramp; the kept holes (mouth, hair) a narrow one, so the lips
  // around an open mouth stay the source's.
  const outer = feather(hard, w, h, Math.max(1, Math.round(opts.feather * faceW)));
  const inner = featherHoles(notEither(mouth, holes), w, h, Math.max(1, Math.round(0.012 * faceW)));
  if (ownFeather && glasses && !fullRims) {
    const rims = featherHoles(notEither(glasses), w, h, Math.max(1, Math.round(opts.glasses.feather * faceW)));
    for (let i = 0; i < n; i++) inner[i] *= rims[i];
  }
  const lipsKeep = keptLips ? featherHoles(notEither(lips), w, h, Math.max(1, Math.round(0.02 * faceW))) : undefined;
  // Smeared areas (far side of a turned source) fade to the template: smooth the weight so the
  // fade is gradual, and it can only lower alpha (never above 0 where the mask is 0).
  let keepSmear: Float32Array | undefined;
  if (args.stretch && opts.maxStretch > 0) {
    const wgt = smearWeight(args.stretch, cover, opts.maxStretch);
    // Most pairs have no smeared triangle: skip the blurs then.
    if (wgt) keepSmear = blurOnes(wgt, w, h, Math.round(0.03 * faceW));
  }
  if (args.visibilityKeep) {
    // What a turned source hid and the mirror did not fill fades to the template, smoothly.
    const kp = new Float32Array(n).fill(1);
    interpolateOverTriangles(args.visibilityKeep.tris, flatPoints(dstMesh, x0, y0), args.visibilityKeep.keep, 1, w, h, kp);
    const kb = blurOnes(kp, w, h, Math.round(0.03 * faceW));
    if (keepSmear) for (let i = 0; i < n; i++) keepSmear[i] *= kb[i];
    else keepSmear = kb;
  }
  // The upper forehead and hairline stay the template's, over a wide ramp on plain forehead skin:
  // a source's fringe, receding hairline or bald scalp never shows, and the transition lies where
  // the edge correction (blend) can match the tone, not along the hairline.
  let fade: ForeheadFade | undefined;
  if (opts.foreheadTo > opts.foreheadFrom) {
    const along = (p: ArrayLike<number>) => ((p[0] - x0 - up.ex) * up.ux + (p[1] - y0 - up.ey) * up.uy) / up.ul;
    let browTop = -Infinity;
    for (const mesh of [dstMesh, m]) for (const id of [...BROW_LEFT, ...BROW_RIGHT]) browTop = Math.max(browTop, along(mesh[id]));
    const height = Math.max(1, Math.max(along(dstMesh[10]), along(m[10])) - browTop);
    fade = { from: browTop + opts.foreheadFrom * height, span: (opts.foreheadTo - opts.foreheadFrom) * height };
  }

  const out = composeMask({ w, h, cover, hard, mouth, occ: alphaOcc, statsOcc: base ?? (edgeOn || fullRims ? occ : undefined), lips, bothSkin, lightOnly, outer, inner, keepSmear, lipsKeep, up, fade });
  return { ...out, keptGlasses: !!glasses, keptMouth, keptLips, occludedShare: band ? occluded / band : 0, ...(hairKeep && { hairKeep }), ...(fullRims && { glassesLow: glasses }), ...(moustache && { moustache: true }) };
}

/**
 * mask.browCover: the template's brow hairs (not skin in the template: skin distance over
 * statsThreshold, or 2.5) in its brow zone (each brow's hull with its tail drawn out by a fifth of
 * the brow's length, grown by 1.5 % of the face width), where the warped source is skin (within
 * occluderThreshold) or its own brows (their hulls grown by 1 %): those pixels grown by about 1 %
 * of the face width (a box of that radius over a tenth of its area), still over the source's skin
 * or brows (0/1): never occluders.
 */
function templateBrowPixels(
  tMesh: ArrayLike<number>[], dMesh: ArrayLike<number>[],
  tLab: [Float32Array, Float32Array, Float32Array], sLab: [Float32Array, Float32Array, Float32Array],
  tp: Float64Array, sp: Float64Array, cover: Uint8Array, x0: number, y0: number, w: number, h: number, faceW: number, opts: MaskOptions,
): Uint8Array {
  const n = w * h;
  const zone = templateBrowZone(tMesh, x0, y0, w, h, 0.2, 0.015 * faceW);
  const own = new Uint8Array(n);
  for (const ids of [BROW_RIGHT, BROW_LEFT]) fillPolygon(own, w, h, growPolygon(convexHull(shifted(pick(dMesh, ids), x0, y0)), 0.01 * faceW), 1);
  const tThr = opts.statsThreshold > 0 ? opts.statsThreshold : 2.5;
  const sThr = opts.occluderThreshold > 0 ? opts.occluderThreshold : Infinity;
  const under = new Uint8Array(n);
  const hairs = new Float32Array(n);
  browHairs(zone, own, cover, tLab, sLab, tp, sp, tThr, sThr, under, hairs);
  const r = Math.max(1, Math.round(0.01 * faceW));
  const soft = boxBlur(hairs, w, h, r);
  const drop = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (under[i] && soft[i]! > 0.1) drop[i] = 1;
  return drop;
}

/** templateBrowPixels' test: `under` = covered and the source's skin or brows; `hairs` = that and in `zone`, not skin in the template. */
function browHairs(zone: Uint8Array, own: Uint8Array, cover: Uint8Array, tLab: [Float32Array, Float32Array, Float32Array], sLab: [Float32Array, Float32Array, Float32Array], tp: Float64Array, sp: Float64Array, tThr: number, sThr: number, under: Uint8Array, hairs: Float32Array): void {
  const [tL, tA, tB] = tLab;
  const [sL, sA, sB] = sLab;
  for (let i = 0; i < zone.length; i++) {
    if (!cover[i]) continue;
    if (!own[i] && skinZ(sp, sL[i]!, sA[i]!, sB[i]!) > sThr) continue;
    under[i] = 1;
    if (zone[i] && skinZ(tp, tL[i]!, tA[i]!, tB[i]!) > tThr) hairs[i] = 1;
  }
}

/**
 * keep (0/1, in place) = where its round blur (σ px) is over 0.5, inside `cover`. The blur runs on
 * the kept pixels' bounding box grown by more than the blur's reach (its three boxes' radii, plus
 * one box of slack): beyond that the blurred plane is 0 whether or not it was computed, so the
 * result is the same as over the whole ROI at a fraction of the cost.
 */
function roundContour(keep: Uint8Array, cover: Uint8Array, w: number, h: number, sigma: number): void {
  const box = setBox(keep, w, h);
  if (!box) return;
  let { x0, y0, x1, y1 } = box;
  const pad = 4 * (Math.ceil(sigma) + 1) + 2;
  x0 = Math.max(0, x0 - pad); y0 = Math.max(0, y0 - pad);
  x1 = Math.min(w - 1, x1 + pad); y1 = Math.min(h - 1, y1 + pad);
  const cw = x1 - x0 + 1, ch = y1 - y0 + 1;
  const crop = new Float32Array(cw * ch);
  // The crop and the threshold are kernels: as loops here, the first was optimised mid-way and
  // deoptimised at the blur's call after it.
  cropU8(keep, w, x0, y0, cw, ch, crop);
  const soft = gaussBlur(crop, cw, ch, sigma);
  thresholdCrop(soft, cover, w, x0, y0, cw, ch, keep);
}

/** The cw × ch window of `plane` (w wide) at (x0, y0), as floats into `crop`. */
function cropU8(plane: Uint8Array, w: number, x0: number, y0: number, cw: number, ch: number, crop: Float32Array): void {
  for (let y = 0; y < ch; y++) for (let x = 0, i = (y0 + y) * w + x0; x < cw; x++, i++) crop[y * cw + x] = plane[i]!;
}

/** keep = soft > 0.5 and cover, over the cw × ch window at (x0, y0). */
function thresholdCrop(soft: Float32Array, cover: Uint8Array, w: number, x0: number, y0: number, cw: number, ch: number, keep: Uint8Array): void {
  for (let y = 0; y < ch; y++) for (let x = 0, i = (y0 + y) * w + x0; x < cw; x++, i++) keep[i] = soft[y * cw + x]! > 0.5 && cover[i] ? 1 : 0;
}

/** The occluders' smoothing blur: a box (the grid's), or with mask.hairEdge two boxes of ~0.7 r (round isolines, no square corners). */
function smoothOcc(occ: Float32Array, w: number, h: number, r: number, round: boolean): Float32Array {
  if (!round) return boxBlur(occ, w, h, r);
  const r2 = Math.max(1, Math.round(0.7 * r));
  return boxBlur(boxBlur(occ, w, h, r2), w, h, r2);
}

/** The face's "up" axis (ux, uy; length ul) from the eye line's middle (ex, ey), ROI pixels. */
interface UpAxis {
  ux: number;
  uy: number;
  ul: number;
  ex: number;
  ey: number;
}
/** The forehead fade: alpha falls from 1 at `from` (along UpAxis) to 0 at `from + span`. */
interface ForeheadFade {
  from: number;
  span: number;
}

/** Points moved by (-x0, -y0), as plain [x, y] pairs. */
function shifted(pts: ArrayLike<number>[], x0: number, y0: number): [number, number][] {
  const out: [number, number][] = new Array(pts.length);
  for (let i = 0; i < pts.length; i++) out[i] = [pts[i][0] - x0, pts[i][1] - y0];
  return out;
}

/** a | b as a 0/1 float plane. */
function orPlanes(a: Uint8Array, b: Uint8Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] | b[i];
  return out;
}

/** 1 where neither a nor b (b optional) is set, else 0. */
function notEither(a: Uint8Array | Float32Array, b?: Uint8Array | Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] || (b && b[i]) ? 0 : 1;
  return out;
}

/** out[i] = src[i] > t ? 1 : 0 (out may be src). */
function threshold(src: Float32Array, t: number, out: Float32Array): Float32Array {
  for (let i = 0; i < src.length; i++) out[i] = src[i] > t ? 1 : 0;
  return out;
}

/** out[i] = src[i] > t and not `except` ? 1 : 0. */
function thresholdOutside(src: Float32Array, t: number, except: Uint8Array, out: Float32Array): void {
  for (let i = 0; i < src.length; i++) out[i] = src[i] > t && !except[i] ? 1 : 0;
}

/** out[i] = 1 where `where` is set, and `inside` (when given) set and `except` (when given) not. */
function markWhere(out: Float32Array, where: Uint8Array, inside?: Float32Array, except?: Uint8Array): void {
  for (let i = 0; i < out.length; i++) if (where[i] && (!inside || inside[i]) && (!except || !except[i])) out[i] = 1;
}

/** Pixels set in both planes. */
function countBoth(a: Float32Array, b: Float32Array): number {
  let c = 0;
  for (let i = 0; i < a.length; i++) if (a[i] && b[i]) c++;
  return c;
}

/** The smear weight (1 = keep the source, 0 = template) from triangle stretch, or undefined when all 1. */
function smearWeight(stretch: Float32Array, cover: Uint8Array, maxStretch: number): Float32Array | undefined {
  const lo = maxStretch / 1.6;
  const wgt = new Float32Array(stretch.length);
  let any = false;
  for (let i = 0; i < wgt.length; i++) {
    const st = stretch[i];
    wgt[i] = !cover[i] ? 1 : st <= lo ? 1 : st >= maxStretch ? 0 : (maxStretch - st) / (maxStretch - lo);
    if (wgt[i] < 1) any = true;
  }
  return any ? wgt : undefined;
}

/**
 * boxBlur(boxBlur(m, r), r) for a plane of ones but for a few patches (the smeared triangles):
 * only their bounding box grown by 2r can differ from 1, so only that window is blurred, grown by
 * 4r more so that the window's own border (the blur normalises by its in-window count) never
 * reaches it.
 */
function blurOnes(m: Float32Array, w: number, h: number, r: number): Float32Array {
  if (r <= 0) return m.slice();
  return onHoleWindow(m, w, h, 4 * r + 2, false, (win, cw, ch) => boxBlur(boxBlur(win, cw, ch, r), cw, ch, r));
}

/**
 * `fn` over the window of a plane of ones around its holes (pixels that are 0 with `zeroHoles`,
 * else not 1): their bounding box grown by `pad`, which keeps the window's own border (blurs
 * normalise by their in-window count) away from anything that differs from 1. Ones elsewhere.
 */
function onHoleWindow(m: Float32Array, w: number, h: number, pad: number, zeroHoles: boolean, fn: (win: Float32Array, cw: number, ch: number) => Float32Array): Float32Array {
  let x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0, i = y * w; x < w; x++, i++) {
      if (zeroHoles ? m[i] !== 0 : m[i] === 1) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  const out = new Float32Array(w * h).fill(1);
  if (x1 < 0) return out;
  x0 = Math.max(0, x0 - pad);
  y0 = Math.max(0, y0 - pad);
  x1 = Math.min(w - 1, x1 + pad);
  y1 = Math.min(h - 1, y1 + pad);
  const cw = x1 - x0 + 1;
  const ch = y1 - y0 + 1;
  const win = new Float32Array(cw * ch);
  for (let y = 0; y < ch; y++) win.set(m.subarray((y0 + y) * w + x0, (y0 + y) * w + x0 + cw), y * cw);
  const f = fn(win, cw, ch);
  for (let y = 0; y < ch; y++) out.set(f.subarray(y * cw, (y + 1) * cw), (y0 + y) * w + x0);
  return out;
}

/**
 * Everything kept from the template leaves the hard mask (in place); then alpha and the
 * statistics weights, in one pass. Plain pixels: covered skin in both images, nothing kept.
 */
function composeMask(p: {
  w: number; h: number; cover: Uint8Array; hard: Float32Array; mouth: Uint8Array; occ: Float32Array; lips: Uint8Array;
  /** The occluders the statistics and edge samples leave out, when not `occ` (mask.sideHair). */
  statsOcc?: Float32Array;
  bothSkin: Uint8Array; lightOnly: Uint8Array; outer: Float32Array; inner: Float32Array;
  keepSmear?: Float32Array; lipsKeep?: Float32Array; up: UpAxis; fade?: ForeheadFade;
}): Pick<FaceMask, 'alpha' | 'skin' | 'light' | 'ring'> {
  const { w, h, cover, hard, mouth, occ, lips, bothSkin, lightOnly, outer, inner, keepSmear, lipsKeep, fade } = p;
  const sOcc = p.statsOcc ?? occ;
  const { ux, uy, ul, ex, ey } = p.up;
  const from = fade ? fade.from : 0, span = fade ? fade.span : 1;
  const n = w * h;
  const alpha = new Float32Array(n);
  const skin = new Float32Array(n);
  const light = new Float32Array(n);
  const ring = new Uint8Array(n);
  for (let y = 0; y < h; y++) {
    const py = y + 0.5 - ey;
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const kept = mouth[i] || occ[i] || lips[i];
      const inHard = hard[i] && !(mouth[i] || sOcc[i] || lips[i]);
      if (kept) hard[i] = 0;
      if (hard[i]) {
        let a = outer[i] * inner[i] * (keepSmear ? keepSmear[i] : 1) * (lipsKeep ? lipsKeep[i] : 1);
        if (fade) {
          const t = Math.min(1, Math.max(0, (((x + 0.5 - ex) * ux + py * uy) / ul - from) / span));
          a *= 1 - t * t * (3 - 2 * t);
        }
        alpha[i] = a;
      }
      if (!cover[i] || mouth[i] || sOcc[i] || lips[i]) continue;
      if (bothSkin[i]) {
        ring[i] = 1;
        if (inHard) skin[i] = light[i] = 1;
      } else if (inHard && lightOnly[i]) light[i] = 1;
    }
  }
  return { alpha, skin, light, ring };
}

/**
 * Per covered pixel, the skin tests of buildMask(): skin in both images (colour statistics and
 * blend edge), pixels that only carry the lighting, and the occluders of the outer band.
 */
function classifySkin(
  tLab: [Float32Array, Float32Array, Float32Array],
  sLab: [Float32Array, Float32Array, Float32Array],
  tp: Float64Array,
  sp: Float64Array,
  cover: Uint8Array,
  hard: Float32Array,
  features: Uint8Array,
  parts: Uint8Array,
  w: number,
  h: number,
  g: UpAxis,
  opts: MaskOptions,
  sides?: Uint8Array,
  beardZone?: Uint8Array,
  stubble?: { target: Float32Array; source?: Float32Array },
  srcZone: Uint8Array | undefined = beardZone,
  tpHair?: Float64Array,
): { bothSkin: Uint8Array; lightOnly: Uint8Array; occ: Float32Array; band: number; srcSkin?: Uint8Array; srcZ?: Float32Array } {
  const n = w * h;
  const rim = opts.occluderThreshold > 0 && !!opts.sideHair.rim && !!sides;
  // mask.sideHair: the source's own skin (the local lightness reference) and its skin distance.
  const sideOn = opts.occluderThreshold > 0 && (opts.sideHair.dark > 0 || opts.sideHair.grow > 0);
  const srcSkin = sideOn ? new Uint8Array(n) : undefined;
  const srcZ = sideOn ? new Float32Array(n) : undefined;
  const [tL, tA, tB] = tLab;
  const [sL, sA, sB] = sLab;
  const { ux, uy, ul, ex, ey } = g;
  const statThr = opts.statsThreshold > 0 ? opts.statsThreshold : Infinity;
  const occThr = opts.occluderThreshold;
  const keepBeard = !!opts.keepBeard;
  // The source's skin under a coloured light (a blue-lit cheek) is skin too: not darker than its
  // skin (hair, beard and brows are), whatever its chroma.
  const sBright = sp[0] - 2 * sp[3];
  const bothSkin = new Uint8Array(n);
  const lightOnly = new Uint8Array(n);
  // Occluders: in the outer band, pixels that are not skin in the template (its hair, a hand)
  // or not skin in the warped source (the source's fringe) stay the template's.
  const occ = new Float32Array(n);
  let band = 0;
  for (let y = 0; y < h; y++) {
    const py = y + 0.5 - ey;
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (!cover[i]) continue;
      const dt = skinZ(tp, tL[i], tA[i], tB[i]);
      const ds = skinZ(sp, sL[i], sA[i], sB[i]);
      if (srcSkin && srcZ) {
        srcZ[i] = ds;
        if (ds <= statThr && !parts[i]) srcSkin[i] = 1;
      }
      if (dt <= statThr && ds <= statThr) bothSkin[i] = 1;
      // Lightness and colour are carried by any template pixel over the source's skin outside the
      // eyes, brows and lips, however dark (a deep shadow on a side-lit template) or tinted (a
      // source's cheek or nose under a coloured light); hair and beard are excluded later.
      else if (!parts[i] && (ds <= statThr || shadedSkinZ(sp, sL[i], sA[i], sB[i]) <= statThr || sL[i] >= sBright) && shadedSkinZ(tp, tL[i], tA[i], tB[i]) <= 2 * statThr) lightOnly[i] = 1;
      if (occThr <= 0 || features[i]) continue;
      if (srcZone && srcZone[i]) {
        // mask.beardMouth: the moustache / goatee around the lips (below the eyes, inside the hull);
        // the template's in beardZone, the source's in srcZone (mask.beardDark.nose; else the same).
        const tz = !!beardZone && beardZone[i] === 1;
        if (hard[i] && ((tz && keepBeard && dt > occThr) || (opts.beardMouth >= 2 && ds > occThr))) occ[i] = 1;
        // mask.stubble: light stubble, skin-coloured, by its texture.
        else if (stubble && hard[i] && ((tz && keepBeard && stubble.target[i] > 0.5) || (opts.beardMouth >= 2 && stubble.source && stubble.source[i] > 0.5))) occ[i] = 1;
        continue;
      }
      if (!hard[i]) {
        // The eroded rim: only for the smoothing of the source's hair (mask.sideHair.rim).
        if (rim && sides && sides[i] && ds > occThr) occ[i] = 1;
        continue;
      }
      if (((x + 0.5 - ex) * ux + py * uy) / ul >= 0) {
        // Hair and fringes come from above the eye line.
        band++;
        if (dt > occThr || ds > occThr || (tpHair && skinZ(tpHair, tL[i], tA[i], tB[i]) > occThr)) occ[i] = 1;
      } else if (ds > occThr || (keepBeard && dt > occThr)) {
        // Below the eyes, what reaches in from the edge and is not skin stays the template's: the
        // source's long hair or a microphone at its chin, and the template's beard or stubble (its
        // styling; the source's smooth skin over it reads as painted).
        occ[i] = 1;
      }
    }
  }
  return { bothSkin, lightOnly, occ, band, srcSkin, srcZ };
}

/**
 * The source's hair (mask.sideHair), at the face's sides outside the features: not skin, or much
 * darker than the skin next to it and of much less chroma (a shadow keeps most of it; a
 * colourless source has a chroma ratio of 0).
 */
function sourceHair(z: Float32Array, light: Float32Array, chroma: Float32Array, sides: Uint8Array, features: Uint8Array, occThr: number, dark: number, darkChroma: number): Uint8Array {
  const out = new Uint8Array(z.length);
  for (let i = 0; i < z.length; i++) if (sides[i] && !features[i] && (z[i] > occThr || (light[i] < dark && chroma[i] < darkChroma))) out[i] = 1;
  return out;
}

/**
 * mask.strands.fill: weight 1 on the source's own skin (skin distance within `thr`, outside the
 * eyes, brows and lips, and not strands by texture: a lock's strands are often skin-coloured),
 * and its lightness there.
 */
function sourceSkinWeights(sp: Float64Array, lab: [Float32Array, Float32Array, Float32Array], cover: Uint8Array, parts: Uint8Array, strands: Uint8Array, thr: number, wt: Float32Array, wl: Float32Array): void {
  const [L, A, B] = lab;
  for (let i = 0; i < wt.length; i++) {
    if (cover[i] && !parts[i] && !strands[i] && skinZ(sp, L[i], A[i], B[i]) <= thr) {
      wt[i] = 1;
      wl[i] = L[i];
    }
  }
}

/**
 * 1 in `zone`, inside `hard` and outside `guard`, where the lightness is under `dark` × the local
 * skin's (num / den, where there is enough of it). (Joining the dark parts through the strands'
 * pixels too took a bearded source's jaw side with its sideburn: one more faceres pair lost.)
 */
function darkAt(L: Float32Array, num: Float32Array, den: Float32Array, zone: Uint8Array, hard: Float32Array, guard: Uint8Array, dark: number): Uint8Array {
  const out = new Uint8Array(L.length);
  for (let i = 0; i < out.length; i++) {
    if (!zone[i] || !hard[i] || guard[i]) continue;
    if (den[i] > 0.05 && L[i] * den[i] < dark * num[i]) out[i] = 1;
  }
  return out;
}

/** Weakly un-skin-like source pixels (the hair's loose edge), at the face's sides outside the features. */
function weakHair(z: Float32Array, light: Float32Array, sides: Uint8Array, features: Uint8Array, weak: number, weakDark: number): Uint8Array {
  const out = new Uint8Array(z.length);
  for (let i = 0; i < z.length; i++) if (sides[i] && !features[i] && (z[i] > weak || light[i] < weakDark)) out[i] = 1;
  return out;
}

/**
 * mask.beardDark: 1 in `zone` where the source is darker than `dark` × its local skin lightness and
 * of less than `chroma` × its local skin chroma; the reference is the source's skin (skin distance
 * within statsThreshold) outside the zone and the eyes, brows and lips. Also for the template
 * (mask.beardDark.template), against its own skin.
 */
function beardDarkMap(lab: [Float32Array, Float32Array, Float32Array], sp: Float64Array, cover: Uint8Array, zone: Uint8Array, parts: Uint8Array, w: number, h: number, faceW: number, dark: number, opts: MaskOptions, texture?: (box: Rect) => Float32Array, worth?: (colour: Uint8Array) => boolean): Uint8Array | undefined {
  const n = w * h;
  const [L, A, B] = lab;
  const thr = opts.statsThreshold > 0 ? opts.statsThreshold : Infinity;
  const o = opts.beardDark;
  // The local reference: normalised blurs of the source's skin lightness and chroma, falling back
  // smoothly to the skin model's (a chin under a full beard has no skin near it).
  // Each pass is a kernel of its own: as loops of this function (run a few times a swap, with
  // options objects of two shapes) they were optimised mid-loop and deoptimised, 5–7 times a swap.
  const wt = new Float32Array(n), vl = new Float32Array(n), vc = new Float32Array(n);
  beardReference(L, A, B, sp, cover, zone, parts, thr, n, wt, vl, vc);
  const s = Math.max(1, o.sigma * faceW);
  const den = gaussBlur(wt, w, h, s), nl = gaussBlur(vl, w, h, s), nc = gaussBlur(vc, w, h, s);
  const out = new Uint8Array(n);
  beardColourTest(L, A, B, sp, zone, den, nl, nc, n, dark, o.chroma, out);
  // `worth`: whether the colour test's map is worth the texture test (else: undefined).
  if (worth && !worth(out)) return undefined;
  // The texture test last: it costs a full-size pass, paid only when the colour test found something.
  if (texture && out.includes(1)) {
    const box = setBox(out, w, h)!;
    const tex = texture({ x0: box.x0, y0: box.y0, x1: box.x1 + 1, y1: box.y1 + 1 });
    keepTextured(out, tex, n);
  }
  return out;
}

/** beardDarkMap()'s reference: weight 1, L and chroma on the source's skin (cover, outside zone and parts). */
function beardReference(L: Float32Array, A: Float32Array, B: Float32Array, sp: Float64Array, cover: Uint8Array, zone: Uint8Array, parts: Uint8Array, thr: number, n: number, wt: Float32Array, vl: Float32Array, vc: Float32Array): void {
  for (let i = 0; i < n; i++) {
    if (!cover[i] || zone[i] || parts[i] || skinZ(sp, L[i], A[i], B[i]) > thr) continue;
    wt[i] = 1;
    vl[i] = L[i];
    vc[i] = Math.hypot(A[i], B[i]);
  }
}

/** beardDarkMap()'s colour test over `zone`, against the blurred reference (den, nl, nc). */
function beardColourTest(L: Float32Array, A: Float32Array, B: Float32Array, sp: Float64Array, zone: Uint8Array, den: Float32Array, nl: Float32Array, nc: Float32Array, n: number, dark: number, chromaMax: number, out: Uint8Array): void {
  const eps = 0.05, gl = sp[0], gc = Math.hypot(sp[1], sp[2]);
  for (let i = 0; i < n; i++) {
    if (!zone[i]) continue;
    const d = den[i] + eps;
    const rl = (nl[i] + eps * gl) / d, rc = (nc[i] + eps * gc) / d;
    const light = rl > 1 ? L[i] / rl : 1;
    // A colourless reference (a greyscale photo): chroma cannot tell a beard from a shadow, and
    // lightness alone takes the shaded side of the face: nothing.
    const chroma = rc > 3 ? Math.hypot(A[i], B[i]) / rc : Infinity;
    // A shadow's chroma falls about as the square root of its lightness (shadedSkinZ): the chroma
    // is compared against that.
    const cs = chroma / Math.sqrt(Math.max(1e-3, light));
    if (light < dark && cs < chromaMax) out[i] = 1;
  }
}

/** beardDarkMap()'s texture test: keeps the pixels of `out` where `tex` > 0.25. */
function keepTextured(out: Uint8Array, tex: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) if (out[i] && !(tex[i]! > 0.25)) out[i] = 0;
}

/**
 * mask.beardDark.template's gate: the share of beardMouth's zone (inside the eroded coverage) that
 * is the template's beard, by the colour test (skin distance over `occThr`) or by `dark`.
 */
function templateBeardShare(lab: [Float32Array, Float32Array, Float32Array], tp: Float64Array, zone: Uint8Array, hard: Float32Array, dark: Uint8Array, occThr: number): number {
  const [L, A, B] = lab;
  let n = 0, k = 0;
  for (let i = 0; i < zone.length; i++) {
    if (!zone[i] || !hard[i]) continue;
    n++;
    if (dark[i] || skinZ(tp, L[i], A[i], B[i]) > occThr) k++;
  }
  return n ? k / n : 0;
}

/** boxBlur of `plane` over `rect` only (clipped to the plane; 0 elsewhere): for a plane that is 0 outside it. */
function blurWithin(plane: Float32Array, w: number, h: number, r: number, rect: Rect): Float32Array {
  const x0 = Math.max(0, rect.x0), y0 = Math.max(0, rect.y0), x1 = Math.min(w, rect.x1), y1 = Math.min(h, rect.y1);
  const out = new Float32Array(w * h);
  if (x1 <= x0 || y1 <= y0) return out;
  const cw = x1 - x0, ch = y1 - y0;
  const crop = new Float32Array(cw * ch);
  for (let y = 0; y < ch; y++) crop.set(plane.subarray((y0 + y) * w + x0, (y0 + y) * w + x1), y * cw);
  const b = boxBlur(crop, cw, ch, r);
  for (let y = 0; y < ch; y++) out.set(b.subarray(y * cw, (y + 1) * cw), (y0 + y) * w + x0);
  return out;
}

/**
 * mask.beardDark.texture at full size, for one face's lightness `L` and mesh: a box's share of
 * stubble texture over ~1.5 % of the face width (a dense beard's smooth core counts with its edge),
 * worked out on the box grown past its blur so that inside the box the blur's windows are whole.
 */
function beardTextureOf(full: MaskInput, L: Float32Array, mesh: ArrayLike<number>[], energy: number): (box: Rect) => Float32Array {
  const { w, h, x0, y0 } = full.roi;
  const r = Math.max(1, Math.round(0.015 * full.faceW));
  return (box: Rect) => {
    const grown = { x0: box.x0 - r - 1, y0: box.y0 - r - 1, x1: box.x1 + r + 1, y1: box.y1 + r + 1 };
    return blurWithin(stubbleMap(L, full.cover, w, h, mesh, x0, y0, full.faceW, energy, grown), w, h, r, grown);
  };
}

/**
 * mask.beardDark.moustache: in the upper part of beardMouth's `zone` (above the template's mouth
 * line: the inner lips' middle, or the mouth's corners where a smile lifts them), inside `hard`,
 * the template's pixels under `moustache` × its local skin lightness (beardDarkMap against its own
 * skin, `lower` the reference's hole as for mask.beardDark.template; no texture test: a dense
 * moustache's core is smooth) — when they are at least `moustacheShare` of each half of that part
 * (either side of the nose's base) — grown into the pixels under `moustacheGrow` × it joined to them,
 * less the parts under a tenth of the largest; else undefined.
 */
function templateMoustache(lab: [Float32Array, Float32Array, Float32Array], tp: Float64Array, cover: Uint8Array, lower: Uint8Array, zone: Uint8Array, hard: Float32Array, parts: Uint8Array, m: ArrayLike<number>[], g: UpAxis, x0: number, y0: number, w: number, h: number, faceW: number, opts: MaskOptions): Uint8Array | undefined {
  const o = opts.beardDark;
  const along = (p: ArrayLike<number>) => ((p[0] - x0 - g.ex) * g.ux + (p[1] - y0 - g.ey) * g.uy) / g.ul;
  const line = Math.min((along(m[13]) + along(m[14])) / 2, (along(m[61]) + along(m[291])) / 2);
  // The upper part, by halves: 1 on one side of the line along `up` through the nose's base, 2 on the other.
  const upper = new Uint8Array(w * h);
  const cx = m[2][0] - x0, cy = m[2][1] - y0;
  const n = [0, 0, 0];
  for (let y = 0; y < h; y++) {
    const py = y + 0.5 - g.ey;
    for (let x = 0, i = y * w; x < w; x++, i++) {
      if (!zone[i] || !hard[i] || ((x + 0.5 - g.ex) * g.ux + py * g.uy) / g.ul <= line) continue;
      upper[i] = (x + 0.5 - cx) * g.uy - (y + 0.5 - cy) * g.ux < 0 ? 1 : 2;
      n[upper[i]]++;
    }
  }
  if (!n[1] || !n[2]) return undefined;
  const gated = { ...opts, beardDark: { ...o, chroma: o.moustacheChroma > 0 ? o.moustacheChroma : Number.MAX_VALUE } };
  const dark = beardDarkMap(lab, tp, cover, lower, parts, w, h, faceW, o.moustache, gated);
  if (!dark) return undefined;
  const k = [0, 0, 0];
  for (let i = 0; i < dark.length; i++) {
    dark[i] = dark[i] && upper[i] ? 1 : 0;
    if (dark[i]) k[upper[i]]++;
  }
  // A moustache covers both sides of the philtrum; a side light's shadow or a smile fold, one.
  if (k[1] / n[1] < o.moustacheShare || k[2] / n[2] < o.moustacheShare) return undefined;
  // Its lighter edge and thinner ends: the parts of the `moustacheGrow` map that hold a core pixel.
  const grown = o.moustacheGrow > o.moustache ? beardDarkMap(lab, tp, cover, lower, parts, w, h, faceW, o.moustacheGrow, gated) : undefined;
  const kept = grown ? partsHolding(grown.map((v, i) => (v && upper[i] ? 1 : 0)), dark, w, h) : dark;
  dropSmallParts(kept, w, h, 0.1);
  return kept;
}

/** keepJoined() for the template's moustache (in beardMouth's zone) and its under-lip stubble (in the lower face). */
function keepKept(occ: Float32Array, before: Float32Array, moustache: Uint8Array | undefined, underLip: Uint8Array | undefined, zone: Uint8Array, lower: Uint8Array, w: number, h: number): void {
  if (moustache) keepJoined(occ, before, moustache, zone, w, h);
  if (underLip) keepJoined(occ, before, underLip, lower, w, h);
}

/**
 * mask.beardDark.underLip: the band of `lower` (inside `hard`, outside the parts) between the
 * template's lower lip (below its lowest point, mesh 17) and 40 % of the way on to the chin's tip
 * (152), between the mouth's corners (61, 291) across; its pixels where `stubble` > 0.5 when they
 * are at least `share` of it; else undefined.
 */
function templateUnderLip(stubble: Float32Array, lower: Uint8Array, hard: Float32Array, parts: Uint8Array, m: ArrayLike<number>[], g: UpAxis, x0: number, y0: number, w: number, h: number, share: number): Uint8Array | undefined {
  const along = (x: number, y: number) => ((x - g.ex) * g.ux + (y - g.ey) * g.uy) / g.ul;
  const across = (x: number, y: number) => ((x - g.ex) * g.uy - (y - g.ey) * g.ux) / g.ul;
  const top = along(m[17][0] - x0, m[17][1] - y0), chin = along(m[152][0] - x0, m[152][1] - y0);
  const bottom = top + 0.4 * (chin - top);
  const a = across(m[61][0] - x0, m[61][1] - y0), b = across(m[291][0] - x0, m[291][1] - y0);
  const lo = Math.min(a, b), hi = Math.max(a, b);
  const out = new Uint8Array(w * h);
  let n = 0, k = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0, i = y * w; x < w; x++, i++) {
      if (!lower[i] || !hard[i] || parts[i]) continue;
      const t = along(x + 0.5, y + 0.5), c = across(x + 0.5, y + 0.5);
      if (t >= top || t <= bottom || c < lo || c > hi) continue;
      n++;
      if (stubble[i] > 0.5) { out[i] = 1; k++; }
    }
  }
  return n && k / n >= share ? out : undefined;
}

/** The 4-connected parts of a 0/1 plane that hold a pixel of `seed`. */
function partsHolding(plane: Uint8Array, seed: Uint8Array, w: number, h: number): Uint8Array {
  const n = w * h;
  const out = new Uint8Array(n);
  const queue = new Int32Array(n);
  let qe = 0;
  for (let i = 0; i < n; i++) if (plane[i] && seed[i]) { out[i] = 1; queue[qe++] = i; }
  for (let qs = 0; qs < qe; qs++) {
    const i = queue[qs];
    const x = i % w;
    for (const j of [x > 0 ? i - 1 : -1, x < w - 1 ? i + 1 : -1, i - w, i + w]) {
      if (j < 0 || j >= n || out[j] || !plane[j]) continue;
      out[j] = 1;
      queue[qe++] = j;
    }
  }
  return out;
}

/** Drops the 4-connected parts of a 0/1 plane smaller than `frac` × its largest (a mole, a fold's shadow beside a moustache). */
function dropSmallParts(plane: Uint8Array, w: number, h: number, frac: number): void {
  const n = w * h;
  const label = new Int32Array(n);
  const queue = new Int32Array(n);
  const sizes = [0];
  for (let s = 0; s < n; s++) {
    if (!plane[s] || label[s]) continue;
    const id = sizes.length;
    let qe = 0;
    label[s] = id;
    queue[qe++] = s;
    for (let qs = 0; qs < qe; qs++) {
      const i = queue[qs];
      const x = i % w;
      for (const j of [x > 0 ? i - 1 : -1, x < w - 1 ? i + 1 : -1, i - w, i + w]) {
        if (j < 0 || j >= n || label[j] || !plane[j]) continue;
        label[j] = id;
        queue[qe++] = j;
      }
    }
    sizes.push(qe);
  }
  const min = frac * Math.max(...sizes);
  for (let i = 0; i < n; i++) if (plane[i] && sizes[label[i]] < min) plane[i] = 0;
}

/**
 * mask.beardDark.moustache: `occ` gets back the pixels of `before` (the smoothed occluders, before
 * the edge rule) in `zone` joined there (4-neighbours) to a pixel of `seed` that is in `before`.
 */
function keepJoined(occ: Float32Array, before: Float32Array, seed: Uint8Array, zone: Uint8Array, w: number, h: number): void {
  const n = w * h;
  const seen = new Uint8Array(n);
  const queue = new Int32Array(n);
  let qe = 0;
  for (let i = 0; i < n; i++) if (seed[i] && zone[i] && before[i]) { seen[i] = 1; queue[qe++] = i; }
  for (let qs = 0; qs < qe; qs++) {
    const i = queue[qs];
    const x = i % w;
    for (const j of [x > 0 ? i - 1 : -1, x < w - 1 ? i + 1 : -1, i - w, i + w]) {
      if (j < 0 || j >= n || seen[j] || !zone[j] || !before[j]) continue;
      seen[j] = 1;
      queue[qe++] = j;
    }
  }
  for (let i = 0; i < n; i++) if (seen[i]) occ[i] = before[i];
}

/** a or b, as a 0/1 plane. */
function orU8(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] | b[i];
  return out;
}

/** a and not b, as a 0/1 plane. */
function minusPlane(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] && !b[i] ? 1 : 0;
  return out;
}

/** Lower nose (tip, wings, base): never beard. */
export const NOSE_LOW = [1, 2, 4, 5, 19, 94, 97, 326, 98, 327, 64, 294, 129, 358, 48, 278, 240, 460, 75, 305];

/**
 * mask.beardMouth's zone: inside the features' hull, below the nose's base (point 2, the lower of
 * the two meshes' along `up`), outside the lower nose's hull and both meshes' outer lip contour
 * (each grown a little); with `lift` (px, mask.beardDark) from that far above the nose's base.
 * `ownNose` (mask.beardDark.nose): the nose's base and hull are the warped source's (`dst`) alone.
 */
function mouthBeardZone(features: Uint8Array, dst: ArrayLike<number>[], tgt: ArrayLike<number>[], g: UpAxis, x0: number, y0: number, faceW: number, w: number, h: number, lift = 0, ownNose = false): Uint8Array {
  const guard = new Uint8Array(w * h);
  for (const mesh of [dst, tgt]) {
    fillPolygon(guard, w, h, growPolygon(shifted(pick(mesh, LIPS_OUTER), x0, y0), 0.006 * faceW), 1);
    if (!ownNose || mesh === dst) fillPolygon(guard, w, h, growPolygon(convexHull(shifted(pick(mesh, NOSE_LOW), x0, y0)), 0.006 * faceW), 1);
  }
  const along = (p: ArrayLike<number>) => ((p[0] - x0 - g.ex) * g.ux + (p[1] - y0 - g.ey) * g.uy) / g.ul;
  const top = (ownNose ? along(dst[2]) : Math.min(along(dst[2]), along(tgt[2]))) + lift;
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const py = y + 0.5 - g.ey;
    for (let x = 0, i = y * w; x < w; x++, i++) {
      if (!features[i] || guard[i]) continue;
      if (((x + 0.5 - g.ex) * g.ux + py * g.uy) / g.ul < top) out[i] = 1;
    }
  }
  return out;
}

/** beardMouth's zone, plus the covered pixels outside the features' hull below the nose's base (point 2, the lower of the two meshes'). */
function lowerFace(zone: Uint8Array, features: Uint8Array, cover: Uint8Array, dst: ArrayLike<number>[], tgt: ArrayLike<number>[], g: UpAxis, x0: number, y0: number, w: number, h: number): Uint8Array {
  const along = (p: ArrayLike<number>) => ((p[0] - x0 - g.ex) * g.ux + (p[1] - y0 - g.ey) * g.uy) / g.ul;
  const top = Math.min(along(dst[2]), along(tgt[2]));
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const py = y + 0.5 - g.ey;
    for (let x = 0, i = y * w; x < w; x++, i++) {
      if (zone[i]) out[i] = 1;
      else if (cover[i] && !features[i] && ((x + 0.5 - g.ex) * g.ux + py * g.uy) / g.ul < top) out[i] = 1;
    }
  }
  return out;
}

/** The features' hull, less what lies at the face's sides outside the eyes, brows and lips. */
function sideGuard(features: Uint8Array, parts: Uint8Array, sides: Uint8Array): Uint8Array {
  const out = new Uint8Array(features.length);
  for (let i = 0; i < out.length; i++) out[i] = features[i] && (!sides[i] || parts[i]) ? 1 : 0;
  return out;
}

/**
 * Covered pixels at least `minLat` px from the face's vertical midline (perpendicular to `up`,
 * through the eyes' middle), and not below `minUp` px along `up` from the eyes' middle: 1 on one
 * side of the midline, 2 on the other.
 */
function lateralZone(cover: Uint8Array, g: UpAxis, minLat: number, w: number, h: number, minUp = -Infinity): Uint8Array {
  const out = new Uint8Array(w * h);
  const rx = g.uy / g.ul, ry = -g.ux / g.ul;
  for (let y = 0; y < h; y++) {
    const py = (y + 0.5 - g.ey) * ry;
    const pu = (y + 0.5 - g.ey) * g.uy;
    for (let x = 0, i = y * w; x < w; x++, i++) {
      if (!cover[i]) continue;
      const lat = (x + 0.5 - g.ex) * rx + py;
      if (Math.abs(lat) < minLat || ((x + 0.5 - g.ex) * g.ux + pu) / g.ul < minUp) continue;
      out[i] = lat < 0 ? 1 : 2;
    }
  }
  return out;
}

/** Per pixel, its distance (px) from the face's vertical midline (perpendicular to `up`, through the eyes' middle). */
function lateralDistance(g: UpAxis, w: number, h: number): Float32Array {
  const out = new Float32Array(w * h);
  const rx = g.uy / g.ul, ry = -g.ux / g.ul;
  for (let y = 0; y < h; y++) {
    const py = (y + 0.5 - g.ey) * ry;
    for (let x = 0, i = y * w; x < w; x++, i++) out[i] = Math.abs((x + 0.5 - g.ex) * rx + py);
  }
  return out;
}

function u8ToF32(a: Uint8Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i];
  return out;
}

function nonZero(a: Float32Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) if (a[i] > 1e-6) out[i] = 1;
  return out;
}

/**
 * buildMask() on a copy of the inputs reduced k× (box averages over covered pixels), its planes
 * brought back to full size: the mask is smooth where it is soft, and its hard edges are the
 * coverage's, re-applied at full resolution, so alpha is still exactly 0 wherever the warped face
 * is not. Most of the mask's cost scales with the pixels: k = 2 quarters it.
 */
export function buildMaskAt(args: MaskInput, k: number): FaceMask {
  args = applyVisibility(args);
  // glasses.source: the source's own glasses painted out of it (its Lab planes, in place).
  if (args.opts.glasses.source > 0) removeSourceGlasses(args.sourceLab, args.cover, args.roi.w, args.roi.h, shifted(args.dstMesh, args.roi.x0, args.roi.y0), args.faceW, args.opts.glasses);
  const { w, h } = args.roi;
  const st = args.opts.stubble;
  if (st.energy > 0 && args.opts.beardMouth > 0 && args.opts.occluderThreshold > 0) {
    // mask.stubble: the texture is only there at full size; the cells get its share.
    const { x0, y0 } = args.roi;
    const target = stubbleMap(args.targetLab[0], args.cover, w, h, args.targetMesh, x0, y0, args.faceW, st.energy);
    const source = st.source > 0 && args.opts.beardMouth >= 2 ? stubbleMap(args.sourceLab[0], args.cover, w, h, args.dstMesh, x0, y0, args.faceW, st.energy) : undefined;
    args = { ...args, stubble: { target, source } };
  }
  const bd = args.opts.beardDark;
  if (bd.dark > 0 && bd.texture > 0 && args.opts.beardMouth >= 2 && args.opts.occluderThreshold > 0) {
    // mask.beardDark.texture: at full size, like mask.stubble (beardTextureOf).
    // A full-size pass, so only for a source with a dark, greyish pixel in the zone (most have none).
    args = { ...args, beardTexture: beardTextureOf(args, args.sourceLab[0], args.dstMesh, bd.texture) };
  }
  if (bd.template > 0 && bd.texture > 0 && args.opts.beardMouth >= 1 && args.opts.keepBeard && args.opts.occluderThreshold > 0) {
    // mask.beardDark.template: the same on the template's lightness, its forehead the reference.
    args = { ...args, templateBeardTexture: beardTextureOf(args, args.targetLab[0], args.targetMesh, bd.texture) };
  }
  if (bd.underLip > 0 && bd.template > 0 && args.opts.beardMouth >= 1 && args.opts.keepBeard && args.opts.occluderThreshold > 0) {
    // mask.beardDark.underLip: the template's stubble texture, at full size, around its mouth and chin.
    const { x0, y0 } = args.roi, tm = args.targetMesh;
    const ids = [61, 291, 17, 152, 172, 397];
    const xs = ids.map((i) => tm[i][0] - x0), ys = ids.map((i) => tm[i][1] - y0);
    const pad = Math.round(0.05 * args.faceW);
    const only: Rect = { x0: Math.floor(Math.min(...xs)) - pad, y0: Math.floor(Math.min(...ys)) - pad, x1: Math.ceil(Math.max(...xs)) + pad + 1, y1: Math.ceil(Math.max(...ys)) + pad + 1 };
    args = { ...args, underLipStubble: stubbleMap(args.targetLab[0], args.cover, w, h, tm, x0, y0, args.faceW, bd.underLip, only) };
  }
  if (k <= 1) {
    const m = buildMask(args);
    if (m.hairKeep) applyHairEdge(m.alpha, m.hairKeep, w, h, 1, args, m.moustache);
    if (m.glassesLow) applyFullRims(m.alpha, m.glassesLow, w, h, 1, args);
    return m;
  }
  const low = reduceInputs(args, k);
  const m = buildMask(low);
  const out = { ...m, ...expandMask(m, args.cover, low.roi.w, low.roi.h, k, w, h) };
  if (m.hairKeep) applyHairEdge(out.alpha, m.hairKeep, low.roi.w, low.roi.h, k, args, m.moustache);
  if (m.glassesLow) applyFullRims(out.alpha, m.glassesLow, low.roi.w, low.roi.h, k, args);
  return out;
}

/**
 * glasses.fullRes: the template's rims cut into alpha at full size. At the mask's working size
 * (~240 px across the face) a thin rim is a pixel or less, diluted by its cell's skin: stretches
 * of it fell under the darkness test and the source's skin was drawn over them (a rim broken on
 * one side), and what was kept was blocky and wide (the template's skin as a halo around the
 * rims). Here the rims are traced again on the full-size lightness, so only the rim's own pixels
 * (and a pixel of its antialiased edge) stay, behind a feather of `fullFeather` face widths; when
 * the full-size trace refuses them, the working-size rims (`low`) are brought back up instead.
 * alpha is only lowered.
 */
function applyFullRims(alpha: Float32Array, low: Uint8Array, lw: number, lh: number, k: number, args: MaskInput): void {
  const { roi, cover, faceW, opts } = args;
  const { w, h, x0, y0 } = roi;
  const g = opts.glasses;
  // fullRes 2: traced closer to the eyes (trace 2). At k = 1, fullRes 1's trace is the working size's.
  const found = k === 1 && g.fullRes < 2 ? low : glassesMask(args.targetLab[0], cover, w, h, shifted(args.targetMesh, x0, y0), faceW, g.fullRes >= 2 ? { ...g, trace: 2 } : g);
  const rims = found ?? nearestUp(low, lw, lh, k, cover, w, h);
  scaleWhereSet(alpha, featherHoles(notEither(rims), w, h, Math.max(1, Math.round(g.fullFeather * faceW))));
}

/** A k× reduced 0/1 plane brought to full size (nearest cell), only where covered. */
function nearestUp(low: Uint8Array, lw: number, lh: number, k: number, cover: Uint8Array, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const row = Math.min(lh - 1, (y / k) | 0) * lw;
    for (let x = 0; x < w; x++) out[y * w + x] = low[row + Math.min(lw - 1, (x / k) | 0)] && cover[y * w + x] ? 1 : 0;
  }
  return out;
}

/**
 * mask.hairEdge, at full size: the kept hair (`keepLow`, lw × lh, k× reduced) brought back as a
 * smooth contour, grown into hair-coloured pixels (template or source skin distance over growZ)
 * outside the eyes, brows and lips, and feathered by its distance; alpha (full size) is
 * multiplied by that feather, so it stays 0 wherever it was.
 */
function applyHairEdge(alpha: Float32Array, keepLow: Float32Array, lw: number, lh: number, k: number, args: MaskInput, spareLips = false): void {
  const { roi, cover, faceW, opts } = args;
  const { w, h, x0, y0 } = roi;
  const o = opts.hairEdge;
  const keep = upsampleKeep(keepLow, lw, lh, k, cover, w, h);
  // The cells' steps, the boxes' corners and the skin test's notches and spikes: a round blur
  // (σ `round` face widths), then its half-way contour; what is narrower than about 2σ goes.
  if (o.round > 0) roundContour(keep, cover, w, h, o.round * faceW);
  const steps = Math.round(o.grow * faceW);
  if (steps > 0) {
    const guard = new Uint8Array(w * h);
    for (const mesh of [args.dstMesh, args.targetMesh]) {
      for (const ids of [EYE_LEFT, EYE_RIGHT, BROW_LEFT, BROW_RIGHT]) fillPolygon(guard, w, h, growPolygon(convexHull(shifted(pick(mesh, ids), x0, y0)), 0.02 * faceW), 1);
      fillPolygon(guard, w, h, growPolygon(shifted(pick(mesh, LIPS_OUTER), x0, y0), 0.01 * faceW), 1);
    }
    growHair(keep, w, h, steps, { cover, target: skinParams(args.targetSkin), source: skinParams(args.sourceSkin), z: o.growZ, targetLab: args.targetLab, sourceLab: args.sourceLab }, guard);
    // The growth's ragged pixels: the same at a third of the scale.
    if (o.round > 0) roundContour(keep, cover, w, h, (o.round * faceW) / 3);
  }
  const f = distanceFeather(keep, w, h, Math.max(1, o.feather * faceW));
  if (spareLips) {
    // mask.beardDark.moustache: the kept moustache's feather would fade the source's upper lip
    // (its moustache grows down to the lip's edge): over the source's lips only what is kept counts.
    const lips = new Uint8Array(w * h);
    fillPolygon(lips, w, h, shifted(pick(args.dstMesh, LIPS_OUTER), x0, y0), 1);
    for (let i = 0; i < f.length; i++) if (lips[i] && !keep[i]) f[i] = 1;
  }
  scaleWhereSet(alpha, f);
}

/** alpha ·= f where alpha is set (a kernel of its own: applyHairEdge is glue, run once a swap). */
function scaleWhereSet(alpha: Float32Array, f: Float32Array): void {
  for (let i = 0; i < alpha.length; i++) if (alpha[i] !== 0) alpha[i] *= f[i];
}

/**
 * The inputs of buildMask() reduced k×, in one pass over the covered full-size pixels (the rest
 * of the ROI adds nothing: Lab and stretch are 0 there). Lab planes are means over the covered
 * pixels of a cell; coverage and stretch are means over the whole cell.
 */
function reduceInputs(args: MaskInput, k: number): MaskInput {
  const { roi, cover } = args;
  const { w, h } = roi;
  const lw = Math.ceil(w / k), lh = Math.ceil(h / k);
  const ln = lw * lh;
  const lab = [new Float32Array(ln), new Float32Array(ln), new Float32Array(ln), new Float32Array(ln), new Float32Array(ln), new Float32Array(ln)];
  const stLow = args.stretch ? new Float32Array(ln) : undefined;
  const coverLow = new Uint8Array(ln);
  reduceCells([...args.targetLab, ...args.sourceLab], lab, cover, args.stretch, coverLow, stLow, w, h, k);
  return {
    ...args,
    roi: { ...roi, x0: 0, y0: 0, w: lw, h: lh },
    cover: coverLow,
    stretch: stLow,
    dstMesh: scaled(args.dstMesh, roi.x0, roi.y0, k),
    targetMesh: scaled(args.targetMesh, roi.x0, roi.y0, k),
    targetLab: [lab[0], lab[1], lab[2]],
    sourceLab: [lab[3], lab[4], lab[5]],
    faceW: args.faceW / k,
    ...(args.hands && { hands: reduceAny(args.hands, w, h, k) }),
    ...(args.stubble && { stubble: { target: reduceMean(args.stubble.target, w, h, k), source: args.stubble.source && reduceMean(args.stubble.source, w, h, k) } }),
    ...(args.beardTexture && { beardTexture: (box: Rect) => reduceMean(args.beardTexture!({ x0: box.x0 * k, y0: box.y0 * k, x1: Math.min(w, box.x1 * k), y1: Math.min(h, box.y1 * k) }), w, h, k) }),
    ...(args.underLipStubble && { underLipStubble: reduceMean(args.underLipStubble, w, h, k) }),
    ...(args.templateBeardTexture && { templateBeardTexture: (box: Rect) => reduceMean(args.templateBeardTexture!({ x0: box.x0 * k, y0: box.y0 * k, x1: Math.min(w, box.x1 * k), y1: Math.min(h, box.y1 * k) }), w, h, k) }),
  };
}

/** A 0/1 plane over k×k cells: 1 where at least a quarter of the cell is set. */
function reduceAny(p: Uint8Array, w: number, h: number, k: number): Uint8Array {
  const f = new Float32Array(p.length);
  for (let i = 0; i < p.length; i++) f[i] = p[i];
  const m = reduceMean(f, w, h, k);
  const out = new Uint8Array(m.length);
  for (let i = 0; i < m.length; i++) out[i] = m[i] >= 0.25 ? 1 : 0;
  return out;
}

/** A plane's means over k×k cells. */
function reduceMean(p: Float32Array, w: number, h: number, k: number): Float32Array {
  const lw = Math.ceil(w / k), lh = Math.ceil(h / k);
  const sum = new Float32Array(lw * lh), cnt = new Float32Array(lw * lh);
  for (let y = 0; y < h; y++) {
    const row = ((y / k) | 0) * lw;
    for (let x = 0, i = y * w; x < w; x++, i++) {
      const c = row + ((x / k) | 0);
      sum[c] += p[i];
      cnt[c]++;
    }
  }
  for (let c = 0; c < sum.length; c++) sum[c] = cnt[c] ? sum[c] / cnt[c] : 0;
  return sum;
}

/**
 * The reduction's loop (its own function, so that it is optimised as one unit): per k×k cell, the
 * means of the six Lab planes over its covered pixels, of `stretch` over the whole cell, and
 * whether it is fully covered. Row by row, each pixel added into its cell's slot of one row of
 * accumulators (8 a cell, interleaved: one cache line); memory is walked in order.
 */
function reduceCells(src: Float32Array[], dst: Float32Array[], cover: Uint8Array, st: Float32Array | undefined, coverLow: Uint8Array, stLow: Float32Array | undefined, w: number, h: number, k: number): void {
  const [t0, t1, t2, s0, s1, s2] = src;
  const [u0, u1, u2, v0, v1, v2] = dst;
  const lw = Math.ceil(w / k), lh = Math.ceil(h / k);
  const acc = new Float64Array(lw * 8);
  const cellX = new Int32Array(w);
  for (let x = 0; x < w; x++) cellX[x] = ((x / k) | 0) * 8;
  for (let cy = 0; cy < lh; cy++) {
    acc.fill(0);
    const ya = cy * k, yb = Math.min(h, ya + k);
    for (let y = ya; y < yb; y++) {
      for (let x = 0, i = y * w; x < w; x++, i++) {
        if (!cover[i]) continue;
        const a = cellX[x];
        acc[a]++;
        acc[a + 1] += t0[i]; acc[a + 2] += t1[i]; acc[a + 3] += t2[i];
        acc[a + 4] += s0[i]; acc[a + 5] += s1[i]; acc[a + 6] += s2[i];
        if (st) acc[a + 7] += st[i];
      }
    }
    for (let cx = 0; cx < lw; cx++) {
      const a = cx * 8, c = cy * lw + cx;
      const cnt = acc[a];
      const cells = (Math.min(w, cx * k + k) - cx * k) * (yb - ya);
      // Fully covered cells only: the reduced mask never reaches past the full-size coverage.
      coverLow[c] = cnt / cells > 0.999 ? 1 : 0;
      if (stLow) stLow[c] = acc[a + 7] / cells;
      if (cnt) {
        u0[c] = acc[a + 1] / cnt; u1[c] = acc[a + 2] / cnt; u2[c] = acc[a + 3] / cnt;
        v0[c] = acc[a + 4] / cnt; v1[c] = acc[a + 5] / cnt; v2[c] = acc[a + 6] / cnt;
      }
    }
  }
}

/**
 * The reduced mask's planes back to full size (bilinear from cell centres), only where the
 * full-size coverage is set (everything is 0 elsewhere). The binary planes are packed into one
 * code a cell. Between four cell centres that agree (nearly everywhere) there is nothing to
 * interpolate: each such quad is found once, its pixels are filled or, when all 0, skipped.
 */
function expandMask(m: FaceMask, cover: Uint8Array, lw: number, lh: number, k: number, w: number, h: number): Pick<FaceMask, 'alpha' | 'skin' | 'light' | 'ring'> {
  const n = w * h;
  const code = new Uint8Array(lw * lh);
  const quad = new Uint8Array(lw * lh);
  quadKinds(m.alpha, m.skin, m.light, m.ring, lw, lh, code, quad);
  const out = { alpha: new Float32Array(n), skin: new Float32Array(n), light: new Float32Array(n), ring: new Uint8Array(n) };
  const xt = bilinearTaps(w, lw, k);
  const yt = bilinearTaps(h, lh, k);
  // Runs of pixels that share their two cell columns (k long; the second is always
  // min(lw - 1, first + 1), as in the quads).
  const starts: number[] = [];
  for (let x = 0; x < w; x++) if (x === 0 || xt.i0[x] !== xt.i0[x - 1]) starts.push(x);
  starts.push(w);
  const runs = Int32Array.from(starts);
  for (let y = 0; y < h; y++) expandRow(y, yt.i0[y] * lw, yt.i1[y] * lw, yt.t[y], runs, xt.i0, xt.i1, xt.t, m.alpha, code, quad, cover, w, out.alpha, out.skin, out.light, out.ring);
  return out;
}

/**
 * code[c]: the cell's skin | light << 1 | ring << 2. quad[c], for the quad whose top-left cell is
 * c: 0 = mixed, 1 = all zero, 2 = uniform and not zero.
 */
function quadKinds(la: Float32Array, ls: Float32Array, ll: Float32Array, lr: Uint8Array, lw: number, lh: number, code: Uint8Array, quad: Uint8Array): void {
  for (let c = 0; c < code.length; c++) code[c] = (ls[c] ? 1 : 0) | (ll[c] ? 2 : 0) | (lr[c] ? 4 : 0);
  for (let cy = 0; cy < lh; cy++) {
    const r0 = cy * lw, r1 = Math.min(lh - 1, cy + 1) * lw;
    for (let cx = 0; cx < lw; cx++) {
      const c1 = Math.min(lw - 1, cx + 1);
      const a = la[r0 + cx], q = code[r0 + cx];
      if (a === la[r0 + c1] && a === la[r1 + cx] && a === la[r1 + c1] && q === code[r0 + c1] && q === code[r1 + cx] && q === code[r1 + c1]) quad[r0 + cx] = a === 0 && q === 0 ? 1 : 2;
    }
  }
}

/** One full-size row of expandMask(): r0, r1 are its two cell rows' offsets, ty the weight of r1. */
function expandRow(
  y: number, r0: number, r1: number, ty: number, runs: Int32Array, cx0: Int32Array, cx1: Int32Array, ctx: Float64Array,
  la: Float32Array, code: Uint8Array, quad: Uint8Array, cover: Uint8Array, w: number,
  alpha: Float32Array, skin: Float32Array, light: Float32Array, ring: Uint8Array,
): void {
  const row = y * w;
  // Consecutive uniform runs with the same values are filled as one span (the face's inside).
  let fillFrom = -1, fillTo = -1, fillA = 0, fillC = 0;
  for (let s = 0; s + 1 < runs.length; s++) {
    const xs = runs[s], xe = runs[s + 1];
    const i00 = r0 + cx0[xs], i01 = r0 + cx1[xs], i10 = r1 + cx0[xs], i11 = r1 + cx1[xs];
    const kind = quad[i00];
    if (kind === 2) {
      // Alpha > 0 and every code bit need a fully covered cell: the four are, and so is every
      // pixel between their centres.
      const a = la[i00], c = code[i00];
      if (fillTo === xs && a === fillA && c === fillC) {
        fillTo = xe;
        continue;
      }
      if (fillTo > fillFrom) fillSpan(row + fillFrom, row + fillTo, fillA, fillC, alpha, skin, light, ring);
      fillFrom = xs, fillTo = xe, fillA = a, fillC = c;
      continue;
    }
    if (kind === 1) continue;
    for (let x = xs; x < xe; x++) {
      const i = row + x;
      if (!cover[i]) continue;
      const tx = ctx[x];
      const a = lerp2(la[i00], la[i01], la[i10], la[i11], tx, ty);
      const am = Math.min(1, a); // on every pixel: see fillSpan()
      alpha[i] = a > 1e-3 ? am : 0;
      let c = 0;
      for (let bit = 1; bit <= 4; bit <<= 1) {
        const v = lerp2(code[i00] & bit, code[i01] & bit, code[i10] & bit, code[i11] & bit, tx, ty);
        if (v > 0.5 * bit) c |= bit;
      }
      if (c & 1) skin[i] = 1;
      if (c & 2) light[i] = 1;
      if (c & 4) ring[i] = 1;
    }
  }
  if (fillTo > fillFrom) fillSpan(row + fillFrom, row + fillTo, fillA, fillC, alpha, skin, light, ring);
}

/** Pixels [from, to) of a uniform quad row: alpha from the cells' a, the code's bits set. */
function fillSpan(from: number, to: number, a: number, c: number, alpha: Float32Array, skin: Float32Array, light: Float32Array, ring: Uint8Array): void {
  // Math.min and every fill run on each call (a bit not set fills the empty range [from, from)), so
  // that none is met first in optimised code without type feedback: that deoptimised expandRow, into
  // which this is inlined, up to 90 times a swap.
  const am = Math.min(1, a);
  alpha.fill(a > 1e-3 ? am : 0, from, to);
  skin.fill(1, from, c & 1 ? to : from);
  light.fill(1, from, c & 2 ? to : from);
  ring.fill(1, from, c & 4 ? to : from);
}

/** Bilinear from cell centres (bilinearTaps), the interpolated values rounded to float32. */
function lerp2(v00: number, v01: number, v10: number, v11: number, tx: number, ty: number): number {
  const a = v00 + (v01 - v00) * tx;
  const b = v10 + (v11 - v10) * tx;
  return Math.fround(a + (b - a) * ty);
}

/** Mesh points in a ROI's pixels reduced k×. */
function scaled(mesh: ArrayLike<number>[], x0: number, y0: number, k: number): [number, number][] {
  const out: [number, number][] = new Array(mesh.length);
  for (let i = 0; i < mesh.length; i++) out[i] = [(mesh[i][0] - x0) / k, (mesh[i][1] - y0) / k];
  return out;
}

/**
 * Keeps only the parts of `occ` (inside `hard`) that touch the hard mask's outside (4-connected):
 * hair, hats and hands reach into the face from its edge; brows and moles do not.
 */
export function keepConnectedToEdge(occ: Float32Array, hard: Float32Array, w: number, h: number): void {
  const n = w * h;
  const seen = new Uint8Array(n);
  const queue = new Int32Array(n);
  // Three kernels (seeds, search, clearing), no closure: as one function with a closure made per
  // call, each loop was optimised mid-way and deoptimised after it ("wrong call target" included).
  const qe = edgeSeeds(occ, hard, w, h, seen, queue);
  edgeSearch(occ, hard, w, n, seen, queue, qe);
  for (let i = 0; i < n; i++) if (occ[i] && hard[i] && !seen[i]) occ[i] = 0;
}

/** keepConnectedToEdge()'s seeds: the occluder's pixels on the hard mask's edge, marked in `seen` and queued; returns their count. */
function edgeSeeds(occ: Float32Array, hard: Float32Array, w: number, h: number, seen: Uint8Array, queue: Int32Array): number {
  const n = w * h;
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
  return qe;
}

/** keepConnectedToEdge()'s breadth-first search over the 4 neighbours from the `qe` queued seeds. */
function edgeSearch(occ: Float32Array, hard: Float32Array, w: number, n: number, seen: Uint8Array, queue: Int32Array, qe: number): void {
  for (let qs = 0; qs < qe; qs++) {
    const i = queue[qs];
    const x = i % w;
    if (x > 0) qe = visitEdge(i - 1, occ, hard, seen, queue, qe);
    if (x < w - 1) qe = visitEdge(i + 1, occ, hard, seen, queue, qe);
    if (i >= w) qe = visitEdge(i - w, occ, hard, seen, queue, qe);
    if (i + w < n) qe = visitEdge(i + w, occ, hard, seen, queue, qe);
  }
}

/** Queues pixel j (an occluder pixel inside `hard` not yet seen); returns the queue's new length. */
function visitEdge(j: number, occ: Float32Array, hard: Float32Array, seen: Uint8Array, queue: Int32Array, qe: number): number {
  if (seen[j] || !occ[j] || !hard[j]) return qe;
  seen[j] = 1;
  queue[qe++] = j;
  return qe;
}

/**
 * keepConnectedToEdge, where in `zone` the occluders' connectivity is that of their dilation by
 * `r` px (gaps up to 2r bridged); the pixels kept are the occluders' own.
 */
export function keepBridgedToEdge(occ: Float32Array, hard: Float32Array, zone: Uint8Array, w: number, h: number, r: number): void {
  const inZone = new Float32Array(occ.length);
  for (let i = 0; i < occ.length; i++) if (occ[i] && zone[i]) inZone[i] = 1;
  const grown = boxBlur(inZone, w, h, r);
  const reach = occ.slice();
  for (let i = 0; i < occ.length; i++) if (zone[i] && grown[i] > 1e-6) reach[i] = 1;
  keepConnectedToEdge(reach, hard, w, h);
  for (let i = 0; i < occ.length; i++) if (occ[i] && hard[i] && !reach[i]) occ[i] = 0;
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
  return onHoleWindow(m, w, h, 3 * r + 2, true, (win, cw, ch) => feather(win, cw, ch, r));
}

// ---------------------------------------------------------------------------------------------
// Source visibility (mask.visibility): a source turned away from the camera shows its far side
// foreshortened, and hides part of it behind the nose. The warp stretches what little is left
// (the nose's silhouette becomes a hard line from the inner eye corner to the mouth, the far
// cheek a grey smear). Here each mesh vertex's visibility in the source (the cosine between its
// surface normal and the view direction, from the source's own 3-D mesh) is compared with the
// template's at the same point; where the source saw that part of the face much more obliquely,
// its pixels are filled from the near side mirrored across the face's midline, and what cannot
// be filled fades to the template.

/**
 * Delaunay triangulation (Bowyer–Watson) of 2-D points, as flat index triples, counter-clockwise
 * in image coordinates (y down: positive cross product). Only used for smooth fields over the
 * mesh's points, so it need not match Human's triangulation; it never folds.
 */
export function delaunay(pts: ArrayLike<number>[]): { tris: Int32Array; twin: Int32Array } {
  const n = pts.length;
  // Meshes with integer coordinates repeat points and put several on one circle: repeated points
  // are left out (twin[i]: the first equal point), and the rest are shifted by a deterministic
  // hair (1e-4 of the extent) so that no four are co-circular.
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const p of pts) {
    minX = Math.min(minX, p[0]); minY = Math.min(minY, p[1]);
    maxX = Math.max(maxX, p[0]); maxY = Math.max(maxY, p[1]);
  }
  const d = Math.max(maxX - minX, maxY - minY, 1) * 20;
  const mx = (minX + maxX) / 2, my = (minY + maxY) / 2;
  const X = new Float64Array(n + 3), Y = new Float64Array(n + 3);
  const twin = new Int32Array(n);
  const seen = new Map<string, number>();
  const ext = Math.max(maxX - minX, maxY - minY, 1) * 1e-4;
  for (let i = 0; i < n; i++) {
    const key = `${pts[i][0]},${pts[i][1]}`;
    twin[i] = seen.get(key) ?? i;
    if (twin[i] === i) seen.set(key, i);
    X[i] = pts[i][0] + ext * (((i * 7919) % 1009) / 1009 - 0.5);
    Y[i] = pts[i][1] + ext * (((i * 104729) % 1013) / 1013 - 0.5);
  }
  X[n] = mx - d; Y[n] = my - d; X[n + 1] = mx + d; Y[n + 1] = my - d; X[n + 2] = mx; Y[n + 2] = my + d;
  // Triangles (index triples) and their circumcircles (centre x, y, radius²) in typed arrays,
  // removed ones marked dead; the loops are small module-level functions (this one runs once a
  // swap and would stay in the interpreter).
  const st: Bw = { T: new Int32Array(48 * (n + 3)), C: new Float64Array(48 * (n + 3)), dead: new Uint8Array(16 * (n + 3)), count: 0, edges: new Int32Array(1024) };
  bwAdd(st, X, Y, n, n + 1, n + 2);
  for (let p = 0; p < n; p++) if (twin[p] === p) bwInsert(st, X, Y, p);
  const { T, dead, count } = st;
  const tri: number[] = [];
  for (let t = 0; t < count; t++) if (!dead[t]) tri.push(T[t * 3], T[t * 3 + 1], T[t * 3 + 2]);
  const out: number[] = [];
  for (let t = 0; t < tri.length; t += 3) {
    const a = tri[t], b = tri[t + 1], c = tri[t + 2];
    if (a >= n || b >= n || c >= n) continue;
    const cr = (X[b] - X[a]) * (Y[c] - Y[a]) - (X[c] - X[a]) * (Y[b] - Y[a]);
    if (cr > 0) out.push(a, b, c);
    else if (cr < 0) out.push(a, c, b);
  }
  return { tris: Int32Array.from(out), twin };
}

/** Bowyer–Watson state: triangles, circumcircles, dead marks, count, scratch for the cavity's edges. */
interface Bw {
  T: Int32Array;
  C: Float64Array;
  dead: Uint8Array;
  count: number;
  edges: Int32Array;
}

/** Appends triangle (a, b, c) with its circumcircle; compacts (drops dead ones) or grows when full. */
function bwAdd(st: Bw, X: Float64Array, Y: Float64Array, a: number, b: number, c: number): void {
  if (st.count * 3 === st.T.length) {
    let k = 0;
    for (let t = 0; t < st.count; t++) {
      if (st.dead[t]) continue;
      st.T.copyWithin(k * 3, t * 3, t * 3 + 3);
      st.C.copyWithin(k * 3, t * 3, t * 3 + 3);
      k++;
    }
    st.count = k;
    if (k * 2 > st.dead.length) {
      const T2 = new Int32Array(st.T.length * 2), C2 = new Float64Array(st.C.length * 2);
      T2.set(st.T.subarray(0, k * 3));
      C2.set(st.C.subarray(0, k * 3));
      st.T = T2;
      st.C = C2;
      st.dead = new Uint8Array(st.dead.length * 2);
    } else st.dead.fill(0);
  }
  const ax = X[a], ay = Y[a], bx = X[b], by = Y[b], cx = X[c], cy = Y[c];
  const dd = 2 * (ax * (by - cy) + bx * (cy - ay) + cx * (ay - by)) || 1e-12;
  const a2 = ax * ax + ay * ay, b2 = bx * bx + by * by, c2 = cx * cx + cy * cy;
  const ux = (a2 * (by - cy) + b2 * (cy - ay) + c2 * (ay - by)) / dd;
  const uy = (a2 * (cx - bx) + b2 * (ax - cx) + c2 * (bx - ax)) / dd;
  const o = st.count * 3;
  st.T[o] = a; st.T[o + 1] = b; st.T[o + 2] = c;
  st.C[o] = ux; st.C[o + 1] = uy; st.C[o + 2] = (ax - ux) ** 2 + (ay - uy) ** 2;
  st.dead[st.count] = 0;
  st.count++;
}

/** Inserts point p: removes the triangles whose circumcircle holds it, fans the cavity's boundary to it. */
function bwInsert(st: Bw, X: Float64Array, Y: Float64Array, p: number): void {
  const px = X[p], py = Y[p];
  const { T, C, dead } = st;
  let edges = st.edges;
  let ne = 0;
  const end = st.count;
  for (let t = 0; t < end; t++) {
    if (dead[t]) continue;
    const dx = px - C[t * 3], dy = py - C[t * 3 + 1];
    if (dx * dx + dy * dy >= C[t * 3 + 2]) continue;
    dead[t] = 1;
    if (ne + 6 > edges.length) {
      const e2 = new Int32Array(edges.length * 2);
      e2.set(edges);
      edges = st.edges = e2;
    }
    const a = T[t * 3], b = T[t * 3 + 1], c = T[t * 3 + 2];
    edges[ne++] = a; edges[ne++] = b; edges[ne++] = b; edges[ne++] = c; edges[ne++] = c; edges[ne++] = a;
  }
  // The cavity's boundary: edges of one removed triangle only.
  for (let e = 0; e < ne; e += 2) {
    let shared = false;
    for (let f = 0; f < ne; f += 2) {
      if (f !== e && edges[e] === edges[f + 1] && edges[e + 1] === edges[f]) {
        shared = true;
        break;
      }
    }
    if (!shared) bwAdd(st, X, Y, edges[e], edges[e + 1], p);
  }
}

/**
 * Per vertex, how squarely a 3-D mesh faces the camera: the area-weighted mean of its triangles'
 * signed normal z over their areas (1 = facing the camera, 0 = edge-on, < 0 = turned away). The
 * triangles are oriented by `tris` (counter-clockwise in the frame they were built in), so a
 * triangle seen from behind (the far flank of the nose, the far cheek's edge) counts negative.
 */
export function vertexVisibility(mesh: ArrayLike<number>[], tris: Int32Array, twin: Int32Array, zScale = 1): Float32Array {
  const count = twin.length;
  const num = new Float64Array(count), den = new Float64Array(count);
  for (let t = 0; t < tris.length; t += 3) {
    const a = mesh[tris[t]], b = mesh[tris[t + 1]], c = mesh[tris[t + 2]];
    const ux = b[0] - a[0], uy = b[1] - a[1], uz = ((b[2] ?? 0) - (a[2] ?? 0)) * zScale;
    const vx = c[0] - a[0], vy = c[1] - a[1], vz = ((c[2] ?? 0) - (a[2] ?? 0)) * zScale;
    const nx = uy * vz - uz * vy, ny = uz * vx - ux * vz, nz = ux * vy - uy * vx;
    const len = Math.hypot(nx, ny, nz);
    for (let k = 0; k < 3; k++) {
      num[tris[t + k]] += nz;
      den[tris[t + k]] += len;
    }
  }
  const out = new Float32Array(count);
  for (let v = 0; v < count; v++) out[v] = den[v] > 0 ? num[v] / den[v] : 1;
  for (let v = 0; v < count; v++) out[v] = out[twin[v]];
  return out;
}

/**
 * The mesh's mirror pairs, flat (i, j, i, j …): the nearest point to each point's reflection in
 * Human's canonical UV map (u → 1 − u; exact there: the worst match is 0.0012 of the map), so an
 * involution; the 28 points not listed lie on the midline.
 */
const MIRROR_PAIRS = [
  3,248,7,249,20,250,21,251,22,252,23,253,24,254,25,255,26,256,27,257,28,258,29,259,30,260,31,261,32,
  262,33,263,34,264,35,265,36,266,37,267,38,268,39,269,40,270,41,271,42,272,43,273,44,274,45,275,46,
  276,47,277,48,278,49,279,50,280,51,281,52,282,53,283,54,284,55,285,56,286,57,287,58,288,59,289,60,
  290,61,291,62,292,63,293,64,294,65,295,66,296,67,297,68,298,69,299,70,300,71,301,72,302,73,303,74,
  304,75,305,76,306,77,307,78,308,79,309,80,310,81,311,82,312,83,313,84,314,85,315,86,316,87,317,88,
  318,89,319,90,320,91,321,92,322,93,323,95,324,96,325,97,326,98,327,99,328,100,329,101,330,102,331,
  103,332,104,333,105,334,106,335,107,336,108,337,109,338,110,339,111,340,112,341,113,342,114,343,115,
  344,116,345,117,346,118,347,119,348,120,349,121,350,122,351,123,352,124,353,125,354,126,355,127,356,
  128,357,129,358,130,359,131,360,132,361,133,362,134,363,135,364,136,365,137,366,138,367,139,368,140,
  369,141,370,142,371,143,372,144,373,145,374,146,375,147,376,148,377,149,378,150,379,153,380,154,381,
  155,382,156,383,157,384,158,385,159,386,160,387,161,388,162,389,163,390,165,391,166,392,167,393,169,
  394,170,395,171,396,172,397,173,398,174,399,176,400,177,401,178,402,179,403,180,404,181,405,182,406,
  183,407,184,408,185,409,186,410,187,411,188,412,189,413,190,414,191,415,192,416,193,417,194,418,196,
  419,198,420,201,421,202,422,203,423,204,424,205,425,206,426,207,427,208,428,209,429,210,430,211,431,
  212,432,213,433,214,434,215,435,216,436,217,437,218,438,219,439,220,440,221,441,222,442,223,443,224,
  444,225,445,226,446,227,447,228,448,229,449,230,450,231,451,232,452,233,453,234,454,235,455,236,456,
  237,457,238,458,239,459,240,460,241,461,242,462,243,463,244,464,245,465,246,466,247,467,
];

/** For each of the 468 points, its mirror partner across the face's midline (itself on the midline). */
export const MIRROR: Int32Array = (() => {
  const m = new Int32Array(468);
  for (let i = 0; i < 468; i++) m[i] = i;
  for (let k = 0; k < MIRROR_PAIRS.length; k += 2) {
    m[MIRROR_PAIRS[k]] = MIRROR_PAIRS[k + 1];
    m[MIRROR_PAIRS[k + 1]] = MIRROR_PAIRS[k];
  }
  return m;
})();

/**
 * mask.visibility, before the mask proper: the mirror fill changes the warped source's Lab planes
 * (`args.sourceLab`) in place, at full size, before the skin tests (the far side's background no
 * longer reads as an occluder) and the colour match; the fade of what is left is returned in
 * `visibilityKeep` for buildMask(). Nothing changes (the same object back) for a frontal source.
 */
export function applyVisibility(args: MaskInput): MaskInput {
  const vis = args.opts.visibility;
  if (!args.sourceMesh || !(vis.mirror > 0 || vis.fade > 0)) return args;
  const plan = planVisibility(args.sourceMesh, args.dstMesh, args.targetMesh, vis);
  if (!plan) return args;
  if (plan.fill) mirrorFill(args.sourceLab, args.cover, args.roi, args.dstMesh, plan.tris, plan.fill);
  return plan.keep ? { ...args, visibilityKeep: { tris: plan.tris, keep: plan.keep } } : args;
}

/**
 * Which parts of the source to fill from the mirror and which to fade, per mesh vertex, or
 * undefined when the source hid nothing the template shows (a frontal source: bit-identical).
 * Visibility is compared as (source + 0.1) / (template + 0.1), so the oval's edge, seen edge-on
 * in both, does not count.
 */
function planVisibility(sMesh: ArrayLike<number>[], dstMesh: ArrayLike<number>[], tMesh: ArrayLike<number>[], o: VisibilityOptions): { tris: Int32Array; fill?: Float32Array; keep?: Float32Array } | undefined {
  const cnt = 468;
  if (sMesh.length < cnt || dstMesh.length < cnt || tMesh.length < cnt) return undefined;
  if (Math.abs(sourceYaw(sMesh)) < o.minYaw) return undefined;
  const { tris, twin } = delaunay(dstMesh.slice(0, cnt));
  const vs = vertexVisibility(sMesh, tris, twin, o.zScale);
  const vt = vertexVisibility(tMesh, tris, twin, o.zScale);
  const hidden = new Float32Array(cnt);
  let any = false;
  const span = Math.max(1e-3, o.from - o.to);
  for (let v = 0; v < cnt; v++) {
    const r = (vs[v] + 0.1) / (Math.max(0, vt[v]) + 0.1);
    const t = Math.min(1, Math.max(0, (o.from - r) / span));
    hidden[v] = t * t * (3 - 2 * t);
  }
  // The eyes, brows and lips are never filled nor faded: a mirrored iris looks the other way, a
  // mirrored brow lies beside the own one (a double brow), a smile is rarely symmetric, and the
  // template's are another person's.
  for (const v of [...EYE_LEFT, ...EYE_RIGHT, ...BROW_LEFT, ...BROW_RIGHT, ...LIPS_OUTER, ...LIPS_INNER]) hidden[v] = 0;
  for (let v = 0; v < cnt; v++) if (hidden[v] > 0) any = true;
  if (!any) return undefined;
  let fill: Float32Array | undefined;
  let keep: Float32Array | undefined;
  if (o.mirror > 0) {
    fill = new Float32Array(cnt);
    // A midline point is its own mirror: filled fully, so that the fill reaches the nose's ridge
    // (the pixels beside it take the near side across it) rather than fading out toward it.
    // Only from a mirror the source saw clearly better (its near side): where both sides are
    // hidden alike (a squint's folds, a face seen from below) nothing is gained.
    for (let v = 0; v < cnt; v++) {
      const m = MIRROR[v];
      const better = m === v ? 1 : Math.min(1, Math.max(0, (vs[m] - vs[v] - 0.1) / 0.2));
      fill[v] = o.mirror * hidden[v] * (m === v ? 1 : (1 - hidden[m]) * better);
    }
  }
  if (o.fade > 0) {
    keep = new Float32Array(cnt);
    for (let v = 0; v < cnt; v++) keep[v] = 1 - o.fade * (hidden[v] - (fill ? fill[v] : 0));
  }
  return { tris, fill, keep };
}

/** The source's yaw (degrees, sign: which side is nearer) from its mirror pairs' 3-D axis. */
export function sourceYaw(mesh: ArrayLike<number>[]): number {
  let nx = 0, ny = 0, nz = 0;
  for (let i = 0; i < 468; i++) {
    const j = MIRROR[i];
    if (j <= i) continue;
    const a = mesh[i], b = mesh[j];
    nx += b[0] - a[0]; ny += b[1] - a[1]; nz += (b[2] ?? 0) - (a[2] ?? 0);
  }
  return (Math.atan2(nz, Math.hypot(nx, ny)) * 180) / Math.PI;
}

/** Points moved by (-x0, -y0), flat [x0, y0, x1, y1 …]. */
function flatPoints(pts: ArrayLike<number>[], x0: number, y0: number): Float64Array {
  const out = new Float64Array(pts.length * 2);
  for (let i = 0; i < pts.length; i++) { out[i * 2] = pts[i][0] - x0; out[i * 2 + 1] = pts[i][1] - y0; }
  return out;
}

/**
 * out = the per-vertex values interpolated linearly over the triangles (pixel centres), where a
 * triangle has any vertex value other than `base` (out is assumed to hold `base` elsewhere).
 */
function interpolateOverTriangles(tris: Int32Array, p: Float64Array, val: Float32Array, base: number, w: number, h: number, out: Float32Array): void {
  for (let t = 0; t < tris.length; t += 3) {
    const a = tris[t], b = tris[t + 1], c = tris[t + 2];
    const va = val[a], vb = val[b], vc = val[c];
    if (va === base && vb === base && vc === base) continue;
    const ax = p[a * 2], ay = p[a * 2 + 1], bx = p[b * 2], by = p[b * 2 + 1], cx = p[c * 2], cy = p[c * 2 + 1];
    const det = (bx - ax) * (cy - ay) - (cx - ax) * (by - ay);
    if (Math.abs(det) < 1e-9) continue;
    const x0 = Math.max(0, Math.floor(Math.min(ax, bx, cx))), x1 = Math.min(w - 1, Math.ceil(Math.max(ax, bx, cx)));
    const y0 = Math.max(0, Math.floor(Math.min(ay, by, cy))), y1 = Math.min(h - 1, Math.ceil(Math.max(ay, by, cy)));
    for (let y = y0; y <= y1; y++) {
      const py = y + 0.5;
      for (let x = x0; x <= x1; x++) {
        const px = x + 0.5;
        const l1 = ((px - ax) * (cy - ay) - (cx - ax) * (py - ay)) / det;
        const l2 = ((bx - ax) * (py - ay) - (px - ax) * (by - ay)) / det;
        const l0 = 1 - l1 - l2;
        if (l0 < -1e-6 || l1 < -1e-6 || l2 < -1e-6) continue;
        out[y * w + x] = l0 * va + l1 * vb + l2 * vc;
      }
    }
  }
}

/**
 * The mirror fill, in place on the warped source's Lab planes (ROI): each covered pixel of a
 * triangle with a fill weight takes, by that weight (interpolated over the triangle), the warped
 * source at the same barycentric place in the mirrored triangle (each vertex replaced by its
 * mirror partner), sampled bilinearly from the planes before any fill.
 */
function mirrorFill(lab: [Float32Array, Float32Array, Float32Array], cover: Uint8Array, roi: Roi, dstMesh: ArrayLike<number>[], tris: Int32Array, fill: Float32Array): void {
  const { w, h } = roi;
  const p = flatPoints(dstMesh, roi.x0, roi.y0);
  const orig: [Float32Array, Float32Array, Float32Array] = [lab[0].slice(), lab[1].slice(), lab[2].slice()];
  // Each pixel once (one on an edge that two triangles share is inside both).
  const done = new Uint8Array(w * h);
  for (let t = 0; t < tris.length; t += 3) {
    const a = tris[t], b = tris[t + 1], c = tris[t + 2];
    if (fill[a] <= 0 && fill[b] <= 0 && fill[c] <= 0) continue;
    fillTriangle(a, b, c, MIRROR[a], MIRROR[b], MIRROR[c], p, fill, orig, lab, cover, done, w, h);
  }
}

function fillTriangle(a: number, b: number, c: number, ma: number, mb: number, mc: number, p: Float64Array, fill: Float32Array, src: [Float32Array, Float32Array, Float32Array], dst: [Float32Array, Float32Array, Float32Array], cover: Uint8Array, done: Uint8Array, w: number, h: number): void {
  const ax = p[a * 2], ay = p[a * 2 + 1], bx = p[b * 2], by = p[b * 2 + 1], cx = p[c * 2], cy = p[c * 2 + 1];
  const det = (bx - ax) * (cy - ay) - (cx - ax) * (by - ay);
  if (Math.abs(det) < 1e-9) return;
  const max = p[ma * 2], may = p[ma * 2 + 1], mbx = p[mb * 2], mby = p[mb * 2 + 1], mcx = p[mc * 2], mcy = p[mc * 2 + 1];
  const fa = fill[a], fb = fill[b], fc = fill[c];
  const [sL, sA, sB] = src;
  const [dL, dA, dB] = dst;
  const x0 = Math.max(0, Math.floor(Math.min(ax, bx, cx))), x1 = Math.min(w - 1, Math.ceil(Math.max(ax, bx, cx)));
  const y0 = Math.max(0, Math.floor(Math.min(ay, by, cy))), y1 = Math.min(h - 1, Math.ceil(Math.max(ay, by, cy)));
  for (let y = y0; y <= y1; y++) {
    const py = y + 0.5;
    for (let x = x0; x <= x1; x++) {
      const i = y * w + x;
      if (!cover[i] || done[i]) continue;
      const px = x + 0.5;
      const l1 = ((px - ax) * (cy - ay) - (cx - ax) * (py - ay)) / det;
      const l2 = ((bx - ax) * (py - ay) - (px - ax) * (by - ay)) / det;
      const l0 = 1 - l1 - l2;
      if (l0 < -1e-6 || l1 < -1e-6 || l2 < -1e-6) continue;
      done[i] = 1;
      const f = l0 * fa + l1 * fb + l2 * fc;
      if (f <= 0) continue;
      // The mirrored place, bilinear over covered taps only.
      const sx = Math.min(w - 1, Math.max(0, l0 * max + l1 * mbx + l2 * mcx - 0.5));
      const sy = Math.min(h - 1, Math.max(0, l0 * may + l1 * mby + l2 * mcy - 0.5));
      const ix = Math.min(w - 2, Math.floor(sx)), iy = Math.min(h - 2, Math.floor(sy));
      const dx = sx - ix, dy = sy - iy;
      const j = iy * w + ix;
      const w00 = cover[j] ? (1 - dx) * (1 - dy) : 0, w10 = cover[j + 1] ? dx * (1 - dy) : 0;
      const w01 = cover[j + w] ? (1 - dx) * dy : 0, w11 = cover[j + w + 1] ? dx * dy : 0;
      const ws = w00 + w10 + w01 + w11;
      if (ws < 0.5) continue;
      const k = f / ws;
      dL[i] += k * (sL[j] * w00 + sL[j + 1] * w10 + sL[j + w] * w01 + sL[j + w + 1] * w11) - f * dL[i];
      dA[i] += k * (sA[j] * w00 + sA[j + 1] * w10 + sA[j + w] * w01 + sA[j + w + 1] * w11) - f * dA[i];
      dB[i] += k * (sB[j] * w00 + sB[j + 1] * w10 + sB[j + w] * w01 + sB[j + w + 1] * w11) - f * dB[i];
    }
  }
}

