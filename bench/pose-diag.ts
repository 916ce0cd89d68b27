// Pose diagnostics: for the pairs of an eval --json file, swaps each pair (with the eval's --set
// options) and prints per pair the source / template / result head angles and how Human's pitch
// moved: its pitch is atan2(Δz, Δy) between mesh points 10 (forehead top) and 152 (chin), in
// [x, y]·1.5 / (box side) and z / 192 units (calculateFaceAngle, human/src/face/angles.ts).
//   node --import tsx bench/pose-diag.ts <eval dirs…> --alias 32bit=obama --pairs-json F.json [--set a.b=v]
import { readFile } from 'node:fs/promises';
import { decodeImage } from '../src/engine/image.ts';
import { engineFromArgs, parseEvalArgs } from './eval.ts';
import { loadPhotos } from './lib/dataset.ts';
import type { Face } from '../src/engine/analyse.ts';
import { destinationMesh, DEFAULT_SWAP, mergeSwapOptions } from '../src/engine/swap.ts';
import { warpTriangles, roiAround } from '../src/engine/warp.ts';
import { faceWidth, NOSE, EYE_LEFT, EYE_RIGHT, BROW_LEFT, BROW_RIGHT, LIPS_OUTER, FACE_OVAL } from '../src/engine/regions.ts';
import { convexHull, fillPolygon, gaussBlur, growPolygon } from '../src/engine/raster.ts';
import type { RgbImage } from '../src/engine/image.ts';

let pairsJson = '';
// --geo-only 1: the template's own pixels warped onto the swap's destination mesh (no source
// texture): what the identity shape's geometry alone does to Human's angles.
let geoOnly = false;
const args = parseEvalArgs(process.argv.slice(2), { '--pairs-json': (v) => (pairsJson = v), '--geo-only': (v) => (geoOnly = v === '1'), '--regions': () => {} });
const swapOpts = mergeSwapOptions(DEFAULT_SWAP, args.set);
// --regions 1: the result only inside one region of the face at a time (the template elsewhere),
// to see which part of the swapped face carries Human's pitch change. Best with identityShape=0.
let regionsMode = false;
{
  const i = process.argv.indexOf('--regions');
  if (i > 0) regionsMode = process.argv[i + 1] === '1';
}
const REGIONS = ['nose', 'eyes', 'mouth', 'below-nose', 'above-eyes', 'no-nose', 'all'] as const;
/** A soft region mask over the whole image from the template's mesh. */
function regionMask(name: (typeof REGIONS)[number], mesh: ArrayLike<number>[], w: number, h: number): Float32Array {
  const fw = faceWidth(mesh);
  const m = new Float32Array(w * h);
  const hull = (ids: number[], grow: number) => growPolygon(convexHull(ids.map((i) => mesh[i]!)), grow * fw);
  if (name === 'nose') fillPolygon(m, w, h, hull([...NOSE, 64, 294, 97, 326, 94, 19], 0.02), 1);
  else if (name === 'eyes') {
    fillPolygon(m, w, h, hull([...EYE_RIGHT, ...BROW_RIGHT], 0.03), 1);
    fillPolygon(m, w, h, hull([...EYE_LEFT, ...BROW_LEFT], 0.03), 1);
  } else if (name === 'mouth') fillPolygon(m, w, h, hull(LIPS_OUTER, 0.03), 1);
  else {
    fillPolygon(m, w, h, FACE_OVAL.map((i) => mesh[i]!), 1);
    const yNose = mesh[2]![1], yBrow = Math.min(mesh[105]![1], mesh[334]![1]);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const keep = name === 'below-nose' ? y > yNose : name === 'above-eyes' ? y < yBrow : true;
      if (!keep) m[y * w + x] = 0;
    }
    if (name === 'no-nose') fillPolygon(m, w, h, hull([...NOSE, 64, 294, 97, 326, 94, 19], 0.02), 0);
  }
  return gaussBlur(m, w, h, 0.012 * fw);
}
function mixInto(tpl: RgbImage, res: RgbImage, m: Float32Array): RgbImage {
  const out = new Uint8Array(tpl.data);
  for (let i = 0; i < m.length; i++) {
    const a = m[i]!;
    if (a <= 0) continue;
    for (let k = 0; k < 3; k++) out[i * 3 + k] = Math.round(tpl.data[i * 3 + k]! + a * (res.data[i * 3 + k]! - tpl.data[i * 3 + k]!));
  }
  return { ...tpl, data: out };
}
const regionRows: Record<string, number[][]> = {};
const featRows: number[][] = [];
const FEATS = ['eyes', 'iris', 'nose', 'mouth', 'brows', 'chin'];
const list = JSON.parse(await readFile(pairsJson, 'utf8')).pairs as { source: string; template: string }[];
const photos = await loadPhotos(args.dirs, { alias: args.alias, padBelow: args.padBelow });
const byFile = new Map(photos.map((p) => [p.file, p]));
const engine = engineFromArgs(args);
await engine.init();
const an = engine.faceAnalyser;

/** Human's pitch from the mesh, and its parts: dz and dy between points 10 and 152. */
function pitchParts(f: Face) {
  const B = Math.max(f.box[2], f.box[3]) / 1.5;
  const t = f.mesh[10]!, c = f.mesh[152]!;
  const dy = (c[1] - t[1]) / B, dz = (c[2] - t[2]) / 192, dx = (c[0] - t[0]) / B;
  const n = Math.hypot(dx, dy, dz);
  return { pitch: (Math.atan2(dz / n, dy / n) * 180) / Math.PI, dy, dz, z10: t[2] / 192, z152: c[2] / 192 };
}
const fmt = (v: number, d = 2) => (v >= 0 ? '+' : '') + v.toFixed(d);
const rows: number[][] = [];
console.log('pair\tsP\ttP\trP\tdP\tcheck\tdz_res-tpl\tdy_res-tpl\tz10\tz152\tsrc-tplP\tsYaw-tYaw\tdYaw');
for (const { source, template } of list) {
  const s = byFile.get(source), t = byFile.get(template);
  if (!s || !t) continue;
  const d = await engine.swapDetailed({ source: s.bytes, target: t.bytes });
  let img = await decodeImage(d.result.image);
  if (geoOnly) {
    const tMesh = d.target.mesh.slice(0, 468), sMesh = d.source.mesh.slice(0, 468);
    const dst = destinationMesh(sMesh, tMesh, swapOpts.identityShape, swapOpts.geometry, an.triangulation);
    const roi = roiAround(dst, d.template.width, d.template.height, Math.round(0.08 * faceWidth(tMesh)) + 4);
    const w = warpTriangles(d.template, tMesh, dst, an.triangulation, roi);
    const out = new Uint8Array(d.template.data);
    for (let y = 0; y < roi.h; y++) for (let x = 0; x < roi.w; x++) {
      const i = y * roi.w + x;
      if (!w.cover[i]) continue;
      const o = ((roi.y0 + y) * d.template.width + roi.x0 + x) * 3;
      for (let k = 0; k < 3; k++) out[o + k] = Math.max(0, Math.min(255, Math.round(w.rgb[i * 3 + k]!)));
    }
    img = { ...d.template, data: out };
  }
  if (regionsMode) {
    for (const r of REGIONS) {
      const mixed = r === 'all' ? img : mixInto(d.template, img, regionMask(r, d.target.mesh, img.width, img.height));
      const [f] = await an.detect(mixed, { embedding: false });
      if (!f) continue;
      (regionRows[r] ??= []).push([f.angles.pitch - d.target.angles.pitch, d.source.angles.pitch - d.target.angles.pitch, f.angles.yaw - d.target.angles.yaw, d.source.angles.yaw - d.target.angles.yaw]);
    }
    continue;
  }
  const [rf] = await an.detect(img, { embedding: false });
  if (!rf) continue;
  const tp = pitchParts(d.target), rp = pitchParts(rf), sp = pitchParts(d.source);
  // Where Human finds the inner features on the result against the template (image y, / face height).
  const fh = d.target.mesh[152]![1] - d.target.mesh[10]![1];
  const my = (m: ArrayLike<number>[], ids: number[]) => ids.reduce((a, i) => a + m[i]![1], 0) / ids.length;
  const feat = { eyes: [...EYE_LEFT, ...EYE_RIGHT], iris: [468, 473], nose: [1, 2, 4], mouth: LIPS_OUTER, brows: [...BROW_LEFT, ...BROW_RIGHT], chin: [152, 148, 377, 176, 400] };
  const fd = Object.fromEntries(Object.entries(feat).map(([k, ids]) => [k, (my(rf.mesh, ids) - my(d.target.mesh, ids)) / fh]));
  featRows.push([rf.angles.pitch - d.target.angles.pitch, ...Object.values(fd)]);
  const dP = rf.angles.pitch - d.target.angles.pitch;
  // The pitch with the template's dy and the result's dz: how much of ΔP is depth.
  const zOnly = (Math.atan2(rp.dz, tp.dy) - Math.atan2(tp.dz, tp.dy)) * 180 / Math.PI;
  rows.push([dP, d.source.angles.pitch - d.target.angles.pitch, zOnly, rp.z10 - tp.z10, rp.z152 - tp.z152, rp.dy / tp.dy - 1, rf.angles.yaw - d.target.angles.yaw, d.source.angles.yaw - d.target.angles.yaw]);
  console.log(
    [
      `${source}→${template}`,
      fmt(d.source.angles.pitch, 1),
      fmt(d.target.angles.pitch, 1),
      fmt(rf.angles.pitch, 1),
      fmt(dP, 2),
      `${fmt(tp.pitch - d.target.angles.pitch, 2)}/${fmt(rp.pitch - rf.angles.pitch, 2)}`,
      `zOnly ${fmt(zOnly)}`,
      `dy×${fmt(rp.dy / tp.dy - 1, 3)}`,
      `z10 ${fmt(rp.z10 - tp.z10, 3)}`,
      `z152 ${fmt(rp.z152 - tp.z152, 3)}`,
      fmt(d.source.angles.pitch - d.target.angles.pitch, 1),
      fmt(d.source.angles.yaw - d.target.angles.yaw, 1),
      fmt(rf.angles.yaw - d.target.angles.yaw, 2),
      `spz ${fmt(sp.pitch, 1)}`,
    ].join('\t'),
  );
}
for (const [r, rr] of Object.entries(regionRows)) {
  const m = (k: number) => rr.reduce((a, x) => a + x[k]!, 0) / rr.length;
  const slope = (a: number, b: number) => {
    const ma = m(a), mb = m(b);
    let sab = 0, saa = 0, sbb = 0;
    for (const x of rr) { sab += (x[a]! - ma) * (x[b]! - mb); saa += (x[a]! - ma) ** 2; sbb += (x[b]! - mb) ** 2; }
    return `slope ${(sab / saa).toFixed(3)} corr ${(sab / Math.sqrt(saa * sbb)).toFixed(2)}`;
  };
  console.log(`region ${r.padEnd(11)} n=${rr.length} mean|dP| ${(rr.reduce((a, x) => a + Math.abs(x[0]!), 0) / rr.length).toFixed(2)} mean dP ${m(0).toFixed(2)} dP vs src−tpl pitch: ${slope(1, 0)}; mean|dYaw| ${(rr.reduce((a, x) => a + Math.abs(x[2]!), 0) / rr.length).toFixed(2)} dYaw vs src−tpl yaw: ${slope(3, 2)}`);
}
if (!rows.length) process.exit(0);
{
  const m = (k: number) => featRows.reduce((a, x) => a + x[k]!, 0) / featRows.length;
  const out = FEATS.map((name, j) => {
    const k = j + 1, ma = m(k), mb = m(0);
    let sab = 0, saa = 0, sbb = 0;
    for (const x of featRows) { sab += (x[k]! - ma) * (x[0]! - mb); saa += (x[k]! - ma) ** 2; sbb += (x[0]! - mb) ** 2; }
    return `${name} dy mean ${(ma * 100).toFixed(2)}% |${((featRows.reduce((a, x) => a + Math.abs(x[k]!), 0) / featRows.length) * 100).toFixed(2)}%| corr with dP ${(sab / Math.sqrt(saa * sbb)).toFixed(2)}`;
  });
  console.log('result − template feature y (face heights): ' + out.join('; '));
}
const mean = (k: number) => rows.reduce((a, r) => a + r[k]!, 0) / rows.length;
const corr = (a: number, b: number) => {
  const ma = mean(a), mb = mean(b);
  let sab = 0, saa = 0, sbb = 0;
  for (const r of rows) {
    sab += (r[a]! - ma) * (r[b]! - mb);
    saa += (r[a]! - ma) ** 2;
    sbb += (r[b]! - mb) ** 2;
  }
  return { corr: sab / Math.sqrt(saa * sbb), slope: sab / saa };
};
const c = corr(1, 0);
const cy = corr(7, 6);
console.log(`n=${rows.length} mean|dP|=${(rows.reduce((a, r) => a + Math.abs(r[0]!), 0) / rows.length).toFixed(2)} mean dP=${mean(0).toFixed(2)} mean|zOnly|=${(rows.reduce((a, r) => a + Math.abs(r[2]!), 0) / rows.length).toFixed(2)}`);
console.log(`dP vs (src−tpl pitch): slope ${c.slope.toFixed(3)} corr ${c.corr.toFixed(2)}; dYaw vs (src−tpl yaw): slope ${cy.slope.toFixed(3)} corr ${cy.corr.toFixed(2)}`);
console.log(`dP vs Δz10: corr ${corr(3, 0).corr.toFixed(2)}; vs Δz152: corr ${corr(4, 0).corr.toFixed(2)}; vs dy ratio: corr ${corr(5, 0).corr.toFixed(2)}`);
await engine.close();
