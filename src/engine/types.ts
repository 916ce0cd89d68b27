// The port between the service and any face engine (the default classical pipeline, or ONNX).
// Engines know nothing of HTTP or queues: bytes in, bytes out, ServiceError (src/jobs/errors.ts)
// for the input checks (NoFaceInSource, FaceTooSmall, ...).
import type { Face } from './analyse.ts';
import type { FaceChoice } from './faces.ts';
import type { GroupEntry } from './group.ts';
import type { ScreeningScores } from '../compliance/screening.ts';
import type { Corner } from '../compliance/settings.ts';
import type { LabelPlacement } from '../compliance/label-visible.ts';

export interface SwapRequest {
  /** Encoded source photo (jpg/png), already downloaded and size-checked. */
  source: Uint8Array;
  /** Encoded template photo (jpg/png). */
  target: Uint8Array;
  /** Called when analysis is done and the swap itself starts (the job moves preparing → running). */
  onStage?: (stage: string) => void;
  /** The template face to replace (reading-order index or a point, ./faces.ts); default: V1's one dominant face. */
  targetFace?: FaceChoice;
  /** The source face to use when the photo holds several; default: V1's one clear face. */
  sourceFace?: FaceChoice;
  /** A group job (./group.ts): each entry's source into its own template face; `source` is then unused. */
  faces?: GroupEntry[];
  /** Make-up: the template's lip colour over the user's lips and the user's blue, green or violet eye-shadow turned to the skin's hue and a dark winged eyeliner lightened ('template', default), or the user's own ('source'). */
  style?: 'template' | 'source';
  /** The template's faces when already analysed (POST /faces): the engine skips detection. */
  targetFaces?: Face[];
  /**
   * The visible AIGC label (src/compliance), drawn after the swap into the result's one encode: a
   * decode and re-encode of every result less (both engines: ./encode-result.ts). An engine that ignores it leaves `labelPlacement`
   * unset, and the labeller draws the label on the encoded result instead.
   */
  visibleLabel?: { text: string; corner: Corner };
}

export interface SwapResult {
  /** Encoded result, same width/height as the template. */
  image: Uint8Array;
  /** 'png' when the template was PNG, else 'jpeg'. */
  format: 'jpeg' | 'png';
  width: number;
  height: number;
  /** Milliseconds per named stage. */
  timings: Record<string, number>;
  /** [x, y, w, h] of every face in the template: the visible AIGC label keeps clear of them. */
  faceBoxes?: [number, number, number, number][];
  /** The input screening's scores (src/compliance/screening.ts), for the audit trail. */
  screening?: ScreeningScores;
  /** Where the engine drew the request's `visibleLabel`, if it did. */
  labelPlacement?: LabelPlacement;
}

export interface FaceEngine {
  readonly name: string;
  /** Loads models; a missing or wrong model fails here, not in a job. */
  init(): Promise<void>;
  swap(req: SwapRequest): Promise<SwapResult>;
  /** Every face of a template (POST /faces), analysed into the engine's template cache. */
  listFaces?(image: Uint8Array): Promise<TemplateFaces>;
  close(): Promise<void>;
}

/** A template's analysis: its size and every face found (any order; ./faces.ts numbers them). */
export interface TemplateFaces {
  width: number;
  height: number;
  faces: Face[];
}
