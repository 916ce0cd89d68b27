// The HMAC key of the implicit labels. Every process that labels or verifies must hold the same
// one: WANXING_AIGC_KEY when the operator sets it; else one made on first use and kept in the data
// directory (embedded mode, `wanxing swap`) or in Redis (distributed mode: every worker shares it).
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { loadOrCreateKey } from '../storage/signing-key.ts';

export const LABEL_KEY_FILE = 'aigc-label.key';

export function localLabelKey(dataDir: string, configured?: Buffer): Buffer {
  return configured ?? loadOrCreateKey(dataDir, LABEL_KEY_FILE);
}

export async function redisLabelKey(redis: Redis, prefix: string, configured?: Buffer): Promise<Buffer> {
  if (configured) return configured;
  const key = `${prefix}:aigc-label-key`;
  await redis.set(key, randomBytes(32).toString('hex'), 'NX');
  const hex = await redis.get(key);
  if (!hex) throw new Error(`Redis lost ${key}`);
  return Buffer.from(hex, 'hex');
}
