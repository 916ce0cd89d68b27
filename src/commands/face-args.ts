// `wanxing swap --target-face N|X,Y` and `--face SRC=N|SRC=X,Y` (repeated): the face choices of the
// API's target_face and faces, from the command line, checked by the API's own rules.
import { InvalidArgumentError } from 'commander';
import { parseFaceChoice, MAX_GROUP_FACES } from '../jobs/face-selection.ts';
import type { FaceChoice } from '../engine/faces.ts';

/** "1" → 1; "420,310" → {x: 420, y: 310}. */
export function parseFaceOption(value: string, field = '--target-face'): FaceChoice {
  const parts = value.split(',').map((p) => p.trim());
  const num = (p: string) => (/^-?\d+(\.\d+)?$/.test(p) ? Number(p) : NaN);
  const raw = parts.length === 2 ? { x: num(parts[0]), y: num(parts[1]) } : num(parts[0]);
  try {
    return parseFaceChoice(raw, field);
  } catch {
    throw new InvalidArgumentError(`${field} ${value}: expected a face index (0, 1, … in reading order, as POST /faces numbers them) or a point X,Y in template pixels`);
  }
}

/** Commander collector for `--face SRC=INDEX`: the photo and the template face it goes into. */
export function collectFace(value: string, previous: { source: string; targetFace: FaceChoice }[] = []): { source: string; targetFace: FaceChoice }[] {
  const at = value.lastIndexOf('=');
  if (at <= 0) throw new InvalidArgumentError(`--face ${value}: expected SRC=INDEX (a photo, then the template face it replaces)`);
  if (previous.length >= MAX_GROUP_FACES) throw new InvalidArgumentError(`--face: at most ${MAX_GROUP_FACES}`);
  return [...previous, { source: value.slice(0, at), targetFace: parseFaceOption(value.slice(at + 1), '--face') }];
}
