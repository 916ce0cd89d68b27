// Mottled skin (ColourOptions.mottle): blind reviewers' "dark, bruise-like blotches on the cheeks",
// "blotchy grey skin", "grey patches where the stubble should be". Measured on the tune split's
// mottled pairs (bench/mottle-diag.ts: the RMS of a band of L from σ 1 % to 4 % of the face width
// on plain skin), the blotches are the source's own — its stubble's shadow, an old face's folds and
// creases, its shading and, on an enlarged small source, its JPEG blocks — carried by the colour
// match as ratios of its own light: no stage of the match adds them (turning off relight,
// shadowLift, darkCells, sockets, shading, periphery, edgeTone, edgeLight or highlights moves that
// band by a few per cent at most; texture.strength 0 by 3–6 %). A source whose skin carries more of
// that band than the template's reads, at the template's brighter or yellower skin, as dirt.
//
// Here, on the plain skin (the mask's skin weight, the eyes, brows, lips and nose grown and left
// out, feathered), the matched source's band of L (σ `mottleFine` → `mottleSigma` face widths,
// normalised blurs over the warped cover) has its local RMS (over σ 2 × mottleSigma) held to
// `mottleTolerance` × the template's RMS of the same band over its plain skin: the band is scaled by
// g = min(1, tolerance × E_t / E_s) (local), taken by `mottle` (1 − mottle·(1 − g)), at least
// 1 − mottle. The pores (finer than mottleFine) and the face's broad light (coarser than
// mottleSigma) are left as they are; `mottleChroma` applies the same to a and b (their band against
// the template's chroma band).
import { convexHull, fillPolygon, gaussBlur, growPolygon, maskedBlur, productInto } from './raster.ts';
import { BROW_LEFT, BROW_RIGHT, EYE_LEFT, EYE_RIGHT, LIPS_OUTER, NOSE, NOSTRIL_LEFT, NOSTRIL_RIGHT, pick } from './regions.ts';
import type { Roi } from './warp.ts';

export interface MottleOptions {
  /** 0..1 share of the excess band taken out; 0 = off (nothing read or written). */
  strength: number;
  /** Multiple of the template's band RMS the source's keeps. */
  tolerance: number;
  /** The band's lower σ (face widths): finer (pores, grain) is kept. */
  fine: number;
  /** The band's upper σ (face widths): coarser (the face's light) is kept. */
  sigma: number;
  /** 0..1: the same on a and b. */
  chroma: number;
}

/**
 * band = G(fine)(v) − G(sigma)(v), normalised over the cover (`c1`, `c2`: its blurs at the two σ;
 * v is 0 off the cover), into a fresh plane.
 */
function band(v: Float32Array, cov: Float32Array, c1: Float32Array | undefined, c2: Float32Array, w: number, h: number, s1: number, s2: number): Float32Array {
  const vc = new Float32Array(v.length);
  productInto(vc, v, cov);
  const a = c1 ? gaussBlur(vc, w, h, s1) : vc;
  const b = gaussBlur(vc, w, h, s2);
  bandDiff(a, c1, b, c2);
  return a;
}

function bandDiff(a: Float32Array, c1: Float32Array | undefined, b: Float32Array, c2: Float32Array): void {
  for (let i = 0; i < a.length; i++) {
    const d2 = c2[i];
    if (!(d2 > 1e-6)) { a[i] = 0; continue; }
    const va = c1 ? (c1[i] > 1e-6 ? a[i] / c1[i] : 0) : a[i];
    a[i] = va - b[i] / d2;
  }
}

/** Σ plain·band² / Σ plain (the template's level, squared). */
function meanSquare(bd: Float32Array, plain: Float32Array): number {
  let s = 0, c = 0;
  for (let i = 0; i < bd.length; i++) {
    const p = plain[i];
    if (p > 0) { s += p * bd[i] * bd[i]; c += p; }
  }
  return c > 0 ? s / c : 0;
}

function squareInto(out: Float32Array, a: Float32Array, b: Float32Array | undefined): void {
  for (let i = 0; i < out.length; i++) out[i] = b ? a[i] * a[i] + b[i] * b[i] : a[i] * a[i];
}

/** v −= plain · (1 − g) · band, g = max(1 − strength, 1 − strength·(1 − min(1, tol·√ref / √local))). */
function attenuate(v: Float32Array, bd: Float32Array, local: Float32Array, plain: Float32Array, ref: number, strength: number): void {
  for (let i = 0; i < v.length; i++) {
    const p = plain[i];
    if (!(p > 0)) continue;
    const e = local[i];
    if (!(e > ref)) continue;
    const g = Math.sqrt(ref / e);
    v[i] -= p * strength * (1 - g) * bd[i];
  }
}

function plainInto(plain: Float32Array, skin: Float32Array, feat: Float32Array): void {
  for (let i = 0; i < plain.length; i++) plain[i] = skin[i] * (1 - Math.min(1, feat[i]));
}

function coverPlane(cover: Uint8Array): Float32Array {
  const c = new Float32Array(cover.length);
  for (let i = 0; i < c.length; i++) c[i] = cover[i] ? 1 : 0;
  return c;
}

/**
 * The matched source's mid band (Lab, in place) held to the template's level on the plain skin.
 * `skin`: the mask's statistics weight (plain skin in both images); meshes in image pixels.
 */
export function smoothMottle(
  src: [Float32Array, Float32Array, Float32Array],
  tgt: [Float32Array, Float32Array, Float32Array],
  cover: Uint8Array,
  skin: Float32Array,
  roi: Roi,
  dst: ArrayLike<number>[],
  tMesh: ArrayLike<number>[],
  fw: number,
  o: MottleOptions,
): void {
  if (!(o.strength > 0) || !(o.sigma > o.fine)) return;
  const { w, h } = roi;
  const n = w * h;
  const s = Math.min(1, o.strength);
  // The features of both faces (eyes with brows, lips, nose), grown, feathered.
  const feat = new Float32Array(n);
  for (const mesh of [dst, tMesh]) {
    const loc = (ids: number[]) => pick(mesh, ids).map(([x, y]) => [x - roi.x0, y - roi.y0] as [number, number]);
    fillPolygon(feat, w, h, growPolygon(convexHull(loc([...EYE_LEFT, ...BROW_LEFT])), 0.03 * fw), 1);
    fillPolygon(feat, w, h, growPolygon(convexHull(loc([...EYE_RIGHT, ...BROW_RIGHT])), 0.03 * fw), 1);
    fillPolygon(feat, w, h, growPolygon(convexHull(loc(LIPS_OUTER)), 0.02 * fw), 1);
    fillPolygon(feat, w, h, growPolygon(convexHull(loc([...NOSE, ...NOSTRIL_LEFT, ...NOSTRIL_RIGHT])), 0.01 * fw), 1);
  }
  const featSoft = gaussBlur(feat, w, h, 0.01 * fw);
  const plain = new Float32Array(n);
  plainInto(plain, gaussBlur(skin, w, h, 0.005 * fw), featSoft);
  const cov = coverPlane(cover);
  const s1 = o.fine * fw, s2 = o.sigma * fw, s3 = 2 * o.sigma * fw;
  const c1 = s1 >= 0.5 ? gaussBlur(cov, w, h, s1) : undefined;
  const c2 = gaussBlur(cov, w, h, s2);
  const tol2 = o.tolerance * o.tolerance;
  const sq = new Float32Array(n);
  // L.
  {
    const bs = band(src[0], cov, c1, c2, w, h, s1, s2);
    const bt = band(tgt[0], cov, c1, c2, w, h, s1, s2);
    const ref = tol2 * meanSquare(bt, plain);
    squareInto(sq, bs, undefined);
    const local = maskedBlur(sq, plain, w, h, s3);
    attenuate(src[0], bs, local, plain, ref, s);
  }
  // a and b: one gain from their joint band.
  if (o.chroma > 0) {
    const ba = band(src[1], cov, c1, c2, w, h, s1, s2), bb = band(src[2], cov, c1, c2, w, h, s1, s2);
    const ta = band(tgt[1], cov, c1, c2, w, h, s1, s2), tb = band(tgt[2], cov, c1, c2, w, h, s1, s2);
    const ref = tol2 * (meanSquare(ta, plain) + meanSquare(tb, plain));
    squareInto(sq, ba, bb);
    const local = maskedBlur(sq, plain, w, h, s3);
    const sc = s * Math.min(1, o.chroma);
    attenuate(src[1], ba, local, plain, ref, sc);
    attenuate(src[2], bb, local, plain, ref, sc);
  }
}
