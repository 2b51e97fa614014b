/**
 * Turns the rounds into medians, the ratios and PASS/MISS verdicts, printed as
 * Markdown so bench/RESULTS.md can quote the output as it is.
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
  /** CPU time the peer's own process spent per request, in µs, for each measured run. */
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

export interface Verdict {
  readonly name: string;
  readonly value: string;
  readonly goal: string;
  readonly result: 'PASS' | 'MISS' | 'n/a' | 'info';
  readonly note: string;
}

export function median(xs: readonly number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
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
    cpuUsPerReq: o.cpuUsPerReq.length > 0 ? median(o.cpuUsPerReq) : undefined,
    peerCorePct: o.peerCorePct.length > 0 ? median(o.peerCorePct) : undefined,
    otherCpuPct: median(o.otherCpuPct),
    cpuBusy: Array.from({ length: cores }, (_, i) => median(o.runs.map((r) => r.cpuBusy[i] ?? Number.NaN))),
  };
}

const fmt = (n: number | undefined, digits: number): string =>
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

function find(outcomes: readonly PeerOutcome[], id: PeerId): PeerSummary | undefined {
  const o = outcomes.find((x) => x.id === id);
  return o ? summarize(o) : undefined;
}

function ratioVerdict(
  name: string,
  num: PeerSummary | undefined,
  den: PeerSummary | undefined,
  goal: number,
  missing: string,
): Verdict {
  if (!num || !den) return { name, value: '–', goal: `≥ ${goal}`, result: 'n/a', note: missing };
  const r = num.rps / den.rps;
  return { name, value: r.toFixed(2), goal: `≥ ${goal}`, result: r >= goal ? 'PASS' : 'MISS', note: '' };
}

/**
 * Throughput at saturation depends on which side saturates first; CPU per request does
 * not, so it is shown next to the ratio as a cross-check.
 */
function perCore(side: PeerSummary | undefined, other: PeerSummary | undefined): string {
  if (side?.cpuUsPerReq === undefined || other?.cpuUsPerReq === undefined) return '';
  const ratio = other.cpuUsPerReq / side.cpuUsPerReq;
  return `CPU per request: sidecar ${side.cpuUsPerReq.toFixed(1)} µs, ${other.id} ${other.cpuUsPerReq.toFixed(1)} µs (same-CPU ratio ${ratio.toFixed(2)})`;
}

function cpuCost(on: PeerSummary, off: PeerSummary): string {
  if (on.cpuUsPerReq === undefined || off.cpuUsPerReq === undefined) return '';
  const extra = on.cpuUsPerReq / off.cpuUsPerReq - 1;
  return `; CPU per request ${on.cpuUsPerReq.toFixed(1)} vs ${off.cpuUsPerReq.toFixed(1)} µs (${extra >= 0 ? '+' : ''}${(extra * 100).toFixed(1)}%)`;
}

/** Recording cost from each round's pair too, since the pair ran back to back. */
function pairedCosts(outcomes: readonly PeerOutcome[]): number[] {
  const on = outcomes.find((o) => o.id === 'sloprobe')?.runs ?? [];
  const off = outcomes.find((o) => o.id === 'sloprobe-norec')?.runs ?? [];
  const n = Math.min(on.length, off.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = on[i];
    const b = off[i];
    if (a && b && b.rps > 0) out.push(1 - a.rps / b.rps);
  }
  return out;
}

export function verdicts(outcomes: readonly PeerOutcome[]): Verdict[] {
  const side = find(outcomes, 'sloprobe');
  const norec = find(outcomes, 'sloprobe-norec');
  const why = (id: PeerId): string => outcomes.find((o) => o.id === id)?.unavailable ?? `${id} not run`;
  const nginx = find(outcomes, 'nginx');
  const nginxVerdict = ratioVerdict(
    'sidecar / nginx throughput',
    side,
    nginx,
    0.75,
    side ? why('nginx') : why('sloprobe'),
  );
  const floor = find(outcomes, 'undici-floor');
  const out: Verdict[] = [
    {
      ...nginxVerdict,
      note: joinNotes(nginxVerdict.note || perCore(side, nginx), floorVsNginx(floor, nginx)),
    },
    ratioVerdict(
      'sidecar / http-proxy throughput',
      side,
      find(outcomes, 'http-proxy'),
      1.5,
      side ? why('http-proxy') : why('sloprobe'),
    ),
  ];
  const hp = out[1];
  if (hp && hp.result !== 'n/a') out[1] = { ...hp, note: perCore(side, find(outcomes, 'http-proxy')) };
  if (side && norec) {
    const cost = 1 - side.rps / norec.rps;
    const paired = pairedCosts(outcomes).map((c) => `${(c * 100).toFixed(1)}%`);
    out.push({
      name: 'recording cost (1 − on/off throughput)',
      value: `${(cost * 100).toFixed(1)}%`,
      goal: '≤ 5%',
      result: cost <= 0.05 ? 'PASS' : 'MISS',
      note: `per round: ${paired.join(', ')}${cpuCost(side, norec)}`,
    });
  } else {
    const note = side ? why('sloprobe-norec') : why('sloprobe');
    out.push({
      name: 'recording cost (1 − on/off throughput)',
      value: '–',
      goal: '≤ 5%',
      result: 'n/a',
      note,
    });
  }
  if (side?.peakMiB !== undefined) {
    out.push({
      name: 'sidecar peak RSS (VmHWM) under load',
      value: `${side.peakMiB.toFixed(1)} MiB`,
      goal: '≤ 100 MB',
      result: side.peakMiB * MiB <= 100e6 ? 'PASS' : 'MISS',
      note: joinNotes(
        `idle ${fmt(side.idleMiB, 1)} MiB; right after load (median) ${fmt(side.rssMiB, 1)} MiB`,
        floor?.peakMiB === undefined
          ? ''
          : `node:http + undici alone: peak ${floor.peakMiB.toFixed(1)} MiB, idle ${fmt(floor.idleMiB, 1)} MiB`,
      ),
    });
  } else {
    out.push({
      name: 'sidecar peak RSS (VmHWM) under load',
      value: '–',
      goal: '≤ 100 MB',
      result: 'n/a',
      note: why('sloprobe'),
    });
  }
  if (side && floor) {
    out.push({
      name: 'sidecar / node:http + undici alone (what sloprobe adds)',
      value: (side.rps / floor.rps).toFixed(2),
      goal: '–',
      result: 'info',
      note: perCore(side, floor),
    });
  }
  return out;
}

/**
 * The floor peer against nginx: the most any proxy built on node:http and undici reached
 * in this run, whatever it does per request.
 */
function floorVsNginx(floor: PeerSummary | undefined, nginx: PeerSummary | undefined): string {
  if (!floor || !nginx) return '';
  return `node:http + undici alone / nginx: ${(floor.rps / nginx.rps).toFixed(2)}`;
}

function joinNotes(...notes: string[]): string {
  return notes.filter((n) => n !== '').join('; ');
}

export function verdictTable(vs: readonly Verdict[]): string {
  const rows = ['| target | measured | goal | result | note |', '| --- | ---: | ---: | :---: | --- |'];
  for (const v of vs) rows.push(`| ${v.name} | ${v.value} | ${v.goal} | ${v.result} | ${v.note} |`);
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
