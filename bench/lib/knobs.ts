// Engine knobs for the diagnostic scripts, from the command line: "a.b=v,c.d=w" → { a: { b: v }, c: { d: w } }
// (numbers where they parse), to merge over the swap options.
import { DEFAULT_UPSCALE, type DefaultEngine } from '../../src/engine/index.ts';
import { DEFAULT_SWAP, mergeSwapOptions } from '../../src/engine/swap.ts';

export function parseSet(spec: string): Record<string, unknown> {
  const set: Record<string, unknown> = {};
  for (const kv of spec.split(',').filter(Boolean)) {
    const [k, val] = kv.split('=');
    const keys = k!.split('.');
    let o = set;
    for (const key of keys.slice(0, -1)) o = (o[key] ??= {}) as Record<string, unknown>;
    o[keys[keys.length - 1]!] = Number.isNaN(Number(val)) ? val : Number(val);
  }
  return set;
}

/**
 * Sets a variant's knobs on a loaded engine (its swap and upscale options; `upscale.*` keys go to the
 * latter) and swaps the pair with them: the diagnostic scripts' loop over option sets without
 * reloading the models.
 */
export async function swapWithKnobs(engine: DefaultEngine, spec: string, source: Buffer, target: Buffer): Promise<Awaited<ReturnType<DefaultEngine['swapDetailed']>>> {
  const set = parseSet(spec);
  const up = (set.upscale ?? {}) as Record<string, unknown>;
  delete set.upscale;
  const e = engine as unknown as { swapOpts: unknown; upscaleOpts: Record<string, unknown> };
  e.swapOpts = mergeSwapOptions(DEFAULT_SWAP, set);
  e.upscaleOpts = { ...DEFAULT_UPSCALE, ...up };
  return engine.swapDetailed({ source, target, style: undefined } as never);
}

/** A `--variant name:a.b=v,c.d=w` argument as [name, knobs] (no colon: the name alone, the defaults). */
export function parseVariant(arg: string): [string, string] {
  const j = arg.indexOf(':');
  return j < 0 ? [arg, ''] : [arg.slice(0, j), arg.slice(j + 1)];
}

/**
 * The diagnostic scripts' arguments: `--out DIR`, `--pair SRC::TPL::name` (repeated), `--variant
 * name:knobs` (repeated; none: the defaults); `extra` takes any other flag with its value.
 */
export function parseDiagArgs(argv: string[], out: string, extra: Record<string, (v: string) => void> = {}): { out: string; pairs: [string, string, string][]; variants: [string, string][] } {
  const pairs: [string, string, string][] = [];
  const variants: [string, string][] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = argv[++i]!;
    if (a === '--out') out = v;
    else if (a === '--pair') pairs.push(v.split('::') as [string, string, string]);
    else if (a === '--variant') variants.push(parseVariant(v));
    else if (extra[a]) extra[a](v);
    else throw new Error(`unknown ${a}`);
  }
  if (!variants.length) variants.push(['default', '']);
  return { out, pairs, variants };
}
