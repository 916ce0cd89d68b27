// POST /faces: every face of a template with its index, box, angles and check result, so a caller
// can offer a choice before submitting a group or couple job. Synchronous, with a small timeout;
// the analysis runs on the engine threads and is kept, so a later swap on the template skips it.
import type { FastifyPluginAsync } from 'fastify';
import { DEFAULT_LIMITS, type AnalyseLimits } from '../../engine/analyse.ts';
import { describeFaces, type FaceInfo } from '../../engine/faces.ts';
import type { TemplateFaces } from '../../engine/types.ts';
import { ServiceError, toServiceError } from '../../jobs/errors.ts';
import { parseFacesRequest } from '../../jobs/face-selection.ts';
import type { KnownTemplates } from '../../jobs/known-templates.ts';
import type { ImageFetcher } from '../../jobs/ports.ts';
import { facesRequestSchema } from '../schemas.ts';
import { envelope, schemaCheck, strictBody } from './jobs.ts';

export interface FaceListing {
  fetchImage: ImageFetcher;
  listFaces(image: Uint8Array, opts: { signal?: AbortSignal }): Promise<TemplateFaces>;
  /** The template checks (face size, angles), as the engine applies them. */
  limits?: Partial<AnalyseLimits>;
  /** Remembers each listed template's faces for submit-time checks of target_face. */
  known?: KnownTemplates;
  /** Download plus analysis; past it the answer is Timeout. Default 20 s. */
  timeoutMs?: number;
}

export interface FacesAnswer {
  width: number;
  height: number;
  faces: FaceInfo[];
}

/** Downloads a template and lists its faces in reading order (also the console's /console/api/faces). */
export async function listTemplateFaces(deps: FaceListing, url: string): Promise<FacesAnswer> {
  const timeoutMs = deps.timeoutMs ?? 20_000;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const img = await deps.fetchImage(url, signal);
    const t = await deps.listFaces(img.bytes, { signal });
    const faces = describeFaces(t.faces, t, { ...DEFAULT_LIMITS, ...deps.limits });
    deps.known?.remember(url, faces);
    return { width: t.width, height: t.height, faces };
  } catch (err) {
    if (signal.aborted) throw new ServiceError('Timeout', `POST /faces: ${timeoutMs / 1000} s`);
    throw toServiceError(err);
  }
}

export const facesRoutes: FastifyPluginAsync<FaceListing> = async (app, opts) => {
  app.post('/faces', strictBody(facesRequestSchema), async (request, reply) =>
    envelope(request, reply, async () => {
      const url = parseFacesRequest(request.body);
      schemaCheck(request);
      return listTemplateFaces(opts, url);
    }),
  );
};
