// A stand-in engine for service tests (the real engine is tested in engine*.test.ts): the result is the
// template with its top-left 8×8 block painted with the source's mean colour, at the template's size.
// Behaviour knobs come from the environment, which worker threads share:
//   WANXING_TEST_ENGINE_DELAY_MS  how long a swap takes (to catch jobs mid-run)
// A source narrower than 16 px has "no face": NoFaceInSource.
import sharp from 'sharp';
import type { FaceEngine, SwapRequest, SwapResult } from '../../src/engine/types.ts';
import { ServiceError } from '../../src/jobs/errors.ts';

export function createEngine(): FaceEngine {
  return {
    name: 'test',
    async init() {},
    async close() {},
    async swap(req: SwapRequest): Promise<SwapResult> {
      const src = sharp(req.source);
      const { width: sw = 0 } = await src.metadata();
      if (sw < 16) throw new ServiceError('NoFaceInSource');
      const stats = await src.stats();
      const mean = stats.channels.slice(0, 3).map((c) => Math.round(c.mean));
      req.onStage?.('running');
      const delay = Number(process.env.WANXING_TEST_ENGINE_DELAY_MS ?? 0);
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      const meta = await sharp(req.target).metadata();
      const patch = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: mean[0], g: mean[1], b: mean[2] } } }).png().toBuffer();
      const out = sharp(req.target).composite([{ input: patch, left: 0, top: 0 }]);
      const format = meta.format === 'png' ? 'png' : 'jpeg';
      const image = await (format === 'png' ? out.png() : out.jpeg({ quality: 92 })).toBuffer();
      return { image: new Uint8Array(image), format, width: meta.width!, height: meta.height!, timings: { test: delay } };
    },
  };
}
