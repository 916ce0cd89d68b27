// The port between the service and any face engine (the default classical pipeline, or ONNX).
// Engines know nothing of HTTP or queues: bytes in, bytes out, ServiceError (src/jobs/errors.ts)
// for the input checks (NoFaceInSource, FaceTooSmall, ...).

export interface SwapRequest {
  /** Encoded source photo (jpg/png), already downloaded and size-checked. */
  source: Uint8Array;
  /** Encoded template photo (jpg/png). */
  target: Uint8Array;
  /** Called when analysis is done and the swap itself starts (the job moves preparing → running). */
  onStage?: (stage: string) => void;
}

export interface SwapResult {
  /** Encoded result, same width/height as the template. */
  image: Uint8Array;
  /** 'png' when the template was PNG, else 'jpeg'. */
  format: 'jpeg' | 'png';
  width: number;
  height: number;
  /** Milliseconds per named stage. */
  timings: Record<string, number>;
}

export interface FaceEngine {
  readonly name: string;
  /** Loads models; a missing or wrong model fails here, not in a job. */
  init(): Promise<void>;
  swap(req: SwapRequest): Promise<SwapResult>;
  close(): Promise<void>;
}
