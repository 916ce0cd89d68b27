// The template's brows where the source's do not reach ("doubled brows"): a source whose brows sit
// lower, or are shorter or narrower, than the template's left the template's brow tail at the
// temple, in the mask's wide outer ramp or beyond the mesh's edge, beside the source's own brow.
// mask.browCover (mask.ts) takes the template's brow out of the kept occluders; mask.browFill (here)
// paints the template's brow hairs that still show at the mask's outer edge over with the
// template's own skin around them.
import { boxBlur, convexHull, fillPolygon, gaussBlur, growPolygon, maskedBlur, rgbToLab } from './raster.ts';
import { BROW_LEFT, BROW_RIGHT, FACE_OVAL, pick } from './regions.ts';
import { skinParams, skinZ, type SkinModel } from './skin.ts';
import type { Roi } from './warp.ts';

/** Each brow's outer ends (upper, lower) and inner ends (regions.ts's BROW_* run outer → inner along the top). */
const BROW_ENDS = [
  [BROW_RIGHT, [70, 46], [107, 55]],
  [BROW_LEFT, [300, 276], [336, 285]],
] as const;

/**
 * The template's brow zone (0/1, ROI pixels): each brow's hull with its outer end drawn out by
 * `tail` × the brow's length (the hairs run past the mesh's last point), grown by `grow` px.
 */
export function templateBrowZone(mesh: ArrayLike<number>[], x0: number, y0: number, w: number, h: number, tail: number, grow: number, out = new Uint8Array(w * h)): Uint8Array {
  for (const [ids, outer, inner] of BROW_ENDS) {
    const pts: [number, number][] = pick(mesh, ids).map(([x, y]) => [x - x0, y - y0]);
    const ix = (mesh[inner[0]][0] + mesh[inner[1]][0]) / 2, iy = (mesh[inner[0]][1] + mesh[inner[1]][1]) / 2;
    for (const o of outer) pts.push([mesh[o][0] + tail * (mesh[o][0] - ix) - x0, mesh[o][1] + tail * (mesh[o][1] - iy) - y0]);
    fillPolygon(out, w, h, growPolygon(convexHull(pts), grow), 1);
  }
  return out;
}

/**
 * mask.browFill: in the template's brow zone (tails drawn out by 0.4 of the brow's length, grown
 * by 2 % of the face width) inside its face oval (grown by 4 %), outside the source's warped brows
 * (their hulls grown by 2 %), near the mask's outer edge (the eroded rim, the outer ramp, beyond
 * the cover) where the template still shows (alpha < 1), the template's brow hairs (skin distance
 * over 0.6 × `threshold`; their soft cover, σ 1 % of the face width) are replaced, by `strength`,
 * with the template's own skin around them (a normalised blur, σ 2 % of the face width, over its
 * skin pixels) plus the fine grain of its skin 6 % of the face width up the face (toward the
 * forehead); not where the skin around (σ 5 %) is under 20 % (the face's edge, hair, background),
 * fading in up to 35 %; the area where it acts is softened by a box of 0.8 % of the face width.
 * `tgt` (the template's ROI, RGB) is changed in place there, and alpha raised to 1/512 where it
 * was 0, so that the composite writes those pixels (they are then inside the mask). Returns the
 * count of pixels changed.
 */
export function fillTemplateBrows(tgt: Float32Array, alpha: Float32Array, cover: Uint8Array, roi: Roi, tMesh: ArrayLike<number>[], dMesh: ArrayLike<number>[], tSkin: SkinModel, faceW: number, feather: number, strength: number, threshold: number): number {
  const { w, h, x0, y0 } = roi;
  const n = w * h;
  const zone = templateBrowZone(tMesh, x0, y0, w, h, 0.4, 0.02 * faceW);
  // The source's own brows where the warp put them (grown by 2 % of the face width): left alone.
  const own = new Uint8Array(n);
  for (const ids of [BROW_RIGHT, BROW_LEFT]) fillPolygon(own, w, h, growPolygon(convexHull(pick(dMesh, ids).map(([x, y]) => [x - x0, y - y0] as [number, number])), 0.02 * faceW), 1);
  // Near the mask's outer edge only: the eroded rim (mask.ts: 1.5 % of the face width inside the
  // cover, alpha 0) and the outer feather's ramp (alpha > 0) within `feather` face widths of it,
  // and beyond the cover. Not the kept holes further in (glasses' rims, hair reaching in).
  const cf = new Float32Array(n);
  for (let i = 0; i < n; i++) cf[i] = cover[i]!;
  const rim = boxBlur(cf, w, h, Math.max(1, Math.round(0.015 * faceW)) + 1);
  const band = boxBlur(cf, w, h, Math.max(1, Math.round((0.015 + feather) * faceW)) + 2);
  const near = new Uint8Array(n);
  for (let i = 0; i < n; i++) near[i] = !cover[i] || rim[i]! < 0.999 || (alpha[i]! > 0 && band[i]! < 0.999) ? 1 : 0;
  const oval = new Uint8Array(n);
  fillPolygon(oval, w, h, growPolygon(pick(tMesh, FACE_OVAL).map(([x, y]) => [x - x0, y - y0]), 0.04 * faceW), 1);
  // Where anything may change (the zone inside the oval, the template showing), and around it the skin reference.
  let bx0 = w, by0 = h, bx1 = -1, by1 = -1;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const i = y * w + x;
    if (zone[i] && oval[i] && near[i] && !own[i] && alpha[i]! < 1) { bx0 = Math.min(bx0, x); bx1 = Math.max(bx1, x); by0 = Math.min(by0, y); by1 = Math.max(by1, y); }
  }
  if (bx1 < 0) return 0;
  const pad = Math.ceil(0.1 * faceW);
  bx0 = Math.max(0, bx0 - pad); by0 = Math.max(0, by0 - pad); bx1 = Math.min(w - 1, bx1 + pad); by1 = Math.min(h - 1, by1 + pad);
  const cw = bx1 - bx0 + 1, ch = by1 - by0 + 1, cn = cw * ch;
  const rgb = new Float32Array(cn * 3);
  const inOval = new Uint8Array(cn);
  for (let y = 0; y < ch; y++) for (let x = 0; x < cw; x++) {
    const i = (by0 + y) * w + bx0 + x, j = y * cw + x;
    for (let k = 0; k < 3; k++) rgb[j * 3 + k] = tgt[i * 3 + k]!;
    inOval[j] = oval[i]!;
  }
  const [L, A, B] = rgbToLab(rgb, cn, inOval);
  const tp = skinParams(tSkin);
  const hair = new Float32Array(cn);
  const skin = new Float32Array(cn);
  for (let y = 0; y < ch; y++) for (let x = 0; x < cw; x++) {
    const j = y * cw + x, i = (by0 + y) * w + bx0 + x;
    if (!inOval[j]) continue;
    const z = skinZ(tp, L[j]!, A[j]!, B[j]!);
    if (z > 0.6 * threshold) { if (zone[i] && !own[i]) hair[j] = 1; }
    if (z <= threshold && !hair[j]) skin[j] = 1;
  }
  // The hairs' soft cover: grown a little (their antialiased edge), within the oval.
  const r = Math.max(1, 0.01 * faceW);
  const ovalW = new Float32Array(cn);
  for (let j = 0; j < cn; j++) ovalW[j] = inOval[j]!;
  const soft = maskedBlur(hair, ovalW, cw, ch, r);
  // The skin around: per channel, a normalised blur over the skin pixels.
  const sigma = Math.max(1, 0.02 * faceW);
  // Where the skin around (σ 5 % of the face width) is too little (the face's edge, hair or
  // background beyond): nothing.
  const density = gaussBlur(skin, cw, ch, 2.5 * sigma);
  // Where it may act, softened (a box of 0.8 % of the face width, 0 outside it): the fill does not
  // end in a full-strength cut along the zone, the oval, the source's brows or the band.
  const allow = new Float32Array(cn);
  for (let y = 0; y < ch; y++) for (let x = 0; x < cw; x++) {
    const i = (by0 + y) * w + bx0 + x;
    allow[y * cw + x] = zone[i] && oval[i] && near[i] && !own[i] ? 1 : 0;
  }
  const ramp = boxBlur(allow, cw, ch, Math.max(1, Math.round(0.008 * faceW)));
  const ref: Float32Array[] = [];
  const chan = new Float32Array(cn);
  for (let k = 0; k < 3; k++) {
    for (let j = 0; j < cn; j++) chan[j] = rgb[j * 3 + k]!;
    ref.push(maskedBlur(chan, skin, cw, ch, sigma));
  }
  // The grain: the skin's fine band (less its 3×3 mean) at the pixel `shift` up the face.
  const ux = tMesh[10][0] - tMesh[152][0], uy = tMesh[10][1] - tMesh[152][1], ul = Math.hypot(ux, uy) || 1;
  const sx = Math.round((0.06 * faceW * ux) / ul), sy = Math.round((0.06 * faceW * uy) / ul);
  const fine = (j: number, k: number): number => {
    const x = j % cw, y = (j / cw) | 0;
    let s = 0, c = 0;
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
      const xx = x + dx, yy = y + dy;
      if (xx < 0 || yy < 0 || xx >= cw || yy >= ch) continue;
      s += rgb[(yy * cw + xx) * 3 + k]!; c++;
    }
    return rgb[j * 3 + k]! - s / c;
  };
  let changed = 0;
  for (let y = 0; y < ch; y++) for (let x = 0; x < cw; x++) {
    const j = y * cw + x, i = (by0 + y) * w + bx0 + x;
    // The composite is tgt + alpha·(src − tgt): the template's share, 1 − alpha, is what moves.
    // ... fading out over 2 % of the face width toward the ROI's border (the composite's reach),
    // so the fill never ends in a straight cut there.
    const gx0 = bx0 + x, gy0 = by0 + y;
    const border = Math.min(1, Math.max(0, (Math.min(gx0, gy0, w - 1 - gx0, h - 1 - gy0) - 2) / Math.max(1, 0.02 * faceW)));
    const dens = Math.min(1, Math.max(0, (density[j]! - 0.2) / 0.15));
    const t = allow[j] ? Math.min(1, 3 * soft[j]!) * strength * border * ramp[j]! * dens : 0;
    if (!(t > 0) || !(alpha[i]! < 1)) continue;
    const gx = x + sx, gy = y + sy;
    const g = gx >= 1 && gy >= 1 && gx < cw - 1 && gy < ch - 1 && skinAround(skin, gx, gy, cw) ? gy * cw + gx : -1;
    for (let k = 0; k < 3; k++) {
      const want = ref[k]![j]! + (g >= 0 ? fine(g, k) : 0);
      tgt[i * 3 + k] = tgt[i * 3 + k]! + t * (want - tgt[i * 3 + k]!);
    }
    if (!(alpha[i]! > 0)) alpha[i] = 1 / 512;
    changed++;
  }
  return changed;
}

/** The 3×3 block around (x, y) all skin (its fine band is grain, not an edge). */
function skinAround(skin: Float32Array, x: number, y: number, cw: number): boolean {
  for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) if (!skin[(y + dy) * cw + x + dx]) return false;
  return true;
}
