/**
 * Calendar arithmetic in a named time zone (IANA, DST-aware through Intl) and the compliance
 * period of an SLO at a given instant. docs/sla-definitions.md#monthly-uptime counts "the total number of minutes in a given
 * month", so a month is the real span between two local midnights: 44,580 minutes for March
 * in America/Los_Angeles (23-hour day), 43,260 for November there, 44,640 for March in UTC.
 */
import type { CompliancePeriod, ResolvedConfig } from '../config/types.js';

import { DAY_MS, HOUR_MS, MINUTE_MS } from '../time.js';

export interface ZonedParts {
  readonly year: number;
  /** 1-12. */
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    // h23 so that midnight is "00", not "24" as some engines print with hour12: false.
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock reading of `ms` in `timeZone`. Throws RangeError for an unknown zone. */
export function zonedParts(ms: number, timeZone: string): ZonedParts {
  let year = 0;
  let month = 0;
  let day = 0;
  let hour = 0;
  let minute = 0;
  let second = 0;
  for (const p of formatterFor(timeZone).formatToParts(ms)) {
    if (p.type === 'year') year = Number(p.value);
    else if (p.type === 'month') month = Number(p.value);
    else if (p.type === 'day') day = Number(p.value);
    else if (p.type === 'hour') hour = Number(p.value);
    else if (p.type === 'minute') minute = Number(p.value);
    else if (p.type === 'second') second = Number(p.value);
  }
  return { year, month, day, hour, minute, second };
}

/** UTC offset of `timeZone` at instant `ms`, in milliseconds (east positive). */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  const p = zonedParts(ms, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

/**
 * The instant a wall-clock time happens in `timeZone`. An ambiguous time (the repeated hour
 * when clocks go back) gives the earlier instant; a time that does not exist (the skipped hour
 * when clocks go forward) is moved forward by the length of the gap (Temporal's "compatible"),
 * so a skipped midnight gives the moment the clocks jumped: the real start of that day.
 */
export function zonedTimeToEpoch(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  timeZone: string,
): number {
  const local = Date.UTC(year, month - 1, day, hour, minute);
  // Offsets half a day either side bracket any single transition near `local`.
  const before = zoneOffsetMs(local - 12 * HOUR_MS, timeZone);
  const after = zoneOffsetMs(local + 12 * HOUR_MS, timeZone);
  const a = local - before;
  const b = local - after;
  const aValid = zoneOffsetMs(a, timeZone) === before;
  const bValid = zoneOffsetMs(b, timeZone) === after;
  if (aValid && bValid) return Math.min(a, b);
  if (aValid) return a;
  if (bValid) return b;
  return a;
}

export interface MonthRef {
  readonly year: number;
  readonly month: number;
}

export interface TimeRange {
  /** Inclusive, epoch ms. */
  readonly startMs: number;
  /** Exclusive, epoch ms. */
  readonly endMs: number;
}

/** The calendar month `ref` in `timeZone`, from its first local midnight to the next. */
export function monthRange(ref: MonthRef, timeZone: string): TimeRange {
  const next = ref.month === 12 ? { year: ref.year + 1, month: 1 } : { year: ref.year, month: ref.month + 1 };
  return {
    startMs: zonedTimeToEpoch(ref.year, ref.month, 1, 0, 0, timeZone),
    endMs: zonedTimeToEpoch(next.year, next.month, 1, 0, 0, timeZone),
  };
}

export function monthOf(ms: number, timeZone: string): MonthRef {
  const p = zonedParts(ms, timeZone);
  return { year: p.year, month: p.month };
}

/** Parses `YYYY-MM`; undefined when it is not one. */
export function parseMonth(text: string): MonthRef | undefined {
  const m = /^(\d{4})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  if (month < 1 || month > 12) return undefined;
  return { year, month };
}

export function formatMonth(ref: MonthRef): string {
  return `${String(ref.year).padStart(4, '0')}-${String(ref.month).padStart(2, '0')}`;
}

/** Number of whole minutes in a range (ranges here always start and end on minute marks). */
export function rangeMinutes(r: TimeRange): number {
  return Math.round((r.endMs - r.startMs) / MINUTE_MS);
}

/** The compliance period an SLO is measured over at `nowMs`. */
export interface PeriodWindow extends TimeRange {
  /**
   * Length of the whole period in minutes: the rolling length, or every minute of the calendar
   * month including those still to come (the denominator of Monthly Uptime, docs/sla-definitions.md#monthly-uptime).
   */
  readonly minutes: number;
  /** Minutes from the period's start up to and including the minute containing `nowMs`. */
  readonly elapsedMinutes: number;
}

/**
 * Rolling: the `ms / 60s` minutes ending with the minute that contains `nowMs`. Calendar month:
 * the month containing `nowMs` in the configured zone (elapsed part: its start up to now).
 */
export function periodAt(period: CompliancePeriod, nowMs: number): PeriodWindow {
  const nowMinute = Math.floor(nowMs / MINUTE_MS);
  if (period.kind === 'rolling') {
    const minutes = Math.max(1, Math.round(period.ms / MINUTE_MS));
    const startMs = (nowMinute - minutes + 1) * MINUTE_MS;
    return { startMs, endMs: (nowMinute + 1) * MINUTE_MS, minutes, elapsedMinutes: minutes };
  }
  const r = currentMonth(nowMs, period.timeZone);
  const elapsed = Math.min(rangeMinutes(r), nowMinute - Math.floor(r.startMs / MINUTE_MS) + 1);
  return {
    startMs: r.startMs,
    endMs: r.endMs,
    minutes: rangeMinutes(r),
    elapsedMinutes: Math.max(1, elapsed),
  };
}

/**
 * The month containing `nowMs`, cached per zone: the engine asks every second for every
 * calendar-month SLO, and each fresh answer costs a dozen Intl.formatToParts calls.
 */
const monthCache = new Map<string, TimeRange>();

function currentMonth(nowMs: number, timeZone: string): TimeRange {
  const hit = monthCache.get(timeZone);
  if (hit && nowMs >= hit.startMs && nowMs < hit.endMs) return hit;
  const r = monthRange(monthOf(nowMs, timeZone), timeZone);
  monthCache.set(timeZone, r);
  return r;
}

/** The longest span (minutes) a period of this kind can cover: 31 days and a DST hour for months. */
export function maxPeriodMinutes(period: CompliancePeriod): number {
  if (period.kind === 'rolling') return Math.max(1, Math.round(period.ms / MINUTE_MS));
  return 31 * 24 * 60 + 60;
}

/** `30d`, `7d`, `12h`, `90m` or `calendar-month`: the label used in JSON and reports. */
export function periodLabel(period: CompliancePeriod): string {
  if (period.kind === 'calendar-month') return 'calendar-month';
  return durationLabel(period.ms);
}

export function durationLabel(ms: number): string {
  if (ms % DAY_MS === 0) return `${ms / DAY_MS}d`;
  if (ms % HOUR_MS === 0) return `${ms / HOUR_MS}h`;
  if (ms % MINUTE_MS === 0) return `${ms / MINUTE_MS}m`;
  return `${ms / 1000}s`;
}

/** ISO 8601 in UTC with second precision: what JSON outputs carry. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** The zone reports cut months in: the config's calendar-month zone, else UTC. */
export function reportTimeZone(cfg: ResolvedConfig): string {
  return cfg.period.kind === 'calendar-month' ? cfg.period.timeZone : 'UTC';
}
