// Group and couple portraits: several sources, each into its own template face, in one job, and
// the single-face choice (`target_face`). Engine-agnostic: an engine hands in its face detection
// and its one-face swap (a black box that returns the template with one face replaced and every
// other pixel untouched); this module resolves the choices, checks each source like a V1 source,
// and composes the swaps so their masks never overlap (the nearer face wins where they touch).
import { pickFace, type AnalyseLimits, type Face } from './analyse.ts';
import { chooseFace, chooseTargetFace, describeChoice, findFace, type FaceChoice } from './faces.ts';
import { entryError, MAX_GROUP_FACES } from '../jobs/face-selection.ts';
import type { RgbImage } from './image.ts';
import { ServiceError } from '../jobs/errors.ts';

export interface GroupEntry {
  /** Encoded source photo. */
  source: Uint8Array;
  /** The template face this source replaces. */
  targetFace: FaceChoice;
  /** The source face to use when the photo holds several; default: its one clear face. */
  sourceFace?: FaceChoice;
}

export interface GroupDeps {
  limits: AnalyseLimits;
  decode(bytes: Uint8Array): Promise<RgbImage>;
  detect(img: RgbImage): Promise<Face[]>;
  /** One face swapped into the template; pixels it does not change stay the template's. */
  swapOne(source: { img: RgbImage; face: Face }, target: { img: RgbImage; face: Face }): Promise<{ image: RgbImage; timings?: Record<string, number> }>;
  time<T>(name: string, fn: () => Promise<T> | T): Promise<T>;
}

/** The template face a single-swap request works on: the chosen one, else V1's one dominant face. */
export function targetFaceOf(faces: Face[], img: RgbImage, choice: FaceChoice | undefined, limits: AnalyseLimits): Face {
  return choice === undefined ? pickFace(faces, img, 'target', limits) : chooseTargetFace(faces, choice, img, limits);
}

/** The source face: the chosen one, else V1's one clear face. */
export function sourceFaceOf(faces: Face[], img: RgbImage, choice: FaceChoice | undefined, limits: AnalyseLimits): Face {
  return choice === undefined ? pickFace(faces, img, 'source', limits) : chooseFace(faces, choice, img, limits, 'source');
}

export interface GroupPlan {
  target: Face;
  source: { img: RgbImage; face: Face };
}

/**
 * Resolves every entry against the (already analysed) template: its template face and its checked
 * source face. Two entries on one template face are InvalidArguments.
 */
export async function planGroup(template: { img: RgbImage; faces: Face[] }, entries: readonly GroupEntry[], deps: GroupDeps): Promise<GroupPlan[]> {
  if (entries.length < 1 || entries.length > MAX_GROUP_FACES) {
    throw new ServiceError('InvalidArguments', `faces: 1 to ${MAX_GROUP_FACES} entries`);
  }
  if (template.faces.length === 0) throw new ServiceError('NoFaceInTarget');
  const targets = entries.map((e, i) => {
    try {
      return chooseTargetFace(template.faces, e.targetFace, template.img, deps.limits);
    } catch (err) {
      throw entryError(i, err);
    }
  });
  for (let i = 0; i < targets.length; i++) {
    const j = targets.indexOf(targets[i]);
    if (j !== i) {
      const index = findFace(template.faces, entries[i].targetFace)!.index;
      throw new ServiceError('InvalidArguments', `faces[${i}] and faces[${j}] both choose template face ${index} (target_face ${describeChoice(entries[i].targetFace)})`);
    }
  }
  // Sources are independent: decode and analyse them one after another (one engine thread).
  const plans: GroupPlan[] = [];
  for (let i = 0; i < entries.length; i++) {
    try {
      const img = await deps.time('decode', () => deps.decode(entries[i].source));
      const faces = await deps.time('analyseSource', () => deps.detect(img));
      plans.push({ target: targets[i], source: { img, face: sourceFaceOf(faces, img, entries[i].sourceFace, deps.limits) } });
    } catch (err) {
      throw entryError(i, err);
    }
  }
  return plans;
}

/** How near a face is: the bigger its box, the nearer the camera. */
const nearness = (f: Face) => f.box[2] * f.box[3];

/**
 * Runs each planned swap on the untouched template and composes them: nearest face first, each
 * pixel taken from the first swap that changed it. So no pixel mixes two swaps, where two masks
 * meet the nearer face wins, and a pixel no swap changed stays the template's, bit for bit.
 */
export async function swapGroup(template: RgbImage, plans: readonly GroupPlan[], deps: GroupDeps): Promise<{ image: RgbImage; timings: Record<string, number> }> {
  const timings: Record<string, number> = {};
  if (plans.length === 1) {
    const one = await deps.swapOne(plans[0].source, { img: template, face: plans[0].target });
    return { image: one.image, timings: { ...one.timings } };
  }
  const order = [...plans].sort((a, b) => nearness(b.target) - nearness(a.target));
  const base = template.data;
  const out = new Uint8Array(base);
  const owned = new Uint8Array(template.width * template.height);
  for (const plan of order) {
    const one = await deps.swapOne(plan.source, { img: template, face: plan.target });
    for (const [k, v] of Object.entries(one.timings ?? {})) timings[k] = (timings[k] ?? 0) + v;
    const t = performance.now();
    const px = one.image.data;
    for (let p = 0, o = 0; p < owned.length; p++, o += 3) {
      if (owned[p] || (px[o] === base[o] && px[o + 1] === base[o + 1] && px[o + 2] === base[o + 2])) continue;
      owned[p] = 1;
      out[o] = px[o];
      out[o + 1] = px[o + 1];
      out[o + 2] = px[o + 2];
    }
    timings.compose = (timings.compose ?? 0) + performance.now() - t;
  }
  return { image: { ...template, data: out }, timings };
}
