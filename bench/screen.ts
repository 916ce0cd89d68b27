// npm run bench:screen [-- --runs N]
// Cost of the compliance steps per job, on one core: the nsfwjs screen per photo (decode + resize
// to 224² + MobileNetV2-mid converted to ONNX, on onnxruntime), its one-time model load per engine thread,
// and the AIGC labels per result (visible label drawn + re-encoded, XMP label signed).
// Photos: faces from @vladmandic/human's assets at 1024×1024 (JPEG q92).
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { Screener } from '../src/compliance/screening.ts';
import { Labeller } from '../src/compliance/labeller.ts';
import { complianceSettings } from '../src/compliance/settings.ts';
import { embedLabel } from '../src/compliance/label-xmp.ts';

const require = createRequire(import.meta.url);
const ASSETS = path.join(path.dirname(require.resolve('@vladmandic/human')), '..', 'assets');
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 15;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

const photo = await sharp(path.join(ASSETS, 'screenshot-faceid.jpg')).extract({ left: 0, top: 60, width: 300, height: 300 }).resize(1024, 1024, { kernel: 'lanczos3' }).jpeg({ quality: 92 }).toBuffer();
const png = await sharp(photo).png().toBuffer();

const loadMs = await time(() => Screener.load());
const screener = await Screener.load();
await screener.score(photo); // first call compiles the kernels
const screenMs: number[] = [];
for (let i = 0; i < runs; i++) screenMs.push(await time(() => screener.score(photo)));

const settings = complianceSettings({});
const key = Buffer.alloc(32, 1);
const labeller = new Labeller(settings, key, 92);
const result = (image: Buffer, format: 'jpeg' | 'png') => ({ image: new Uint8Array(image), format, width: 1024, height: 1024, timings: {}, faceBoxes: [[300, 250, 420, 480]] as [number, number, number, number][] });
const visibleJpeg: number[] = [];
const visiblePng: number[] = [];
const xmpOnly: number[] = [];
for (let i = 0; i < runs; i++) {
  visibleJpeg.push(await time(() => labeller.apply(result(photo, 'jpeg'), 'job')));
  visiblePng.push(await time(() => labeller.apply(result(png, 'png'), 'job')));
  xmpOnly.push(await time(async () => embedLabel(photo, 'jpeg', { producer: 'x', contentId: 'job' }, key)));
}

const rows: [string, number][] = [
  ['screening model load (once per engine thread)', loadMs],
  ['screen one photo (decode + 224² + classify)', median(screenMs)],
  ['screen a job (template + source)', 2 * median(screenMs)],
  ['labels, JPEG result (visible label + re-encode q92 + XMP)', median(visibleJpeg)],
  ['labels, PNG result (visible label + re-encode + XMP)', median(visiblePng)],
  ['XMP label only (label off), JPEG', median(xmpOnly)],
];
console.log(`runs ${runs}, ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}, 1024×1024 photo`);
console.log('| step | median ms |\n|---|---:|');
for (const [k, v] of rows) console.log(`| ${k} | ${v.toFixed(1)} |`);
