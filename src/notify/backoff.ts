/**
 * When to try a failed delivery again: exponential backoff with jitter, `Retry-After` when
 * the receiver sends one, and no attempt scheduled more than 24 hours after the event.
 */

export const GIVE_UP_AFTER_MS = 24 * 3_600_000;

export interface BackoffPolicy {
  /** Delay after the first failure (doubles per failure). */
  readonly baseMs: number;
  /** Ceiling of one delay, before jitter. */
  readonly maxMs: number;
  /** [0, 1); injectable so tests know the schedule. */
  readonly random: () => number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 5_000, maxMs: 3_600_000, random: Math.random };

/**
 * Delay after `failures` consecutive failures: min(base x 2^(failures-1), max), of which a
 * random half ("equal jitter"): endpoints that failed together do not all retry in step, and
 * the delay still grows. 5 s, 10 s, 20 s, ... 1 h: about 30 attempts in 24 hours.
 */
export function backoffMs(failures: number, policy: BackoffPolicy): number {
  const full = Math.min(policy.baseMs * 2 ** Math.max(0, failures - 1), policy.maxMs);
  return Math.round(full / 2 + (full / 2) * policy.random());
}

/**
 * `Retry-After` in ms from `nowMs`: delay-seconds or an HTTP-date (RFC 9110 10.2.3);
 * undefined when absent or unreadable. A date in the past means now.
 */
export function retryAfterMs(value: string | string[] | undefined, nowMs: number): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined) return undefined;
  const text = v.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP-date names a day and a month; Date.parse would also read "-5" as a year.
  const at = /^[A-Za-z]{3},/.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
