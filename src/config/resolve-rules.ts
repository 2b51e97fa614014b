/**
 * The budgeting rules an SLO carries: its compliance period ("on a monthly basis", "a given
 * calendar month") and PayWithMyBank's timeslice rules (docs/sla-definitions.md#downtime-period),
 * each configurable with the SLA's values as defaults.
 */
import { MINUTE_MS } from '../time.js';
import type { KeyPath, Problems } from './positions.js';
import { asObject, parseAt } from './resolve-common.js';
import type { CompliancePeriod, TimesliceRules } from './types.js';
import { formatDuration, parseDuration, parsePercent } from './units.js';

/**
 * docs/sla-definitions.md#downtime-minute: per minute, HTTP 500 / distinct requests, > 5% is
 * Downtime, 10 minutes make a Period.
 */
export const SEED_TIMESLICE_RULES: TimesliceRules = {
  sliceMs: MINUTE_MS,
  errorStatuses: [500],
  threshold: 0.05,
  minConsecutive: 10,
  distinct: true,
};

/** `30d` (rolling) or `calendar-month` (in `timeZone`). */
export function parsePeriod(value: unknown, timeZone: string): CompliancePeriod {
  if (value === 'calendar-month') return { kind: 'calendar-month', timeZone };
  if (typeof value === 'string' && /month/i.test(value)) {
    throw new RangeError(`"${value}" is not a period (try "calendar-month" or a rolling "30d")`);
  }
  const ms = parseDuration(value, 'd');
  if (ms % MINUTE_MS !== 0 || ms < 60 * MINUTE_MS) {
    throw new RangeError(
      `a rolling period is a whole number of minutes, at least 1h (not ${formatDuration(ms)})`,
    );
  }
  return { kind: 'rolling', ms };
}

export function parseTimesliceRules(
  value: unknown,
  path: KeyPath,
  base: TimesliceRules,
  problems: Problems,
): TimesliceRules {
  const raw = asObject(value);
  if (!raw) return base;
  const sliceMs = parseAt(problems, [...path, 'slice'], raw.slice, sliceDuration, base.sliceMs);
  const threshold = parseAt(problems, [...path, 'threshold'], raw.threshold, thresholdRatio, base.threshold);
  const statuses = Array.isArray(raw.error_statuses)
    ? raw.error_statuses.filter(Number.isInteger)
    : undefined;
  return {
    sliceMs,
    errorStatuses: (statuses as number[] | undefined) ?? base.errorStatuses,
    threshold,
    minConsecutive: typeof raw.min_consecutive === 'number' ? raw.min_consecutive : base.minConsecutive,
    distinct: typeof raw.distinct === 'boolean' ? raw.distinct : base.distinct,
  };
}

function sliceDuration(value: unknown): number {
  const ms = parseDuration(value, 'm');
  if (ms <= 0 || ms % MINUTE_MS !== 0) {
    throw new RangeError(
      `${JSON.stringify(value)}: a slice is a whole number of minutes (the store keeps minute rollups)`,
    );
  }
  return ms;
}

function thresholdRatio(value: unknown): number {
  return parsePercent(value, { allowZero: true });
}
