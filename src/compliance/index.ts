// The compliance port of the job path (jobs/ports.ts JobCompliance), built from the settings: the
// embedded service and the distributed workers both run jobs through this, `wanxing swap` too.
import type { SwapResult } from '../engine/types.ts';
import type { Job } from '../jobs/job.ts';
import type { JobCompliance } from '../jobs/ports.ts';
import { Labeller } from './labeller.ts';
import type { ComplianceSettings } from './settings.ts';

export { Labeller, type LabelChoice } from './labeller.ts';
export { verifyLabel, embedLabel, readLabel, type AigcLabel, type Verdict } from './label-xmp.ts';
export { localLabelKey, redisLabelKey } from './label-key.ts';

export interface ComplianceDeps {
  settings: ComplianceSettings;
  /** HMAC key of the labels (label-key.ts). */
  labelKey: Buffer;
  jpegQuality: number;
}

export function createJobCompliance(deps: ComplianceDeps): JobCompliance {
  const labeller = new Labeller(deps.settings, deps.labelKey, deps.jpegQuality);
  return {
    swapRequest: (job: Job) => labeller.requestFor(job.label),
    // The job id is the label's content ID: a label leads back to its job (and audit record).
    async label(result: SwapResult, job: Job) {
      const { result: labelled, label } = await labeller.apply(result, job.id, job.label);
      return { result: labelled, label: { contentId: label.contentId, visible: label.visible } };
    },
  };
}
