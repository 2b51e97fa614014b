/**
 * Names of the series the generated rules read and record. Sloth's names (`slo:*`,
 * `sloth_slo_info`) are kept exactly, so its dashboards read sloprobe's rules; sloprobe's
 * own intermediate series are `sloprobe:*` (level:metric:operations, as Prometheus' naming
 * guide asks of recording rules).
 */

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  /** Absent on rules whose series keep only the labels of their input. */
  readonly labels?: Record<string, string>;
}

export interface AlertingRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: ReadonlyArray<RecordingRule | AlertingRule>;
}

export const REQUESTS = 'sloprobe_requests_total';
export const SLI_LATENCY = 'sloprobe_request_sli_latency_seconds';

export const requestsRecord = (w: string): string => `sloprobe:sli_requests:increase${w}`;
export const errorsRecord = (w: string): string => `sloprobe:sli_errors:increase${w}`;
export const ratioRecord = (w: string): string => `slo:sli_error:ratio_rate${w}`;
export const wilsonRecord = (w: string): string => `sloprobe:sli_error:ratio_wilson95_lower_rate${w}`;

export const BURN_ALERT = 'SloprobeErrorBudgetBurn';
export const DOWNTIME_ALERT = 'SloprobeDowntimePeriod';
