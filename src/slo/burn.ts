/**
 * Burn rates, error budgets and the multiwindow multi-burn-rate flags.
 *
 * Factor derivation, as Sloth computes it (slok/sloth internal/alert/window.go,
 * `getBurnRateFactor`): "hoursRequiredConsumption := errorBudgetPercent * totalWindow.Hours()
 * / 100; speed := hoursRequiredConsumption / consumptionWindow.Hours()". For a 30-day period
 * that gives 2% x 720h / 1h = 14.4, 5% x 720h / 6h = 6, 10% x 720h / 24h = 3 and
 * 10% x 720h / 72h = 1: the workbook's numbers. Other periods scale the same way (a calendar
 * month uses the real length of that month).
 */
import { ALERT_RULES, type AlertRuleId, type WindowName } from './windows.js';

/**
 * Burn-rate factor for one rule. Computed from integers (percent, minutes) so that the 30-day
 * factors come out as exactly the literals 14.4, 6, 3 and 1.
 */
export function burnFactor(budgetPercent: number, periodMinutes: number, longWindowMinutes: number): number {
  return (budgetPercent * periodMinutes) / (100 * longWindowMinutes);
}

export type AlertFactors = Readonly<Record<AlertRuleId, number>>;

export function alertFactors(periodMinutes: number): AlertFactors {
  const f: Record<string, number> = {};
  for (const r of ALERT_RULES) f[r.id] = burnFactor(r.budgetPercent, periodMinutes, r.longMinutes);
  return f as AlertFactors;
}

/**
 * 1 - objective, rounded to 12 decimals: 1 - 0.99 is 0.010000000000000009 in binary floating
 * point, which would print a 10x burn as 9.999999999999991.
 */
export function errorBudget(objective: number): number {
  return Math.round((1 - objective) * 1e12) / 1e12;
}

/** ratio / (1 - objective); null without a ratio. A 100% objective burns infinitely on any error. */
export function burnRate(ratio: number | null, objective: number): number | null {
  if (ratio === null) return null;
  const budget = errorBudget(objective);
  if (budget <= 0) return ratio > 0 ? Number.POSITIVE_INFINITY : 0;
  return ratio / budget;
}

/**
 * 1 - (bad / valid) / (1 - objective): the share of the period's error budget still unspent.
 * Goes negative once the budget is overspent. No traffic consumes nothing (1).
 */
export function budgetRemaining(ratio: number | null, objective: number): number {
  if (ratio === null) return 1;
  const budget = errorBudget(objective);
  if (budget <= 0) return ratio > 0 ? Number.NEGATIVE_INFINITY : 1;
  return 1 - ratio / budget;
}

/**
 * The SLI meets the objective. Ratios of integers can land a hair under an objective they
 * equal (42,984 / 43,200 against 0.995); the epsilon forgives exactly that and nothing more.
 */
export function isMet(ratio: number | null, objective: number): boolean | null {
  return ratio === null ? null : ratio >= objective - 1e-12;
}

/**
 * z for a two-sided 95% interval: the flag guard of docs/sla-definitions.md#flag-evidence
 * asks for the lower bound of a 95% Wilson score interval.
 */
export const WILSON_Z = 1.96;

/**
 * Lower bound of the Wilson score interval of a ratio of `bad` in `n` (0 for n = 0):
 * (p + z^2/2n - z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n). Unlike p itself it grows with the
 * evidence: 2 of 25 (p = 8%) gives 2.2%, 80 of 1,000 gives 6.5%, so a handful of requests
 * cannot page. Wilson rather than the normal approximation because it stays inside [0, 1]
 * and is sound at p = 0 or 1 and small n, exactly where a flag must not jump.
 */
export function wilsonLowerBound(bad: number, n: number, z = WILSON_Z): number {
  if (n <= 0) return 0;
  const p = bad / n;
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const spread = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return Math.max(0, (centre - spread) / (1 + z2 / n));
}

/** What the flag logic needs of one window. */
export interface WindowReading {
  readonly window: WindowName;
  readonly requests: number;
  readonly burnRate: number | null;
  /**
   * The window's error ratio as bad of n trials, for the evidence guard: bad requests of the
   * valid ones (occurrences), minutes in Downtime Periods of the window's minutes (timeslices).
   * Without them (hand-built readings) the guard is not applied.
   */
  readonly bad?: number;
  readonly trials?: number;
}

export interface FlagState {
  readonly page: boolean;
  readonly ticket: boolean;
  /** Rules whose two windows both burn above their factor (with enough requests and evidence). */
  readonly firing: readonly AlertRuleId[];
}

/**
 * page = (1h and 5m > 14.4) or (6h and 30m > 6); ticket = (1d and 2h > 3) or (3d and 6h > 1),
 * with factors scaled to the period (docs/sla-definitions.md#burn-rate-alerts). Strictly
 * greater, as Sloth's generated rules compare. A pair only counts when both of its windows saw
 * at least `minRequests` requests ("a single failure at night does not page"), and when the
 * evidence holds (docs/sla-definitions.md#flag-evidence): the lower bound of the 95% Wilson
 * interval of the long window's error ratio exceeds factor x (1 - objective). A burn rate
 * alone cannot tell 2 bad of 25 from 800 of 10,000; the bound can.
 */
export function evaluateFlags(
  windows: readonly WindowReading[],
  factors: AlertFactors,
  minRequests: number,
  objective?: number,
): FlagState {
  let page = false;
  let ticket = false;
  const firing: AlertRuleId[] = [];
  const budget = objective === undefined ? 0 : errorBudget(objective);
  for (const rule of ALERT_RULES) {
    const long = windows.find((w) => w.window === rule.longWindow);
    const short = windows.find((w) => w.window === rule.shortWindow);
    if (!long || !short) continue;
    if (long.requests < minRequests || short.requests < minRequests) continue;
    const factor = factors[rule.id];
    if (long.burnRate === null || short.burnRate === null) continue;
    if (!(long.burnRate > factor && short.burnRate > factor)) continue;
    if (
      objective !== undefined &&
      long.bad !== undefined &&
      long.trials !== undefined &&
      !(wilsonLowerBound(long.bad, long.trials) > factor * budget)
    )
      continue;
    firing.push(rule.id);
    if (rule.severity === 'page') page = true;
    else ticket = true;
  }
  return { page, ticket, firing };
}

/**
 * One flag (an SLO's page or its ticket) with its hold time: raised as soon as its condition
 * holds, cleared only once the condition has been false for `holdMs` without interruption
 * (docs/sla-definitions.md#flag-evidence). Without the hold, a window hovering at its factor
 * raises and clears on every evaluation; with it, each incident is one raise and one clear.
 */
export class FlagLatch {
  raised = false;
  /** Epoch ms of the raise (valid while raised). */
  raisedAt = 0;
  /** The rule that last fired while raised: the event names its windows. */
  rule: AlertRuleId | undefined;
  /** Epoch ms since which the condition has been false while raised; NaN while it holds. */
  private falseSince = Number.NaN;
  private holdMs = 0;

  /** Restores a flag raised before a restart (the clear still needs a full hold). */
  restore(raisedAt: number, rule: AlertRuleId | undefined, holdMs: number): void {
    this.raised = true;
    this.raisedAt = raisedAt;
    this.rule = rule;
    this.holdMs = holdMs;
    this.falseSince = Number.NaN;
  }

  /**
   * One evaluation. `rule` and `holdMs` describe the firing rule when `condition` is true.
   * Returns the transition, if any.
   */
  update(
    condition: boolean,
    at: number,
    rule: AlertRuleId | undefined,
    holdMs: number,
  ): 'raised' | 'cleared' | undefined {
    if (condition) {
      this.falseSince = Number.NaN;
      // The longest hold of any rule seen firing: a slow-burn page keeps its 30 minutes even
      // if the quick pair fired last.
      this.holdMs = this.raised ? Math.max(this.holdMs, holdMs) : holdMs;
      this.rule = rule ?? this.rule;
      if (this.raised) return undefined;
      this.raised = true;
      this.raisedAt = at;
      return 'raised';
    }
    if (!this.raised) return undefined;
    if (Number.isNaN(this.falseSince)) this.falseSince = at;
    if (at - this.falseSince < this.holdMs) return undefined;
    this.raised = false;
    this.falseSince = Number.NaN;
    return 'cleared';
  }
}
