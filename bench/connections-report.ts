/**
 * The summary of bench/connections.ts: medians over the rounds at each connection count,
 * where the CPU went, and one PASS/FAIL line per criterion of the requirement.
 */

import { type CpuWindow, limitOf } from './cpu-window.js';
import { fmt, log, Verdicts } from './endurance-kit.js';
import type { Held } from './held.js';

export interface Round {
  readonly c: number;
  readonly held: Held;
  /** The sidecar's RSS after the run, MiB. */
  readonly rss: number;
}

export interface Summary {
  readonly base: number;
  readonly high: number;
  readonly cores: { proxy: number | undefined; load: number | undefined };
  readonly peakMiB: number;
  /** 'still running', or how the sidecar exited. */
  readonly alive: string;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? Number.NaN : n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

export function report(rounds: readonly Round[], s: Summary): number {
  const at = (c: number) => rounds.filter((r) => r.c === c);
  const base = at(s.base);
  const high = at(s.high);
  const rpsBase = median(base.map((r) => r.held.rps));
  // A run whose connections were not all open through its window has no figure (0): it
  // counts against "held", not in the median.
  const rpsHigh = median(high.filter((r) => r.held.rps > 0).map((r) => r.held.rps));
  const ratio = rpsHigh / rpsBase;
  const errors = (rs: readonly Round[]) => rs.reduce((n, r) => n + r.held.wrk.errors, 0);
  log('');
  log('| connections | req/s in the window (median) | p50 ms | p99 ms | errors | sidecar RSS MiB after |');
  log('| ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const [c, rs, rps] of [
    [s.base, base, rpsBase],
    [s.high, high, rpsHigh],
  ] as const) {
    const rss = c === s.high ? `${fmt(median(rs.map((r) => r.rss)), 1)} (peak ${fmt(s.peakMiB, 1)})` : '';
    log(
      `| ${c} | ${fmt(rps)} | ${fmt(median(rs.map((r) => r.held.wrk.p50Ms)), 2)} | ${fmt(median(rs.map((r) => r.held.wrk.p99Ms)), 2)} | ${errors(rs)} | ${rss} |`,
    );
  }
  // Rounds alternate the two counts, so the i-th run at each count is the same round.
  const perRound = high.map((r, i) => {
    const b = base[i]?.held.rps ?? Number.NaN;
    return r.held.rps > 0 ? fmt(r.held.rps / b, 3) : 'not held';
  });
  log(`ratio ${s.high}/${s.base}: ${fmt(ratio, 3)} (per round: ${perRound.join(', ')})`);
  // On a shared machine the req/s of two windows also measure how much CPU the other
  // processes left each of them: say so when that differed, whichever way the ratio went.
  const other = (r: Round | undefined) => r?.held.cpu?.otherPct ?? Number.NaN;
  const drift = high.map((r, i) => Math.abs(other(r) - other(base[i])));
  if (drift.some((d) => d > 20))
    log(
      `  other processes differed by ${drift.map((d) => `${fmt(d)}`).join(', ')} points of a core between the two windows of each round: that ratio measures the machine too; the CPU per request below does not`,
    );
  // The sidecar's own CPU per request decides whether it keeps up with 5,000 connections:
  // it does not depend on how busy the rest of the machine is, while the req/s of a closed
  // loop also measure wrk, the upstream and whoever shares their core.
  const windows = (c: number): CpuWindow[] => at(c).flatMap((r) => (r.held.cpu ? [r.held.cpu] : []));
  const mid = (c: number, f: (w: CpuWindow) => number) => median(windows(c).map(f));
  const usBase = mid(s.base, (w) => w.sidecarUsPerReq);
  const usHigh = mid(s.high, (w) => w.sidecarUsPerReq);
  const costRatio = usBase / usHigh;
  log('');
  log(
    '| connections | sidecar CPU µs/req | sidecar % of a core (main thread) | its core busy % | wrk % of a core | wrk + upstream core busy % | other processes % |',
  );
  log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const c of [s.base, s.high]) {
    const core = (i: number | undefined) =>
      i === undefined ? Number.NaN : mid(c, (w) => w.cores[i]?.busy ?? Number.NaN);
    log(
      `| ${c} | ${fmt(
        mid(c, (w) => w.sidecarUsPerReq),
        1,
      )} | ${fmt(mid(c, (w) => w.sidecarPct))} (${fmt(mid(c, (w) => w.sidecarMainPct))}) | ${fmt(core(s.cores.proxy))} | ${fmt(mid(c, (w) => w.loadPct))} | ${fmt(core(s.cores.load))} | ${fmt(mid(c, (w) => w.otherPct))} |`,
    );
  }
  for (const c of [s.base, s.high]) {
    log(
      `limit at ${c} connections, per round: ${windows(c)
        .map((w) => limitOf(w, s.cores))
        .join('; ')}`,
    );
  }
  log(
    `sidecar capacity at ${s.high} relative to ${s.base} (CPU per request ${fmt(usBase, 1)} / ${fmt(usHigh, 1)} µs): ${fmt(costRatio, 3)}`,
  );

  const v = new Verdicts();
  v.check(
    high.length > 0 && high.every((r) => r.held.acceptedAfterS !== undefined && r.held.heldMin >= s.high),
    `${s.high} connections accepted before the window and held through it`,
    high
      .map((r) =>
        r.held.acceptedAfterS === undefined
          ? `not all accepted (${r.held.heldMin} open)`
          : `accepted in ${fmt(r.held.acceptedAfterS, 1)} s, at least ${r.held.heldMin} open`,
      )
      .join('; '),
  );
  v.check(
    ratio >= 0.9,
    `throughput at ${s.high} within 10% of ${s.base}`,
    `${fmt(rpsHigh)} / ${fmt(rpsBase)} req/s = ${fmt(ratio, 3)} (>= 0.900)`,
  );
  v.check(
    costRatio >= 0.9,
    `sidecar CPU per request at ${s.high} within 10% of ${s.base}`,
    `${fmt(usBase, 1)} / ${fmt(usHigh, 1)} µs = ${fmt(costRatio, 3)} (>= 0.900)`,
  );
  v.check(
    errors(high) === 0 && errors(base) === 0,
    'no errors',
    `${errors(base)} at ${s.base}, ${errors(high)} at ${s.high} (socket errors + non-2xx/3xx)`,
  );
  v.check(s.alive === 'still running', 'sidecar alive', s.alive);
  return v.print();
}
