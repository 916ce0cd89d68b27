// A swap result's one encode, with the visible AIGC label (SwapRequest.visibleLabel) composited in:
// drawn after the swap, in the same encode, instead of a decode and re-encode by the labeller.
import { labelLayer, type LabelPlacement } from '../compliance/label-visible.ts';
import { encodeImage, type RgbImage } from './image.ts';
import type { SwapRequest } from './types.ts';

export async function encodeResult(
  img: RgbImage,
  faceBoxes: [number, number, number, number][],
  req: Pick<SwapRequest, 'visibleLabel'>,
  jpegQuality?: number,
): Promise<{ image: Uint8Array; labelPlacement?: LabelPlacement }> {
  const label = req.visibleLabel && labelLayer(img.width, img.height, faceBoxes, req.visibleLabel);
  const image = await encodeImage(img, { jpegQuality, ...(label && { overlay: label.layer }) });
  return { image, ...(label && { labelPlacement: label.placement }) };
}
