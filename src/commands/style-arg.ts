// `--style template|source` of `wanxing swap` and `wanxing submit`: the API's `style` field.
import { InvalidArgumentError } from 'commander';
import { SWAP_STYLES, type SwapStyle } from '../jobs/job.ts';

export type { SwapStyle };

export function parseStyleOption(value: string): SwapStyle {
  if ((SWAP_STYLES as readonly string[]).includes(value)) return value as SwapStyle;
  throw new InvalidArgumentError(`--style ${value}: expected ${SWAP_STYLES.join(' or ')} (template: the template's lip colour; source: the user's own make-up)`);
}
