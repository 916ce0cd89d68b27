// Colour and lighting match in Lab. A flat mean/std transfer cannot move a shadow from one
// cheek to the other; matching *local* means (normalised blurs over plain skin, a fraction of the
// face wide) carries the template's lighting direction and skin tone onto the source face while
// keeping the source's finer detail (its identity).
import { maskedBlur } from './raster.ts';

export interface ColourOptions {
  /** Blur sigma for the lighting field, as a fraction of face width. Larger keeps more source shading. */
  lightingSigma: number;
  /** Blur sigma for the chroma (a, b) field, as a fraction of face width. */
  chromaSigma: number;
}

export const DEFAULT_COLOUR: ColourOptions = { lightingSigma: 0.1, chromaSigma: 0.15 };

/** Shifts the source planes in place by (local template mean − local source mean). */
export function matchColour(
  src: [Float32Array, Float32Array, Float32Array],
  tgt: [Float32Array, Float32Array, Float32Array],
  weight: Float32Array,
  w: number,
  h: number,
  faceW: number,
  opts: ColourOptions = DEFAULT_COLOUR,
): void {
  for (let c = 0; c < 3; c++) {
    const sigma = (c === 0 ? opts.lightingSigma : opts.chromaSigma) * faceW;
    const ms = maskedBlur(src[c], weight, w, h, sigma);
    const mt = maskedBlur(tgt[c], weight, w, h, sigma);
    const s = src[c];
    for (let i = 0; i < s.length; i++) s[i] += mt[i] - ms[i];
  }
}
