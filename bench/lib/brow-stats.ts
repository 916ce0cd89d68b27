// Brow statistics for the diagnostic scripts (bench/brows-stages.ts, bench/brows-real.ts).
import type { RgbImage } from '../../src/engine/image.ts';
import { BROW_LEFT, BROW_RIGHT, EYE_LEFT, EYE_RIGHT, faceWidth, pick } from '../../src/engine/regions.ts';
import { convexHull, fillPolygon, gaussBlur, growPolygon, rgbToLab } from '../../src/engine/raster.ts';

export interface BrowNumbers { skinL: number; skinC: number; dL: number; hairL: number; hairC: number; cRatio: number; lRatio: number; dab: number; fine: number }

/** Brow statistics of `img` around the mesh's brows. */
export function browNumbers(img: RgbImage, mesh: ArrayLike<number>[]): BrowNumbers[] {
  const nums: BrowNumbers[] = [];
  const fw = faceWidth(mesh);
  for (const [ids, eye] of [[BROW_RIGHT, EYE_RIGHT], [BROW_LEFT, EYE_LEFT]] as const) {
    const hull = convexHull(pick(mesh, ids));
    const outer = growPolygon(hull, 0.06 * fw);
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const [x, y] of outer) { x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y); }
    x0 = Math.max(0, Math.floor(x0)); y0 = Math.max(0, Math.floor(y0)); x1 = Math.min(img.width, Math.ceil(x1)); y1 = Math.min(img.height, Math.ceil(y1));
    const w = x1 - x0, h = y1 - y0;
    const sh = (p: [number, number][]) => p.map(([x, y]) => [x - x0, y - y0] as [number, number]);
    const inner = new Float32Array(w * h), ring = new Float32Array(w * h), eyeP = new Float32Array(w * h);
    fillPolygon(inner, w, h, sh(growPolygon(hull, 0.01 * fw)), 1);
    fillPolygon(ring, w, h, sh(outer), 1);
    fillPolygon(ring, w, h, sh(growPolygon(hull, 0.025 * fw)), 0);
    fillPolygon(eyeP, w, h, sh(growPolygon(convexHull(pick(mesh, eye)), 0.03 * fw)), 1);
    const rgb = new Float32Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) rgb[(y * w + x) * 3 + c] = img.data[((y + y0) * img.width + x + x0) * 3 + c]!;
    const [L, A, B] = rgbToLab(rgb, w * h);
    const blur = gaussBlur(L, w, h, Math.max(0.6, 0.006 * fw));
    const med = (v: number[]) => { const s = [...v].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] ?? NaN; };
    const sL: number[] = [], sA: number[] = [], sB: number[] = [];
    for (let i = 0; i < w * h; i++) if (ring[i] && !eyeP[i]) { sL.push(L[i]!); sA.push(A[i]!); sB.push(B[i]!); }
    const skL = med(sL), skA = med(sA), skB = med(sB);
    // Hair: the darkest third of the hull.
    const inL: number[] = [];
    for (let i = 0; i < w * h; i++) if (inner[i]) inL.push(L[i]!);
    const cut = [...inL].sort((a, b) => a - b)[Math.floor(inL.length / 3)]!;
    let n = 0, hl = 0, ha = 0, hb = 0, f2 = 0, m = 0;
    for (let i = 0; i < w * h; i++) {
      if (!inner[i]) continue;
      f2 += (L[i]! - blur[i]!) ** 2; m++;
      if (L[i]! > cut) continue;
      n++; hl += L[i]!; ha += A[i]!; hb += B[i]!;
    }
    hl /= n; ha /= n; hb /= n;
    const c = (a: number, b: number) => Math.hypot(a, b);
    nums.push({ skinL: skL, skinC: c(skA, skB), dL: skL - hl, hairL: hl, hairC: c(ha, hb), cRatio: c(ha, hb) / c(skA, skB), lRatio: hl / skL, dab: c(ha - skA, hb - skB), fine: Math.sqrt(f2 / m) });
  }
  return nums;
}


export function browStats(img: RgbImage, mesh: ArrayLike<number>[]): string {
  return browNumbers(img, mesh).map((b) => `skin L${b.skinL.toFixed(0)} C${b.skinC.toFixed(1)} | hair ΔL ${b.dL.toFixed(1)} C${b.hairC.toFixed(1)} C/Cs ${b.cRatio.toFixed(2)} (L/Ls ${b.lRatio.toFixed(2)}) Δab ${b.dab.toFixed(1)} | fine ${b.fine.toFixed(2)}`).join('  ||  ');
}
