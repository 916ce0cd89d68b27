// Templates whose faces are already known (listed by POST /faces), by URL: a `target_face` that
// matches none of their faces is refused at submit time with InvalidArguments, instead of failing
// later with FaceNotFound. Short-lived on purpose: the URL's content may change.
import { ServiceError } from './errors.ts';
import type { JobInput } from './job.ts';
import { describeChoice, faceNotFoundDetail, findFace, type FaceChoice } from '../engine/faces.ts';

type Box = [number, number, number, number];

export class KnownTemplates {
  private readonly map = new Map<string, { boxes: { box: Box }[]; until: number }>();

  constructor(
    private readonly max = 2000,
    private readonly ttlMs = 10 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  remember(url: string, boxes: readonly { box: Box }[]): void {
    this.map.delete(url);
    this.map.set(url, { boxes: boxes.map((f) => ({ box: f.box })), until: this.now() + this.ttlMs });
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }

  /** The faces of a known template, or undefined. */
  facesOf(url: string): { box: Box }[] | undefined {
    const hit = this.map.get(url);
    if (!hit) return undefined;
    if (hit.until <= this.now()) {
      this.map.delete(url);
      return undefined;
    }
    return hit.boxes;
  }

  /** Throws InvalidArguments when the job's target_face (or an entry's) matches no face of a known template. */
  check(input: JobInput): void {
    const sel = input.faces;
    if (!sel) return;
    const boxes = this.facesOf(input.targetUrl);
    if (!boxes) return;
    const choices: [string, FaceChoice][] = sel.group
      ? sel.group.map((e, i) => [`faces[${i}].`, e.targetFace])
      : sel.targetFace !== undefined
        ? [['', sel.targetFace]]
        : [];
    const taken = new Map<number, string>();
    for (const [where, choice] of choices) {
      const hit = findFace(boxes, choice);
      if (!hit) throw new ServiceError('InvalidArguments', `${where}${faceNotFoundDetail(choice, boxes.length)} in target_url`);
      const other = taken.get(hit.index);
      if (other !== undefined) throw new ServiceError('InvalidArguments', `${other || 'faces'} and ${where.slice(0, -1)} both choose template face ${hit.index} (target_face ${describeChoice(choice)})`);
      taken.set(hit.index, where.slice(0, -1));
    }
  }
}
