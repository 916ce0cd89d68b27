// The face mask: where the swapped face may replace the template. It starts from the warped
// mesh coverage, then gives back to the template what should stay the template's — the open
// mouth's interior (teeth), and hair or anything else that covers the face's outer band — and
// finally feathers inward so its value is exactly 0 on and outside the hard edge.
import { boxBlur, convexHull, fillPolygon, growPolygon } from './raster.ts';
import { FEATURES, LIPS_INNER, mouthOpenness, pick } from './regions.ts';
import { skinDistance, type SkinModel } from './skin.ts';
import type { Roi } from './warp.ts';

export interface MaskOptions {
  /** Feather width as a fraction of face width. */
  feather: number;
  /** Inner-lip opening (fraction of mouth width) above which the template's mouth interior is kept. */
  mouthOpenKeep: number;
  /** Skin distance above which an outer-band pixel counts as hair/occluder (0 disables). */
  occluderThreshold: number;
}

export const DEFAULT_MASK: MaskOptions = { feather: 0.05, mouthOpenKeep: 0.07, occluderThreshold: 3.2 };

export interface FaceMask {
  /** 0..1 blend weight; exactly 0 outside the hard mask. */
  alpha: Float32Array;
  /** Weight for colour statistics: plain face pixels in both images (no keeps, no occluders). */
  skin: Float32Array;
  /** Pixels that may hold Dirichlet samples for the blend: covered, plain skin in both images. */
  ring: Uint8Array;
  keptMouth: boolean;
  /** Share of the face's outer band given back to the template as occluder/hair. */
  occludedShare: number;
}

export function buildMask(args: {
  roi: Roi;
  cover: Uint8Array;
  dstMesh: ArrayLike<number>[];
  targetMesh: ArrayLike<number>[];
  targetLab: [Float32Array, Float32Array, Float32Array];
  sourceLab: [Float32Array, Float32Array, Float32Array];
  targetSkin: SkinModel;
  sourceSkin: SkinModel;
  faceW: number;
  opts: MaskOptions;
}): FaceMask {
  const { roi, cover, dstMesh, targetLab, sourceLab, targetSkin, sourceSkin, faceW, opts } = args;
  const { w, h, x0, y0 } = roi;
  const n = w * h;
  const local = (pts: [number, number][]) => pts.map(([x, y]) => [x - x0, y - y0] as [number, number]);

  // Erode coverage a little: the outermost mesh ring sits on the jaw/forehead edge.
  const cov = new Float32Array(n);
  for (let i = 0; i < n; i++) cov[i] = cover[i];
  const erodeR = Math.max(1, Math.round(0.015 * faceW));
  const covBlur = boxBlur(cov, w, h, erodeR);
  const hard = new Float32Array(n);
  for (let i = 0; i < n; i++) hard[i] = covBlur[i] > 0.999 ? 1 : 0;

  // The features' hull (eyes, brows, nose, lips) is always the source's.
  const features = new Uint8Array(n);
  fillPolygon(features, w, h, growPolygon(convexHull(local(pick(dstMesh, FEATURES))), 0.04 * faceW), 1);

  // Occluders: in the outer band, pixels that are not skin in the template (its hair, a hand)
  // or not skin in the warped source (the source's fringe) stay the template's.
  const occ = new Float32Array(n);
  let band = 0;
  let occluded = 0;
  if (opts.occluderThreshold > 0) {
    for (let i = 0; i < n; i++) {
      if (!hard[i] || features[i]) continue;
      band++;
      const dt = skinDistance(targetSkin, targetLab[0][i], targetLab[1][i], targetLab[2][i]);
      const ds = skinDistance(sourceSkin, sourceLab[0][i], sourceLab[1][i], sourceLab[2][i]);
      if (dt > opts.occluderThreshold || ds > opts.occluderThreshold) occ[i] = 1;
    }
    // Close small gaps and drop specks: smooth, then threshold.
    const sm = boxBlur(occ, w, h, Math.max(1, Math.round(0.01 * faceW)));
    for (let i = 0; i < n; i++) {
      occ[i] = sm[i] > 0.45 && !features[i] ? 1 : 0;
      if (occ[i] && hard[i]) {
        hard[i] = 0;
        occluded++;
      }
    }
  }

  // Open mouth: keep the template's teeth/tongue.
  const mouth = new Uint8Array(n);
  const keptMouth = mouthOpenness(args.targetMesh) > opts.mouthOpenKeep;
  if (keptMouth) {
    fillPolygon(mouth, w, h, growPolygon(local(pick(args.targetMesh, LIPS_INNER)), 0.004 * faceW), 1);
    for (let i = 0; i < n; i++) if (mouth[i]) hard[i] = 0;
  }

  // Feather inward: erode by r, then blur by r (support r), so alpha is 0 wherever hard is 0.
  const r = Math.max(1, Math.round(opts.feather * faceW));
  const eroded = boxBlur(hard, w, h, r);
  for (let i = 0; i < n; i++) eroded[i] = eroded[i] > 0.999 ? 1 : 0;
  const half = Math.max(1, r >> 1);
  const alpha = boxBlur(boxBlur(eroded, w, h, half), w, h, r - half);
  for (let i = 0; i < n; i++) if (!hard[i]) alpha[i] = 0;

  const skin = new Float32Array(n);
  const ring = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const plain = cover[i] && !occ[i] && !mouth[i];
    skin[i] = plain && hard[i] ? 1 : 0;
    ring[i] = plain ? 1 : 0;
  }
  return { alpha, skin, ring, keptMouth, occludedShare: band ? occluded / band : 0 };
}
