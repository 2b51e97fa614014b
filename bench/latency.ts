/**
 * The fixed-rate phase's table: what each peer adds to a request's latency at a rate it
 * serves with room to spare. That is what a team putting a sidecar in front of its API
 * pays on every request; the throughput rounds answer a different question (how far one
 * core goes at saturation). "Added" is the peer's median percentile minus `direct`'s, both
 * measured by the same client at the same rate in the same rounds.
 */

import { PEER_LABELS } from './peers.js';
import { median, medianOrUndefined, type PeerOutcome } from './report.js';

export interface LatencySummary {
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly cpuUsPerReq: number | undefined;
  readonly peerCorePct: number | undefined;
  readonly errors: number;
  /** The client's own send lateness (p99), median of rounds. */
  readonly lagP99Ms: number | undefined;
}

export function summarizeLatency(o: PeerOutcome): LatencySummary | undefined {
  if (o.unavailable !== undefined || o.runs.length === 0) return undefined;
  return {
    p50Ms: median(o.runs.map((r) => r.p50Ms)),
    p90Ms: median(o.runs.map((r) => r.p90Ms)),
    p99Ms: median(o.runs.map((r) => r.p99Ms)),
    cpuUsPerReq: medianOrUndefined(o.cpuUsPerReq),
    peerCorePct: o.peerCorePct.length > 0 ? median(o.peerCorePct) : undefined,
    errors: o.runs.reduce((a, r) => a + r.errors, 0),
    lagP99Ms: o.runs.some((r) => r.lagP99Ms !== undefined)
      ? median(o.runs.map((r) => r.lagP99Ms ?? Number.NaN))
      : undefined,
  };
}

const ms = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(3));
const added = (n: number, base: number | undefined): string =>
  base === undefined ? '–' : `${n - base >= 0 ? '+' : ''}${(n - base).toFixed(3)}`;

export function latencyTable(outcomes: readonly PeerOutcome[]): string {
  const direct = summarizeLatency(outcomes.find((o) => o.id === 'direct') ?? ({} as PeerOutcome));
  const rows = [
    '| peer | p50 ms | p90 ms | p99 ms | added p50 ms | added p99 ms | client send lag p99 ms | peer CPU µs/req | peer CPU % of a core | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const o of outcomes) {
    const s = summarizeLatency(o);
    if (!s) {
      rows.push(`| ${PEER_LABELS[o.id]} | ${o.unavailable ?? 'no runs'} | | | | | | | | |`);
      continue;
    }
    const isDirect = o.id === 'direct';
    rows.push(
      `| ${PEER_LABELS[o.id]} | ${ms(s.p50Ms)} | ${ms(s.p90Ms)} | ${ms(s.p99Ms)} | ${isDirect ? '–' : added(s.p50Ms, direct?.p50Ms)} | ${isDirect ? '–' : added(s.p99Ms, direct?.p99Ms)} | ${ms(s.lagP99Ms)} | ${s.cpuUsPerReq === undefined ? '–' : s.cpuUsPerReq.toFixed(1)} | ${s.peerCorePct === undefined ? '–' : s.peerCorePct.toFixed(0)} | ${s.errors} |`,
    );
  }
  return rows.join('\n');
}
