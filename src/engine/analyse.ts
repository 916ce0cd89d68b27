// Face analysis: detection, 478-point mesh, head angles, optional faceres embedding, and the
// seed's input checks. This is the module other engines (src/engine/onnx) reuse for landmarks.
import { loadHuman, packageDirs, type Human } from './human.ts';
import type { Config } from '@vladmandic/human';
import type { RgbImage } from './image.ts';
import { ServiceError } from '../jobs/errors.ts';
import sharp from 'sharp';

export type Point3 = [number, number, number];
export type Point2 = [number, number];

export interface Face {
  /** [x, y, width, height] in image pixels. */
  box: [number, number, number, number];
  score: number;
  /** 478 points (468 mesh + 10 iris) in image pixels; z is Human's relative depth (the same at any input scale). */
  mesh: Point3[];
  /** Head angles in degrees (Human's convention: yaw > 0 turns to the image's left). */
  angles: { yaw: number; pitch: number; roll: number };
  /** 1024-d faceres descriptor, when asked for. */
  embedding?: number[];
  /** Five points in the ArcFace order: eye, eye, nose tip, mouth corner, mouth corner (image left first). */
  landmarks5: Point2[];
  /**
   * mask.hands: the hands found in the face's image (21 keypoints each, Human's handtrack order:
   * wrist, then thumb, index, middle, ring, pinky from base to tip), in image pixels. Set by the
   * engine only when the knob is on; moved with the face when its image is cropped or scaled.
   */
  hands?: Point2[][];
  /**
   * featureCrispness() of the eyes and brows at the photo's own resolution, set by the engine on a
   * small source the swap shows at its own size or larger (colour.softEyesMaxWidth; colour.softEyes,
   * texture.softMedium and the brow hair read it); undefined otherwise.
   */
  eyeCrispness?: number;
}

/** One hand found by Human's hand module: 21 keypoints (image pixels) and its scores. */
export interface Hand {
  keypoints: Point2[];
  /** Detector box score and skeleton (landmark) score, 0..1. */
  boxScore: number;
  fingerScore: number;
}

export interface AnalyseLimits {
  /** Smallest accepted face box side in pixels. */
  minFacePx: number;
  /** Smallest accepted face box side as a fraction of the image's shorter side. */
  minFaceRatio: number;
  maxYawDeg: number;
  maxPitchDeg: number;
  /** Detections below this score are ignored. */
  minScore: number;
  /** Several faces are accepted when the largest is at least this many times the area of the next. */
  dominanceRatio: number;
}

export const DEFAULT_LIMITS: AnalyseLimits = {
  minFacePx: 64,
  minFaceRatio: 0.06,
  maxYawDeg: 35,
  maxPitchDeg: 30,
  minScore: 0.6,
  dominanceRatio: 4,
};

const RAD = 180 / Math.PI;

/** A detection window's longer side is scaled down to this many pixels before Human sees it. */
export const DETECT_SIDE = 640;
/**
 * ...unless a face found there would be smaller than this: the window is then looked at again at the
 * scale that gives it this size. Human crops 1.4 × the box into the mesh model's 192-px input, so a
 * box of ≥ 137 px loses no detail.
 */
export const MESH_FACE_SIDE = 160;

/** Mesh indices of the five ArcFace points (pairs are averaged). */
const FIVE: number[][] = [[33, 133], [362, 263], [1], [61], [291]];

export function landmarks5(mesh: Point3[]): Point2[] {
  return FIVE.map((ids) => {
    let x = 0;
    let y = 0;
    for (const i of ids) {
      x += mesh[i][0];
      y += mesh[i][1];
    }
    return [x / ids.length, y / ids.length] as Point2;
  });
}

/** One analyser per thread: it owns a Human instance on the WASM backend. */
export class FaceAnalyser {
  /** faceres is loaded on the first request for an embedding: a swap never needs one. */
  private embeddingReady?: Promise<void>;

  private constructor(
    readonly human: Human,
    private readonly config: Partial<Config>,
  ) {}

  /**
   * `warmup: false` leaves the kernels' first compile to the first real detection: right for a
   * one-shot CLI run, which would otherwise pay it twice.
   */
  static async create(opts: { warmup?: boolean } = {}): Promise<FaceAnalyser> {
    const { human, config } = await loadHuman({ embedding: false });
    const analyser = new FaceAnalyser(human, config);
    if (opts.warmup ?? true) await analyser.warmup();
    return analyser;
  }

  private loadEmbedding(): Promise<void> {
    // Human loads the models a config enables that it has not loaded yet (≈ 40 ms for faceres).
    return (this.embeddingReady ??= this.human.load({ face: { description: { enabled: true } } } as Partial<Config>).then(() => undefined));
  }

  private handsReady?: Promise<void>;

  /** The hand models (handtrack + handlandmark-lite, from the npm package) on first use only. */
  private loadHands(): Promise<void> {
    return (this.handsReady ??= this.human.load({ hand: handConfig() } as Partial<Config>).then(() => undefined));
  }

  /**
   * Hands in the image (mask.hands), looked for on a copy scaled to `side` px on its longer side
   * (the detector sees at most 512 px anyway; the landmark model a 224-px crop of that copy). Only
   * hands whose detector score reaches `boxScore` and whose skeleton (landmark) score reaches
   * `minScore` are returned: the detector scores a hand on a face low (0.1 for hands on a head's
   * sides), the skeleton model tells a hand from what is not one (0.51 for anything else).
   */
  async detectHands(img: RgbImage, opts: { side: number; minScore: number; boxScore: number }): Promise<Hand[]> {
    await this.loadHands();
    const part = { left: 0, top: 0, width: img.width, height: img.height };
    const s = Math.min(1, opts.side / Math.max(part.width, part.height));
    const W = Math.max(1, Math.round(part.width * s));
    const H = Math.max(1, Math.round(part.height * s));
    const px = await scaledWindow(img, part, W, H, { left: 0, top: 0, right: 0, bottom: 0 });
    const tf = this.human.tf;
    const tensor = tf.tensor3d(px, [H, W, 3], 'float32');
    const config = { ...this.config, face: { ...(this.config as { face: object }).face, enabled: false }, hand: { ...handConfig(), minConfidence: opts.boxScore } };
    try {
      const res = await this.human.detect(tensor as never, config as Partial<Config>);
      const fx = part.width / W, fy = part.height / H;
      return res.hand
        .filter((h) => h.keypoints.length >= 21 && h.boxScore >= opts.boxScore && h.fingerScore >= opts.minScore)
        .map((h) => ({ keypoints: h.keypoints.map((p) => [part.left + (p[0] + 0.5) * fx - 0.5, part.top + (p[1] + 0.5) * fy - 0.5] as Point2), boxScore: h.boxScore, fingerScore: h.fingerScore }));
    } finally {
      tensor.dispose();
    }
  }

  private bodyReady?: Promise<void>;
  private skeletonReady?: Promise<{ execute: (t: unknown, out: string[]) => unknown }>;

  /**
   * Hands found from the arm (mask.handDetect.pose): Human's body model (movenet-lightning, from
   * the npm package) gives each elbow and wrist; past the wrist, along the forearm, a crop turned
   * so that the hand points up (what the skeleton model was trained on) is sampled at each of
   * `scales` × the forearm's length, and the skeleton model (handlandmark-lite) run on it; the
   * crop whose hand-presence score is highest, if ≥ `minScore`, gives the hand's 21 keypoints. A
   * flat hand on the cheek, which the hand detector reads as part of the face, is found this way.
   */
  async detectHandsByPose(img: RgbImage, opts: { side: number; minScore: number; minJoint: number; scales: number[]; near?: Face['box'][] }): Promise<Hand[]> {
    const base = 'file://' + packageDirs().humanModels + '/';
    const body = { enabled: true, modelPath: base + 'movenet-lightning.json', maxDetected: 1, minConfidence: 0.01, skipFrames: 0, skipTime: 0 };
    await (this.bodyReady ??= this.human.load({ body } as Partial<Config>).then(() => undefined));
    const s = Math.min(1, opts.side / Math.max(img.width, img.height));
    const W = Math.max(1, Math.round(img.width * s)), H = Math.max(1, Math.round(img.height * s));
    const px = await scaledWindow(img, { left: 0, top: 0, width: img.width, height: img.height }, W, H, { left: 0, top: 0, right: 0, bottom: 0 });
    const tf = this.human.tf;
    const tensor = tf.tensor3d(px, [H, W, 3], 'float32');
    const config = { ...this.config, face: { ...(this.config as { face: object }).face, enabled: false }, body };
    let parts: Record<string, { position: number[]; score: number }> = {};
    try {
      const res = await this.human.detect(tensor as never, config as Partial<Config>);
      for (const p of res.body[0]?.keypoints ?? []) parts[p.part] = { position: [((p.position[0] ?? 0) + 0.5) / s - 0.5, ((p.position[1] ?? 0) + 0.5) / s - 0.5], score: p.score };
    } finally {
      tensor.dispose();
    }
    // The skeleton model on its own (the hand detector is not loaded for this path).
    const tfl = tf as unknown as { loadGraphModel(url: string): Promise<{ execute: (t: unknown, out: string[]) => unknown }> };
    const skeleton = await (this.skeletonReady ??= tfl.loadGraphModel(base + 'handlandmark-lite.json'));
    const hands: Hand[] = [];
    const N = 224;
    const crop = new Float32Array(N * N * 3);
    for (const side of ['left', 'right']) {
      const e = parts[side + 'Elbow'], w = parts[side + 'Wrist'];
      if (!e || !w || e.score < opts.minJoint || w.score < opts.minJoint) continue;
      const [ex, ey] = e.position as [number, number], [wx, wy] = w.position as [number, number];
      const fl = Math.hypot(wx - ex, wy - ey);
      if (fl < 4) continue;
      const ux = (wx - ex) / fl, uy = (wy - ey) / fl, vx = -uy, vy = ux;
      if (opts.near) {
        // Only a hand that can reach a face: the largest crop's square must meet one of the boxes.
        const S = Math.max(...opts.scales) * fl, cx = wx + ux * S * 0.4, cy = wy + uy * S * 0.4;
        if (!opts.near.some(([bx, by, bw, bh]) => cx + S / 2 >= bx && cx - S / 2 <= bx + bw && cy + S / 2 >= by && cy - S / 2 <= by + bh)) continue;
      }
      let best: Hand | undefined;
      for (const k of opts.scales) {
        const S = k * fl;
        const cx = wx + ux * S * 0.4, cy = wy + uy * S * 0.4;
        sampleTurned(img, crop, N, cx, cy, S, ux, uy);
        const input = tf.tensor4d(crop, [1, N, N, 3]);
        const [score, kps] = skeleton.execute(input, ['Identity_1', 'Identity']) as [{ dataSync(): Float32Array }, { dataSync(): Float32Array }];
        const presence = score.dataSync()[0] ?? 0;
        const kp = kps.dataSync();
        tf.dispose([input, score, kps] as never);
        if (presence < opts.minScore || (best && presence <= best.fingerScore)) continue;
        const keypoints: Point2[] = [];
        for (let q = 0; q < 21; q++) {
          const xl = (kp[q * 3]! / N - 0.5) * S, yl = (kp[q * 3 + 1]! / N - 0.5) * S;
          keypoints.push([cx + xl * vx - yl * ux, cy + xl * vy - yl * uy]);
        }
        best = { keypoints, boxScore: Math.min(e.score, w.score), fingerScore: presence };
      }
      if (best) hands.push(best);
    }
    return hands;
  }

  /** The first inference of each model compiles its WASM kernels (~0.5 s): pay it at load, not in a job. */
  async warmup(): Promise<void> {
    const size = 192;
    const img = { width: size, height: size, data: new Uint8Array(size * size * 3).fill(128), format: 'png' as const };
    await this.detect(img, { minScore: 0 });
    // The mesh and embedding models only run on a detected face; feed them directly.
    const tf = this.human.tf;
    const models = (this.human as unknown as { models: { models: Record<string, { inputs?: { shape?: number[] }[]; execute: (t: unknown) => unknown } | null> } }).models.models;
    for (const name of ['facemesh', 'iris', 'faceres']) {
      const m = models[name];
      const shape = m?.inputs?.[0]?.shape;
      if (!m || !shape) continue;
      const t = tf.zeros(shape.map((v) => (v > 0 ? v : 1)));
      const r = m.execute(t);
      tf.dispose([t, r as never]);
    }
  }

  /** The 468-point triangulation as index triples (flat). */
  get triangulation(): number[] {
    return this.human.faceTriangulation;
  }

  /** All faces scoring ≥ minScore, largest first. Tall/wide photos are scanned in near-square windows. */
  async detect(img: RgbImage, opts: { embedding?: boolean; minScore?: number } = {}): Promise<Face[]> {
    const minScore = opts.minScore ?? DEFAULT_LIMITS.minScore;
    if (opts.embedding) await this.loadEmbedding();
    const found: Face[] = [];
    for (const win of squareWindows(img.width, img.height)) {
      found.push(...(await this.detectWindow(img, win, opts.embedding ?? false)));
    }
    // Windows overlap: keep the best-scoring copy of each face (a face cut by a window edge
    // scores lower than its whole copy in the next window).
    const faces: Face[] = [];
    for (const f of found.filter((f) => f.score >= minScore).sort((a, b) => b.score - a.score)) {
      if (!faces.some((g) => overlap(g.box, f.box) > 0.3)) faces.push(f);
    }
    return faces.sort((a, b) => b.box[2] * b.box[3] - a.box[2] * a.box[3]);
  }

  private async detectWindow(img: RgbImage, win: Window, embedding: boolean): Promise<Face[]> {
    // A large window is scaled down first (the detector looks at 256 px and the mesh at a 192-px crop
    // anyway): Human clones its input and crops from it, and a 1.5 MP float tensor cost ≈ 0.3 s a photo
    // in a cold process, mostly first-touch page faults. A face that would come out smaller than
    // MESH_FACE_SIDE is looked at again, larger.
    let s = Math.min(1, DETECT_SIDE / Math.max(win.w, win.h));
    let faces = await this.detectScaled(img, win, s, embedding && s === 1);
    const smallest = Math.min(...faces.map((f) => Math.min(f.box[2], f.box[3])));
    if (s < 1 && smallest * s < MESH_FACE_SIDE) {
      s = Math.min(1, MESH_FACE_SIDE / smallest);
      faces = await this.detectScaled(img, win, s, embedding && s === 1);
    }
    if (!embedding || s === 1) return faces;
    // Embeddings (the CLI's --json, the eval's instrument) from a full-size pass, onto the same
    // geometry: a face's mesh, and so the swap, never depends on whether an embedding was asked for.
    const full = await this.detectScaled(img, win, 1, true);
    return faces.map((f) => ({ ...f, embedding: full.find((g) => overlap(g.box, f.box) > 0.5)?.embedding }));
  }

  /** One Human pass over the window scaled by `s` (≤ 1); boxes and meshes in the image's pixels. */
  private async detectScaled(img: RgbImage, win: Window, s: number, embedding: boolean): Promise<Face[]> {
    const { x0, y0, w, h } = win;
    // The window may reach past the image (a letterboxed square): that part stays black.
    const xa = Math.max(0, -x0);
    const xb = Math.min(w, img.width - x0);
    const ya = Math.max(0, -y0);
    const yb = Math.min(h, img.height - y0);
    const W = s < 1 ? Math.max(1, Math.round(w * s)) : w;
    const H = s < 1 ? Math.max(1, Math.round(h * s)) : h;
    // The image's part of the window, at the working scale, and where it lies in the window.
    const pw = s < 1 ? Math.max(1, Math.round((xb - xa) * s)) : xb - xa;
    const ph = s < 1 ? Math.max(1, Math.round((yb - ya) * s)) : yb - ya;
    const ox = s < 1 ? Math.min(W - pw, Math.round(xa * s)) : xa;
    const oy = s < 1 ? Math.min(H - ph, Math.round(ya * s)) : ya;
    // float32, the dtype Human works in: an int32 tensor was cloned and then cast, two 12-byte-a-pixel copies.
    const px = s < 1 ? await scaledWindow(img, { left: x0 + xa, top: y0 + ya, width: xb - xa, height: yb - ya }, pw, ph, { left: ox, top: oy, right: W - pw - ox, bottom: H - ph - oy }) : new Float32Array(W * H * 3);
    // Row by row in native code (a per-byte loop here, run twice a swap, was never optimised).
    if (s === 1) for (let y = 0; y < ph; y++) px.set(img.data.subarray(((y0 + ya + y) * img.width + x0 + xa) * 3, ((y0 + ya + y) * img.width + x0 + xb) * 3), ((oy + y) * W + ox) * 3);
    // Working pixels back to the image's (pixel centres map onto pixel centres).
    const fx = (xb - xa) / pw;
    const fy = (yb - ya) / ph;
    const bx = (x: number) => x0 + xa + (x - ox + 0.5) * fx - 0.5;
    const by = (y: number) => y0 + ya + (y - oy + 0.5) * fy - 0.5;
    const tf = this.human.tf;
    // Three-dimensional: Human adds the batch axis as a view, where a [1, H, W, 3] input is cloned (5 MB of fresh memory a pass).
    const tensor = tf.tensor3d(px, [H, W, 3], 'float32');
    const face = (this.config as { face: { description: { enabled: boolean } } }).face;
    // Always a full config: Human merges partial configs into its own permanently.
    const config = { ...this.config, face: { ...face, description: { ...face.description, enabled: embedding } } };
    try {
      const res = await this.human.detect(tensor as never, config as Partial<Config>);
      return res.face
        .filter((f) => f.mesh.length >= 468)
        .map((f) => {
          const mesh = s < 1 ? f.mesh.map((p) => [bx(p[0]), by(p[1]), p[2] ?? 0] as Point3) : f.mesh.map((p) => [p[0] + x0, p[1] + y0, p[2] ?? 0] as Point3);
          const a = f.rotation?.angle ?? { yaw: 0, pitch: 0, roll: 0 };
          const box: Face['box'] = s < 1 ? [bx(f.box[0]), by(f.box[1]), f.box[2] * fx, f.box[3] * fy] : [f.box[0] + x0, f.box[1] + y0, f.box[2], f.box[3]];
          return {
            box,
            score: f.score,
            mesh,
            angles: { yaw: a.yaw * RAD, pitch: a.pitch * RAD, roll: a.roll * RAD },
            embedding: embedding && f.embedding?.length ? Array.from(f.embedding) : undefined,
            landmarks5: landmarks5(mesh),
          } satisfies Face;
        });
    } finally {
      tensor.dispose();
    }
  }

  /**
   * The one face the swap works on, or a coded failure: no face, several comparable faces, a face
   * too small, or turned too far. A face is "clearly dominant" when its box area is at least
   * `dominanceRatio` times the next one's (people far behind the subject are then ignored).
   */
  async analyse(
    img: RgbImage,
    role: 'source' | 'target',
    opts: { embedding?: boolean; limits?: Partial<AnalyseLimits> } = {},
  ): Promise<Face> {
    const limits = { ...DEFAULT_LIMITS, ...opts.limits };
    const faces = await this.detect(img, { embedding: opts.embedding, minScore: limits.minScore });
    return pickFace(faces, img, role, limits);
  }

  async close(): Promise<void> {
    this.human.tf.disposeVariables();
  }
}

export function pickFace(faces: Face[], img: { width: number; height: number }, role: 'source' | 'target', limits: AnalyseLimits): Face {
  const src = role === 'source';
  if (faces.length === 0) throw new ServiceError(src ? 'NoFaceInSource' : 'NoFaceInTarget');
  const area = (f: Face) => f.box[2] * f.box[3];
  if (faces.length > 1 && area(faces[0]) < limits.dominanceRatio * area(faces[1])) {
    throw new ServiceError(src ? 'MultipleFacesInSource' : 'MultipleFacesInTarget', `${faces.length} faces`);
  }
  const face = faces[0];
  checkFace(face, img, role, limits);
  return face;
}

/** The per-face input checks (size, head angles): throws FaceTooSmall or FaceAngleTooLarge. */
export function checkFace(face: Face, img: { width: number; height: number }, role: 'source' | 'target', limits: AnalyseLimits): void {
  const side = Math.min(face.box[2], face.box[3]);
  if (side < limits.minFacePx || side < limits.minFaceRatio * Math.min(img.width, img.height)) {
    throw new ServiceError('FaceTooSmall', `${role} face ${Math.round(side)} px`);
  }
  const { yaw, pitch } = face.angles;
  if (Math.abs(yaw) > limits.maxYawDeg || Math.abs(pitch) > limits.maxPitchDeg) {
    throw new ServiceError('FaceAngleTooLarge', `${role} yaw ${yaw.toFixed(0)}°, pitch ${pitch.toFixed(0)}°`);
  }
}

interface Window {
  x0: number;
  y0: number;
  w: number;
  h: number;
}

/**
 * The whole image when it is near-square; up to `letterbox`:1, one square centred on it (the
 * detector stretches its input to a square, which is what confused it on tall photos; padding
 * keeps the aspect at the cost of one detection instead of three); beyond, overlapping squares
 * along its long side.
 */
export function squareWindows(width: number, height: number, letterbox = 2.5): Window[] {
  const long = Math.max(width, height);
  const short = Math.min(width, height);
  if (long <= short * 1.4) return [{ x0: 0, y0: 0, w: width, h: height }];
  if (long <= short * letterbox) {
    return [{ x0: Math.floor((width - long) / 2), y0: Math.floor((height - long) / 2), w: long, h: long }];
  }
  const n = Math.ceil((long - short) / (short / 2)) + 1;
  const step = (long - short) / (n - 1);
  const wins: Window[] = [];
  for (let i = 0; i < n; i++) {
    const off = Math.round(i * step);
    wins.push(width > height ? { x0: off, y0: 0, w: short, h: height } : { x0: 0, y0: off, w: width, h: short });
  }
  return wins;
}

/**
 * An N × N crop (RGB in 0..1, nearest pixel) of side S image pixels centred on (cx, cy), turned so
 * that (ux, uy) points up in it; outside the image stays 0.
 */
function sampleTurned(img: RgbImage, out: Float32Array, N: number, cx: number, cy: number, S: number, ux: number, uy: number): void {
  const vx = -uy, vy = ux;
  out.fill(0);
  for (let j = 0; j < N; j++) {
    const yl = ((j + 0.5) / N - 0.5) * S;
    for (let i = 0; i < N; i++) {
      const xl = ((i + 0.5) / N - 0.5) * S;
      const x = Math.round(cx + xl * vx - yl * ux), y = Math.round(cy + xl * vy - yl * uy);
      if (x < 0 || y < 0 || x >= img.width || y >= img.height) continue;
      const o = (j * N + i) * 3, p = (y * img.width + x) * 3;
      out[o] = img.data[p]! / 255;
      out[o + 1] = img.data[p + 1]! / 255;
      out[o + 2] = img.data[p + 2]! / 255;
    }
  }
}

/** Human's hand config (handtrack detector, lite skeleton) from the face config's model folder. */
function handConfig(): Record<string, unknown> {
  // The models folder the face models come from (@vladmandic/human's own ships both).
  const base = 'file://' + packageDirs().humanModels + '/';
  return {
    enabled: true,
    rotation: true,
    skipFrames: 0,
    skipTime: 0,
    minConfidence: 0.5,
    iouThreshold: 0.2,
    maxDetected: 4,
    landmarks: true,
    detector: { modelPath: base + 'handtrack.json' },
    skeleton: { modelPath: base + 'handlandmark-lite.json' },
  };
}

/** Intersection over the smaller box (so a partial copy inside a whole one counts as the same face). */
function overlap(a: Face['box'], b: Face['box']): number {
  const x0 = Math.max(a[0], b[0]);
  const y0 = Math.max(a[1], b[1]);
  const x1 = Math.min(a[0] + a[2], b[0] + b[2]);
  const y1 = Math.min(a[1] + a[3], b[1] + b[3]);
  const inter = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  return inter / Math.min(a[2] * a[3], b[2] * b[3]);
}

/** Cosine similarity of two embeddings. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb + 1e-12);
}

/**
 * A rectangle of the image resampled (sharp's Lanczos, which low-passes when shrinking) to pw × ph,
 * padded with black to the window, as float RGB: libvips scales, pads and casts in its own threads
 * (a float conversion loop here cost ≈ 20 ms a photo in a cold process).
 */
async function scaledWindow(img: RgbImage, part: { left: number; top: number; width: number; height: number }, pw: number, ph: number, pad: { left: number; top: number; right: number; bottom: number }): Promise<Float32Array> {
  let pipeline = sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).extract(part).resize(pw, ph, { fit: 'fill' });
  if (pad.left || pad.top || pad.right || pad.bottom) pipeline = pipeline.extend({ ...pad, background: { r: 0, g: 0, b: 0 } });
  const buf = await pipeline.raw({ depth: 'float' }).toBuffer();
  return buf.byteOffset % 4 === 0 ? new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4) : new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
}
