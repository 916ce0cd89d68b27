// Runs an engine on the calling thread, one swap at a time: for the CLI and for tests.
import type { FaceEngine, SwapRequest, SwapResult, TemplateFaces } from '../engine/types.ts';
import type { EngineRunner } from '../jobs/ports.ts';

export class InlineEngineRunner implements EngineRunner {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly engine: FaceEngine) {}

  swap(req: Omit<SwapRequest, 'onStage'>, opts: { signal?: AbortSignal; onStage?: (stage: string) => void } = {}): Promise<SwapResult> {
    const run = this.tail.then(() => {
      opts.signal?.throwIfAborted();
      return this.engine.swap({ ...req, onStage: opts.onStage });
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Every face of a template, on the same queue as the swaps. */
  listFaces(image: Uint8Array, opts: { signal?: AbortSignal } = {}): Promise<TemplateFaces> {
    const run = this.tail.then(() => {
      opts.signal?.throwIfAborted();
      if (!this.engine.listFaces) throw new Error(`engine ${this.engine.name} cannot list faces`);
      return this.engine.listFaces(image);
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  close(): Promise<void> {
    return this.engine.close();
  }
}
