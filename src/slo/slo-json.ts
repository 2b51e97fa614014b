/**
 * The `GET /v1/slos` document, built from the same `SloStatus` objects as `/metrics`.
 * Ratios are plain numbers in [0, 1] (budget may be negative); null means "no traffic, no
 * ratio"; times are ISO 8601 UTC.
 */
import type { MaintenanceVerdict } from './maintenance.js';
import { isoSeconds } from './period.js';
import type { DowntimePeriod, PeriodOutcome, SloStatus } from './status.js';

export interface WindowJson {
  readonly requests: number;
  readonly error_ratio: number | null;
  readonly burn_rate: number | null;
}

export interface DowntimePeriodJson {
  readonly start: string;
  readonly end: string;
  readonly minutes: number;
}

export interface MaintenanceJson {
  readonly id: string;
  readonly start: string;
  readonly end: string;
  readonly announced_at: string;
  readonly accepted: boolean;
  readonly rule: string | null;
  readonly reason: string | null;
}

/** JSON has no Infinity: a 100% objective burning gives null rather than an invalid document. */
export function finite(v: number | null | undefined): number | null {
  return v === null || v === undefined || !Number.isFinite(v) ? null : v;
}

/** The judged period totals, as `/v1/slos` and the monthly report's JSON both write them. */
export function periodOutcomeJson(o: PeriodOutcome): Record<string, unknown> {
  return {
    requests: o.requests,
    good: o.good,
    bad: o.bad,
    excluded: o.excluded,
    ratio: o.ratio,
    met: o.met,
    budget_remaining: finite(o.budgetRemaining),
  };
}

export function downtimePeriodJson(p: DowntimePeriod): DowntimePeriodJson {
  return { start: isoSeconds(p.startMs), end: isoSeconds(p.endMs), minutes: p.minutes };
}

export function maintenanceJson(v: MaintenanceVerdict): MaintenanceJson {
  return {
    id: v.window.id,
    start: isoSeconds(v.window.startMs),
    end: isoSeconds(v.window.endMs),
    announced_at: isoSeconds(v.window.announcedAtMs),
    accepted: v.accepted,
    rule: v.rule ?? null,
    reason: v.reason ?? null,
  };
}

export function sloJson(s: SloStatus): Record<string, unknown> {
  const windows: Record<string, WindowJson> = {};
  for (const w of s.windows) {
    windows[w.window] = {
      requests: w.requests,
      error_ratio: finite(w.errorRatio),
      burn_rate: finite(w.burnRate),
    };
  }
  const doc: Record<string, unknown> = {
    name: s.name,
    sli: s.sli,
    method: s.method,
    objective: s.objective,
    period: s.periodLabel,
    time_zone: s.period.kind === 'calendar-month' ? s.period.timeZone : null,
    period_start: isoSeconds(s.periodStartMs),
    period_end: isoSeconds(s.periodEndMs),
    ...periodOutcomeJson(s),
    windows,
    flags: { page: s.flags.page, ticket: s.flags.ticket },
    active_flags: [...(s.flags.page ? ['page'] : []), ...(s.flags.ticket ? ['ticket'] : [])],
    burn_rate_factors: { ...s.factors },
  };
  if (s.timeslices) {
    const t = s.timeslices;
    doc.uptime_ratio = t.uptimeRatio;
    doc.minutes_in_period = t.minutesInPeriod;
    doc.downtime_period_minutes = t.downtimePeriodMinutes;
    doc.intermittent_downtime_minutes = t.intermittentDowntimeMinutes;
    doc.downtime_periods = t.downtimePeriods.map(downtimePeriodJson);
  }
  return doc;
}

export interface SlosDocument {
  readonly generated_at: string | null;
  readonly slos: ReadonlyArray<Record<string, unknown>>;
  readonly maintenance: readonly MaintenanceJson[];
}

/** The body of `GET /v1/slos`. Pass `engine.maintenance` so rejected windows say which rule they broke. */
export function slosJson(
  statuses: readonly SloStatus[],
  maintenance: readonly MaintenanceVerdict[] = [],
): SlosDocument {
  const at = statuses[0]?.evaluatedAtMs;
  return {
    generated_at: at === undefined ? null : isoSeconds(at),
    slos: statuses.map(sloJson),
    maintenance: maintenance.map(maintenanceJson),
  };
}
