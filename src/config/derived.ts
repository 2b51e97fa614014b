/**
 * Facts derived from a resolved config that the live sidecar and replay must agree on:
 * computed in one place so the two can never count differently.
 */
import type { ResolvedConfig } from './types.js';

/** Statuses counted as timeslice errors: the union over every timeslices SLO (docs/sla-definitions.md#timeslice-error-rate: HTTP 500). */
export function timesliceErrorStatuses(cfg: ResolvedConfig): number[] {
  const out = new Set<number>();
  for (const slo of cfg.slos) for (const s of slo.timeslices?.errorStatuses ?? []) out.add(s);
  return out.size > 0 ? [...out].sort((a, b) => a - b) : [500];
}

/**
 * Whether requests need a digest (method, target, body): only when a timeslices SLO counts
 * "distinct API Requests" (docs/sla-definitions.md#repeated-requests). Hashing bodies costs CPU on the request path, so it
 * is off otherwise.
 */
export function needsRequestDigest(cfg: ResolvedConfig): boolean {
  return cfg.slos.some((s) => s.method === 'timeslices' && s.timeslices?.distinct === true);
}

/** SLO-level latency thresholds in seconds (route objectives are added by the recorder). */
export function sloLatencyThresholdsSeconds(cfg: ResolvedConfig): number[] {
  return cfg.slos.flatMap((s) => (s.latency ? [s.latency.thresholdMs / 1000] : []));
}
