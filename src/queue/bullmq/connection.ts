// Redis connections and key names for the distributed mode.
import { Redis } from 'ioredis';

export interface RedisSettings {
  url: string;
  /** Prefix of every key of this installation: our own keys and BullMQ's. */
  prefix: string;
}

/**
 * A connection. BullMQ workers (`blocking`) wait through a Redis restart (maxRetriesPerRequest null),
 * so work pauses instead of failing; everything that answers a caller fails fast instead of hanging.
 */
export function connect(url: string, opts: { blocking?: boolean } = {}): Redis {
  return new Redis(url, opts.blocking ? { maxRetriesPerRequest: null } : { maxRetriesPerRequest: 2 });
}

/** Our own keys (job records, outboxes, apps, notification attempts). */
export function keys(prefix: string) {
  const p = `${prefix}:`;
  return {
    job: (id: string) => `${p}job:${id}`,
    active: `${p}active`,
    swapOutbox: `${p}outbox:swap`,
    notifyOutbox: `${p}outbox:notify`,
    apps: `${p}apps`,
    attempts: (id: string) => `${p}notify:attempts:${id}`,
    gateway: `${p}gw:`,
  };
}

export type Keys = ReturnType<typeof keys>;

/** BullMQ queue names (its keys live under `${prefix}:bull`). */
export const SWAP_QUEUE = 'swap';
export const NOTIFY_QUEUE = 'notify';
export const bullPrefix = (prefix: string) => `${prefix}:bull`;
