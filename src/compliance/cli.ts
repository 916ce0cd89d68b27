// `wanxing swap` labels like the service (its screening: screen-async.ts); `wanxing label verify <file>` checks a label.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { loadConfig, type Config } from '../config.ts';
import type { SwapRequest, SwapResult } from '../engine/types.ts';
import { localLabelKey } from './label-key.ts';
import { verifyLabel } from './label-xmp.ts';
import { RedisAuditStore, retentionMs, SqliteAuditStore } from './audit.ts';
import type { AuditRecord, AuditStore } from '../jobs/ports.ts';
import { Labeller, type LabelChoice, type LabelOutcome } from './labeller.ts';

/** The label key of the configured mode: WANXING_AIGC_KEY, Redis (distributed) or the data dir. */
export async function labelKeyOf(config: Config): Promise<Buffer> {
  if (config.compliance.labelKey) return config.compliance.labelKey;
  if (config.queue !== 'redis') return localLabelKey(config.dataDir);
  const [{ connect }, { redisLabelKey }] = await Promise.all([import('../queue/bullmq/connection.ts'), import('./label-key.ts')]);
  const redis = connect(config.redisUrl);
  try {
    return await redisLabelKey(redis, config.redisPrefix);
  } finally {
    redis.disconnect();
  }
}

let labeller: Promise<Labeller> | undefined;
function cliLabeller(): Promise<Labeller> {
  return (labeller ??= (async () => {
    const config = loadConfig();
    return new Labeller(config.compliance, await labelKeyOf(config), config.face.jpegQuality);
  })());
}

/** What a CLI swap's request carries so that the engine draws the visible label in its encode. */
export async function labelRequest(choice?: LabelChoice): Promise<Pick<SwapRequest, 'visibleLabel'>> {
  return (await cliLabeller()).requestFor(choice);
}

/** A CLI swap's result, labelled; its content ID is a fresh id (there is no job). */
export async function labelResult(result: SwapResult, choice?: LabelChoice): Promise<{ image: Uint8Array; label: LabelOutcome }> {
  const out = await (await cliLabeller()).apply(result, randomUUID().replace(/-/g, ''), choice);
  return { image: out.result.image, label: out.label };
}

/** Prints what the label says and whether its HMAC holds; exit 0 holds, 3 absent or altered. */
export async function runLabelVerify(file: string, opts: { json?: boolean } = {}): Promise<number> {
  const config = loadConfig();
  const verdict = verifyLabel(await readFile(file), await labelKeyOf(config));
  if (opts.json) {
    process.stdout.write(JSON.stringify(verdict, null, 2) + '\n');
  } else {
    if ('label' in verdict) {
      for (const [k, v] of Object.entries(verdict.label)) process.stdout.write(`${k.padEnd(18)} ${v}\n`);
    }
    const line = verdict.state === 'valid' ? 'label holds: made by this service, image and label unchanged' : `label ${verdict.state}: ${verdict.why}`;
    process.stdout.write(`${line}\n`);
  }
  return verdict.state === 'valid' ? 0 : 3;
}

/** `--since`: an ISO date/time, or a duration back from now (90m, 24h, 7d). */
export function parseSince(v: string, now = Date.now()): number {
  const d = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)$/.exec(v.trim());
  if (d) return now - Number(d[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[d[2] as 's' | 'm' | 'h' | 'd'];
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new Error(`--since ${v}: expected a date (2026-12-01, 2026-12-01T08:00Z) or a duration (90m, 24h, 7d)`);
  return t;
}

/** Runs fn with the audit store of the configured mode (SQLite in the data dir, or Redis). */
async function withAuditStore<T>(config: Config, fn: (store: AuditStore) => Promise<T>): Promise<T> {
  const ms = retentionMs(config.compliance.auditRetentionDays);
  if (config.queue === 'redis') {
    const { connect } = await import('../queue/bullmq/connection.ts');
    const redis = connect(config.redisUrl);
    try {
      return await fn(new RedisAuditStore(redis, config.redisPrefix, ms));
    } finally {
      redis.disconnect();
    }
  }
  const { openDatabase } = await import('../queue/sqlite/db.ts');
  const db = openDatabase(config.dataDir);
  try {
    return await fn(new SqliteAuditStore(db, ms));
  } finally {
    db.close();
  }
}

/** `wanxing audit --job ID | --since WHEN`: prints records (one JSON object a line with --json). */
export async function runAudit(opts: { job?: string; since?: string; limit?: string; json?: boolean }): Promise<number> {
  if (!opts.job && !opts.since) throw new Error('wanxing audit needs --job ID or --since WHEN');
  const config = loadConfig();
  const records = await withAuditStore(config, async (store) => {
    if (opts.job) {
      const r = await store.get(opts.job);
      return r ? [r] : [];
    }
    return store.since(parseSince(opts.since!), Math.max(1, Number(opts.limit ?? 1000) || 1000));
  });
  if (!records.length) {
    process.stderr.write(opts.job ? `no audit record for job ${opts.job} (unknown, not ended, or past the ${config.compliance.auditRetentionDays}-day retention)\n` : 'no audit records in that time\n');
    return opts.job ? 1 : 0;
  }
  for (const r of records) process.stdout.write(opts.json ? JSON.stringify(r) + '\n' : formatRecord(r) + '\n');
  return 0;
}

function formatRecord(r: AuditRecord): string {
  const scores = r.screening as { source?: Record<string, number>; target?: Record<string, number> } | undefined;
  const explicit = (s?: Record<string, number>) => (s ? ((s.porn ?? 0) + (s.hentai ?? 0)).toFixed(3) : '–');
  return [
    `job ${r.jobId}  app ${r.appKey}  ${r.outcome}${r.error ? ` ${r.error} (${r.code})` : ''}`,
    `  submitted ${new Date(r.submittedAt).toISOString()}  ended ${new Date(r.endedAt).toISOString()}`,
    `  source   sha256 ${r.sourceSha256 ?? '–'}`,
    `  template sha256 ${r.targetSha256 ?? '–'}`,
    ...(r.otherSourcesSha256 ?? []).map((h, i) => `  source ${i + 2} sha256 ${h}`),
    `  result   sha256 ${r.resultSha256 ?? '–'}`,
    `  label    ${r.label ? `content ID ${r.label.contentId}, visible ${r.label.visible ? 'on' : 'off'}` : '–'}`,
    `  screening explicit score: source ${explicit(scores?.source)}, template ${explicit(scores?.target)}`,
    ...(r.reason ? [`  reason   ${r.reason}`] : []),
  ].join('\n');
}
