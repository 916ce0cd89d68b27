// mask.hands: a hand touching the face, found by Human's hand module (21 keypoints a hand), stays
// where it is. The colour test of the mask (skin distance) cannot tell a hand from skin: a source's
// hand on its cheek was warped onto the template's cheek as a smear, and a template's hand over
// its chin was painted over. Each hand is rasterised in its own image as a polygon (the palm's hull
// and a capsule along each finger, of a width in proportion to the palm's), the source's brought
// into the destination frame through the face's own warp; the mask then marks those pixels as
// occluders (./mask.ts), so they stay the template's: the template's own cheek where the source's
// hand was, the template's hand where it is.
import type { Point2 } from './analyse.ts';
import type { RgbImage } from './image.ts';
import { convexHull, fillPolygon, growPolygon } from './raster.ts';
import { warpTriangles, type Roi } from './warp.ts';
import { FACE_OVAL, faceWidth } from './regions.ts';

export interface HandOptions {
  /** Longer side (px) of the image copy Human's hand models look at (the detector caps at 512). */
  side: number;
  /** Skeleton (landmark model) score a hand needs: 0.51 for what is not a hand, 0.7 for hands. */
  minScore: number;
  /** Detector score a candidate needs to be looked at by the skeleton model (a hand on a head scores ~0.1). */
  boxScore: number;
  /** A finger's half-width (plus the growth) as a share of the palm's width (index to pinky base). */
  width: number;
  /**
   * 1: only a hand whose wrist lies outside its face's oval counts (a hand on a face reaches in
   * from outside it; the skeleton model scores a nose or the eyes as a hand at times, all inside).
   */
  outside: number;
  /** A hand's palm width (index to pinky base) must be at least this share of its face's width. */
  minPalm: number;
  /**
   * 1: also hands found from the arm (FaceAnalyser.detectHandsByPose: Human's body model's elbow
   * and wrist, a crop along the forearm for the skeleton model), which finds a flat hand on the
   * cheek that the hand detector reads as face. 0 = off (the body model is not loaded).
   */
  pose: number;
  /** 1: the hand detector (handtrack) runs; 0: hands come from the arm alone (`pose`), ≈ 5× cheaper. */
  track: number;
  /** Its skeleton presence score (raw, 0..1) a hand needs, and the elbow's and wrist's scores. */
  poseScore: number;
  poseJoint: number;
}

export const DEFAULT_HANDS: HandOptions = { side: 384, minScore: 0.6, boxScore: 0.05, width: 0.22, outside: 1, minPalm: 0.15, pose: 0, track: 1, poseScore: 0.6, poseJoint: 0.1 };

/** Keypoint chains of Human's 21-point hand: wrist 0, then each finger from base to tip. */
const FINGERS = [[0, 1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16], [17, 18, 19, 20]];
const PALM = [0, 1, 2, 5, 9, 13, 17];

/**
 * The hands (keypoints in image pixels) rasterised into `plane` (w × h, its origin at (x0, y0) of
 * the image): the palm's hull grown by r, a capsule of radius r along each finger's bones and
 * from the wrist to each finger's base, r = `width` × the palm's width.
 */
export function rasterHands(plane: Uint8Array, w: number, h: number, x0: number, y0: number, hands: Point2[][], width: number): void {
  for (const kp of hands) {
    if (kp.length < 21) continue;
    const pts = kp.map(([x, y]) => [x - x0, y - y0] as [number, number]);
    const palmW = Math.hypot(pts[5][0] - pts[17][0], pts[5][1] - pts[17][1]);
    const r = Math.max(1, width * palmW);
    fillPolygon(plane, w, h, growPolygon(convexHull(PALM.map((i) => pts[i])), r), 1);
    for (const chain of FINGERS) {
      const c = chain[0] === 0 ? chain : [0, ...chain];
      for (let j = 0; j + 1 < c.length; j++) capsule(plane, w, h, pts[c[j]], pts[c[j + 1]], r);
    }
  }
}

/** The hands that can be on the face of `mesh` (its own image's): wrist outside the oval (`outside`), palm not tiny. */
export function plausibleHands(hands: Point2[][], mesh: ArrayLike<number>[], o: Pick<HandOptions, 'outside' | 'minPalm'>): Point2[][] {
  const fw = faceWidth(mesh);
  const oval = FACE_OVAL.map((i) => mesh[i]);
  return hands.filter((kp) => {
    if (kp.length < 21) return false;
    if (Math.hypot(kp[5][0] - kp[17][0], kp[5][1] - kp[17][1]) < o.minPalm * fw) return false;
    return !(o.outside > 0 && inside(oval, kp[0][0], kp[0][1]));
  });
}

function inside(poly: ArrayLike<number>[], x: number, y: number): boolean {
  let c = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const a = poly[i], b = poly[j];
    if (a[1] > y !== b[1] > y && x < ((b[0] - a[0]) * (y - a[1])) / (b[1] - a[1]) + a[0]) c = !c;
  }
  return c;
}

/** Sets the pixels (centres) within r of the segment a–b. */
function capsule(plane: Uint8Array, w: number, h: number, a: [number, number], b: [number, number], r: number): void {
  const xa = Math.max(0, Math.floor(Math.min(a[0], b[0]) - r)), xb = Math.min(w - 1, Math.ceil(Math.max(a[0], b[0]) + r));
  const ya = Math.max(0, Math.floor(Math.min(a[1], b[1]) - r)), yb = Math.min(h - 1, Math.ceil(Math.max(a[1], b[1]) + r));
  const dx = b[0] - a[0], dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy || 1;
  const r2 = r * r;
  for (let y = ya; y <= yb; y++) {
    for (let x = xa; x <= xb; x++) {
      const px = x + 0.5 - a[0], py = y + 0.5 - a[1];
      const t = Math.max(0, Math.min(1, (px * dx + py * dy) / len2));
      const ex = px - t * dx, ey = py - t * dy;
      if (ex * ex + ey * ey <= r2) plane[y * w + x] = 1;
    }
  }
}

/**
 * The hand plane over the ROI (0/1, roi.w × roi.h): the template's hands where they are, and the
 * source's where the face's warp (source mesh → destination mesh, the same triangle order) puts
 * them; undefined when neither image has a hand near the face.
 */
export function handPlane(
  roi: Roi,
  target: { hands?: Point2[][] },
  source: { hands?: Point2[][]; mesh: ArrayLike<number>[]; width: number; height: number },
  dst: ArrayLike<number>[],
  tris: ArrayLike<number>,
  width: number,
): Uint8Array | undefined {
  const out = new Uint8Array(roi.w * roi.h);
  let any = false;
  if (target.hands?.length) {
    rasterHands(out, roi.w, roi.h, roi.x0, roi.y0, target.hands, width);
    any = true;
  }
  if (source.hands?.length) {
    // The source's hands over the box of its mesh (the warp samples nowhere else), as an RGB image
    // the warp can take, then warped with the face.
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (const p of source.mesh) {
      minX = Math.min(minX, p[0]); maxX = Math.max(maxX, p[0]);
      minY = Math.min(minY, p[1]); maxY = Math.max(maxY, p[1]);
    }
    const sx0 = Math.floor(minX) - 2, sy0 = Math.floor(minY) - 2;
    const sw = Math.ceil(maxX) + 3 - sx0, sh = Math.ceil(maxY) + 3 - sy0;
    const flat = new Uint8Array(sw * sh);
    rasterHands(flat, sw, sh, sx0, sy0, source.hands, width);
    if (flat.some((v) => v)) {
      const rgb = new Uint8Array(sw * sh * 3);
      for (let i = 0; i < flat.length; i++) if (flat[i]) rgb[i * 3] = 255;
      const img: RgbImage = { width: sw, height: sh, data: rgb, format: 'png' };
      const warped = warpTriangles(img, source.mesh.map((p) => [p[0] - sx0, p[1] - sy0]), dst, tris, roi);
      for (let i = 0; i < out.length; i++) if (warped.cover[i] && warped.rgb[i * 3] >= 127.5) out[i] = 1;
      any = true;
    }
  }
  return any && out.some((v) => v) ? out : undefined;
}
