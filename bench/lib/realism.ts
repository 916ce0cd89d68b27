// Realism measures of a swap result against its template, at the places where edits show:
//  - seam: the colour (Lab ΔE) and luminance-gradient step across the mask boundary, against the
//    template's own step at the same places (a hairline is a natural step; a new band is not);
//  - sharpness / grain: high-frequency energy (|Laplacian| of L) inside the face against the ring
//    just outside the mask, against the same ratio in the template (< 1: the face is softer or
//    cleaner than the hair and skin around it);
//  - tone: the Lab difference face → neck and face → sides of the head (ears), against the
//    template's (0 = the face sits on the neck as the template's own face did), each read with the
//    face's skin next to that region (jaw and chin for the neck, outer cheeks for the sides). The
//    pixels outside the mask are the template's, so this is how far the face's own tone there moved.
// All measures take the two images as they are (8-bit RGB, same size) and the blend weight over
// the swap's ROI, so they work on any engine's output.
import { boxBlur, gaussBlur, rgbToLab } from '../../src/engine/raster.ts';

// Mesh points on the skin of the chin and jaw, and of the cheeks near the face's sides.
const LOWER_FACE = [199, 175, 32, 262, 171, 396, 140, 369];
const OUTER_CHEEKS = [116, 345, 123, 352, 137, 366, 147, 376];

export interface Rgb {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

export interface MaskRoi {
  roi: { x0: number; y0: number; w: number; h: number };
  /** Blend weight over the ROI (0 = the template pixel). */
  alpha: Float32Array;
}

export interface Patch {
  x: number;
  y: number;
  r: number;
}

/** Skin just inside the face next to each outside region, and the outside regions themselves. */
export interface ToneRegions {
  faceNearNeck: Patch[];
  neck: Patch[];
  faceNearSides: Patch[];
  sides: Patch[];
}

export interface Realism {
  /** Mean ΔE across the mask boundary in the result, in the template, and result − template. */
  seamColourResult: number;
  seamColourTemplate: number;
  seamColour: number;
  /** Steepest |∇L| across the boundary (L units / px), result and template, and (r + 1) / (t + 1). */
  seamGradResult: number;
  seamGradTemplate: number;
  seamGrad: number;
  /** (face / ring) mean |Laplacian L| in the result ÷ the same in the template. */
  sharpness: number;
  /** (face / ring) median |Laplacian L| (noise and grain, edges ignored), result ÷ template. */
  grain: number;
  /** |(face − neck)_result − (face − neck)_template| in ΔE; NaN when no skin was found there. */
  toneNeck: number;
  /** Same for the sides of the head outside the face oval (ears, temples). */
  toneSides: number;
  /**
   * The tone step's signed parts, neck and sides together: (face − outside)_result −
   * (face − outside)_template in L, and in chroma (a positive value: the face more colourful than
   * its surroundings compared with the template). Which way the faces are off, not only how far.
   */
  toneStepL: number;
  toneStepChroma: number;
  boundaryPoints: number;
}

interface Planes {
  L: Float32Array;
  A: Float32Array;
  B: Float32Array;
}

interface Work {
  x0: number;
  y0: number;
  w: number;
  h: number;
  res: Planes;
  tpl: Planes;
  /** Blend weight over the work region. */
  alpha: Float32Array;
}

function labOf(img: Rgb, x0: number, y0: number, w: number, h: number): Planes {
  const rgb = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const s = ((y0 + y) * img.width + x0) * 3;
    for (let i = 0; i < w * 3; i++) rgb[y * w * 3 + i] = img.data[s + i]!;
  }
  const [L, A, B] = rgbToLab(rgb, w * h);
  return { L, A, B };
}

function workRegion(result: Rgb, template: Rgb, mask: MaskRoi, extra: Patch[], pad: number): Work {
  if (result.width !== template.width || result.height !== template.height) throw new Error('result and template differ in size');
  const { roi } = mask;
  let xa = roi.x0 - pad;
  let ya = roi.y0 - pad;
  let xb = roi.x0 + roi.w + pad;
  let yb = roi.y0 + roi.h + pad;
  for (const p of extra) {
    xa = Math.min(xa, p.x - p.r - 2);
    ya = Math.min(ya, p.y - p.r - 2);
    xb = Math.max(xb, p.x + p.r + 2);
    yb = Math.max(yb, p.y + p.r + 2);
  }
  const x0 = Math.max(0, Math.floor(xa));
  const y0 = Math.max(0, Math.floor(ya));
  const w = Math.min(template.width, Math.ceil(xb)) - x0;
  const h = Math.min(template.height, Math.ceil(yb)) - y0;
  const alpha = new Float32Array(w * h);
  for (let y = 0; y < roi.h; y++) {
    const wy = roi.y0 + y - y0;
    if (wy < 0 || wy >= h) continue;
    for (let x = 0; x < roi.w; x++) {
      const wx = roi.x0 + x - x0;
      if (wx >= 0 && wx < w) alpha[wy * w + wx] = mask.alpha[y * roi.w + x]!;
    }
  }
  return { x0, y0, w, h, res: labOf(result, x0, y0, w, h), tpl: labOf(template, x0, y0, w, h), alpha };
}

/** Mean Lab of the 3×3 block around (x, y) in work coordinates; undefined off the region. */
function labAt(p: Planes, w: number, h: number, x: number, y: number): [number, number, number] | undefined {
  const cx = Math.round(x);
  const cy = Math.round(y);
  if (cx < 1 || cy < 1 || cx >= w - 1 || cy >= h - 1) return undefined;
  let l = 0;
  let a = 0;
  let b = 0;
  for (let dy = -1; dy <= 1; dy++) {
    for (let dx = -1; dx <= 1; dx++) {
      const i = (cy + dy) * w + cx + dx;
      l += p.L[i]!;
      a += p.A[i]!;
      b += p.B[i]!;
    }
  }
  return [l / 9, a / 9, b / 9];
}

const dE = (p: number[], q: number[]) => Math.hypot(p[0]! - q[0]!, p[1]! - q[1]!, p[2]! - q[2]!);

function gradAt(L: Float32Array, w: number, h: number, x: number, y: number): number {
  const cx = Math.round(x);
  const cy = Math.round(y);
  if (cx < 1 || cy < 1 || cx >= w - 1 || cy >= h - 1) return NaN;
  const i = cy * w + cx;
  return Math.hypot((L[i + 1]! - L[i - 1]!) / 2, (L[i + w]! - L[i - w]!) / 2);
}

/** The seam: boundary points are mask pixels (alpha > 0.5) with a 4-neighbour at or below 0.5. */
function seam(work: Work, r: number): Pick<Realism, 'seamColourResult' | 'seamColourTemplate' | 'seamColour' | 'seamGradResult' | 'seamGradTemplate' | 'seamGrad' | 'boundaryPoints'> {
  const { w, h, alpha } = work;
  const smooth = gaussBlur(alpha, w, h, 1.5);
  let cR = 0;
  let cT = 0;
  let gR = 0;
  let gT = 0;
  let n = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      if (!(alpha[i]! > 0.5)) continue;
      if (alpha[i - 1]! > 0.5 && alpha[i + 1]! > 0.5 && alpha[i - w]! > 0.5 && alpha[i + w]! > 0.5) continue;
      let nx = (smooth[i + 1]! - smooth[i - 1]!) / 2;
      let ny = (smooth[i + w]! - smooth[i - w]!) / 2;
      const len = Math.hypot(nx, ny);
      if (len < 1e-6) continue;
      nx /= len;
      ny /= len;
      const inR = labAt(work.res, w, h, x + nx * r, y + ny * r);
      const outR = labAt(work.res, w, h, x - nx * r, y - ny * r);
      const inT = labAt(work.tpl, w, h, x + nx * r, y + ny * r);
      const outT = labAt(work.tpl, w, h, x - nx * r, y - ny * r);
      if (!inR || !outR || !inT || !outT) continue;
      let mR = 0;
      let mT = 0;
      for (let t = -Math.ceil(r); t <= Math.ceil(r); t++) {
        const a = gradAt(work.res.L, w, h, x + nx * t, y + ny * t);
        const b = gradAt(work.tpl.L, w, h, x + nx * t, y + ny * t);
        if (a > mR) mR = a;
        if (b > mT) mT = b;
      }
      cR += dE(inR, outR);
      cT += dE(inT, outT);
      gR += mR;
      gT += mT;
      n++;
    }
  }
  const k = 1 / (n || 1);
  return {
    seamColourResult: n ? cR * k : NaN,
    seamColourTemplate: n ? cT * k : NaN,
    seamColour: n ? (cR - cT) * k : NaN,
    seamGradResult: n ? gR * k : NaN,
    seamGradTemplate: n ? gT * k : NaN,
    seamGrad: n ? (gR * k + 1) / (gT * k + 1) : NaN,
    boundaryPoints: n,
  };
}

function median(v: number[]): number {
  if (!v.length) return NaN;
  const s = Float64Array.from(v).sort();
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** High-frequency energy inside the mask (alpha ≥ 0.98) against the ring within `ring` px outside it. */
function highFrequency(work: Work, ring: number): Pick<Realism, 'sharpness' | 'grain'> {
  const { w, h, alpha } = work;
  const inMask = new Float32Array(w * h);
  for (let i = 0; i < inMask.length; i++) inMask[i] = alpha[i]! > 0 ? 1 : 0;
  const near = boxBlur(inMask, w, h, ring);
  const face: number[] = [];
  const around: number[] = [];
  const faceT: number[] = [];
  const aroundT: number[] = [];
  const lap = (L: Float32Array, i: number) => Math.abs(4 * L[i]! - L[i - 1]! - L[i + 1]! - L[i - w]! - L[i + w]!);
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      if (alpha[i]! >= 0.98) {
        face.push(lap(work.res.L, i));
        faceT.push(lap(work.tpl.L, i));
      } else if (alpha[i] === 0 && near[i]! > 1e-6) {
        around.push(lap(work.res.L, i));
        aroundT.push(lap(work.tpl.L, i));
      }
    }
  }
  const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN);
  // A floor of 0.25 L units keeps flat synthetic regions (|Laplacian| ≈ 0) from dividing by zero.
  const ratio = (f: number, r: number, ft: number, rt: number) => ((f + 0.25) / (r + 0.25)) / ((ft + 0.25) / (rt + 0.25));
  return {
    sharpness: ratio(mean(face), mean(around), mean(faceT), mean(aroundT)),
    grain: ratio(median(face), median(around), median(faceT), median(aroundT)),
  };
}

/**
 * Mean Lab over the patches' pixels where `where` holds, in both images; pixels are chosen on the
 * template (the same pixels are then read in the result).
 */
function patchMeans(work: Work, patches: Patch[], where: (i: number) => boolean): { r: number[]; t: number[]; n: number } {
  const sR = [0, 0, 0];
  const sT = [0, 0, 0];
  let n = 0;
  for (const p of patches) {
    const cx = p.x - work.x0;
    const cy = p.y - work.y0;
    for (let y = Math.max(0, Math.floor(cy - p.r)); y <= Math.min(work.h - 1, Math.ceil(cy + p.r)); y++) {
      for (let x = Math.max(0, Math.floor(cx - p.r)); x <= Math.min(work.w - 1, Math.ceil(cx + p.r)); x++) {
        if ((x - cx) ** 2 + (y - cy) ** 2 > p.r * p.r) continue;
        const i = y * work.w + x;
        if (!where(i)) continue;
        sR[0] += work.res.L[i]!;
        sR[1] += work.res.A[i]!;
        sR[2] += work.res.B[i]!;
        sT[0] += work.tpl.L[i]!;
        sT[1] += work.tpl.A[i]!;
        sT[2] += work.tpl.B[i]!;
        n++;
      }
    }
  }
  return { r: sR.map((v) => v / (n || 1)), t: sT.map((v) => v / (n || 1)), n };
}

function tone(work: Work, regions: ToneRegions): Pick<Realism, 'toneNeck' | 'toneSides' | 'toneStepL' | 'toneStepChroma'> {
  const signed: { L: number; C: number }[] = [];
  const step = (inside: Patch[], outside: Patch[]) => {
    const face = patchMeans(work, inside, (i) => work.alpha[i]! >= 0.9);
    if (face.n < 10) return NaN;
    // Only skin-like pixels of the template outside the face count (not hair, collar or
    // backdrop): chroma within 12 and lightness within 30 of the template's face next to them.
    const skin = (i: number) =>
      work.alpha[i] === 0 &&
      Math.hypot(work.tpl.A[i]! - face.t[1]!, work.tpl.B[i]! - face.t[2]!) < 12 &&
      Math.abs(work.tpl.L[i]! - face.t[0]!) < 30;
    const o = patchMeans(work, outside, skin);
    if (o.n < 20) return NaN;
    const dR = face.r.map((v, k) => v - o.r[k]!);
    const dT = face.t.map((v, k) => v - o.t[k]!);
    const chroma = (m: number[]) => Math.hypot(m[1]!, m[2]!);
    signed.push({ L: dR[0]! - dT[0]!, C: chroma(face.r) - chroma(o.r) - (chroma(face.t) - chroma(o.t)) });
    return dE(dR, dT);
  };
  const toneNeck = step(regions.faceNearNeck, regions.neck);
  const toneSides = step(regions.faceNearSides, regions.sides);
  const avg = (k: 'L' | 'C') => (signed.length ? signed.reduce((a, v) => a + v[k], 0) / signed.length : NaN);
  return { toneNeck, toneSides, toneStepL: avg('L'), toneStepChroma: avg('C') };
}

/** Face, neck and side-of-head patches from a template's 468-point mesh (image pixels). */
export function toneRegions(mesh: ArrayLike<number>[], faceW: number): ToneRegions {
  const at = (i: number) => [mesh[i]![0]!, mesh[i]![1]!] as const;
  const top = at(10);
  const chin = at(152);
  const l = at(234);
  const r = at(454);
  const len = (v: [number, number]) => Math.hypot(v[0], v[1]) || 1;
  const down: [number, number] = [chin[0] - top[0], chin[1] - top[1]];
  const dl = len(down);
  const across: [number, number] = [r[0] - l[0], r[1] - l[1]];
  const al = len(across);
  const neckAt = (k: number, side: number) => ({
    x: chin[0] + (down[0] / dl) * k * faceW + (across[0] / al) * side * faceW,
    y: chin[1] + (down[1] / dl) * k * faceW + (across[1] / al) * side * faceW,
    r: 0.1 * faceW,
  });
  const patches = (ids: number[], k: number) => ids.map((i) => ({ x: at(i)[0], y: at(i)[1], r: k * faceW }));
  return {
    faceNearNeck: patches(LOWER_FACE, 0.04),
    neck: [neckAt(0.3, 0), neckAt(0.3, -0.15), neckAt(0.3, 0.15)],
    faceNearSides: patches(OUTER_CHEEKS, 0.04),
    sides: [
      { x: l[0] - (across[0] / al) * 0.1 * faceW, y: l[1] - (across[1] / al) * 0.1 * faceW, r: 0.07 * faceW },
      { x: r[0] + (across[0] / al) * 0.1 * faceW, y: r[1] + (across[1] / al) * 0.1 * faceW, r: 0.07 * faceW },
    ],
  };
}

/**
 * Every measure for one result. `faceW` sets the scales: the seam is read at ±4 % of the face
 * width (past the engine's feather), the ring is 8 % wide.
 */
export function measureRealism(result: Rgb, template: Rgb, mask: MaskRoi, regions: ToneRegions, faceW: number): Realism {
  const r = Math.max(3, 0.04 * faceW);
  const ring = Math.max(2, Math.round(0.08 * faceW));
  const work = workRegion(result, template, mask, [...regions.neck, ...regions.sides], ring + r + 2);
  return { ...seam(work, r), ...highFrequency(work, ring), ...tone(work, regions) };
}
