// A synthetic 468-point mesh for the colour stage's unit tests: the face oval as an ellipse, eyes,
// brows and lips as small rings, every other point at the centre.
import { BROW_LEFT, BROW_RIGHT, EYE_LEFT, EYE_RIGHT, FACE_OVAL, LIPS_OUTER } from '../../src/engine/regions.ts';

export const OVAL = { w: 240, h: 260, faceW: 200, CX: 120, CY: 130, RX: 100, RY: 120 } as const;

export function ovalMesh(): [number, number][] {
  const { CX, CY, RX, RY } = OVAL;
  const pos: [number, number][] = Array.from({ length: 468 }, () => [CX, CY]);
  const ring = (ids: readonly number[], cx: number, cy: number, rx: number, ry: number) =>
    ids.forEach((id, j) => {
      const t = (2 * Math.PI * j) / ids.length;
      pos[id] = [cx + rx * Math.cos(t), cy + ry * Math.sin(t)];
    });
  ring(FACE_OVAL, CX, CY, RX, RY);
  ring(EYE_RIGHT, 90, 110, 14, 5);
  ring(EYE_LEFT, 150, 110, 14, 5);
  ring(BROW_RIGHT, 90, 92, 18, 3);
  ring(BROW_LEFT, 150, 92, 18, 3);
  ring(LIPS_OUTER, CX, 175, 20, 7);
  return pos;
}

/** A blank scene on the oval for matchColour: its shading geometry (no normals), empty template and source Lab planes, all skin. */
export function ovalScene() {
  const n = OVAL.w * OVAL.h;
  const plane3 = (): [Float32Array, Float32Array, Float32Array] => [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  return {
    geometry: { pos: ovalMesh(), tri: [], targetNormals: new Float32Array(0), sourceNormals: new Float32Array(0) },
    tgt: plane3(),
    src: plane3(),
    skin: new Float32Array(n).fill(1),
  };
}
