// The compliance settings (AIGC labels, input screening, audit), read and checked with the others
// by config.ts: a bad value stops the start, named.
import { ConfigError } from '../config.ts';
import { missingGlyphs } from './glyphs.ts';

export const CORNERS = ['bottom-right', 'bottom-left', 'top-right', 'top-left'] as const;
export type Corner = (typeof CORNERS)[number];

export interface ComplianceSettings {
  /** ContentProducer of the implicit label: the service's name or its filing code. */
  producer: string;
  /** HMAC key of the labels; unset: one made and kept in the data dir (embedded) or in Redis (distributed). */
  labelKey?: Buffer;
  visible: {
    /** Draw the visible label when a request does not say otherwise. */
    enabled: boolean;
    /** Whether a request may turn the visible label off (`"label": {"visible": false}`). */
    allowOptOut: boolean;
    text: string;
    corner: Corner;
  };
  screening: {
    enabled: boolean;
    /** A photo whose porn + hentai (+ half of sexy) probability reaches this is refused. */
    threshold: number;
  };
  /** How long audit records are kept. */
  auditRetentionDays: number;
}

type Env = Record<string, string | undefined>;

function onOff(env: Env, key: string, def: boolean): boolean {
  const raw = (env[key] ?? '').trim().toLowerCase();
  if (raw === '') return def;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${key}=${env[key]}: expected on or off`);
}

function number(env: Env, key: string, def: number, min: number, max: number): number {
  const raw = (env[key] ?? '').trim();
  if (raw === '') return def;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min || v > max) throw new ConfigError(`${key}=${raw}: expected a number in [${min}, ${max}]`);
  return v;
}

export function complianceSettings(env: Env): ComplianceSettings {
  const producer = (env.WANXING_AIGC_PRODUCER ?? '').trim() || 'Wanxing AI Portrait';
  if (producer.length > 200) throw new ConfigError('WANXING_AIGC_PRODUCER: at most 200 characters');
  let labelKey: Buffer | undefined;
  const rawKey = (env.WANXING_AIGC_KEY ?? '').trim();
  if (rawKey) {
    if (!/^([0-9a-f]{2}){16,}$/i.test(rawKey)) throw new ConfigError('WANXING_AIGC_KEY: expected at least 32 hex digits (16 bytes)');
    labelKey = Buffer.from(rawKey, 'hex');
  }
  const text = env.WANXING_LABEL_TEXT?.trim() || 'AI生成';
  const missing = missingGlyphs(text);
  if (missing.length) throw new ConfigError(`WANXING_LABEL_TEXT=${text}: no outline shipped for ${missing.join(' ')} (see docs/COMPLIANCE.md for the characters)`);
  if ([...text].length > 24) throw new ConfigError(`WANXING_LABEL_TEXT=${text}: at most 24 characters`);
  const corner = (env.WANXING_LABEL_CORNER ?? '').trim() || 'bottom-right';
  if (!(CORNERS as readonly string[]).includes(corner)) throw new ConfigError(`WANXING_LABEL_CORNER=${corner}: expected one of ${CORNERS.join(', ')}`);
  return {
    producer,
    labelKey,
    visible: {
      enabled: onOff(env, 'WANXING_LABEL_VISIBLE', true),
      allowOptOut: onOff(env, 'WANXING_LABEL_ALLOW_OPT_OUT', true),
      text,
      corner: corner as Corner,
    },
    screening: {
      enabled: onOff(env, 'WANXING_SCREENING', true),
      threshold: number(env, 'WANXING_SCREENING_THRESHOLD', 0.7, 0.01, 1),
    },
    auditRetentionDays: number(env, 'WANXING_AUDIT_RETENTION_DAYS', 180, 1, 36_500),
  };
}
