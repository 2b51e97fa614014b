/**
 * Turns the rounds into medians and tables, printed as Markdown so bench/RESULTS.md can
 * quote the output as it is; the targets' verdicts are in ./verdicts.ts.
 */

import type { LoadResult } from './load.js';
import { PEER_LABELS, type PeerId } from './peers.js';
import type { Memory } from './procs.js';

export interface PeerOutcome {
  readonly id: PeerId;
  /** Why the peer was not measured; undefined when it was. */
  unavailable: string | undefined;
  readonly runs: LoadResult[];
  /** Memory once started and checked, before any load. */
  idle: Memory | undefined;
  /** Memory right after each measured run (sidecar and proxies; not `direct`). */
  readonly memory: Memory[];
  /**
   * CPU time the peer's own process spent per request, in µs: one entry per round, in
   * round order, NaN where the round gave no figure (so that two peers' rounds pair up).
   */
  readonly cpuUsPerReq: number[];
  /** The peer's own CPU use during each measured run, in % of one core. */
  readonly peerCorePct: number[];
  /** CPU used by processes the bench did not start during each run, % of one core. */
  readonly otherCpuPct: number[];
}

export interface PeerSummary {
  readonly id: PeerId;
  readonly rps: number;
  readonly rpsMin: number;
  readonly rpsMax: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly idleMiB: number | undefined;
  readonly rssMiB: number | undefined;
  readonly peakMiB: number | undefined;
  readonly cpuUsPerReq: number | undefined;
  readonly peerCorePct: number | undefined;
  readonly otherCpuPct: number;
  readonly cpuBusy: readonly number[];
}

export function median(xs: readonly number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** The median of the finite values, undefined when there are none. */
export function medianOrUndefined(xs: readonly number[]): number | undefined {
  const m = median(xs);
  return Number.isFinite(m) ? m : undefined;
}

/**
 * `num`'s CPU per request over `den`'s, round by round (in turn, each round measures every
 * peer back to back; together, both at once). Printed as a range beside each ratio: how far
 * one round can be from the median.
 */
export function ratiosByRound(num: readonly number[], den: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.min(num.length, den.length); i++) {
    const a = num[i]!;
    const b = den[i]!;
    if (Number.isFinite(a) && Number.isFinite(b) && b > 0) out.push(a / b);
  }
  return out;
}

const MiB = 1024 * 1024;

export function summarize(o: PeerOutcome): PeerSummary | undefined {
  if (o.unavailable !== undefined || o.runs.length === 0) return undefined;
  const rps = o.runs.map((r) => r.rps);
  const cores = Math.max(...o.runs.map((r) => r.cpuBusy.length));
  return {
    id: o.id,
    rps: median(rps),
    rpsMin: Math.min(...rps),
    rpsMax: Math.max(...rps),
    p50Ms: median(o.runs.map((r) => r.p50Ms)),
    p99Ms: median(o.runs.map((r) => r.p99Ms)),
    errors: o.runs.reduce((a, r) => a + r.errors, 0),
    idleMiB: o.idle ? o.idle.rss / MiB : undefined,
    rssMiB: o.memory.length > 0 ? median(o.memory.map((m) => m.rss)) / MiB : undefined,
    peakMiB: o.memory.length > 0 ? Math.max(...o.memory.map((m) => m.peak)) / MiB : undefined,
    cpuUsPerReq: medianOrUndefined(o.cpuUsPerReq),
    peerCorePct: o.peerCorePct.length > 0 ? median(o.peerCorePct) : undefined,
    otherCpuPct: median(o.otherCpuPct),
    cpuBusy: Array.from({ length: cores }, (_, i) => median(o.runs.map((r) => r.cpuBusy[i] ?? Number.NaN))),
  };
}

export const fmt = (n: number | undefined, digits: number): string =>
  n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits);

export function peerTable(outcomes: readonly PeerOutcome[]): string {
  const rows = [
    '| peer | req/s (median) | req/s range | p50 ms | p99 ms | RSS MiB idle | RSS MiB after load | peak RSS MiB | peer CPU µs/req | peer CPU % of a core | other CPU % | core busy % | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const o of outcomes) {
    const s = summarize(o);
    if (!s) {
      rows.push(`| ${PEER_LABELS[o.id]} | ${o.unavailable ?? 'no runs'} | | | | | | | | | | | |`);
      continue;
    }
    rows.push(
      `| ${PEER_LABELS[o.id]} | ${fmt(s.rps, 0)} | ${fmt(s.rpsMin, 0)}–${fmt(s.rpsMax, 0)} | ${fmt(s.p50Ms, 2)} | ${fmt(s.p99Ms, 2)} | ${fmt(s.idleMiB, 1)} | ${fmt(s.rssMiB, 1)} | ${fmt(s.peakMiB, 1)} | ${fmt(s.cpuUsPerReq, 1)} | ${fmt(s.peerCorePct, 0)} | ${fmt(s.otherCpuPct, 0)} | ${s.cpuBusy.map((b) => fmt(b, 0)).join(' / ')} | ${s.errors} |`,
    );
  }
  return rows.join('\n');
}

/** Warnings about the measurement itself, not about the peers. */
export function caveats(
  outcomes: readonly PeerOutcome[],
  otherLimit: number,
  loadCore: number | undefined,
): string[] {
  const notes: string[] = [];
  const all = outcomes.flatMap((o) => o.otherCpuPct);
  const dirty = all.filter((p) => p > otherLimit).length;
  if (dirty > 0) {
    notes.push(
      `${dirty} of ${all.length} runs had processes outside the bench using more than ${otherLimit}% of a core (column "other CPU %"): not figures to quote; rerun on an idle machine (--wait-idle helps).`,
    );
  }
  const spread: string[] = [];
  for (const o of outcomes) {
    const s = summarize(o);
    if (!s) continue;
    const label = PEER_LABELS[o.id];
    if (s.errors > 0) notes.push(`${label}: ${s.errors} errors or non-2xx responses during load.`);
    const loadBusy = loadCore === undefined ? undefined : s.cpuBusy[loadCore];
    if (o.id !== 'direct' && loadBusy !== undefined && loadBusy >= 95) {
      notes.push(
        `${label}: the load side's core was ${loadBusy.toFixed(0)}% busy, so the load generator or the upstream may be the limit; the peer's CPU µs/req is the figure that does not depend on it.`,
      );
    } else if (s.peerCorePct !== undefined && s.peerCorePct < 85) {
      notes.push(
        `${label} used only ${s.peerCorePct.toFixed(0)}% of its core with the load side not saturated: it waited on something, or other processes took its core.`,
      );
    }
    if (s.rpsMax > 1.15 * s.rpsMin) spread.push(label);
  }
  if (spread.length > 0) {
    notes.push(
      `Rounds differ by more than 15% for: ${spread.join(', ')}. The median is the figure; more rounds (--rounds) narrow it.`,
    );
  }
  return notes;
}
