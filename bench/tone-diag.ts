// Tone diagnostics: for each pair and knob variant, the tone steps (bench/lib/realism.ts) and a
// face crop (template | variants…) to view side by side.
//   node --import tsx bench/tone-diag.ts --out dir --pair SRC=TMPL [--pair …] --variant name:a.b=v,… [--variant …]
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { createDefaultEngine } from '../src/engine/index.ts';
import { faceWidth } from '../src/engine/regions.ts';
import { measureRealism, toneRegions } from './lib/realism.ts';
import { parseVariant, swapWithKnobs } from './lib/knobs.ts';
import { padTightCrop } from './lib/dataset.ts';

const args = process.argv.slice(2);
let out = '/tmp/tone-diag';
const pairs: [string, string][] = [];
const variants: [string, string][] = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  const v = args[++i]!;
  if (a === '--out') out = v;
  else if (a === '--pair') pairs.push(v.split('=') as [string, string]);
  else if (a === '--variant') variants.push(parseVariant(v));
  else throw new Error(`unknown ${a}`);
}
if (!variants.length) variants.push(['default', '']);
await mkdir(out, { recursive: true });
const name = (f: string) => f.replace(/^.*faces\//, '').replace(/\//g, '_').replace(/\.\w+$/, '');
const engine = createDefaultEngine();
await engine.init();
const f = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : 'NaN');
for (const [s, t] of pairs) {
  // As the eval: tight crops padded.
  const sb = (await padTightCrop(await readFile(s), 200)).bytes, tb = (await padTightCrop(await readFile(t), 200)).bytes;
  const tiles: Buffer[] = [];
  let crop: { left: number; top: number; width: number; height: number } | undefined;
  for (const [vn, spec] of variants) {
    const d = await swapWithKnobs(engine, spec, sb, tb);
    const fw = faceWidth(d.target.mesh);
    const r = measureRealism(d.raw, d.template, d.swap, toneRegions(d.target.mesh, fw), fw);
    const W = d.raw.width, H = d.raw.height;
    if (!crop) {
      const [x, y, w, h] = d.target.box;
      const side = Math.min(W, H, Math.round(Math.max(w, h) * 1.8));
      const cl = (v: number, hi: number) => Math.max(0, Math.min(hi - side, v));
      crop = { left: cl(Math.round(x + w / 2 - side / 2), W), top: cl(Math.round(y + h / 2 - side / 2), H), width: side, height: side };
      tiles.push(await sharp(Buffer.from(d.template.data.buffer, d.template.data.byteOffset, d.template.data.byteLength), { raw: { width: W, height: H, channels: 3 } }).extract(crop).resize(360, 360).png().toBuffer());
    }
    tiles.push(await sharp(Buffer.from(d.raw.data.buffer, d.raw.data.byteOffset, d.raw.data.byteLength), { raw: { width: W, height: H, channels: 3 } }).extract(crop).resize(360, 360).png().toBuffer());
    const regs: [string, number[]][] = [['fore', [151, 337, 108]], ['ueye', [117, 346]], ['cheek', [205, 425, 50, 280]], ['jaw', [172, 397, 136, 365]], ['sides', [116, 345, 123, 352, 137, 366]]];
    const lab = (img: { data: Uint8Array | Uint8ClampedArray; width: number }, ids: number[]) => {
      const acc = [0, 0, 0];
      let n = 0;
      const r = Math.max(2, Math.round(0.03 * fw));
      for (const id of ids) {
        const [cx, cy] = d.target.mesh[id]!;
        for (let y = Math.round(cy! - r); y <= cy! + r; y++)
          for (let x = Math.round(cx! - r); x <= cx! + r; x++) {
            const o = (y * img.width + x) * 3;
            const [L, A, B] = srgbLab(img.data[o]!, img.data[o + 1]!, img.data[o + 2]!);
            acc[0] += L; acc[1] += A; acc[2] += B; n++;
          }
      }
      return acc.map((v) => v / n);
    };
    const regTxt = regs.map(([rn, ids]) => { const a = lab(d.template, ids), b = lab(d.raw, ids); return `${rn} ${a.map((v) => v.toFixed(0)).join("/")}→${b.map((v, k) => (v - a[k]!).toFixed(1)).join("/")}`; }).join('  ');
    console.log(`${name(s)} → ${name(t)}\t${vn}\t${regTxt}`);
    if (process.env.TONE_HIST) {
      // Skin pixels of the inner face (fore, under-eye, cheek patches): chroma by lightness tercile, template vs result.
      for (const img of [d.template, d.raw]) {
        const px: number[][] = [];
        const r = Math.max(2, Math.round(0.03 * fw));
        for (const id of [151, 337, 108, 117, 346, 205, 425, 50, 280]) {
          const [cx, cy] = d.target.mesh[id]!;
          for (let y = Math.round(cy! - r); y <= cy! + r; y++)
            for (let x = Math.round(cx! - r); x <= cx! + r; x++) {
              const o = (y * img.width + x) * 3;
              px.push(srgbLab(img.data[o]!, img.data[o + 1]!, img.data[o + 2]!));
            }
        }
        px.sort((p, q) => p[0]! - q[0]!);
        const q = [0, 0.25, 0.5, 0.75, 1].map((v) => Math.round(v * (px.length - 1)));
        const bins = [0, 1, 2, 3].map((b) => { const sl = px.slice(q[b], q[b + 1]); return [0, 1, 2].map((k) => sl.reduce((a, v) => a + v[k]!, 0) / sl.length).map((v) => v.toFixed(0)).join('/'); });
        const sd = [0, 1, 2].map((k) => { const m = px.reduce((a, v) => a + v[k]!, 0) / px.length; return Math.sqrt(px.reduce((a, v) => a + (v[k]! - m) ** 2, 0) / px.length).toFixed(1); });
        console.log(`   ${img === d.raw ? 'result  ' : 'template'} L quartiles: ${bins.join('  ')}   sd L/a/b ${sd.join('/')}`);
      }
    }
    console.log(`${name(s)} → ${name(t)}\t${vn}\tneck ${f(r.toneNeck)} sides ${f(r.toneSides)} (L ${f(r.toneStepL)} C ${f(r.toneStepChroma)})\tcolour ${f(d.result.timings.colour ?? NaN)} ms`);
  }
  await sharp({ create: { width: 360 * tiles.length, height: 360, channels: 3, background: '#000' } })
    .composite(tiles.map((input, i) => ({ input, left: 360 * i, top: 0 })))
    .png()
    .toFile(path.join(out, `${name(s)}__${name(t)}.png`));
}
await engine.close();

function srgbLab(r: number, g: number, b: number): [number, number, number] {
  const lin = (v: number) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const R = lin(r), G = lin(g), B = lin(b);
  const X = (0.4124 * R + 0.3576 * G + 0.1805 * B) / 0.95047, Y = 0.2126 * R + 0.7152 * G + 0.0722 * B, Z = (0.0193 * R + 0.1192 * G + 0.9505 * B) / 1.08883;
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (841 / 108) * t + 4 / 29);
  return [116 * f(Y) - 16, 500 * (f(X) - f(Y)), 200 * (f(Y) - f(Z))];
}
