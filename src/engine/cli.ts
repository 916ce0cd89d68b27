// `wanxing swap --source A --target B --out C [--json]`: one swap from files, for people and scripts.
import { readFile, writeFile } from 'node:fs/promises';
import { createDefaultEngine } from './index.ts';
import { cosine } from './analyse.ts';
import { decodeImage } from './image.ts';
import { ServiceError } from '../jobs/errors.ts';

export interface SwapCommandOptions {
  source: string;
  target: string;
  out: string;
  json?: boolean;
}

/** Runs one swap; returns the process exit code (0 ok, 2 input rejected, 1 other failure). */
export async function runSwapCommand(opts: SwapCommandOptions): Promise<number> {
  // One swap and exit: a warm-up would compile the kernels that the swap compiles anyway.
  const engine = createDefaultEngine({ warmup: false });
  const t0 = performance.now();
  try {
    await engine.init();
    const loadMs = performance.now() - t0;
    const [source, target] = await Promise.all([readFile(opts.source), readFile(opts.target)]);
    const d = await engine.swapDetailed({ source, target }, { embedding: !!opts.json });
    await writeFile(opts.out, d.result.image);
    if (!opts.json) return 0;

    // Checks' verdicts: the result's identity moved toward the source, and its head pose
    // still follows the template.
    const analyser = engine.faceAnalyser;
    const resultImg = await decodeImage(d.result.image);
    const [rf] = await analyser.detect(resultImg, { embedding: true });
    const simToSource = rf?.embedding && d.source.embedding ? cosine(rf.embedding, d.source.embedding) : null;
    const templateToSource = d.target.embedding && d.source.embedding ? cosine(d.target.embedding, d.source.embedding) : null;
    const poseErr = rf
      ? Math.max(...(['yaw', 'pitch', 'roll'] as const).map((k) => Math.abs(rf.angles[k] - d.target.angles[k])))
      : null;
    const face = (f: typeof d.source) => ({
      box: f.box.map((v) => Math.round(v)),
      score: +f.score.toFixed(3),
      landmarks: f.mesh.length,
      angles: Object.fromEntries(Object.entries(f.angles).map(([k, v]) => [k, +v.toFixed(1)])),
    });
    const report = {
      ok: true,
      out: opts.out,
      format: d.result.format,
      width: d.result.width,
      height: d.result.height,
      modelLoadMs: Math.round(loadMs),
      timings: Object.fromEntries(Object.entries(d.result.timings).map(([k, v]) => [k, Math.round(v)])),
      source: face(d.source),
      target: face(d.target),
      checks: {
        sourceFace: 'ok',
        targetFace: 'ok',
        mouthInteriorKept: d.swap.keptMouth,
        templateLipsKept: d.swap.keptLips,
        occludedShare: +d.swap.occludedShare.toFixed(3),
        identity: {
          resultToSource: simToSource === null ? null : +simToSource.toFixed(3),
          templateToSource: templateToSource === null ? null : +templateToSource.toFixed(3),
          movedTowardSource: simToSource !== null && templateToSource !== null ? simToSource > templateToSource : null,
        },
        poseErrorDeg: poseErr === null ? null : +poseErr.toFixed(2),
        resultFaceFound: !!rf,
      },
    };
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    return 0;
  } catch (err) {
    const coded = err instanceof ServiceError;
    if (opts.json) {
      const e = coded ? { status: err.status, error: err.errorName, errmsg: err.message } : { status: -22222, error: 'InternalError', errmsg: String((err as Error)?.message ?? err) };
      process.stdout.write(JSON.stringify({ ok: false, ...e }, null, 2) + '\n');
    } else {
      process.stderr.write(`swap failed: ${coded ? `${err.errorName} (${err.status}) ` : ''}${(err as Error)?.message ?? err}\n`);
    }
    return coded ? 2 : 1;
  } finally {
    await engine.close();
  }
}
