// Labels every result, in every mode (embedded jobs, distributed workers, `wanxing swap`): the
// visible label first (drawn after the swap, clear of the faces: by the engine in its encode when it
// can, else here), then the signed XMP label over the final bytes.
import type { SwapRequest, SwapResult } from '../engine/types.ts';
import { embedLabel } from './label-xmp.ts';
import { drawVisibleLabel, type LabelPlacement } from './label-visible.ts';
import type { ComplianceSettings } from './settings.ts';

/** What a request may ask for (POST /swapface `label`, `wanxing swap --no-label`). */
export interface LabelChoice {
  visible?: boolean;
}

export interface LabelOutcome {
  contentId: string;
  visible: boolean;
  placement?: LabelPlacement;
}

export class Labeller {
  constructor(
    private readonly settings: Pick<ComplianceSettings, 'producer' | 'visible'>,
    private readonly key: Buffer,
    private readonly jpegQuality: number,
  ) {}

  /** Whether a result gets the visible label: the request's choice where the operator allows it. */
  visibleFor(choice?: LabelChoice): boolean {
    const asked = choice?.visible ?? this.settings.visible.enabled;
    return asked || !this.settings.visible.allowOptOut;
  }

  /** What the swap request carries so that the engine draws the visible label in its one encode. */
  requestFor(choice?: LabelChoice): Pick<SwapRequest, 'visibleLabel'> {
    return this.visibleFor(choice) ? { visibleLabel: { text: this.settings.visible.text, corner: this.settings.visible.corner } } : {};
  }

  async apply(result: SwapResult, contentId: string, choice?: LabelChoice): Promise<{ result: SwapResult; label: LabelOutcome }> {
    const t0 = performance.now();
    const visible = this.visibleFor(choice);
    let bytes: Uint8Array = result.image;
    let placement = result.labelPlacement;
    if (placement && !visible) throw new Error('the engine drew a visible label that this result must not have');
    if (visible && !placement) {
      const drawn = await drawVisibleLabel(bytes, result.format, result.faceBoxes ?? [], {
        text: this.settings.visible.text,
        corner: this.settings.visible.corner,
        jpegQuality: this.jpegQuality,
      });
      bytes = drawn.image;
      placement = drawn.placement;
    }
    const image = embedLabel(bytes, result.format, { producer: this.settings.producer, contentId }, this.key);
    const labelled: SwapResult = {
      ...result,
      image: new Uint8Array(image.buffer, image.byteOffset, image.length),
      timings: { ...result.timings, label: performance.now() - t0 },
    };
    return { result: labelled, label: { contentId, visible, placement } };
  }
}
