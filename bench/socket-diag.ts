// node --import tsx bench/socket-diag.ts --pair SRC::TPL::name ... [--variant name:a.b=v,c.d=w]...
//
// The eye region's lightness, per sub-region: mean L of the template, the source (its own mesh) and
// each variant's result (the template's mesh) over the eye's opening, the lash line (a ring 0.012
// face width round the opening), the upper lid (between the opening and the brow, the lid half
// within 0.03 of the eye, the under-brow half beyond), under the eye (0.012–0.06 below the opening),
// the brow, and the cheeks; and each one's L less the cheeks' (its depth), against the template's.
import { readFile } from 'node:fs/promises';
import { createDefaultEngine } from '../src/engine/index.ts';
import { decodeImage, type RgbImage } from '../src/engine/image.ts';
import { fillPolygon, growPolygon, rgbToLab } from '../src/engine/raster.ts';
import { BROW_LEFT, BROW_RIGHT, EYE_LEFT, EYE_RIGHT, faceWidth, pick } from '../src/engine/regions.ts';
import { padTightCrop } from './lib/dataset.ts';
import { parseDiagArgs, swapWithKnobs } from './lib/knobs.ts';

type Mesh = ArrayLike<number>[];
const SIDES = [
  { eye: EYE_RIGHT, upper: [33, 246, 161, 160, 159, 158, 157, 173, 133], browLow: [55, 65, 52, 53, 46], brow: BROW_RIGHT, cheek: 50 },
  { eye: EYE_LEFT, upper: [263, 466, 388, 387, 386, 385, 384, 398, 362], browLow: [285, 295, 282, 283, 276], brow: BROW_LEFT, cheek: 280 },
];
const REG = ['open', 'lash', 'lid', 'underbrow', 'undereye', 'brow', 'cheek'] as const;

function masks(w: number, h: number, mesh: Mesh): Record<string, Uint8Array> {
  const fw = faceWidth(mesh);
  const m = (f: (p: Float32Array) => void) => { const p = new Float32Array(w * h); f(p); return p; };
  const out: Record<string, Uint8Array> = Object.fromEntries(REG.map((r) => [r, new Uint8Array(w * h)]));
  for (const s of SIDES) {
    const eye = pick(mesh, s.eye).map((p) => [p[0]!, p[1]!] as [number, number]);
    const eyeP = m((p) => fillPolygon(p, w, h, eye, 1));
    const lashP = m((p) => fillPolygon(p, w, h, growPolygon(eye, 0.012 * fw), 1));
    const lidP = m((p) => fillPolygon(p, w, h, growPolygon(eye, 0.03 * fw), 1));
    const farP = m((p) => fillPolygon(p, w, h, growPolygon(eye, 0.06 * fw), 1));
    const brow = pick(mesh, s.brow).map((p) => [p[0]!, p[1]!] as [number, number]);
    const browP = m((p) => fillPolygon(p, w, h, brow, 1));
    const browG = m((p) => fillPolygon(p, w, h, growPolygon(brow, 0.008 * fw), 1));
    const upperPoly = [...pick(mesh, s.upper), ...pick(mesh, s.browLow)].map((p) => [p[0]!, p[1]!] as [number, number]);
    const upP = m((p) => fillPolygon(p, w, h, upperPoly, 1));
    const cy = eye.reduce((a, p) => a + p[1], 0) / eye.length;
    const c = mesh[s.cheek]!, r = 0.04 * fw;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (eyeP[i]) out.open![i] = 1;
      else if (lashP[i]) out.lash![i] = 1;
      else if (browP[i]) out.brow![i] = 1;
      else if (upP[i] && !browG[i]) (lidP[i] ? out.lid! : out.underbrow!)[i] = 1;
      else if (farP[i] && y > cy) out.undereye![i] = 1;
      if (Math.hypot(x - c[0]!, y - c[1]!) < r) out.cheek![i] = 1;
    }
  }
  return out;
}

function stats(img: RgbImage, mesh: Mesh): Record<string, number> {
  const [L] = rgbToLab(Float32Array.from(img.data), img.width * img.height);
  const ms = masks(img.width, img.height, mesh);
  const o: Record<string, number> = {};
  for (const r of REG) {
    let s = 0, n = 0;
    const mk = ms[r]!;
    for (let i = 0; i < mk.length; i++) if (mk[i]) { s += L[i]!; n++; }
    o[r] = n ? s / n : NaN;
  }
  return o;
}

const f1 = (v: number) => v.toFixed(1).padStart(6);
const { pairs, variants } = parseDiagArgs(process.argv.slice(2), '');
const engine = createDefaultEngine({ warmup: false });
await engine.init();
for (const [s, t, name] of pairs) {
  const sb = (await padTightCrop(await readFile(s!), 200)).bytes;
  const tb = (await padTightCrop(await readFile(t!), 200)).bytes;
  const sImg = await decodeImage(sb), tImg = await decodeImage(tb);
  const sFace = (await engine.faceAnalyser.detect(sImg, { embedding: false }))[0]!;
  const tFace = (await engine.faceAnalyser.detect(tImg, { embedding: false }))[0]!;
  const tm = tFace.mesh as Mesh;
  const rows: [string, Record<string, number>][] = [['source', stats(sImg, sFace.mesh as Mesh)], ['template', stats(tImg, tm)]];
  for (const [vn, spec] of variants) rows.push([vn, stats((await swapWithKnobs(engine, spec, sb, tb)).raw, tm)]);
  console.log(`== ${name}   (L, and L − cheek)`);
  console.log('region'.padEnd(10) + rows.map(([n]) => n.padStart(16)).join(''));
  for (const r of REG) console.log(r.padEnd(10) + rows.map(([, st]) => `${f1(st[r]!)}${f1(st[r]! - st.cheek!)}    `).join(''));
}
await engine.close?.();
