/**
 * What one evaluation says about each SLO. The same objects feed `/metrics`
 * (slo-metrics.ts), `GET /v1/slos` (slo-json.ts) and the transition log, so the three agree.
 */
import type { BudgetingMethod, CompliancePeriod, SliKind, SloDefinition } from '../config/types.js';
import type { AlertFactors } from './burn.js';
import type { AlertRuleId, Severity, WindowName } from './windows.js';

export interface WindowStatus {
  readonly window: WindowName;
  /** Length of the window in minutes (for `period`: minutes elapsed in it). */
  readonly minutes: number;
  /** Valid events in the window: requests with an outcome (occurrences), distinct requests (timeslices). */
  readonly requests: number;
  /** Bad events (occurrences) or minutes in Downtime Periods (timeslices). */
  readonly bad: number;
  /** null when the window saw no traffic: "Availability data does not include cases if ... there is no traffic". */
  readonly errorRatio: number | null;
  readonly burnRate: number | null;
}

export interface DowntimePeriod {
  /** First minute of the whole run of Downtime, epoch ms (may lie before the range asked for). */
  readonly startMs: number;
  /** End of the run (exclusive), epoch ms (may lie after the range asked for). */
  readonly endMs: number;
  /** Minutes of the run inside the range asked for (the month, the period). */
  readonly minutes: number;
}

export interface TimesliceStatus {
  /** All minutes of the period: "total number of minutes in that month" (docs/sla-definitions.md#monthly-uptime). */
  readonly minutesInPeriod: number;
  readonly downtimePeriodMinutes: number;
  /** Downtime minutes in runs too short to be a Downtime Period ("Intermittent Downtime"). */
  readonly intermittentDowntimeMinutes: number;
  /** (minutes in period - minutes in Downtime Periods) / minutes in period. */
  readonly uptimeRatio: number;
  readonly downtimePeriods: readonly DowntimePeriod[];
}

export interface SloFlags {
  readonly page: boolean;
  readonly ticket: boolean;
}

/** An SLO's totals over its period, judged: what `/v1/slos` and the monthly report both show. */
export interface PeriodOutcome {
  /** Every request seen, including excluded ones. */
  readonly requests: number;
  readonly good: number;
  readonly bad: number;
  /** Requests outside the SLI: abandoned by the client, no latency, repeated, or in maintenance. */
  readonly excluded: number;
  /** Good ratio (occurrences) or Monthly Uptime Percentage (timeslices); null without traffic. */
  readonly ratio: number | null;
  /** null when there is no ratio to judge. */
  readonly met: boolean | null;
  readonly budgetRemaining: number;
}

export interface SloStatus extends PeriodOutcome {
  readonly name: string;
  readonly sli: SliKind;
  readonly method: BudgetingMethod;
  readonly objective: number;
  readonly period: CompliancePeriod;
  /** `30d`, `calendar-month`. */
  readonly periodLabel: string;
  readonly periodStartMs: number;
  /** Exclusive: now's minute end (rolling) or the month's end (calendar month). */
  readonly periodEndMs: number;
  readonly evaluatedAtMs: number;
  readonly definition: SloDefinition;
  /** In WINDOW_NAMES order, `period` last. */
  readonly windows: readonly WindowStatus[];
  readonly flags: SloFlags;
  readonly firing: readonly AlertRuleId[];
  readonly factors: AlertFactors;
  readonly timeslices: TimesliceStatus | undefined;
}

export interface FlagTransition {
  readonly slo: string;
  readonly sli: SliKind;
  readonly severity: Severity;
  readonly state: 'raised' | 'cleared';
  /** Evaluation time, epoch ms. */
  readonly at: number;
  /** Burn rate per window at that evaluation (null: no traffic in the window). */
  readonly burnRates: Readonly<Record<WindowName, number | null>>;
  /** Rules firing at that evaluation (empty when cleared). */
  readonly firing: readonly AlertRuleId[];
  /** When the flag was raised, epoch ms (equals `at` on a raise). */
  readonly raisedAt: number;
  /** The rule that raised the flag (or last fired while it was up). */
  readonly rule: AlertRuleId | undefined;
  /** That rule's burn-rate factor for the SLO's period (14.4 for page-quick over 30 days). */
  readonly threshold: number | null;
}

/** A flag that was up when the process stopped (from the store), so a restart does not raise it again. */
export interface RaisedFlag {
  readonly slo: string;
  readonly severity: Severity;
  readonly raisedAt: number;
  readonly rule: AlertRuleId | undefined;
}
