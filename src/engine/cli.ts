// `wanxing swap --source A --target B --out C [--json]`: one swap from files, for people and scripts.
import { readFile, writeFile } from 'node:fs/promises';
import { DefaultEngine } from './index.ts';
import type { FaceChoice } from './faces.ts';
import { loadCliEngine } from './cli-engine.ts';
import { cosine } from './analyse.ts';
import { decodeEarly, decodeImage } from './image.ts';
import { loadConfig } from '../config.ts';
import { ServiceError } from '../jobs/errors.ts';
import { startCliScreening, type CliScreening } from '../compliance/screen-async.ts';

export interface SwapCommandOptions {
  source: string;
  target: string;
  out: string;
  json?: boolean;
  /** false (--no-label): no visible AIGC label, where the settings allow that; the XMP label is always written. */
  label?: boolean;
  /** classic, onnx or a module path (--engine); default WANXING_ENGINE, as the service. */
  engine?: string;
  /** --target-face: the template face to replace. */
  targetFace?: FaceChoice;
  /** --face SRC=INDEX, repeated: a group swap (source is then unused). */
  faces?: { source: string; targetFace: FaceChoice }[];
  /** --style: 'template' (default) or 'source', the user's own make-up. */
  style?: 'template' | 'source';
  /**
   * The input screening, already started (src/cli.ts starts it before importing the engine); absent:
   * started here (unless WANXING_SCREENING=off), null: not screened.
   */
  screening?: CliScreening | null;
}

/** Runs one swap; returns the process exit code (0 ok, 2 input rejected, 1 other failure). */
export async function runSwapCommand(opts: SwapCommandOptions): Promise<number> {
  const t0 = performance.now();
  const startupMs = t0; // since the process started: Node, bin/wanxing.js and the CLI's imports
  let engine: Awaited<ReturnType<typeof loadCliEngine>> | undefined;
  // Screened like every service job (docs/COMPLIANCE.md), on another thread while the engine loads and
  // swaps; the result is written only after every photo passed.
  const screen = opts.screening !== undefined ? opts.screening : startCliScreening({ target: opts.target, sources: opts.faces ? opts.faces.map((f) => f.source) : [opts.source] });
  try {
    const complianceCli = import('../compliance/cli.ts');
    complianceCli.catch(() => undefined); // awaited below, unless the engine's load fails first
    // The photos are read and decoded (in libvips' threads) while the models load on this one; a bad
    // setting is still reported before a missing photo.
    const maxPixels = earlyDecodeLimit();
    const reading = (async () => {
      const [source, target] = await Promise.all([opts.faces ? new Uint8Array(0) : readFile(opts.source), readFile(opts.target)]);
      const faces = opts.faces && (await Promise.all(opts.faces.map(async (f) => ({ source: await readFile(f.source), targetFace: f.targetFace }))));
      if (maxPixels) for (const bytes of [target, source, ...(faces ?? []).map((f) => f.source)]) if (bytes.length) decodeEarly(bytes, maxPixels);
      return { source, target, faces };
    })();
    reading.catch(() => undefined); // awaited below, unless the engine's load fails first
    // The engine the service would run (WANXING_ENGINE, or --engine), built by the same code.
    engine = await loadCliEngine(opts.engine);
    const loadMs = performance.now() - t0;
    const { source, target, faces } = await reading;
    // Labelled like every service job (docs/COMPLIANCE.md): the visible label drawn in the engine's encode.
    const compliance = await complianceCli;
    const labelChoice = opts.label === false ? { visible: false } : undefined;
    const req = { source, target, ...(opts.targetFace !== undefined && { targetFace: opts.targetFace }), ...(faces && { faces }), ...(opts.style && { style: opts.style }), ...(await compliance.labelRequest(labelChoice)) };
    if (!(engine instanceof DefaultEngine) || faces) {
      // Another engine, or a group: the result and its timings (the detailed checks below are the classic engine's one-face report).
      const result = await engine.swap(req);
      const labelled = await compliance.labelResult(result, labelChoice);
      const tw = performance.now();
      const screening = await screen?.verdict(); // nothing is written before every photo passed
      const screeningWaitMs = Math.round(performance.now() - tw);
      await writeFile(opts.out, labelled.image);
      if (opts.json) {
        const timings = Object.fromEntries(Object.entries(result.timings).map(([k, v]) => [k, Math.round(v)]));
        const report = { ok: true, engine: engine.name, out: opts.out, format: result.format, width: result.width, height: result.height, startupMs: Math.round(startupMs), modelLoadMs: Math.round(loadMs), screeningLoadMs: screen?.loadMs, screeningWaitMs, label: labelled.label, screening, faces: opts.faces?.length ?? 1, timings };
        process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      }
      return 0;
    }
    const d = await engine.swapDetailed(req, { embedding: !!opts.json });
    // The label's key is the data dir's (or WANXING_AIGC_KEY, or Redis in redis mode).
    const labelled = await compliance.labelResult(d.result, labelChoice);
    const tw = performance.now();
    const screening = await screen?.verdict(); // nothing is written before every photo passed
    const screeningWaitMs = Math.round(performance.now() - tw);
    await writeFile(opts.out, labelled.image);
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
      engine: engine.name,
      out: opts.out,
      format: d.result.format,
      width: d.result.width,
      height: d.result.height,
      startupMs: Math.round(startupMs),
      modelLoadMs: Math.round(loadMs),
      screeningLoadMs: screen?.loadMs,
      screeningWaitMs,
      label: labelled.label,
      screening: screening ?? null,
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
  } catch (thrown) {
    // A refused photo is the answer even when the engine failed first (screening used to run first).
    const err = (await screen?.refusal()) ?? thrown;
    const coded = err instanceof ServiceError;
    if (opts.json) {
      const e = coded ? { status: err.status, error: err.errorName, errmsg: err.message } : { status: -22222, error: 'InternalError', errmsg: String((err as Error)?.message ?? err) };
      process.stdout.write(JSON.stringify({ ok: false, ...e }, null, 2) + '\n');
    } else {
      process.stderr.write(`swap failed: ${coded ? `${err.errorName} (${err.status}) ` : ''}${(err as Error)?.message ?? err}\n`);
    }
    return coded ? 2 : 1;
  } finally {
    await engine?.close();
  }
}

/** The engine's pixel cap (the settings'), for decodes started before it loads; none when the settings do not load (the engine's load reports why). */
function earlyDecodeLimit(): number | undefined {
  try {
    return loadConfig().download.maxPixels;
  } catch {
    return undefined;
  }
}
