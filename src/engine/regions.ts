// Named regions of the 468-point MediaPipe face mesh that Human returns.
import type { Point3 } from './analyse.ts';

export const FACE_OVAL = [
  10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148, 176, 149, 150, 136,
  172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
];
export const LIPS_INNER = [78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95];
export const LIPS_OUTER = [61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146];
export const BROW_RIGHT = [70, 63, 105, 66, 107, 55, 65, 52, 53, 46];
export const BROW_LEFT = [336, 296, 334, 293, 300, 285, 295, 282, 283, 276];
export const EYE_RIGHT = [33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7];
export const EYE_LEFT = [263, 466, 388, 387, 386, 385, 384, 398, 362, 382, 381, 380, 374, 373, 390, 249];
/** The nostril openings (image-left is the mesh's right), as the mesh outlines them at the nose's base. */
export const NOSTRIL_RIGHT = [79, 239, 238, 20, 60, 75, 166];
export const NOSTRIL_LEFT = [309, 459, 458, 250, 290, 305, 392];
export const NOSE = [1, 2, 98, 327, 168, 6, 197, 195, 5, 4, 45, 275, 129, 358, 48, 278];
/** Points on plain skin (cheeks, forehead centre, nose bridge) for skin-colour statistics. */
export const SKIN_SAMPLES = [50, 280, 101, 330, 118, 347, 151, 9, 108, 337, 205, 425, 36, 266, 195, 197, 123, 352, 187, 411];

/** Points of the eyes, brows, nose and mouth: their hull is never treated as an occluder. */
export const FEATURES = [...BROW_RIGHT, ...BROW_LEFT, ...EYE_RIGHT, ...EYE_LEFT, ...NOSE, ...LIPS_OUTER];

export const pick = (mesh: ArrayLike<number>[], ids: number[]): [number, number][] => ids.map((i) => [mesh[i][0], mesh[i][1]]);

/** Width of the face: distance between the oval's widest points (234, 454). */
export function faceWidth(mesh: ArrayLike<number>[]): number {
  return Math.hypot(mesh[454][0] - mesh[234][0], mesh[454][1] - mesh[234][1]);
}

/** Inner-lip opening relative to mouth width: > ~0.08 shows teeth or a dark mouth interior. */
export function mouthOpenness(mesh: Point3[] | ArrayLike<number>[]): number {
  const open = Math.hypot(mesh[13][0] - mesh[14][0], mesh[13][1] - mesh[14][1]);
  const width = Math.hypot(mesh[61][0] - mesh[291][0], mesh[61][1] - mesh[291][1]) || 1;
  return open / width;
}
