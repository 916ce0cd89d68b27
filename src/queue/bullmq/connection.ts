// Redis connections and key names for the distributed mode. BullMQ wants its own connections
// (blocking commands), with maxRetriesPerRequest null so a Redis restart pauses work instead of failing it.
import { Redis } from 'ioredis';

export interface RedisSettings {
  url: string;
  /** Prefix of every key of this installation: our own keys and BullMQ's. */
  prefix: string;
}

export function connect(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
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
