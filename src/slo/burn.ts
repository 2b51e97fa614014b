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

/** What the flag logic needs of one window. */
export interface WindowReading {
  readonly window: WindowName;
  readonly requests: number;
  readonly burnRate: number | null;
}

export interface FlagState {
  readonly page: boolean;
  readonly ticket: boolean;
  /** Rules whose two windows both burn above their factor (with enough requests). */
  readonly firing: readonly AlertRuleId[];
}

/**
 * page = (1h and 5m > 14.4) or (6h and 30m > 6); ticket = (1d and 2h > 3) or (3d and 6h > 1),
 * with factors scaled to the period. Strictly greater, as Sloth's generated rules compare. A
 * pair only counts when both of its windows saw at least `minRequests` requests ("a single
 * failure at night does not page").
 */
export function evaluateFlags(
  windows: readonly WindowReading[],
  factors: AlertFactors,
  minRequests: number,
): FlagState {
  let page = false;
  let ticket = false;
  const firing: AlertRuleId[] = [];
  for (const rule of ALERT_RULES) {
    const long = windows.find((w) => w.window === rule.longWindow);
    const short = windows.find((w) => w.window === rule.shortWindow);
    if (!long || !short) continue;
    if (long.requests < minRequests || short.requests < minRequests) continue;
    const factor = factors[rule.id];
    if (long.burnRate === null || short.burnRate === null) continue;
    if (long.burnRate > factor && short.burnRate > factor) {
      firing.push(rule.id);
      if (rule.severity === 'page') page = true;
      else ticket = true;
    }
  }
  return { page, ticket, firing };
}
