/**
 * Two peers measured at the same time on the same core: the figure the CPU targets are
 * judged on when both peers run.
 *
 * Why: taking turns, each peer gets the core to itself, but not the machine. On the 2-core
 * EPYC VM a Node peer's CPU per request strayed 12-40% (standard deviation over the mean)
 * from round to round while nginx's strayed 5-8%, and the sidecar's ratio to the lean
 * floor went from 1.05 to 1.48 between rounds of one run (bench/RESULTS.md): a neighbour
 * on the host that fills the shared cache, or a slower hour, lands on whichever peer is
 * running. Measured together, both peers share the core, its caches and the hour, so what
 * the neighbour does lands on both and cancels in their ratio. In one run on that VM
 * (bench/RESULTS.md) the sidecar against Caddy spread 0.84-0.85 together and 0.66-1.39 in
 * turn, the access log's cost 1.07-1.11 together and 1.18-1.70 in turn.
 *
 * How: both peers stay pinned to the proxy core and each is driven by its own load
 * generator with half the connections (so the core carries the same load as in a round
 * taken in turn), started together, the one started first alternating by round. Each peer's
 * CPU per request is its own processes' CPU time over the requests its generator counted,
 * as in `measure`; a round's ratio is one peer's over the other's, and the verdict is the
 * median of the rounds' ratios.
 */

import type { LoadDriver, LoadResult, LoadSpec } from './load.js';
import { readTaskTicks } from './machine.js';
import { PEER_IDS, PEER_LABELS, type PeerId, type Running } from './peers.js';
import { readCpuTicks, readSelfTicks } from './procs.js';
import { median, ratiosByRound } from './report.js';

export interface Pair {
  readonly num: PeerId;
  readonly den: PeerId;
}

/**
 * The pairs measured by default: the two CPU targets' pairs, then the access log's and the
 * recording's cost (the sidecar against itself with the feature off).
 */
export const DEFAULT_PAIRS: readonly Pair[] = [
  { num: 'sloprobe', den: 'lean-floor' },
  { num: 'sloprobe', den: 'caddy' },
  { num: 'sloprobe', den: 'sloprobe-nolog' },
  { num: 'sloprobe-nolog', den: 'sloprobe-norec' },
];

/** `a/b,c/d` (peer ids), `none` for no paired phase, empty for the default pairs. */
export function parsePairs(text: string): Pair[] {
  const t = text.trim();
  if (t === '') return [...DEFAULT_PAIRS];
  if (t === 'none') return [];
  return t.split(',').map((item) => {
    const [num, den, extra] = item.split('/').map((s) => s.trim());
    const known = (id: string | undefined): id is PeerId =>
      (PEER_IDS as readonly string[]).includes(id ?? '');
    if (
      !known(num) ||
      !known(den) ||
      extra !== undefined ||
      num === den ||
      num === 'direct' ||
      den === 'direct'
    )
      throw new Error(
        `--pairs: "${item}" is not two different proxy peers as a/b (peers: ${PEER_IDS.filter((p) => p !== 'direct').join(', ')})`,
      );
    return { num, den };
  });
}

/** One pair on one load: both peers' CPU µs per request, one entry per round. */
export interface PairedOutcome {
  readonly num: PeerId;
  readonly den: PeerId;
  /** Why the pair was not measured; undefined when it was. */
  readonly unavailable: string | undefined;
  /** NaN where a round gave no figure (no requests counted). */
  readonly numUs: number[];
  readonly denUs: number[];
  /** CPU of processes the bench did not start during each round, % of one core. */
  readonly otherCpuPct: number[];
}

function ticksOf(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) total += readCpuTicks(pid) ?? 0;
  return total;
}

export interface PairRound {
  readonly numUs: number;
  readonly denUs: number;
  readonly numResult: LoadResult;
  readonly denResult: LoadResult;
  readonly otherCpuPct: number;
}

/** Both peers under load at once; `numFirst` says whose generator starts first. */
export async function measurePair(
  drivers: readonly [LoadDriver, LoadDriver],
  specs: readonly [LoadSpec, LoadSpec],
  peers: readonly [Running, Running],
  upstream: Running,
  hz: number,
  numFirst: boolean,
): Promise<PairRound> {
  const pids = peers.map((p) => p.cpuPids());
  const upPids = upstream.cpuPids();
  const all0 = readTaskTicks();
  const t0 = pids.map(ticksOf);
  const up0 = ticksOf(upPids);
  const self0 = readSelfTicks();
  const started = process.hrtime.bigint();
  const run = (i: 0 | 1): Promise<LoadResult> => drivers[i].run(specs[i]);
  const [numResult, denResult] = numFirst
    ? await Promise.all([run(0), run(1)])
    : await Promise.all([run(1), run(0)]).then(([d, n]) => [n, d] as const);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = pids.map((p, i) => ticksOf(p) - (t0[i] ?? 0));
  const ours = (used[0] ?? 0) + (used[1] ?? 0) + (ticksOf(upPids) - up0) + (readSelfTicks() - self0);
  const other = readTaskTicks() - all0 - ours;
  const perReq = (ticks: number, r: LoadResult): number =>
    r.requests > 0 ? ((ticks / hz) * 1e6) / r.requests : Number.NaN;
  return {
    numUs: perReq(used[0] ?? 0, numResult),
    denUs: perReq(used[1] ?? 0, denResult),
    numResult,
    denResult,
    otherCpuPct: Math.max(0, (other / hz / seconds) * 100),
  };
}

/** Each peer's share of the connections when two share the core: half, at least one. */
export function halfConnections(connections: number): number {
  return Math.max(1, Math.round(connections / 2));
}

export interface PairedPlan {
  readonly pairs: readonly Pair[];
  /** Two drivers of the same load, one per peer of a pair. */
  readonly drivers: readonly [LoadDriver, LoadDriver];
  readonly running: ReadonlyMap<PeerId, Running>;
  /** Why a peer is not running, for the pairs that need it. */
  readonly unavailable: ReadonlyMap<PeerId, string>;
  readonly upstream: Running;
  readonly spec: (port: number, seconds: number, connections: number) => LoadSpec;
  readonly connections: number;
  readonly rounds: number;
  readonly seconds: number;
  /** Unmeasured seconds of load together before a pair's first round. */
  readonly warmup: number;
  readonly hz: number;
  readonly log: (line: string) => void;
}

function notRunning(plan: PairedPlan, ids: readonly PeerId[]): string | undefined {
  for (const id of ids) {
    if (plan.running.has(id)) continue;
    const why = plan.unavailable.get(id);
    return why === undefined ? `${id} not run` : `${id}: ${why}`;
  }
  return undefined;
}

const us = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '–');

/**
 * Every pair whose peers both run: a warm-up together, then its rounds back to back. Not
 * interleaved with the other pairs: a Node peer left without traffic for some 30 s has V8
 * drop much of its optimised code (both the sidecar and the lean floor recompiled 150-175
 * functions in the first seconds after such a pause, `--trace-opt`), and a round that pays
 * for that measures the pause, not the peer.
 */
export async function runPairedRounds(plan: PairedPlan): Promise<PairedOutcome[]> {
  const outcomes: PairedOutcome[] = plan.pairs.map((p) => ({
    ...p,
    unavailable: notRunning(plan, [p.num, p.den]),
    numUs: [],
    denUs: [],
    otherCpuPct: [],
  }));
  const live = outcomes.filter((o) => o.unavailable === undefined);
  if (live.length === 0) return outcomes;
  const c = halfConnections(plan.connections);
  plan.log(
    `\nTogether (two peers at once on the peer core, ${c} connections each, ${plan.warmup} s warm-up per pair, ratio per round):`,
  );
  for (const o of live) {
    const a = plan.running.get(o.num)!;
    const b = plan.running.get(o.den)!;
    const specs = (seconds: number): [LoadSpec, LoadSpec] => [
      plan.spec(a.port, seconds, c),
      plan.spec(b.port, seconds, c),
    ];
    const warm = specs(plan.warmup);
    await Promise.all([plan.drivers[0].run(warm[0]), plan.drivers[1].run(warm[1])]);
    for (let round = 0; round < plan.rounds; round++) {
      const r = await measurePair(
        plan.drivers,
        specs(plan.seconds),
        [a, b],
        plan.upstream,
        plan.hz,
        round % 2 === 0,
      );
      o.numUs.push(r.numUs);
      o.denUs.push(r.denUs);
      o.otherCpuPct.push(r.otherCpuPct);
      const ratio = r.numUs / r.denUs;
      const errors = r.numResult.errors + r.denResult.errors;
      plan.log(
        `  round ${round + 1}  ${`${o.num} / ${o.den}`.padEnd(32)} ${us(r.numUs)} / ${us(r.denUs)} µs/req = ${Number.isFinite(ratio) ? ratio.toFixed(3) : '–'}  (${r.numResult.rps.toFixed(0)} + ${r.denResult.rps.toFixed(0)} req/s)  other CPU ${r.otherCpuPct.toFixed(0)}%${errors > 0 ? `  errors ${errors}` : ''}`,
      );
    }
  }
  return outcomes;
}

/** One row per pair: the rounds' ratios, their median, and both peers' median µs per request. */
export function pairedTable(outcomes: readonly PairedOutcome[]): string {
  const rows = [
    '| measured together | ratio (median of rounds) | rounds | µs/req (medians) | other CPU % |',
    '| --- | ---: | --- | ---: | ---: |',
  ];
  for (const o of outcomes) {
    const name = `${PEER_LABELS[o.num]} / ${PEER_LABELS[o.den]}`;
    if (o.unavailable !== undefined) {
      rows.push(`| ${name} | – | ${o.unavailable} | | |`);
      continue;
    }
    const rs = ratiosByRound(o.numUs, o.denUs);
    rows.push(
      `| ${name} | ${rs.length > 0 ? median(rs).toFixed(2) : '–'} | ${rs.map((r) => r.toFixed(2)).join(' ')} | ${us(median(o.numUs))} vs ${us(median(o.denUs))} | ${median(o.otherCpuPct).toFixed(0)} |`,
    );
  }
  return rows.join('\n');
}
