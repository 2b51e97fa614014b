/**
 * Scheduled maintenance: which configured windows the provider's policy allows (only those
 * are excluded from the SLIs) and, for the engine, which route-minutes they cover.
 *
 * Policies are presets taken word for word from the seeds:
 * - `klarna` (docs/sla-definitions.md#maintenance-klarna): "Maximum number of maintenance downtime occasions: 5 times per
 *   year; Maximum maintenance downtime in hours: 15 hours per year; Communication of
 *   maintenance downtime: 7 days in advance".
 * - `paywithmybank` (docs/sla-definitions.md#maintenance-paywithmybank): "notify Merchant at least eight (8) hours in advance ... All
 *   Scheduled Downtime will (a) last no longer than four (4) hours ... or (b) be scheduled
 *   nightly from 12:00 a.m. to 4:00 a.m. Pacific Time".
 * - `none`: every well-formed window is accepted.
 */
import type { MaintenancePolicyName, MaintenanceWindow } from '../config/types.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../time.js';
import { zonedParts, zonedTimeToEpoch } from './period.js';

/** Stable identifiers of the rule a rejected window broke (JSON, logs, `sloprobe check`). */
export type MaintenanceRule =
  | 'window.empty'
  | 'klarna.notice'
  | 'klarna.occasions'
  | 'klarna.hours'
  | 'paywithmybank.notice'
  | 'paywithmybank.duration';

export interface MaintenanceVerdict {
  readonly window: MaintenanceWindow;
  readonly accepted: boolean;
  /** Set when rejected. */
  readonly rule: MaintenanceRule | undefined;
  /** A sentence saying what the window did and what the policy asks, quoting the seed. */
  readonly reason: string | undefined;
}

export const KLARNA_POLICY = {
  maxOccasionsPerYear: 5,
  maxMsPerYear: 15 * HOUR_MS,
  noticeMs: 7 * DAY_MS,
} as const;

export const PAYWITHMYBANK_POLICY = {
  noticeMs: 8 * HOUR_MS,
  maxDurationMs: 4 * HOUR_MS,
  nightlyTimeZone: 'America/Los_Angeles',
  nightlyStartHour: 0,
  nightlyEndHour: 4,
} as const;

/** `6d 23h`, `7h 59m`, `45m`: durations as people read them in a rejection message. */
export function humanDuration(ms: number): string {
  const neg = ms < 0;
  let rest = Math.round(Math.abs(ms) / MINUTE_MS);
  const d = Math.floor(rest / 1440);
  rest -= d * 1440;
  const h = Math.floor(rest / 60);
  const m = rest - h * 60;
  const parts: string[] = [];
  if (d) parts.push(`${d}d`);
  if (h) parts.push(`${h}h`);
  if (m || parts.length === 0) parts.push(`${m}m`);
  return (neg ? '-' : '') + parts.join(' ');
}

function accept(window: MaintenanceWindow): MaintenanceVerdict {
  return { window, accepted: true, rule: undefined, reason: undefined };
}

function reject(window: MaintenanceWindow, rule: MaintenanceRule, reason: string): MaintenanceVerdict {
  return { window, accepted: false, rule, reason };
}

/**
 * One verdict per window, in the order given. Yearly caps are counted in calendar-year (UTC)
 * order of the windows' starts; a window belongs wholly to the year it starts in. A window
 * rejected for any reason uses up none of the year's occasions or hours: it is not
 * "maintenance downtime" under the policy, just downtime.
 */
export function validateMaintenance(
  policy: MaintenancePolicyName,
  windows: readonly MaintenanceWindow[],
): MaintenanceVerdict[] {
  const verdicts = new Array<MaintenanceVerdict>(windows.length);
  const order = windows.map((_, i) => i);
  order.sort((a, b) => {
    const wa = windows[a]!;
    const wb = windows[b]!;
    return wa.startMs - wb.startMs || (wa.id < wb.id ? -1 : wa.id > wb.id ? 1 : a - b);
  });
  const yearOccasions = new Map<number, number>();
  const yearMs = new Map<number, number>();
  for (const i of order) {
    const w = windows[i]!;
    verdicts[i] = judge(policy, w, yearOccasions, yearMs);
  }
  return verdicts;
}

function judge(
  policy: MaintenancePolicyName,
  w: MaintenanceWindow,
  yearOccasions: Map<number, number>,
  yearMs: Map<number, number>,
): MaintenanceVerdict {
  const duration = w.endMs - w.startMs;
  if (!(duration > 0)) return reject(w, 'window.empty', 'ends before it starts (or lasts no time at all)');
  const notice = w.startMs - w.announcedAtMs;
  if (policy === 'none') return accept(w);
  if (policy === 'klarna') {
    if (notice < KLARNA_POLICY.noticeMs) {
      return reject(
        w,
        'klarna.notice',
        `announced ${humanDuration(notice)} before it starts; the policy requires "Communication of maintenance downtime: 7 days in advance"`,
      );
    }
    const year = new Date(w.startMs).getUTCFullYear();
    const occasions = yearOccasions.get(year) ?? 0;
    if (occasions >= KLARNA_POLICY.maxOccasionsPerYear) {
      return reject(
        w,
        'klarna.occasions',
        `would be maintenance occasion ${occasions + 1} of ${year}; the policy allows "Maximum number of maintenance downtime occasions: 5 times per year"`,
      );
    }
    const used = yearMs.get(year) ?? 0;
    if (used + duration > KLARNA_POLICY.maxMsPerYear) {
      return reject(
        w,
        'klarna.hours',
        `would bring maintenance in ${year} to ${humanDuration(used + duration)}; the policy allows "Maximum maintenance downtime in hours: 15 hours per year"`,
      );
    }
    yearOccasions.set(year, occasions + 1);
    yearMs.set(year, used + duration);
    return accept(w);
  }
  // paywithmybank
  if (notice < PAYWITHMYBANK_POLICY.noticeMs) {
    return reject(
      w,
      'paywithmybank.notice',
      `announced ${humanDuration(notice)} before it starts; PayWithMyBank "shall notify Merchant at least eight (8) hours in advance"`,
    );
  }
  if (duration <= PAYWITHMYBANK_POLICY.maxDurationMs || insideNightlySlot(w.startMs, w.endMs))
    return accept(w);
  return reject(
    w,
    'paywithmybank.duration',
    `lasts ${humanDuration(duration)} outside the nightly 12:00 a.m.-4:00 a.m. Pacific Time slot; Scheduled Downtime must "(a) last no longer than four (4) hours" or "(b) be scheduled nightly from 12:00 a.m. to 4:00 a.m. Pacific Time"`,
  );
}

/**
 * docs/sla-definitions.md#maintenance-paywithmybank (b): "scheduled nightly from 12:00 a.m. to 4:00 a.m. Pacific Time". Read as: the
 * window lies within one night's 00:00-04:00 in America/Los_Angeles. That slot is 4 hours of
 * real time on most nights, 3 on the spring-forward night and 5 on the fall-back night, so (b)
 * only widens (a) on the night clocks go back, when a 00:00-04:00 window lasts 5 hours.
 */
export function insideNightlySlot(startMs: number, endMs: number): boolean {
  const tz = PAYWITHMYBANK_POLICY.nightlyTimeZone;
  const p = zonedParts(startMs, tz);
  const open = zonedTimeToEpoch(p.year, p.month, p.day, PAYWITHMYBANK_POLICY.nightlyStartHour, 0, tz);
  const close = zonedTimeToEpoch(p.year, p.month, p.day, PAYWITHMYBANK_POLICY.nightlyEndHour, 0, tz);
  return startMs >= open && endMs <= close;
}

/**
 * Epoch-minute ranges `[start, end)` during which accepted windows cover a route. A minute
 * the window only partly covers is excluded whole: rollups have no finer grain, and keeping
 * the minute would let failures caused by the maintenance itself count against the SLO.
 * Overlapping windows are merged.
 */
export function excludedMinuteRanges(
  verdicts: readonly MaintenanceVerdict[],
  route: string,
  category: string,
): Array<readonly [number, number]> {
  const raw: Array<[number, number]> = [];
  for (const v of verdicts) {
    if (!v.accepted) continue;
    const w = v.window;
    if (!(w.all || w.routes.includes(route) || w.categories.includes(category))) continue;
    raw.push([Math.floor(w.startMs / MINUTE_MS), Math.ceil(w.endMs / MINUTE_MS)]);
  }
  raw.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const r of raw) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

/** True when `minute` falls in one of the sorted, disjoint ranges (binary search). */
export function minuteInRanges(ranges: ReadonlyArray<readonly [number, number]>, minute: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = ranges[mid]!;
    if (minute < r[0]) hi = mid - 1;
    else if (minute >= r[1]) lo = mid + 1;
    else return true;
  }
  return false;
}
