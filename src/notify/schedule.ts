// The re-send schedule. The seed promises 10 re-sends (11 attempts) "after some time"; ours grows from
// seconds to hours so a receiver that is briefly down gets the result quickly, and one that is down for
// a deploy or an outage still gets it: the last re-send goes out ~7.8 h after the first attempt
// (sum of the defaults: 28 010 s, plus the attempts themselves).
/** Seconds to wait before re-send 1..10 (after attempt 1..10 failed). */
export const DEFAULT_RETRY_DELAYS_S: number[] = [5, 15, 30, 60, 300, 600, 1800, 3600, 7200, 14400];

/** The seed's cap: at most 10 re-sends. */
export const MAX_RESENDS = 10;

/**
 * Parses WANXING_NOTIFY_RETRY_DELAYS: seconds, comma-separated, e.g. "5,15,30". Unset or blank → the
 * default. Each entry is the wait before one re-send, so N entries mean N re-sends (N+1 attempts).
 */
export function parseRetryDelays(s: string | undefined): number[] {
  if (s === undefined || s.trim() === '') return [...DEFAULT_RETRY_DELAYS_S];
  const parts = s.split(',').map((p) => p.trim());
  const bad = (why: string): never => {
    throw new Error(
      `WANXING_NOTIFY_RETRY_DELAYS=${JSON.stringify(s)}: ${why}; expected 1 to ${MAX_RESENDS} ` +
        `non-negative numbers of seconds separated by commas, e.g. "${DEFAULT_RETRY_DELAYS_S.join(',')}"`,
    );
  };
  if (parts.length > MAX_RESENDS) bad(`${parts.length} entries (the seed allows at most ${MAX_RESENDS} re-sends)`);
  return parts.map((p, i) => {
    // Number('') is 0 and Number('0x10') is 16: accept plain decimals only.
    if (!/^\d+(\.\d+)?$/.test(p)) bad(`entry ${i + 1} (${JSON.stringify(p)}) is not a non-negative number`);
    const v = Number(p);
    if (!Number.isFinite(v)) bad(`entry ${i + 1} (${JSON.stringify(p)}) is not finite`);
    return v;
  });
}

/** When re-send number `attemptsDone` is due (ms epoch), or null once the schedule is used up. */
export function nextAttemptAt(delaysS: readonly number[], attemptsDone: number, now: number): number | null {
  const i = attemptsDone - 1;
  return i >= 0 && i < delaysS.length ? now + Math.round(delaysS[i]! * 1000) : null;
}
