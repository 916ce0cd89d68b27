// colour.squint (src/engine/eyes.ts): a squinting source onto an open-eyed template. Each face's seen
// eye opening (mesh lid gap / width × the share of the opening that stands out from its lids) gates
// the knob; inside the openings the template's own eye replaces the source's stretched slit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eyeShare, facialOpenness, keepTemplateEyes, squintWeight } from '../src/engine/eyes.ts';
import { EYE_LEFT, EYE_RIGHT } from '../src/engine/regions.ts';

const W = 200, H = 100, n = W * H;
const roi = { x0: 0, y0: 0, w: W, h: H };
type Lab = [Float32Array, Float32Array, Float32Array];

/** A mesh whose eye contours are ellipses (half-height `ry`) centred at (60, 50) and (140, 50), shifted by dx. */
function mesh(ry: number, dx = 0): [number, number][] {
  const m: [number, number][] = Array.from({ length: 468 }, () => [100, 90]);
  for (const [ids, cx] of [[EYE_RIGHT, 60 + dx], [EYE_LEFT, 140 + dx]] as const) {
    ids.forEach((id, k) => {
      // The contours start at the outer corner (33 / 263) and run over the upper lid to the inner one.
      const t = Math.PI * (1 - (2 * k) / ids.length) * (cx < 100 ? 1 : -1);
      m[id] = [cx + (cx < 100 ? -1 : 1) * 20 * Math.cos(t), 50 - ry * Math.abs(Math.sin(t)) * Math.sign(k <= ids.length / 2 ? 1 : -1)];
    });
  }
  return m;
}

/** Skin (L 60, a 14, b 18) with, per eye, an opening of half-height `open` px: white with a dark iris. */
function face(open: number, cx0 = 60): Lab {
  const lab: Lab = [new Float32Array(n).fill(60), new Float32Array(n).fill(14), new Float32Array(n).fill(18)];
  for (const cx of [cx0, cx0 + 80]) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const u = (x - cx) / 20, v = (y - 50) / open;
        if (u * u + v * v > 1) continue;
        const i = y * W + x;
        const iris = Math.abs(x - cx) < 6;
        lab[0][i] = iris ? 20 : 85;
        lab[1][i] = iris ? 5 : 1;
        lab[2][i] = iris ? 10 : 2;
      }
    }
  }
  return lab;
}

test('squint: the mesh contours give lid gap / width; the seen share drops where lid skin fills the opening', () => {
  assert.ok(Math.abs(facialOpenness(mesh(8)) - 16 / 40) < 0.05, `${facialOpenness(mesh(8))}`);
  const cover = new Uint8Array(n).fill(1);
  const open = eyeShare(face(8), cover, roi, mesh(8), 100);
  // A squint: Human's mesh keeps the lids 6 px apart, but only a 2-px slit is eye.
  const slit = eyeShare(face(2), cover, roi, mesh(6), 100);
  assert.ok(open > 0.8, `open ${open}`);
  assert.ok(slit < 0.45, `slit ${slit}`);
});

test('squint: the weight is full for a squint onto an open eye, none for alike eyes or a dark open eye', () => {
  const open = { open: 0.4, share: 0.9 };
  assert.equal(squintWeight({ open: 0.3, share: 0.4 }, open, 1, 0.55, 0.45, 0.9), 1);
  assert.equal(squintWeight(open, open, 1, 0.55, 0.45, 0.9), 0);
  // Deep-set dark eyes: little stands out from the lids, but the mesh opening is the template's.
  assert.equal(squintWeight({ open: 0.4, share: 0.2 }, open, 1, 0.55, 0.45, 0.9), 0);
  assert.equal(squintWeight({ open: 0.3, share: 0.4 }, open, 0, 0.55, 0.45, 0.9), 0);
});

test('squint: inside the openings the template eye replaces the stretched slit; outside untouched', () => {
  const cover = new Uint8Array(n).fill(1);
  // The warped source: a smeared slit (lid skin, a thin dark line); the template: an open eye, 4 px to the right.
  const src = face(1.5), tpl = face(8, 64);
  const dst = mesh(8), tMesh = mesh(8, 4);
  const before = src.map((p) => p.slice()) as Lab;
  const w = squintWeight({ open: facialOpenness(mesh(6)), share: eyeShare(face(2), cover, roi, mesh(6), 100) }, { open: facialOpenness(tMesh), share: eyeShare(tpl, cover, roi, tMesh, 100) }, 1, 0.55, 0.45, 0.9);
  assert.equal(w, 1);
  const written = keepTemplateEyes(src, tpl, cover, roi, dst, tMesh, 100, w);
  assert.ok(written > 0);
  // The white beside the iris (x 72, y 54: lid skin in the source's slit) is now the template's white.
  const i = 54 * W + 72;
  assert.ok(Math.abs(before[0][i]! - 60) < 1e-3);
  assert.ok(Math.abs(src[0][i]! - 85) < 1, `L ${src[0][i]}`);
  // The iris is the template's, at the destination's eye (centre 60 ↔ the template's 64).
  assert.ok(src[0][52 * W + 60]! < 25, `iris L ${src[0][52 * W + 60]}`);
  // Away from the openings nothing changes.
  for (const [x, y] of [[60, 30], [100, 50], [60, 70], [30, 50]]) {
    for (let c = 0; c < 3; c++) assert.equal(src[c][y * W + x], before[c][y * W + x]);
  }
  // Weight 0 (the knob off or no mismatch): nothing written.
  const again = face(1.5);
  assert.equal(keepTemplateEyes(again, tpl, cover, roi, dst, tMesh, 100, 0), 0);
  assert.deepEqual(again, face(1.5));
});
