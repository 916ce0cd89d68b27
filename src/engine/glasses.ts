// The template's glasses: their rims cross the face, so a swap that replaces the face inside the
// features' hull cut them off where the face began (blind reviewers spot that at once). Rims are
// thin dark lines that ring both eyes; brows, lashes and wrinkles are thin and dark too, but do
// not ring the eye from below. When both eyes are ringed, the rims (and the bridge) stay the
// template's; the eyes behind the lenses are the user's.
import { boxBlur, convexHull, fillPolygon, gaussBlur, growPolygon, maskedBlur, setBox, solve } from './raster.ts';
import { BROW_LEFT, BROW_RIGHT, EYE_LEFT, EYE_RIGHT, pick } from './regions.ts';

export interface GlassesOptions {
  /** Darkness below the local mean (L units) from which a thin line counts as a rim (0 = off). */
  contrast: number;
  /** Share of the angular sectors around each eye (lower half, and all) that must hold a rim. */
  coverage: number;
  /**
   * 1: once the band test finds glasses, each rim is traced as one closed contour around its eye
   * (a shortest path in polar coordinates over the darkness, up to 3.6 eye radii out, clear of
   * the eye's outline; smoothed; convex) and only that contour (with the rim's own width), the
   * bridge and the arms connected to it stay; a template whose traced "rims" are patchy or
   * jagged (wrinkled eyes: crow's feet, bags, brows) counts as wearing none. 0: every dark pixel
   * of the band 1.45–2.6 eye radii (rims of large frames broke off at its edge, thin metal rims
   * were missed, brows and lashes in the band were kept as dark blobs, and 3 of 81 tune photos
   * without glasses were taken for glasses). 2 (glasses.fullRes 2 sets it for its full-size
   * trace): as 1, but 0.2 eye radii clear of the eye's outline (a narrow lens's rim runs just
   * above the lid), the eyes left out as their outline, not a disc, and the rim's width grown
   * from the traced contour into connected dark pixels only.
   */
  trace: number;
  /**
   * The kept rims' own feather (fraction of the face width); 0 = that of every kept area (1.2 %).
   * Traced rims are the rims themselves, so a narrower one leaves less of the template's skin
   * around them.
   */
  feather: number;
  /**
   * The source's own glasses, found the same way (traced) on the warped source around its eyes,
   * are painted out of it before the swap, so a template without glasses does not get the
   * source's frames, bent by the warp and cut at the face's edge. 0 = off. 1: each rim pixel (as
   * found at the reduced size) from a normalised blur of the skin around it (blocky, light
   * streaks and smears). 2: the rims redrawn at full size (the traced contour at the rims' own
   * width, dark lines joined to it, not the eyes; see sourceGrow/Reach/Eye) and filled by a
   * membrane interpolation from the plain pixels around them (not the brows, nor the rims'
   * leftover dark edge). Either costs some identity on glasses sources (the recognisers know
   * them with their glasses).
   */
  source: number;
  /** glasses.source 2: how far the rims found are grown over their soft edges (fraction of the face width). */
  sourceGrow: number;
  /** glasses.source 2: dark lines connected to the rims found, up to this far (face widths) from the traced contour, go too (0 = none). */
  sourceReach: number;
  /** glasses.source 2: the eyes (their outline grown by this, face widths) are never painted. */
  sourceEye: number;
  /** glasses.source 2: ... and the dark lines joined to the rims keep out of it grown by this. */
  sourceLid: number;
  /**
   * glasses.source 2: the lenses' inside takes the tone of the skin around the rims (0 = off). A
   * lens tints and shades the skin behind it, and once the rims were gone that step outlined each
   * lens (on a greyscale source the colour match made it a pale, grey box). 1: each lens's step
   * (the skin just outside its rim against that just inside, along the lens's bottom, not the
   * eyes, lids, brows or dark lines; lightness by ratio, a and b by shift; the median along the
   * rim) is applied over the whole lens, eyes included (the lens shaded them too). 2: also the
   * lens's bright inner edge (a thick lens catches the light there), up to 0.8 % of the face
   * width inside the rim and not in the lids, is painted with the rims: the outlines go, but
   * face-api identity drops (tune pairs with a glasses source).
   */
  sourceLens: number;
  /**
   * glasses.source 2: 1 = what the painted rims enclose, in pieces of at most (3 % of the face
   * width)² and none of an eye, is painted too: the middle of a thick bridge, too dark against a
   * box mean it darkens itself for the rims' test, stayed as a dark dot. 0 = off.
   */
  sourceClean: number;
  /**
   * 1: the template's rims are found again on the full-size lightness and cut into alpha there
   * (mask.ts applyFullRims): the rim's own pixels only, behind a feather of `fullFeather`; the
   * working-size rims (~240 px across the face, blocky, thin rims diluted) still leave the colour
   * statistics. 0 = the working-size rims are alpha's too.
   */
  fullRes: number;
  /** glasses.fullRes: the rims' feather at full size (face widths; at least a pixel). */
  fullFeather: number;
  /**
   * Paired lenses (0 = off): traced rims that fail the per-lens test (its dark share less 4 × its
   * turn under 0.7: patchy tortoiseshell, thin light metal, a lens that leaves a turned face)
   * still count as glasses when both lenses score at least `pair`, the bridge crosses at least
   * PAIR_BRIDGE (0.85) of the columns between the eyes and both rims reach as far below their eyes
   * (within PAIR_DOWN, 1.3×). Wrinkled eyes that reach the trace score 0.37–0.69 but their
   * "bridge" crosses 0.62–0.83.
   */
  pair: number;
  /**
   * Turned faces (0 = off): a template turned ≈30° had its frames refused, so the source's skin
   * was drawn over both lenses' rims. Its far lens leaves the face (the ring test's sectors there
   * can never hold a rim), a thin rectangular lens's top and bottom rims run ~1.3 eye radii from
   * the eye (inside the band), and the lenses, ahead of the eyes, shift toward the turn: the near
   * lens's inner rim lies past the midpoint between the eyes, where the tracer stopped. 1: the
   * ring test counts its shares over the sectors inside the face's cover (at least half of them),
   * its band starts at TURN_FROM (1.3) eye radii, and the tracer's midline is the nose's bridge
   * (mesh point 6; between the eyes on a frontal face). Eyes ringed only by that looser test
   * need the bridge glasses.pair asks for (PAIR_BRIDGE: wrinkles and bags reach 1.3 eye radii).
   * The template's only (not glasses.source).
   */
  turn: number;
}

export const DEFAULT_GLASSES: GlassesOptions = { contrast: 9, coverage: 0.6, trace: 1, feather: 0, source: 2, sourceGrow: 0.006, sourceReach: 0.1, sourceEye: 0.006, sourceLid: 0.03, sourceLens: 1, sourceClean: 1, fullRes: 2, fullFeather: 0.003, pair: 0.55, turn: 1 };

/** What the tracer found, for tools and tests (glassesMask's last argument). */
export interface GlassesProbe {
  /** 1 on the traced rim contours (ROI pixels). */
  path?: Uint8Array;
  /** Per lens: share of the traced angles inside the face that run over a dark line, and the path's mean turn of radius a step (eye radii). */
  lenses?: { dark: number; rough: number }[];
  /** Per lens: the traced rim's closed outline (ROI pixels), whether or not the rim is kept. */
  outlines?: [number, number][][];
}

const SECTORS = 24;
/** The band (in eye radii: centre to corner) searched for a rim. */
const RIM_FROM = 1.45;
const RIM_TO = 2.6;
/** glasses.turn: the band's start (a thin rectangular lens's rims run ~1.3 eye radii above and below the eye). */
const TURN_FROM = 1.3;

/**
 * 1 on the template's rims and bridge (ROI pixels), or undefined when the template wears no
 * glasses. `L` is the template's lightness over the ROI, `mesh` its 468 points in ROI pixels.
 */
export function glassesMask(L: Float32Array, cover: Uint8Array, w: number, h: number, mesh: ArrayLike<number>[], faceW: number, opts: GlassesOptions = DEFAULT_GLASSES, probe?: GlassesProbe): Uint8Array | undefined {
  if (!(opts.contrast > 0)) return undefined;
  const n = w * h;
  const r = Math.max(2, Math.round(0.025 * faceW));
  const eyes = [EYE_LEFT, EYE_RIGHT].map((ids) => {
    const pts = pick(mesh, ids);
    const cx = pts.reduce((s, p) => s + p[0], 0) / pts.length;
    const cy = pts.reduce((s, p) => s + p[1], 0) / pts.length;
    const re = Math.max(2, ...pts.map(([x, y]) => Math.hypot(x - cx, y - cy)));
    // The box searched for a rim around this eye.
    const x0 = Math.max(0, Math.floor(cx - 2.8 * re)), x1 = Math.min(w - 1, Math.ceil(cx + 2.8 * re));
    const y0 = Math.max(0, Math.floor(cy - 2.8 * re)), y1 = Math.min(h - 1, Math.ceil(cy + 2.8 * re));
    return { pts, cx, cy, re, x0, x1, y0, y1 };
  });
  const [a, b] = eyes[0].cx < eyes[1].cx ? [eyes[0], eyes[1]] : [eyes[1], eyes[0]];
  // The bridge: the band between the two rings at eye height.
  const yc = (a.cy + b.cy) / 2, span = 1.2 * Math.max(a.re, b.re);
  // Everything below looks only inside the eye boxes and the bridge band (grown by 1 for the
  // final closing): the local mean is computed over that window only.
  const win = {
    x0: Math.max(0, Math.min(a.x0, b.x0, Math.floor(a.cx)) - 1),
    x1: Math.min(w - 1, Math.max(a.x1, b.x1, Math.ceil(b.cx)) + 1),
    y0: Math.max(0, Math.min(a.y0, b.y0, Math.floor(yc - span)) - 1),
    y1: Math.min(h - 1, Math.max(a.y1, b.y1, Math.ceil(yc + span)) + 1),
  };
  // Thin dark structure: how much darker a pixel is than its neighbourhood (a black-hat).
  const mean = windowMean(L, w, h, r, win);
  const inEyes = new Uint8Array(n);
  for (const e of eyes) fillPolygon(inEyes, w, h, growPolygon(e.pts, 0.015 * faceW), 1);
  const ring = new Uint8Array(n);
  const hits = eyes.map(() => new Uint8Array(SECTORS));
  const turn = opts.turn > 0;
  const rimFrom = turn ? TURN_FROM : RIM_FROM;
  // glasses.turn: hits in the wider band, the band's pixels per sector, and how many the face covers.
  const hitsTurn = eyes.map(() => new Uint8Array(SECTORS));
  const inBand = eyes.map(() => new Uint32Array(SECTORS)), inFace = eyes.map(() => new Uint32Array(SECTORS));
  // The scans are kernels on typed arrays and numbers: inlined here, with the eyes' objects and
  // points, glassesMask was deoptimised ("wrong map") and compiled again a few times a thread.
  for (let k = 0; k < eyes.length; k++) {
    const { cx, cy, re, x0, x1, y0, y1 } = eyes[k];
    rimScan(L, cover, inEyes, ring, mean.data, mean.x0, mean.y0, mean.w, w, cx, cy, re, x0, x1, y0, y1, rimFrom, turn ? 1 : 0, opts.contrast, hits[k], hitsTurn[k], inBand[k], inFace[k]);
  }
  // Sectors below the eye (image y grows down: angles 0..π) are where brows never are.
  const ringedBy = (hits: Uint8Array[], turn: boolean) => hits.every((hs, k) => {
    let all = 0, below = 0;
    // glasses.turn: out of the sectors mostly inside the face (a turned face's far lens leaves it).
    let nAll = turn ? 0 : SECTORS, nBelow = turn ? 0 : SECTORS / 2;
    for (let s = 0; s < SECTORS; s++) {
      all += hs[s];
      if (s >= SECTORS / 2) below += hs[s];
      if (turn && 2 * inFace[k][s] >= inBand[k][s]) {
        nAll++;
        if (s >= SECTORS / 2) nBelow++;
      }
    }
    if (turn) {
      nAll = Math.max(nAll, SECTORS / 2);
      nBelow = Math.max(nBelow, SECTORS / 4);
    }
    return all >= opts.coverage * nAll && below >= opts.coverage * nBelow;
  });
  const ringed = ringedBy(hits, false);
  // glasses.turn: eyes ringed only by the looser test (wrinkles and bags reach 1.3 eye radii:
  // celebbasis_id9/9) need the bridge glasses.pair asks for.
  const loose = !ringed && turn && ringedBy(hitsTurn, true);
  if (!ringed && !loose) return undefined;
  // Glasses have a bridge — a thin dark line across most columns between the eyes; deep-set
  // eyes with dark brows do not.
  const bridge = (x: number, y: number) => x > a.cx && x < b.cx && Math.abs(y - yc) < span;
  const bx0 = Math.max(0, Math.ceil(a.cx + a.re)), bx1 = Math.min(w - 1, Math.floor(b.cx - b.re));
  let bridgeShare = 1;
  if (bx1 > bx0) {
    const crossed = bridgeCrossed(L, cover, mean.data, mean.x0, mean.y0, mean.w, w, h, bx0, bx1, yc, span, opts.contrast);
    bridgeShare = crossed / (bx1 - bx0 + 1);
    if (crossed < opts.coverage * (bx1 - bx0 + 1)) return undefined;
  }
  if (loose && bridgeShare < PAIR_BRIDGE) return undefined;
  // glasses.turn: the lenses' midline is the nose's bridge (mesh point 6), not midway between the eyes.
  const midX = turn && mesh[6] ? mesh[6][0] : (a.cx + b.cx) / 2;
  if (opts.trace > 0) return traceGlasses(L, cover, w, h, [a, b], faceW, r, opts, probe, bridgeShare, midX);
  const out = new Uint8Array(n);
  for (let y = win.y0; y <= win.y1; y++) {
    for (let x = win.x0; x <= win.x1; x++) {
      const i = y * w + x;
      if (!cover[i] || inEyes[i] || !(ring[i] || bridge(x, y))) continue;
      if (at(mean, x, y) - L[i] >= 0.6 * opts.contrast) out[i] = 1;
    }
  }
  // Close the rims' antialiased edges (rims lie inside the window, less its 1-pixel margin).
  const grown = windowMean(Float32Array.from(out), w, h, 1, win);
  for (let y = win.y0; y <= win.y1; y++) {
    for (let x = win.x0; x <= win.x1; x++) {
      const i = y * w + x;
      out[i] = at(grown, x, y) > 0.2 && cover[i] && !inEyes[i] ? 1 : 0;
    }
  }
  return out;
}

/** glassesMask's scan of one eye's box (the mean plane as data over a window at mx0, my0, mw wide): the rim band's pixels, and per sector whether a dark one was met. */
function rimScan(L: Float32Array, cover: Uint8Array, inEyes: Uint8Array, ring: Uint8Array, mean: Float32Array, mx0: number, my0: number, mw: number, w: number, cx: number, cy: number, re: number, x0: number, x1: number, y0: number, y1: number, rimFrom: number, turn: number, contrast: number, hits: Uint8Array, hitsTurn: Uint8Array, inBand: Uint32Array, inFace: Uint32Array): void {
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const i = y * w + x;
      const rho = Math.hypot(x - cx, y - cy) / re;
      // Lashes and dark circles lie within ~1.4 eye radii; a lens's rim further out.
      if (rho < rimFrom || rho > RIM_TO) continue;
      const s = Math.min(SECTORS - 1, Math.floor(((Math.atan2(y - cy, x - cx) + Math.PI) / (2 * Math.PI)) * SECTORS));
      // Every store runs whatever the branch (adding or or-ing 0 where the old code skipped it): a
      // store first met late in the scan deoptimised the kernel ("Insufficient type feedback").
      inBand[s] += turn;
      inFace[s] += cover[i] ? turn : 0;
      if (!cover[i] || inEyes[i]) continue;
      const strict = rho >= RIM_FROM ? 1 : 0;
      ring[i] |= strict;
      const dark = mean[(y - my0) * mw + x - mx0]! - L[i]! < contrast ? 0 : 1;
      hits[s] |= strict & dark;
      hitsTurn[s] |= turn & dark;
    }
  }
}

/** glassesMask's bridge: the columns bx0..bx1 with a dark pixel within span of yc. */
function bridgeCrossed(L: Float32Array, cover: Uint8Array, mean: Float32Array, mx0: number, my0: number, mw: number, w: number, h: number, bx0: number, bx1: number, yc: number, span: number, contrast: number): number {
  let crossed = 0;
  for (let x = bx0; x <= bx1; x++) {
    for (let y = Math.max(0, Math.floor(yc - span)); y <= Math.min(h - 1, Math.ceil(yc + span)); y++) {
      const i = y * w + x;
      if (cover[i] && mean[(y - my0) * mw + x - mx0]! - L[i]! >= contrast) {
        crossed++;
        break;
      }
    }
  }
  return crossed;
}

/**
 * boxBlur(src, w, h, r) read at (x, y) inside `win` only: the window grown by r is blurred on its
 * own — inside the window the box sums never reach past it (or reach the image's edge, as the
 * full blur's do), so the values are the full blur's.
 */
function windowMean(src: Float32Array, w: number, h: number, r: number, win: { x0: number; y0: number; x1: number; y1: number }): WindowPlane {
  const x0 = Math.max(0, win.x0 - r), x1 = Math.min(w - 1, win.x1 + r);
  const y0 = Math.max(0, win.y0 - r), y1 = Math.min(h - 1, win.y1 + r);
  const cw = x1 - x0 + 1, ch = y1 - y0 + 1;
  const crop = new Float32Array(cw * ch);
  for (let y = 0; y < ch; y++) crop.set(src.subarray((y0 + y) * w + x0, (y0 + y) * w + x0 + cw), y * cw);
  return { data: boxBlur(crop, cw, ch, r), x0, y0, w: cw };
}

/** A plane over a window of the ROI: ROI pixel (x, y) is data[(y - y0) * w + x - x0]. */
interface WindowPlane {
  data: Float32Array;
  x0: number;
  y0: number;
  w: number;
}

const at = (p: WindowPlane, x: number, y: number) => p.data[(y - p.y0) * p.w + x - p.x0];

// ---------------------------------------------------------------------------------------------
// Traced rims (glasses.trace). Each rim is one closed curve around its eye: in polar coordinates
// about the eye's centre, the path of least cost (cost = minus the darkness below the local mean)
// over the angles, with a bounded change of radius from one angle to the next. A gap in the rim
// (a thin or light stretch of metal, a reflection) is bridged by the path's continuity; brows,
// lashes and wrinkles that the band caught are not on the path and stay the user's.

/** Angles around each eye (2° steps). */
const T_ANGLES = 180;
/** The radii searched (eye radii); a rim also clears the eye's outline by T_CLEAR eye radii. */
const T_FROM = 0.6;
const T_TO = 3.6;
const T_CLEAR = 0.45;
/** trace 2: the clearance (eye radii) beyond the eye's outline (a narrow lens's rim runs close to the lid). */
const T_CLEAR_CLOSE = 0.2;
/** Cost of a radius the path may not take. */
const FORBID = 4;
/**
 * A traced rim must be a rim: per lens, the share of its path inside the face that runs over a
 * dark line, less 4 × its mean turn of radius a step (eye radii), at least this. Real frames
 * score 0.78–0.91 (tune split: five templates); wrinkled eyes that the band test took for
 * glasses (crow's feet, bags, brows: three templates) 0.37–0.60 on one lens at least.
 */
const T_VERIFY = 0.7;

interface Eye {
  cx: number;
  cy: number;
  re: number;
  /** The eye's outline (ROI pixels). */
  pts: [number, number][];
}

function traceGlasses(L: Float32Array, cover: Uint8Array, w: number, h: number, eyes: [Eye, Eye], faceW: number, r: number, opts: GlassesOptions, probe?: GlassesProbe, bridgeShare = 1, midX = (eyes[0].cx + eyes[1].cx) / 2): Uint8Array | undefined {
  const n = w * h;
  const [a, b] = eyes;
  const c = opts.contrast;
  // The window: both eyes' search discs and the band between them.
  const reach = (e: Eye) => T_TO * e.re + 2;
  const win = {
    x0: Math.max(0, Math.floor(Math.min(a.cx - reach(a), b.cx - reach(b))) - 1),
    x1: Math.min(w - 1, Math.ceil(Math.max(a.cx + reach(a), b.cx + reach(b))) + 1),
    y0: Math.max(0, Math.floor(Math.min(a.cy - reach(a), b.cy - reach(b))) - 1),
    y1: Math.min(h - 1, Math.ceil(Math.max(a.cy + reach(a), b.cy + reach(b))) + 1),
  };
  const mean = windowMean(L, w, h, r, win);
  // Darkness below the local mean, over the window (0 outside the face's cover).
  const ww = win.x1 - win.x0 + 1, wh = win.y1 - win.y0 + 1;
  const dark = new Float32Array(ww * wh);
  for (let y = win.y0; y <= win.y1; y++) {
    for (let x = win.x0; x <= win.x1; x++) {
      const i = y * w + x;
      if (cover[i]) dark[(y - win.y0) * ww + x - win.x0] = Math.max(0, at(mean, x, y) - L[i]);
    }
  }
  const D = (x: number, y: number) => {
    // Bilinear, 0 outside the window.
    const fx = x - win.x0, fy = y - win.y0;
    const x0 = Math.floor(fx), y0 = Math.floor(fy);
    if (x0 < 0 || y0 < 0 || x0 + 1 >= ww || y0 + 1 >= wh) return 0;
    const tx = fx - x0, ty = fy - y0, o = y0 * ww + x0;
    return (dark[o] * (1 - tx) + dark[o + 1] * tx) * (1 - ty) + (dark[o + ww] * (1 - tx) + dark[o + ww + 1] * tx) * ty;
  };
  const covered = (x: number, y: number) => {
    const xi = Math.round(x), yi = Math.round(y);
    return xi >= 0 && yi >= 0 && xi < w && yi < h && !!cover[yi * w + xi];
  };
  const path = new Uint8Array(n);
  // Both lenses are the same size: a turned face's far eye is narrower than its lens suggests.
  const reMax = Math.max(a.re, b.re);
  // Each traced rim's outermost column: the arms start beyond it.
  const outerX: number[] = [];
  const lenses: { dark: number; rough: number }[] = [];
  // glasses.pair: how far each traced rim reaches below its eye (pixels).
  const down: number[] = [];
  const outlines: [number, number][][] = [];
  for (const eye of eyes) {
    const e = { ...eye, re: reMax };
    const rho = tracePolar(e, D, covered, c, midX, opts.trace >= 2 ? T_CLEAR_CLOSE : T_CLEAR);
    if (probe) outlines.push(Array.from(rho, (r, k) => [e.cx + r * Math.cos((2 * Math.PI * k) / T_ANGLES), e.cy + r * Math.sin((2 * Math.PI * k) / T_ANGLES)] as [number, number]));
    let low = 0;
    for (let k = 0; k < T_ANGLES / 2; k++) low = Math.max(low, rho[k] * Math.sin((2 * Math.PI * k) / T_ANGLES));
    down.push(low);
    // Evidence along the path: where it runs over a dark line.
    const on = new Uint8Array(T_ANGLES);
    for (let k = 0; k < T_ANGLES; k++) {
      const th = (2 * Math.PI * k) / T_ANGLES;
      const ct = Math.cos(th), st = Math.sin(th);
      const best = Math.max(D(e.cx + (rho[k] - 1) * ct, e.cy + (rho[k] - 1) * st), D(e.cx + rho[k] * ct, e.cy + rho[k] * st), D(e.cx + (rho[k] + 1) * ct, e.cy + (rho[k] + 1) * st));
      on[k] = best >= 0.4 * c ? 1 : 0;
    }
    // How much of the path (inside the face) runs over a dark line, and how jagged it is.
    let inFace = 0, darkOn = 0, turn = 0;
    for (let k = 0; k < T_ANGLES; k++) {
      const th = (2 * Math.PI * k) / T_ANGLES;
      if (covered(e.cx + rho[k] * Math.cos(th), e.cy + rho[k] * Math.sin(th))) {
        inFace++;
        darkOn += on[k];
      }
      turn += Math.abs(rho[(k + 1) % T_ANGLES] - rho[k]);
    }
    lenses.push({ dark: inFace ? darkOn / inFace : 0, rough: turn / T_ANGLES / e.re });
    // Short gaps (up to 16°; trace 2: 40°, a rim's highlight or a thin stretch of metal at full
    // size) are bridged; isolated short hits (under 6°) dropped.
    const keep = closeRuns(on, opts.trace >= 2 ? 20 : 8, 3);
    let ox = eye === a ? Infinity : -Infinity;
    for (let k = 0; k < T_ANGLES; k++) {
      const x = e.cx + rho[k] * Math.cos((2 * Math.PI * k) / T_ANGLES);
      ox = eye === a ? Math.min(ox, x) : Math.max(ox, x);
    }
    outerX.push(ox);
    for (let k = 0; k < T_ANGLES; k++) {
      const k1 = (k + 1) % T_ANGLES;
      if (!keep[k] || !keep[k1]) continue;
      const t0 = (2 * Math.PI * k) / T_ANGLES, t1 = (2 * Math.PI * k1) / T_ANGLES;
      const x0 = e.cx + rho[k] * Math.cos(t0), y0 = e.cy + rho[k] * Math.sin(t0);
      const x1 = e.cx + rho[k1] * Math.cos(t1), y1 = e.cy + rho[k1] * Math.sin(t1);
      const steps = Math.max(1, Math.ceil(2 * Math.hypot(x1 - x0, y1 - y0)));
      for (let s = 0; s <= steps; s++) {
        const x = Math.round(x0 + ((x1 - x0) * s) / steps), y = Math.round(y0 + ((y1 - y0) * s) / steps);
        if (x >= 0 && y >= 0 && x < w && y < h) path[y * w + x] = 1;
      }
    }
  }
  if (probe) {
    probe.path = path;
    probe.lenses = lenses;
    probe.outlines = outlines;
  }
  const scores = lenses.map((l) => l.dark - 4 * l.rough);
  // glasses.pair: lenses that each fail the test still count as glasses where the bridge across the
  // nose is there, both score at least `pair` (wrinkled eyes that reach this far have no bridge)
  // and both rims reach as far below their eyes (a rigid frame; a weak trace that ran down the
  // nose's side to the nostril reached twice as far as the other lens).
  const paired = opts.pair > 0 && bridgeShare >= PAIR_BRIDGE && scores.every((v) => v >= opts.pair) && Math.max(...down) <= PAIR_DOWN * Math.min(...down);
  if (scores.some((v) => v < T_VERIFY) && !paired) return undefined;
  // The rim's own width: dark pixels near the path (a rim is at most ~5 % of the face wide), and
  // the path itself grown by one pixel.
  const out = new Uint8Array(n);
  const t = Math.max(1, Math.round(0.025 * faceW));
  const nearWide = windowMean(Float32Array.from(path), w, h, t, win);
  const near1 = windowMean(Float32Array.from(path), w, h, 1, win);
  // trace 2: the eyes are their own outline (grown a little), not a disc of 1.05 eye radii,
  // which cut the top or bottom rim of a narrow lens close to the eye.
  let eyeArea: Uint8Array | undefined;
  if (opts.trace >= 2) {
    eyeArea = new Uint8Array(n);
    for (const e of eyes) fillPolygon(eyeArea, w, h, growPolygon(convexHull(e.pts), 0.01 * faceW), 1);
  }
  const inside = eyeArea ? (x: number, y: number) => eyeArea![y * w + x] === 1 : (x: number, y: number, e: Eye) => Math.hypot(x - e.cx, y - e.cy) < 1.05 * e.re;
  // trace 2: the rim's own width only where connected to the path (brow hairs, lashes and specks
  // within reach of it but apart from it stay the user's).
  const wide = opts.trace >= 2 ? new Uint8Array(n) : undefined;
  for (let y = win.y0; y <= win.y1; y++) {
    for (let x = win.x0; x <= win.x1; x++) {
      const i = y * w + x;
      if (!cover[i] || inside(x, y, a) || inside(x, y, b)) continue;
      const d = dark[(y - win.y0) * ww + x - win.x0];
      if (at(near1, x, y) > 0) out[i] = 1;
      else if (at(nearWide, x, y) > 0 && d >= 0.5 * c) {
        if (wide) wide[i] = 1;
        else out[i] = 1;
      }
    }
  }
  if (wide) growFrom(out, wide, w, win);
  // The bridge and the arms: dark lines connected to the rims, between the eyes at their height
  // and beyond each rim's outer side.
  const span = 1.2 * Math.max(a.re, b.re), yc = (a.cy + b.cy) / 2;
  const cand = new Uint8Array(n);
  for (let y = win.y0; y <= win.y1; y++) {
    for (let x = win.x0; x <= win.x1; x++) {
      const i = y * w + x;
      if (!cover[i] || out[i] || dark[(y - win.y0) * ww + x - win.x0] < 0.6 * c) continue;
      const between = x > a.cx && x < b.cx && Math.abs(y - yc) < span;
      const beyond = (x < outerX[0] - 1 && y > a.cy - 1.5 * a.re && y < a.cy + a.re) || (x > outerX[1] + 1 && y > b.cy - 1.5 * b.re && y < b.cy + b.re);
      if (between || beyond) cand[i] = 1;
    }
  }
  growFrom(out, cand, w, win);
  // Close the rims' antialiased edges.
  const grown = windowMean(Float32Array.from(out), w, h, 1, win);
  for (let y = win.y0; y <= win.y1; y++) {
    for (let x = win.x0; x <= win.x1; x++) {
      const i = y * w + x;
      out[i] = at(grown, x, y) > 0.2 && cover[i] && !inside(x, y, a) && !inside(x, y, b) ? 1 : 0;
    }
  }
  return out;
}

/**
 * The rim's radius (pixels) at each of T_ANGLES angles around the eye: the closed path that is
 * darkest overall, its radius changing by at most ~8 % a step (a rectangular frame's corners),
 * with a cost per pixel of change; beyond the face's cover (where the template stays anyway) a
 * path costs as much as a faint rim, so a frame that leaves the face is followed out rather than
 * cut across the lens. Then a smooth outline (the first four harmonics of the radius over the
 * angle, fitted to the path where it is dark) and the path found again within a quarter eye
 * radius of it: brows, hair and lashes that pulled the path into spikes are left. Each path is
 * found over two turns and the second turn read back, so where it starts does not matter.
 */
function tracePolar(e: Eye, D: (x: number, y: number) => number, covered: (x: number, y: number) => boolean, c: number, midX: number, clearBy = T_CLEAR): Float32Array {
  const dr = 0.5;
  const r0 = T_FROM * e.re, r1 = T_TO * e.re;
  const R = Math.max(2, Math.ceil((r1 - r0) / dr) + 1);
  const cost = new Float32Array(T_ANGLES * R);
  const dark = new Float32Array(T_ANGLES * R);
  const clear = eyeOutlineRadii(e);
  for (let k = 0; k < T_ANGLES; k++) {
    const th = (2 * Math.PI * k) / T_ANGLES, ct = Math.cos(th), st = Math.sin(th);
    // Lashes and the eye's corners are not a rim: it clears the eye's outline.
    const rmin = clear[k] + clearBy * e.re;
    // Toward the other eye, not past the midline between them.
    const lim = (midX - e.cx) * ct > 0 ? Math.abs((midX - e.cx) / ct) - 1 : Infinity;
    for (let j = 0; j < R; j++) {
      const rr = r0 + j * dr, x = e.cx + rr * ct, y = e.cy + rr * st;
      const d = Math.min(2, D(x, y) / c);
      dark[k * R + j] = d;
      cost[k * R + j] = rr > lim || rr < rmin ? 1 : covered(x, y) ? -d : -1;
    }
  }
  const first = ringPath(cost, R, Math.max(2, Math.ceil((0.08 * r1) / dr)), 0.015);
  // The smooth outline: weighted least squares of the radius on 9 harmonics' terms, twice, the
  // second time without the points far off the first fit.
  const H = 9;
  const table = BASIS;
  const basis = (k: number) => table[k];
  let fit: Float64Array | undefined;
  for (let pass = 0; pass < 2; pass++) {
    const A = new Float64Array(H * H), rhs = new Float64Array(H);
    for (let k = 0; k < T_ANGLES; k++) {
      const rr = r0 + first[k] * dr;
      let wgt = Math.max(0.05, dark[k * R + first[k]]);
      if (fit && Math.abs(rr - evalFit(fit, basis(k))) > 0.25 * e.re) wgt = 0;
      const v = basis(k);
      for (let p = 0; p < H; p++) {
        rhs[p] += wgt * v[p] * rr;
        for (let q = 0; q < H; q++) A[p * H + q] += wgt * v[p] * v[q];
      }
    }
    for (let p = 0; p < H; p++) A[p * H + p] += 1e-3 * (A[0] || 1);
    fit = solve(A, rhs, H) ?? fit; // null when singular: the first pass's fit stands
  }
  if (!fit) return rhoOf(first, r0, dr);
  const band = 0.15 * e.re;
  const cost2 = cost.slice();
  for (let k = 0; k < T_ANGLES; k++) {
    const f = evalFit(fit, basis(k));
    for (let j = 0; j < R; j++) if (Math.abs(r0 + j * dr - f) > band) cost2[k * R + j] = FORBID;
  }
  const second = rhoOf(ringPath(cost2, R, Math.max(2, Math.ceil((0.08 * r1) / dr)), 0.015), r0, dr);
  // Lenses are convex: where the path dips inside its own convex hull (it took a lash line or an
  // eye corner where the rim leaves the face), it is found once more, not inside the hull.
  const hull = hullRadii(second);
  const cost3 = cost.slice();
  for (let k = 0; k < T_ANGLES; k++) {
    const lo = hull[k] - 0.1 * e.re, hi = Math.max(hull[k], evalFit(fit, basis(k))) + 0.2 * e.re;
    for (let j = 0; j < R; j++) {
      const rr = r0 + j * dr;
      if (rr < lo || rr > hi) cost3[k * R + j] = FORBID;
    }
  }
  return rhoOf(ringPath(cost3, R, Math.max(2, Math.ceil((0.08 * r1) / dr)), 0.015), r0, dr);
}

/** glasses.pair: the bridge must cross at least this share of the columns between the eyes. */
const PAIR_BRIDGE = 0.85;
/** glasses.pair: ... and the deeper rim reach at most this many times as far below its eye as the other. */
const PAIR_DOWN = 1.3;

/** The radius, at each of T_ANGLES angles, of the convex hull of a closed polar path (about the origin). */
function hullRadii(rho: Float32Array): Float32Array {
  const pts: [number, number][] = [];
  for (let k = 0; k < T_ANGLES; k++) {
    const th = (2 * Math.PI * k) / T_ANGLES;
    pts.push([rho[k] * Math.cos(th), rho[k] * Math.sin(th)]);
  }
  const hull = convexHull(pts);
  const out = new Float32Array(T_ANGLES);
  for (let k = 0; k < T_ANGLES; k++) {
    const th = (2 * Math.PI * k) / T_ANGLES, dx = Math.cos(th), dy = Math.sin(th);
    let best = rho[k];
    for (let p = 0; p < hull.length; p++) {
      const [ax, ay] = hull[p], [bx, by] = hull[(p + 1) % hull.length];
      // Ray t·(dx, dy) meets the edge a + u·(b − a), 0 ≤ u ≤ 1.
      const ex = bx - ax, ey = by - ay;
      const den = dx * ey - dy * ex;
      if (Math.abs(den) < 1e-9) continue;
      const t = (ax * ey - ay * ex) / den, u = (ax * dy - ay * dx) / den;
      if (t > 0 && u >= -1e-6 && u <= 1 + 1e-6) best = Math.max(best, t);
    }
    out[k] = best;
  }
  return out;
}

/** The eye outline's radius around the centre at each of T_ANGLES angles (the largest within ±6°). */
function eyeOutlineRadii(e: Eye): Float32Array {
  const out = new Float32Array(T_ANGLES);
  const m = e.pts.length;
  for (let p = 0; p < m; p++) {
    const [x0, y0] = e.pts[p], [x1, y1] = e.pts[(p + 1) % m];
    for (let s = 0; s < 8; s++) {
      const x = x0 + ((x1 - x0) * s) / 8 - e.cx, y = y0 + ((y1 - y0) * s) / 8 - e.cy;
      const rr = Math.hypot(x, y);
      const k = Math.round(((Math.atan2(y, x) + 2 * Math.PI) % (2 * Math.PI)) / (2 * Math.PI) * T_ANGLES);
      for (let q = -3; q <= 3; q++) {
        const kk = (((k + q) % T_ANGLES) + T_ANGLES) % T_ANGLES;
        out[kk] = Math.max(out[kk], rr);
      }
    }
  }
  return out;
}

/** The harmonics' terms at each angle (1, cos mθ, sin mθ for m = 1..4). */
const BASIS: number[][] = Array.from({ length: T_ANGLES }, (_, k) => {
  const th = (2 * Math.PI * k) / T_ANGLES;
  const v = [1];
  for (let m = 1; m <= 4; m++) v.push(Math.cos(m * th), Math.sin(m * th));
  return v;
});

const evalFit = (f: Float64Array, v: number[]) => v.reduce((s, x, p) => s + x * f[p], 0);
const rhoOf = (idx: Int32Array, r0: number, dr: number) => Float32Array.from(idx, (j) => r0 + j * dr);

/**
 * The closed path of least cost through `cost` (T_ANGLES rows of R radii): radius index per angle.
 * Radii costing FORBID or more are never taken (each row is only searched between its first and
 * last allowed radius).
 */
function ringPath(cost: Float32Array, R: number, maxStep: number, lambda: number): Int32Array {
  const turns = 2 * T_ANGLES;
  const lo = new Int32Array(T_ANGLES), hi = new Int32Array(T_ANGLES);
  for (let k = 0; k < T_ANGLES; k++) {
    let a = 0, b = R - 1;
    while (a < R - 1 && cost[k * R + a] >= FORBID) a++;
    while (b > a && cost[k * R + b] >= FORBID) b--;
    lo[k] = a;
    hi[k] = b;
  }
  let acc = new Float32Array(R).fill(Infinity), next = new Float32Array(R).fill(Infinity);
  const from = new Int16Array(turns * R);
  for (let j = lo[0]; j <= hi[0]; j++) acc[j] = cost[j];
  let plo = lo[0], phi = hi[0];
  for (let k = 1; k < turns; k++) {
    const kk = k % T_ANGLES, row = kk * R;
    next.fill(Infinity);
    for (let j = lo[kk]; j <= hi[kk]; j++) {
      let best = Infinity, arg = j;
      const qa = Math.max(plo, j - maxStep), qb = Math.min(phi, j + maxStep);
      for (let q = qa; q <= qb; q++) {
        const v = acc[q] + lambda * (q > j ? q - j : j - q);
        if (v < best) { best = v; arg = q; }
      }
      next[j] = best + cost[row + j];
      from[k * R + j] = arg;
    }
    const t = acc; acc = next; next = t;
    plo = lo[kk]; phi = hi[kk];
  }
  let j = plo;
  for (let q = plo; q <= phi; q++) if (acc[q] < acc[j]) j = q;
  const out = new Int32Array(T_ANGLES);
  for (let k = turns - 1; k >= T_ANGLES; k--) {
    out[k - T_ANGLES] = j;
    j = from[k * R + j];
  }
  return out;
}

/** Circular runs of 1s: gaps up to `gap` long filled, then runs shorter than `minRun` cleared. */
function closeRuns(on: Uint8Array, gap: number, minRun: number): Uint8Array {
  const m = on.length;
  const out = on.slice();
  if (!on.some((v) => v) || on.every((v) => v)) return out;
  // Fill gaps.
  let start = 0;
  while (on[start]) start = (start + 1) % m; // a 0
  for (let s = 0; s < m; ) {
    const k = (start + s) % m;
    if (on[k]) { s++; continue; }
    let len = 0;
    while (len < m && !on[(k + len) % m]) len++;
    if (len <= gap && len < m) for (let q = 0; q < len; q++) out[(k + q) % m] = 1;
    s += len;
  }
  if (out.every((v) => v)) return out;
  // Drop short runs.
  const res = out.slice();
  start = 0;
  while (out[start]) start = (start + 1) % m;
  for (let s = 0; s < m; ) {
    const k = (start + s) % m;
    if (!out[k]) { s++; continue; }
    let len = 0;
    while (len < m && out[(k + len) % m]) len++;
    if (len < minRun) for (let q = 0; q < len; q++) res[(k + q) % m] = 0;
    s += len;
  }
  return res;
}

/** `out` grown (8-connected) into `cand` inside the window. */
function growFrom(out: Uint8Array, cand: Uint8Array, w: number, win: { x0: number; y0: number; x1: number; y1: number }): void {
  const stack: number[] = [];
  for (let y = win.y0; y <= win.y1; y++) for (let x = win.x0; x <= win.x1; x++) if (out[y * w + x]) stack.push(y * w + x);
  while (stack.length) {
    const i = stack.pop()!;
    const x = i % w, y = (i - x) / w;
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const nx = x + dx, ny = y + dy;
        if (nx < win.x0 || nx > win.x1 || ny < win.y0 || ny > win.y1) continue;
        const j = ny * w + nx;
        if (cand[j] && !out[j]) {
          out[j] = 1;
          stack.push(j);
        }
      }
    }
  }
}

/**
 * glasses.source: the warped source's own glasses painted out of its Lab planes, in place (ROI
 * pixels; `mesh` = where the source's points landed). The rims are found on a copy reduced to
 * ~240 px across the face (as the mask is), grown by a pixel or two at full size, and each rim
 * pixel takes the normalised blur of the covered non-rim pixels around it. Returns whether any
 * glasses were found (nothing changes otherwise).
 */
export function removeSourceGlasses(lab: [Float32Array, Float32Array, Float32Array], cover: Uint8Array, w: number, h: number, mesh: ArrayLike<number>[], faceW: number, opts: GlassesOptions): boolean {
  if (!(opts.source > 0) || !(opts.contrast > 0)) return false;
  const k = Math.max(1, Math.round(faceW / 240));
  const lw = Math.ceil(w / k), lh = Math.ceil(h / k);
  const Lk = new Float32Array(lw * lh), cnt = new Float32Array(lw * lh), all = new Float32Array(lw * lh);
  // Every swap runs this reduction (most sources wear no glasses): the cells' columns once, no division a pixel.
  const col = new Int32Array(w);
  for (let x = 0; x < w; x++) col[x] = (x / k) | 0;
  const L = lab[0];
  for (let y = 0; y < h; y++) {
    const row = ((y / k) | 0) * lw;
    for (let x = 0, i = y * w; x < w; x++, i++) {
      const c = row + col[x]!;
      all[c]++;
      if (cover[i]) {
        cnt[c]++;
        Lk[c] += L[i]!;
      }
    }
  }
  const coverK = new Uint8Array(lw * lh);
  for (let c = 0; c < Lk.length; c++) {
    if (cnt[c]) Lk[c] /= cnt[c];
    coverK[c] = cnt[c] / all[c] > 0.999 ? 1 : 0;
  }
  const meshK = Array.from(mesh, (p) => [p[0] / k, p[1] / k]);
  const probe: GlassesProbe = {};
  // glasses.pair is the template's only (a source's glasses found more often would be painted out more often).
  const rimsK = glassesMask(Lk, coverK, lw, lh, meshK, faceW / k, { ...opts, trace: 1, pair: 0, turn: 0 }, probe);
  if (!rimsK) return false;
  if (opts.source >= 2) return paintOutRims(lab, cover, w, h, mesh, faceW, opts, rimsK, probe.path!, k, lw, probe.outlines);
  // Full size, grown over the rims' soft edges.
  const g = Math.max(1, Math.round(0.007 * faceW));
  const rim = new Float32Array(w * h);
  let x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!rimsK[((y / k) | 0) * lw + ((x / k) | 0)]) continue;
      rim[y * w + x] = 1;
      x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
    }
  }
  if (x1 < 0) return false;
  // The window around the rims (the blur reaches ~3σ).
  const sigma = Math.max(2, 0.015 * faceW);
  const pad = Math.ceil(3 * sigma) + g + 1;
  x0 = Math.max(0, x0 - pad); y0 = Math.max(0, y0 - pad); x1 = Math.min(w - 1, x1 + pad); y1 = Math.min(h - 1, y1 + pad);
  const cw = x1 - x0 + 1, ch = y1 - y0 + 1;
  const crop = (p: Float32Array | Uint8Array) => {
    const out = new Float32Array(cw * ch);
    for (let y = 0; y < ch; y++) for (let x = 0; x < cw; x++) out[y * cw + x] = p[(y0 + y) * w + x0 + x];
    return out;
  };
  const grown = boxBlur(crop(rim), cw, ch, g);
  const cov = crop(cover);
  const weight = new Float32Array(cw * ch);
  for (let i = 0; i < weight.length; i++) weight[i] = cov[i] && !(grown[i] > 0) ? 1 : 0;
  // Each rim pixel from the plain skin around it; where too little is near (under 5 % of the
  // blur's weight: a thick bridge), from twice as far, and so on.
  const todo = new Uint8Array(cw * ch);
  for (let c = 0; c < todo.length; c++) todo[c] = grown[c] > 0 && cov[c] ? 1 : 0;
  const planes = lab.map(crop);
  for (let pass = 0, sg = sigma; pass < 4; pass++, sg *= 2) {
    const wsum = gaussBlur(weight, cw, ch, sg);
    const fills = planes.map((p) => maskedBlur(p, weight, cw, ch, sg));
    let left = 0;
    for (let c = 0; c < todo.length; c++) {
      if (!todo[c]) continue;
      if (wsum[c] > 0.05 || pass === 3) {
        const y = (c / cw) | 0, x = c - y * cw;
        if (wsum[c] > 1e-4) for (let q = 0; q < 3; q++) lab[q][(y0 + y) * w + x0 + x] = fills[q][c];
        todo[c] = 0;
      } else left++;
    }
    if (!left) break;
  }
  return true;
}

/**
 * glasses.source 2: the rims found at the reduced size (`rimsK`, with the traced contours `pathK`)
 * redrawn at full size — the pixels near them that are darker than their surroundings, the
 * brows only where the traced contour itself runs, grown by the rims' soft edge — and filled by
 * a membrane (Laplace) interpolation of the Lab planes from the pixels around them.
 */
function paintOutRims(lab: [Float32Array, Float32Array, Float32Array], cover: Uint8Array, w: number, h: number, mesh: ArrayLike<number>[], faceW: number, opts: GlassesOptions, rimsK: Uint8Array, pathK: Uint8Array, k: number, lw: number, outlinesK?: [number, number][][]): boolean {
  // The rims' box at full size: that of their cells, each k × k pixels (the last row and column cut by the ROI).
  const cells = setBox(rimsK, lw, rimsK.length / lw);
  if (!cells) return false;
  let x0 = cells.x0 * k, y0 = cells.y0 * k, x1 = Math.min(w - 1, cells.x1 * k + k - 1), y1 = Math.min(h - 1, cells.y1 * k + k - 1);
  const r = Math.max(2, Math.round(0.025 * faceW));
  const pad = r + k + 4;
  x0 = Math.max(0, x0 - pad); y0 = Math.max(0, y0 - pad); x1 = Math.min(w - 1, x1 + pad); y1 = Math.min(h - 1, y1 + pad);
  const cw = x1 - x0 + 1, ch = y1 - y0 + 1, cn = cw * ch;
  const up = (p: Uint8Array) => {
    const out = new Float32Array(cn);
    for (let y = 0; y < ch; y++) {
      const row = (((y0 + y) / k) | 0) * lw;
      for (let x = 0; x < cw; x++) out[y * cw + x] = p[row + (((x0 + x) / k) | 0)];
    }
    return out;
  };
  const cov = new Float32Array(cn), Lc = new Float32Array(cn);
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      const i = (y0 + y) * w + x0 + x;
      cov[y * cw + x] = cover[i] ? 1 : 0;
      Lc[y * cw + x] = cover[i] ? lab[0][i] : 0;
    }
  }
  // Darkness below the local mean of the covered pixels, at full size.
  const sumL = boxBlur(Lc, cw, ch, r), sumC = boxBlur(cov, cw, ch, r);
  // Where the reduced rims were (grown by a cell), the traced contours, and the brows.
  const region = boxBlur(up(rimsK), cw, ch, k + 1);
  const nearPath = boxBlur(up(pathK), cw, ch, Math.max(1, Math.round(0.008 * faceW)));
  const brows = new Uint8Array(cn);
  const local = (ids: number[]) => pick(mesh, ids).map(([x, y]) => [x - x0, y - y0] as [number, number]);
  for (const ids of [BROW_LEFT, BROW_RIGHT]) fillPolygon(brows, cw, ch, convexHull(local(ids)), 1);
  const eyes = new Uint8Array(cn);
  for (const ids of [EYE_LEFT, EYE_RIGHT]) fillPolygon(eyes, cw, ch, growPolygon(convexHull(local(ids)), opts.sourceEye * faceW), 1);
  // Dark lines joined to the rims (below) keep further from the eyes: lashes and lid creases
  // are dark lines too, and a lid painted out around an untouched eye reads as a pasted almond.
  const lids = new Uint8Array(cn);
  for (const ids of [EYE_LEFT, EYE_RIGHT]) fillPolygon(lids, cw, ch, growPolygon(convexHull(local(ids)), opts.sourceLid * faceW), 1);
  const c = opts.contrast;
  const core = new Float32Array(cn);
  for (let q = 0; q < cn; q++) {
    if (!cov[q] || eyes[q] || !(region[q] > 0)) continue;
    if (brows[q] && !(nearPath[q] > 0)) continue;
    const d = sumC[q] > 0 ? sumL[q] / sumC[q] - Lc[q] : 0;
    if (d >= 0.3 * c) core[q] = 1;
  }
  // Rim stretches the contour strayed from (into a brow, across a lens's corner): dark lines
  // connected to those found, not far from the contour, outside the eyes and brows.
  const dist = chamfer(up(pathK), cw, ch);
  const cand = new Uint8Array(cn);
  const reach = opts.sourceReach * faceW;
  for (let q = 0; q < cn; q++) {
    if (!cov[q] || eyes[q] || lids[q] || core[q] || brows[q] || dist[q] > reach) continue;
    const d = sumC[q] > 0 ? sumL[q] / sumC[q] - Lc[q] : 0;
    if (d >= 0.4 * c) cand[q] = 1;
  }
  const coreU = new Uint8Array(cn);
  for (let q = 0; q < cn; q++) coreU[q] = core[q] ? 1 : 0;
  if (reach > 0) growFrom(coreU, cand, cw, { x0: 0, y0: 0, x1: cw - 1, y1: ch - 1 });
  for (let q = 0; q < cn; q++) core[q] = coreU[q];
  // The rims' own width: the traced contour (a line along the rim) grown as far as the dark
  // pixels around it reach (most of them: 90 %), so the whole rim goes — its highlights too,
  // which are not dark — not only its darkest pixels.
  const near: number[] = [];
  const maxW = 0.03 * faceW;
  for (let q = 0; q < cn; q++) if (core[q] && dist[q] <= maxW) near.push(dist[q]);
  near.sort((p, q) => p - q);
  const hw = near.length ? near[Math.floor(0.9 * (near.length - 1))] : 0;
  // The rims' soft edges (antialiasing, a shadow): grown.
  const g = Math.max(1, Math.round(opts.sourceGrow * faceW));
  const grown = boxBlur(core, cw, ch, g);
  const todo = new Uint8Array(cn);
  let count = 0;
  for (let q = 0; q < cn; q++) {
    if ((grown[q] > 0 || dist[q] <= hw + g) && cov[q] && !eyes[q]) {
      todo[q] = 1;
      count++;
    }
  }
  if (!count) return false;
  const planes = lab.map((p) => {
    const out = new Float32Array(cn);
    for (let y = 0; y < ch; y++) out.set(p.subarray((y0 + y) * w + x0, (y0 + y) * w + x0 + cw), y * cw);
    return out;
  });
  // The fill's edge: plain pixels only — not the brows (a rim under a brow would draw it down
  // into a grey smear) nor what is left of a rim's dark edge.
  const edge = new Float32Array(cn);
  const plainEdge = () => {
    for (let q = 0; q < cn; q++) {
      edge[q] = 0;
      if (!cov[q] || todo[q] || brows[q]) continue;
      const d = sumC[q] > 0 ? sumL[q] / sumC[q] - Lc[q] : 0;
      if (d < 0.3 * c) edge[q] = 1;
    }
  };
  // glasses.sourceLens: the lenses' inside at full size (the traced outlines, less the rims).
  let lens: Uint8Array | undefined;
  const fringe = new Uint8Array(opts.sourceLens > 0 ? cn : 0);
  if (opts.sourceLens > 0 && outlinesK?.length) {
    lens = new Uint8Array(cn);
    outlinesK.forEach((o, i) => fillPolygon(lens!, cw, ch, o.map(([x, y]) => [(x + 0.5) * k - 0.5 - x0, (y + 0.5) * k - 0.5 - y0]), i + 1));
    // A thick lens's edge catches the light: a bright line just inside the rim, left by the rims'
    // darkness test, outlined the lens once the rim was gone. The rims grow into the lens over it,
    // not into the lids (grown into the lashes and creases, it cost identity).
    const seed = new Float32Array(cn);
    for (let q = 0; q < cn; q++) seed[q] = todo[q] ? 1 : 0;
    const dIn = chamfer(seed, cw, ch);
    const gi = Math.max(1, 0.008 * faceW);
    for (let q = 0; q < cn; q++) {
      if (!lens[q] || todo[q] || !cov[q] || lids[q] || dIn[q] > gi) continue;
      // sourceLens 1 keeps that line (the recognisers missed it: 2 cost face-api identity), but
      // leaves it out of the lens's tone.
      if (opts.sourceLens >= 2) todo[q] = 1;
      else fringe[q] = 1;
    }
    for (let q = 0; q < cn; q++) if (!cov[q] || todo[q]) lens[q] = 0;
  }
  if (opts.sourceClean > 0) fillHoles(todo, eyes, cw, ch, (0.03 * faceW) ** 2);
  plainEdge();
  if (lens && outlinesK) {
    for (let q = 0; q < cn; q++) if (todo[q]) lens[q] = 0;
    // Only the rim's lower part (below halfway from the lens's middle to its bottom) is sampled.
    const cy = outlinesK.map((o) => {
      const mid = o.reduce((t, p) => t + p[1], 0) / o.length, bottom = Math.max(...o.map((p) => p[1]));
      return ((mid + bottom) / 2 + 0.5) * k - 0.5 - y0;
    });
    equaliseLenses(planes, lens, cy, todo, edge, eyes, lids, fringe, cw, ch, faceW, Math.min(1, opts.sourceLens));
  }
  // Inside a brow, though, the brow around is the edge (the rim's stretch there becomes brow).
  for (let q = 0; q < cn; q++) if (cov[q] && !todo[q] && brows[q]) edge[q] = 2;
  for (let q = 0; q < cn; q++) if (todo[q] && brows[q]) todo[q] = 2;
  membraneFill(planes, todo, edge, cw, ch, Math.max(2, 0.015 * faceW));
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      const q = y * cw + x;
      if (!todo[q] && !lens?.[q]) continue;
      const i = (y0 + y) * w + x0 + x;
      for (let p = 0; p < 3; p++) lab[p][i] = planes[p][q];
    }
  }
  return true;
}

/**
 * glasses.sourceClean: the pixels that `todo` (the painted rims) encloses, in pieces of at most
 * `maxArea` pixels and none of the eyes, join it. In a thick bridge the darkness test (against a
 * box mean the bridge itself darkens) missed the middle: it stayed, as a dark dot, and took the fill
 * to it.
 */
function fillHoles(todo: Uint8Array, eyes: Uint8Array, w: number, h: number, maxArea: number): void {
  const n = w * h;
  const seen = new Uint8Array(n);
  const stack: number[] = [];
  const comp: number[] = [];
  for (let s = 0; s < n; s++) {
    if (todo[s] || seen[s]) continue;
    comp.length = 0;
    let open = false;
    seen[s] = 1;
    stack.push(s);
    while (stack.length) {
      const q = stack.pop()!;
      comp.push(q);
      const x = q % w, y = (q - x) / w;
      if (x === 0 || y === 0 || x === w - 1 || y === h - 1 || eyes[q]) open = true;
      // The four neighbours in the order left, right, up, down (no array a pixel).
      for (let k = 0; k < 4; k++) {
        const v = k === 0 ? (x > 0 ? q - 1 : -1) : k === 1 ? (x < w - 1 ? q + 1 : -1) : k === 2 ? (y > 0 ? q - w : -1) : y < h - 1 ? q + w : -1;
        if (v >= 0 && !todo[v] && !seen[v]) {
          seen[v] = 1;
          stack.push(v);
        }
      }
    }
    if (!open && comp.length <= maxArea) for (const q of comp) todo[q] = 1;
  }
}

/**
 * glasses.sourceLens: each lens's inside (`lens` = its number, 1 or 2; not the rims) takes the
 * tone of the skin outside its rim. Across the rim's band (`todo`) along the bottom of the lens
 * (below `cy`: at the sides and above, the rim runs along the socket, the temple, the nose and
 * under the brow, whose own shading is not the lens's),
 * the plain skin (`edge` 1) just outside and just inside (within 4 % of the face width; not the
 * eyes' lids) are averaged at σ = 2 % of the face width; the median of their step (lightness by log
 * ratio, a and b by shift), bounded, is applied over the whole lens at `strength`. One step a lens:
 * a field fitted along the rim followed the socket's shading and darkened the lids and eyes.
 */
function equaliseLenses(planes: Float32Array[], lens: Uint8Array, cy: number[], todo: Uint8Array, edge: Float32Array, eyes: Uint8Array, lids: Uint8Array, fringe: Uint8Array, w: number, h: number, faceW: number, strength: number): void {
  const n = w * h;
  const seed = new Float32Array(n);
  for (let q = 0; q < n; q++) seed[q] = todo[q] ? 1 : 0;
  const dist = chamfer(seed, w, h);
  const R = Math.max(3, 0.04 * faceW);
  const sigma = Math.max(2, 0.02 * faceW);
  const wOut = new Float32Array(n);
  for (let q = 0; q < n; q++) if (edge[q] === 1 && !lids[q] && !eyes[q] && dist[q] <= R && !lens[q]) wOut[q] = 1;
  const gout = gaussBlur(wOut, w, h, sigma);
  const logL = new Float32Array(n);
  for (let q = 0; q < n; q++) logL[q] = Math.log(Math.max(1, planes[0][q]));
  const vals = [logL, planes[1], planes[2]];
  const outs = vals.map((p) => maskedBlur(p, wOut, w, h, sigma));
  const bound = [Math.log(1.2), 6, 6];
  const steps: (number[] | undefined)[] = [];
  for (let i = 1; i <= cy.length; i++) {
    const wIn = new Float32Array(n);
    for (let q = 0; q < n; q++) if (lens[q] === i && edge[q] === 1 && !lids[q] && !eyes[q] && !fringe[q] && dist[q] <= R) wIn[q] = 1;
    const gin = gaussBlur(wIn, w, h, sigma);
    const ins = vals.map((p) => maskedBlur(p, wIn, w, h, sigma));
    const d: number[][] = [[], [], []];
    for (let q = 0; q < n; q++) {
      if (!todo[q] || !(gin[q] > 0.05) || !(gout[q] > 0.05) || q / w < cy[i - 1]) continue;
      for (let p = 0; p < 3; p++) d[p].push(outs[p][q] - ins[p][q]);
    }
    steps.push(d[0].length >= 10 ? d.map((v, p) => Math.max(-bound[p], Math.min(bound[p], median(v)))) : undefined);
  }
  for (let i = 1; i <= cy.length; i++) {
    // A lens whose rim gave too few samples takes the other's step (both lenses are one glass).
    const s = steps[i - 1] ?? steps.find((v) => v);
    if (!s) continue;
    const gain = Math.exp(strength * s[0]);
    for (let q = 0; q < n; q++) {
      if (lens[q] !== i) continue;
      planes[0][q] *= gain;
      planes[1][q] += strength * s[1];
      planes[2][q] += strength * s[2];
    }
  }
}

function median(v: number[]): number {
  const s = [...v].sort((p, q) => p - q);
  return s[Math.floor(s.length / 2)];
}

/**
 * The planes inside `todo` replaced by the membrane (harmonic) interpolation of the pixels around
 * it: Dirichlet where a neighbour is `known`, Neumann where it is neither known nor in `todo`.
 * Starts from a normalised blur of the known pixels, then SOR.
 */
function membraneFill(planes: Float32Array[], todo: Uint8Array, known: Float32Array, w: number, h: number, sigma: number): void {
  const n = w * h;
  const cov = new Uint8Array(n);
  for (let q = 0; q < n; q++) cov[q] = known[q] || todo[q] ? 1 : 0;
  // known 2 (a brow's pixels) is an edge only to todo 2 (a rim's pixels inside the brow).
  const usable = (q: number, v: number) => cov[v] && (known[v] !== 2 || todo[q] === 2);
  let m = 0;
  for (let q = 0; q < n; q++) if (todo[q]) m++;
  const idx = new Int32Array(m);
  const plain = new Float32Array(n);
  for (let q = 0; q < n; q++) plain[q] = known[q] ? 1 : 0;
  for (let q = 0, u = 0; q < n; q++) if (todo[q]) idx[u++] = q;
  const nbr = new Int32Array(m * 4).fill(-1);
  for (let u = 0; u < m; u++) {
    const q = idx[u], x = q % w, y = (q - x) / w;
    let j = 0;
    if (x > 0 && usable(q, q - 1)) nbr[u * 4 + j++] = q - 1;
    if (x < w - 1 && usable(q, q + 1)) nbr[u * 4 + j++] = q + 1;
    if (y > 0 && usable(q, q - w)) nbr[u * 4 + j++] = q - w;
    if (y < h - 1 && usable(q, q + w)) nbr[u * 4 + j++] = q + w;
  }
  for (const p of planes) {
    const guess = maskedBlur(p, plain, w, h, sigma);
    for (let u = 0; u < m; u++) p[idx[u]] = guess[idx[u]];
    for (let it = 0; it < 300; it++) {
      let change = 0;
      for (let u = 0; u < m; u++) {
        let s = 0, c = 0;
        for (let j = 0; j < 4; j++) {
          const v = nbr[u * 4 + j];
          if (v < 0) break;
          s += p[v];
          c++;
        }
        if (!c) continue;
        const q = idx[u];
        const d = s / c - p[q];
        p[q] += 1.8 * d;
        change = Math.max(change, Math.abs(d));
      }
      if (change < 0.02) break;
    }
  }
}


/** Distance (px, 3-4 chamfer / 3) of each pixel from the nearest non-zero pixel of `seed`. */
function chamfer(seed: Float32Array, w: number, h: number): Float32Array {
  const d = new Float32Array(w * h);
  for (let q = 0; q < d.length; q++) d[q] = seed[q] > 0 ? 0 : 1e9;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const q = y * w + x;
      let v = d[q];
      if (x > 0) v = Math.min(v, d[q - 1] + 3);
      if (y > 0) {
        v = Math.min(v, d[q - w] + 3);
        if (x > 0) v = Math.min(v, d[q - w - 1] + 4);
        if (x < w - 1) v = Math.min(v, d[q - w + 1] + 4);
      }
      d[q] = v;
    }
  }
  for (let y = h - 1; y >= 0; y--) {
    for (let x = w - 1; x >= 0; x--) {
      const q = y * w + x;
      let v = d[q];
      if (x < w - 1) v = Math.min(v, d[q + 1] + 3);
      if (y < h - 1) {
        v = Math.min(v, d[q + w] + 3);
        if (x < w - 1) v = Math.min(v, d[q + w + 1] + 4);
        if (x > 0) v = Math.min(v, d[q + w - 1] + 4);
      }
      d[q] = v;
    }
  }
  for (let q = 0; q < d.length; q++) d[q] /= 3;
  return d;
}
