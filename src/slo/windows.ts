/**
 * The evaluation windows of every SLO (docs/sla-definitions.md#burn-rate-alerts: 5m, 30m, 1h, 2h, 6h, 1d, 3d and the period)
 * and the four multiwindow multi-burn-rate alert rules of the SRE workbook built on them.
 */

export type WindowName = '5m' | '30m' | '1h' | '2h' | '6h' | '1d' | '3d' | 'period';

export interface FixedWindow {
  readonly name: Exclude<WindowName, 'period'>;
  readonly minutes: number;
}

export const FIXED_WINDOWS: readonly FixedWindow[] = [
  { name: '5m', minutes: 5 },
  { name: '30m', minutes: 30 },
  { name: '1h', minutes: 60 },
  { name: '2h', minutes: 120 },
  { name: '6h', minutes: 360 },
  { name: '1d', minutes: 1440 },
  { name: '3d', minutes: 4320 },
];

/** Every window in output order; `period` is the SLO's compliance period. */
export const WINDOW_NAMES: readonly WindowName[] = [...FIXED_WINDOWS.map((w) => w.name), 'period'];

/** The longest fixed window: the ring must always hold at least this much. */
export const LONGEST_FIXED_WINDOW_MINUTES = 4320;

export type Severity = 'page' | 'ticket';
export type AlertRuleId = 'page-quick' | 'page-slow' | 'ticket-quick' | 'ticket-slow';

export interface AlertRule {
  readonly id: AlertRuleId;
  readonly severity: Severity;
  readonly longWindow: Exclude<WindowName, 'period'>;
  readonly longMinutes: number;
  readonly shortWindow: Exclude<WindowName, 'period'>;
  /** Percent of the period's error budget the long window may consume before alerting. */
  readonly budgetPercent: number;
}

/**
 * The SRE workbook's recommended parameters, as Sloth ships them for 30d and 28d periods
 * (slok/sloth internal/alert/windows/google-30d.yaml: page quick 2% over 1h/5m, page slow 5%
 * over 6h/30m, ticket quick 10% over 1d/2h, ticket slow 10% over 3d/6h).
 */
export const ALERT_RULES: readonly AlertRule[] = [
  {
    id: 'page-quick',
    severity: 'page',
    longWindow: '1h',
    longMinutes: 60,
    shortWindow: '5m',
    budgetPercent: 2,
  },
  {
    id: 'page-slow',
    severity: 'page',
    longWindow: '6h',
    longMinutes: 360,
    shortWindow: '30m',
    budgetPercent: 5,
  },
  {
    id: 'ticket-quick',
    severity: 'ticket',
    longWindow: '1d',
    longMinutes: 1440,
    shortWindow: '2h',
    budgetPercent: 10,
  },
  {
    id: 'ticket-slow',
    severity: 'ticket',
    longWindow: '3d',
    longMinutes: 4320,
    shortWindow: '6h',
    budgetPercent: 10,
  },
];
