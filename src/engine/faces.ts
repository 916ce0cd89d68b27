// Face listing and choice for templates with several faces (group and couple portraits): the one
// place that defines the order faces are numbered in, what each face's input check says, and how
// a caller's `target_face` (an index or a point) resolves. Used by POST /faces, by the swap
// (both engines) and by POST /templates.
import { checkFace, type AnalyseLimits, type Face } from './analyse.ts';
import { ServiceError, toServiceError } from '../jobs/errors.ts';

/** A 0-based index in reading order, or a point in image pixels inside the wanted face's box. */
export type FaceChoice = number | { x: number; y: number };

type Box = [number, number, number, number];

export interface FaceInfo {
  index: number;
  /** [x, y, width, height] in image pixels. */
  box: Box;
  score: number;
  angles: { yaw: number; pitch: number; roll: number };
  /** Whether this face would pass the template input checks on its own; the code if not. */
  check: { ok: boolean; status?: number; error?: string; message?: string };
}

/**
 * Reading order: left to right, then top to bottom. Faces are grouped into rows first: walking
 * the faces by the vertical centre of their boxes, a face starts a new row when its centre lies
 * more than half a face height (the taller of it and the row's first face) below the centre of
 * the row's first face. Rows go top to bottom; inside a row, faces go by box centre x.
 * So faces side by side at slightly different heights count as one row, as a person reads them.
 */
export function readingOrder<T extends { box: Box }>(faces: readonly T[]): T[] {
  const cy = (f: T) => f.box[1] + f.box[3] / 2;
  const cx = (f: T) => f.box[0] + f.box[2] / 2;
  const byY = [...faces].sort((a, b) => cy(a) - cy(b) || cx(a) - cx(b));
  const rows: T[][] = [];
  for (const f of byY) {
    const row = rows[rows.length - 1];
    if (row && cy(f) - cy(row[0]) <= Math.max(f.box[3], row[0].box[3]) / 2) row.push(f);
    else rows.push([f]);
  }
  return rows.flatMap((row) => row.sort((a, b) => cx(a) - cx(b)));
}

/** Every face in reading order, each with the template checks (size, angles) applied on its own. */
export function describeFaces(faces: readonly Face[], img: { width: number; height: number }, limits: AnalyseLimits): FaceInfo[] {
  return readingOrder(faces).map((f, index) => {
    let check: FaceInfo['check'] = { ok: true };
    try {
      checkFace(f, img, 'target', limits);
    } catch (err) {
      const e = toServiceError(err);
      check = { ok: false, status: e.status, error: e.errorName, message: e.message };
    }
    const r = (v: number) => Math.round(v * 10) / 10;
    return {
      index,
      box: f.box.map((v) => Math.round(v)) as Box,
      score: Math.round(f.score * 1000) / 1000,
      angles: { yaw: r(f.angles.yaw), pitch: r(f.angles.pitch), roll: r(f.angles.roll) },
      check,
    };
  });
}

/**
 * The face a choice points at, with its reading-order index, or undefined. A point picks the face
 * whose box contains it (the one with the nearest centre when boxes overlap).
 */
export function findFace<T extends { box: Box }>(faces: readonly T[], choice: FaceChoice): { face: T; index: number } | undefined {
  const ordered = readingOrder(faces);
  if (typeof choice === 'number') {
    return Number.isInteger(choice) && choice >= 0 && choice < ordered.length ? { face: ordered[choice], index: choice } : undefined;
  }
  let best: { face: T; index: number; d: number } | undefined;
  ordered.forEach((face, index) => {
    const [x, y, w, h] = face.box;
    if (choice.x < x || choice.x > x + w || choice.y < y || choice.y > y + h) return;
    const d = (choice.x - x - w / 2) ** 2 + (choice.y - y - h / 2) ** 2;
    if (!best || d < best.d) best = { face, index, d };
  });
  return best && { face: best.face, index: best.index };
}

/** How a choice reads in messages: `1` or `(420,310)`. */
export function describeChoice(choice: FaceChoice): string {
  return typeof choice === 'number' ? String(choice) : `(${choice.x},${choice.y})`;
}

/** The message for a choice that matches no face: it says how many faces there are. */
export function faceNotFoundDetail(choice: FaceChoice, count: number, role: 'source' | 'target' = 'target'): string {
  return `${role === 'target' ? 'target_face' : 'source_face'} ${describeChoice(choice)}: ${count} face${count === 1 ? '' : 's'} found`;
}

/**
 * Resolves a caller's choice to a face and applies that face's input checks: FaceNotFound (saying
 * how many faces were found) when nothing matches, else FaceTooSmall / FaceAngleTooLarge.
 */
export function chooseFace(
  faces: readonly Face[],
  choice: FaceChoice,
  img: { width: number; height: number },
  limits: AnalyseLimits,
  role: 'source' | 'target' = 'target',
): Face {
  if (faces.length === 0) throw new ServiceError(role === 'source' ? 'NoFaceInSource' : 'NoFaceInTarget');
  const hit = findFace(faces, choice);
  if (!hit) throw new ServiceError('FaceNotFound', faceNotFoundDetail(choice, faces.length, role));
  checkFace(hit.face, img, role, limits);
  return hit.face;
}

/** The template face of a choice (the `target_face` field). */
export function chooseTargetFace(faces: readonly Face[], choice: FaceChoice, img: { width: number; height: number }, limits: AnalyseLimits): Face {
  return chooseFace(faces, choice, img, limits, 'target');
}
