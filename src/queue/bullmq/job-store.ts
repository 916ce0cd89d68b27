// JobStore on Redis, shared by every API and worker process. A job is a hash; the active ones are in
// a sorted set scored by deadline (admission count, timeout sweep). Each state change is one Lua
// script, so "first final state wins" holds across processes. Hand-offs to BullMQ go through an
// outbox: the script records what must be enqueued, the enqueue follows, and drainOutbox() repeats
// any that a crash cut off (BullMQ job ids are the job ids, so a repeat is a no-op).
import type { Redis } from 'ioredis';
import type { ErrorName } from '../../jobs/errors.ts';
import type { Job, JobState, Outcome } from '../../jobs/job.ts';
import type { JobStore, NewNotification } from '../../jobs/ports.ts';
import type { Keys } from './connection.ts';
import { script } from './lua.ts';

const ACTIVE = `local s = redis.call('HGET', KEYS[1], 'state')
local active = (s == 'pending' or s == 'preparing' or s == 'running')`;

// KEYS: job, active, swapOutbox. ARGV: maxActive, id, deadlineAt, createdAt, then field/value pairs.
const SUBMIT = script(`
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[1]) then return 0 end
if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2])
return 1`);

// KEYS: job. ARGV: from, to, now.
const TRANSITION = script(`
if redis.call('HGET', KEYS[1], 'state') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[2], 'updatedAt', ARGV[3])
return 1`);

// KEYS: job. ARGV: now. An active job before its deadline → preparing (also after a crashed run).
const CLAIM = script(`${ACTIVE}
if not active then return nil end
if tonumber(redis.call('HGET', KEYS[1], 'deadlineAt')) <= tonumber(ARGV[1]) then return nil end
redis.call('HSET', KEYS[1], 'state', 'preparing', 'updatedAt', ARGV[1], 'startedAt', ARGV[1])
redis.call('HINCRBY', KEYS[1], 'runs', 1)
return redis.call('HGETALL', KEYS[1])`);

// KEYS: job, active, notifyOutbox. ARGV: id, now, state, outcome JSON, notification JSON, retention ms.
const COMPLETE = script(`${ACTIVE}
if not active then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[3], 'updatedAt', ARGV[2], 'finishedAt', ARGV[2], 'outcome', ARGV[4], 'notification', ARGV[5])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return 1`);

function toJob(flat: string[] | Record<string, string>): Job | undefined {
  const h: Record<string, string> = Array.isArray(flat) ? Object.fromEntries(pairs(flat)) : flat;
  if (!h.input) return undefined;
  const input = JSON.parse(h.input) as Pick<Job, 'id' | 'appKey' | 'sourceUrl' | 'targetUrl' | 'notifyUrl' | 'timeoutS' | 'createdAt' | 'label' | 'faces' | 'style'>;
  const job: Job = {
    ...input,
    state: h.state as JobState,
    deadlineAt: Number(h.deadlineAt),
    updatedAt: Number(h.updatedAt),
    runs: Number(h.runs ?? 0),
  };
  if (h.startedAt) job.startedAt = Number(h.startedAt);
  if (h.finishedAt) job.finishedAt = Number(h.finishedAt);
  if (h.outcome) {
    const o = JSON.parse(h.outcome) as Outcome;
    if (o.state === 'finish') Object.assign(job, { resultUrl: o.resultUrl, resultExpiresAt: o.resultExpiresAt, timings: o.timings });
    else Object.assign(job, { errorName: o.errorName as ErrorName, reason: o.reason });
  }
  return job;
}

function pairs(flat: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
}

export interface RedisJobStoreDeps {
  /** Adds the BullMQ swap job (job id = our id; idempotent). */
  enqueueSwap(jobId: string): Promise<void>;
  /** Adds the BullMQ notification job (job id = our id; idempotent). */
  enqueueNotification(n: NewNotification): Promise<void>;
  /** How long a finished job's record stays queryable. */
  retentionMs: number;
  /** A hand-off that failed (Redis hiccup): it stays in the outbox and drainOutbox() repeats it. */
  onHandOffError?: (err: unknown, jobId: string) => void;
}

export class RedisJobStore implements JobStore {
  constructor(
    private readonly redis: Redis,
    private readonly k: Keys,
    private readonly deps: RedisJobStoreDeps,
  ) {}

  async submit(job: Job, maxActive: number): Promise<boolean> {
    const input = JSON.stringify({
      id: job.id,
      appKey: job.appKey,
      sourceUrl: job.sourceUrl,
      targetUrl: job.targetUrl,
      notifyUrl: job.notifyUrl,
      timeoutS: job.timeoutS,
      createdAt: job.createdAt,
      label: job.label,
      faces: job.faces,
      style: job.style,
    });
    const fields = ['input', input, 'state', job.state, 'deadlineAt', job.deadlineAt, 'updatedAt', job.updatedAt, 'runs', 0];
    const r = Number(await SUBMIT(this.redis, [this.k.job(job.id), this.k.active, this.k.swapOutbox], [maxActive, job.id, job.deadlineAt, job.createdAt, ...fields]));
    if (r === -1) throw new Error(`job id ${job.id} already exists`);
    if (r === 0) return false;
    // Accepted and durable from here on; the hand-off is the outbox's to guarantee.
    await this.handOff(job.id, this.k.swapOutbox, () => this.deps.enqueueSwap(job.id));
    return true;
  }

  private async handOff(id: string, outbox: string, enqueue: () => Promise<void>): Promise<void> {
    try {
      await enqueue();
      await this.redis.zrem(outbox, id);
    } catch (err) {
      this.deps.onHandOffError?.(err, id);
    }
  }

  async get(id: string): Promise<Job | undefined> {
    return toJob(await this.redis.hgetall(this.k.job(id)));
  }

  async transition(id: string, from: JobState, to: JobState, now: number): Promise<boolean> {
    return Number(await TRANSITION(this.redis, [this.k.job(id)], [from, to, now])) === 1;
  }

  /** The worker's claim: the job (now 'preparing') or undefined when it has ended, timed out or is unknown. */
  async claim(id: string, now: number): Promise<Job | undefined> {
    const flat = (await CLAIM(this.redis, [this.k.job(id)], [now])) as string[] | null;
    return flat ? toJob(flat) : undefined;
  }

  async complete(id: string, outcome: Outcome, n: NewNotification, now: number): Promise<boolean> {
    const done = Number(
      await COMPLETE(this.redis, [this.k.job(id), this.k.active, this.k.notifyOutbox], [id, now, outcome.state, JSON.stringify(outcome), JSON.stringify(n), this.deps.retentionMs]),
    );
    if (done !== 1) return false;
    await this.handOff(id, this.k.notifyOutbox, () => this.deps.enqueueNotification(n));
    return true;
  }

  async expired(now: number, limit: number): Promise<Job[]> {
    const ids = await this.redis.zrangebyscore(this.k.active, '-inf', now, 'LIMIT', 0, limit);
    const jobs = await Promise.all(ids.map((id) => this.get(id)));
    return jobs.filter((j): j is Job => j !== undefined);
  }

  async activeCount(): Promise<number> {
    return this.redis.zcard(this.k.active);
  }

  /** Repeats hand-offs older than `graceMs` that a crash between script and enqueue left behind. */
  async drainOutbox(now: number, graceMs = 5000, limit = 500): Promise<number> {
    let n = 0;
    for (const id of await this.redis.zrangebyscore(this.k.swapOutbox, '-inf', now - graceMs, 'LIMIT', 0, limit)) {
      await this.deps.enqueueSwap(id);
      await this.redis.zrem(this.k.swapOutbox, id);
      n++;
    }
    for (const id of await this.redis.zrangebyscore(this.k.notifyOutbox, '-inf', now - graceMs, 'LIMIT', 0, limit)) {
      const raw = await this.redis.hget(this.k.job(id), 'notification');
      if (raw) await this.deps.enqueueNotification(JSON.parse(raw) as NewNotification);
      await this.redis.zrem(this.k.notifyOutbox, id);
      n++;
    }
    return n;
  }
}
