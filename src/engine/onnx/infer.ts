// The two model calls of the inswapper procedure, from decoded pixels and 5 landmarks.
import * as ort from 'onnxruntime-node';
import { estimateNorm, invertAffine, type Affine, type Landmarks5 } from './align.ts';
import { warpAffine, type Raster } from './image.ts';
import { sourceLatent } from './latent.ts';
import type { RecogniserModel, SwapperModel } from './models.ts';
import { fromPlanarUnit, toPlanar } from './tensor.ts';

/** Aligned square crop: pixels of `img` sampled through the inverse of the alignment transform. */
export function alignedCrop(img: Raster, landmarks: Landmarks5, size: number): { crop: Raster<Float32Array>; toCrop: Affine } {
  const toCrop = estimateNorm(landmarks, size);
  return { crop: warpAffine(img, invertAffine(toCrop), size, size), toCrop };
}

/** The recogniser's raw embedding of the face at `landmarks` (aligned RGB crop, normalised as the model wants). */
export async function embedFace(rec: RecogniserModel, img: Raster, landmarks: Landmarks5): Promise<Float32Array> {
  const { crop } = alignedCrop(img, landmarks, rec.size);
  const input = new ort.Tensor('float32', toPlanar(crop, rec.inputMean, rec.inputStd), [1, 3, rec.size, rec.size]);
  const out = await rec.session.run({ [rec.inputName]: input });
  const data = out[rec.outputName].data;
  if (!(data instanceof Float32Array) || data.length !== rec.embeddingSize) {
    throw new Error(`${rec.file} returned ${data.length} values, expected ${rec.embeddingSize}`);
  }
  return data;
}

export interface SwappedCrop {
  /** The model's output as RGB floats in [0,255]. */
  crop: Raster<Float32Array>;
  /** The aligned target crop the model saw (RGB floats in [0,255]). */
  aligned: Raster<Float32Array>;
  /** Image → crop transform. */
  toCrop: Affine;
}

/** Runs the swapper on the target face at `landmarks` with the source identity `embedding`. */
export async function swapFace(sw: SwapperModel, img: Raster, landmarks: Landmarks5, embedding: Float32Array): Promise<SwappedCrop> {
  const { crop: aligned, toCrop } = alignedCrop(img, landmarks, sw.size);
  const latent = sourceLatent(embedding, sw.emap, sw.latentSize);
  const out = await sw.session.run({
    [sw.targetName]: new ort.Tensor('float32', toPlanar(aligned, 0, 255), [1, 3, sw.size, sw.size]),
    [sw.sourceName]: new ort.Tensor('float32', latent, [1, sw.latentSize]),
  });
  const data = out[sw.outputName].data;
  if (!(data instanceof Float32Array)) throw new Error(`${sw.file} returned ${out[sw.outputName].type}, expected float32`);
  return { crop: fromPlanarUnit(data, sw.size, sw.size), aligned, toCrop };
}
