/**
 * The Performance issue's targets as PASS/MISS verdicts, from the rounds in turn and the
 * pairs measured together (./paired.ts), printed as a Markdown table.
 */

import type { PairedOutcome } from './paired.js';
import type { PeerId } from './peers.js';
import { fmt, median, type PeerOutcome, type PeerSummary, ratiosByRound, summarize } from './report.js';

export interface Verdict {
  readonly name: string;
  readonly value: string;
  readonly goal: string;
  readonly result: 'PASS' | 'MISS' | 'n/a' | 'info';
  readonly note: string;
}

function find(outcomes: readonly PeerOutcome[] | undefined, id: PeerId): PeerSummary | undefined {
  const o = outcomes?.find((x) => x.id === id);
  return o ? summarize(o) : undefined;
}

function why(outcomes: readonly PeerOutcome[] | undefined, ...ids: PeerId[]): string {
  for (const id of ids) {
    const o = outcomes?.find((x) => x.id === id);
    if (!o) return `${id} not run`;
    if (o.unavailable !== undefined) return `${id}: ${o.unavailable}`;
    if (o.runs.length === 0) return `${id}: no runs`;
  }
  return '';
}

/**
 * CPU µs per request of `num` over `den`'s, the figure the Performance targets are set in.
 * When the two were also measured together (paired.ts), the verdict is the median of those
 * rounds' ratios, and the note adds the figure taken in turn; else it is the ratio of the
 * two peers' medians over the rounds taken in turn, with the range of those rounds' own
 * ratios (`ratiosByRound`) in the note.
 */
export function cpuRatio(
  name: string,
  outcomes: readonly PeerOutcome[] | undefined,
  num: PeerId,
  den: PeerId,
  goal: number,
  strict = false,
  paired?: PairedOutcome,
): Verdict {
  const numOutcome = outcomes?.find((o) => o.id === num);
  const denOutcome = outcomes?.find((o) => o.id === den);
  const a = numOutcome && summarize(numOutcome)?.cpuUsPerReq;
  const b = denOutcome && summarize(denOutcome)?.cpuUsPerReq;
  const goalText = strict ? `< ${goal.toFixed(2)}` : `≤ ${goal.toFixed(2)}`;
  const judge = (r: number): 'PASS' | 'MISS' => ((strict ? r < goal : r <= goal) ? 'PASS' : 'MISS');
  const range = (rs: readonly number[]): string =>
    rs.length > 1 ? `${Math.min(...rs).toFixed(2)}–${Math.max(...rs).toFixed(2)}` : '';
  const inTurn =
    a === undefined || b === undefined || numOutcome === undefined || denOutcome === undefined
      ? undefined
      : { r: a / b, a, b, rounds: ratiosByRound(numOutcome.cpuUsPerReq, denOutcome.cpuUsPerReq) };
  const together = paired === undefined ? [] : ratiosByRound(paired.numUs, paired.denUs);
  if (together.length > 0) {
    const r = median(together);
    const turn =
      inTurn === undefined
        ? ''
        : `; in turn ${inTurn.r.toFixed(2)} (${inTurn.a.toFixed(1)} vs ${inTurn.b.toFixed(1)} µs/req${inTurn.rounds.length > 1 ? `, rounds ${range(inTurn.rounds)}` : ''})`;
    return {
      name,
      value: r.toFixed(2),
      goal: goalText,
      result: judge(r),
      note: `together ${together.length > 1 ? `rounds ${range(together)}` : '1 round'}${turn}`,
    };
  }
  if (inTurn === undefined) {
    return {
      name,
      value: '–',
      goal: goalText,
      result: 'n/a',
      note: why(outcomes, num, den) || 'no CPU figures',
    };
  }
  const rounds = range(inTurn.rounds);
  return {
    name,
    value: inTurn.r.toFixed(2),
    goal: goalText,
    result: judge(inTurn.r),
    note: `${inTurn.a.toFixed(1)} vs ${inTurn.b.toFixed(1)} µs/req${rounds === '' ? '' : `; rounds ${rounds}`}`,
  };
}

function info(
  name: string,
  outcomes: readonly PeerOutcome[] | undefined,
  num: PeerId,
  den: PeerId,
  paired?: PairedOutcome,
): Verdict {
  const v = cpuRatio(name, outcomes, num, den, Number.POSITIVE_INFINITY, false, paired);
  return { ...v, goal: '–', result: v.result === 'n/a' ? 'n/a' : 'info' };
}

/** The sidecar's peak over every load it served (VmHWM only grows). */
function peakOver(byMix: ReadonlyMap<string, readonly PeerOutcome[]>, id: PeerId): number | undefined {
  const peaks = [...byMix.values()].map((os) => find(os, id)?.peakMiB).filter((p) => p !== undefined);
  return peaks.length > 0 ? Math.max(...peaks) : undefined;
}

/**
 * The Performance targets: CPU per request against the lean floor on both loads and
 * against Caddy, idle and peak memory, and the latency added at a fixed rate. The
 * access-log and recording costs are shown beside them as information.
 */
export function verdicts(
  byMix: ReadonlyMap<string, readonly PeerOutcome[]>,
  paced: readonly PeerOutcome[],
  pairedByMix: ReadonlyMap<string, readonly PairedOutcome[]> = new Map(),
): Verdict[] {
  const small = byMix.get('small');
  const mix = byMix.get('klarna');
  const pair = (load: string, num: PeerId, den: PeerId): PairedOutcome | undefined =>
    pairedByMix.get(load)?.find((p) => p.num === num && p.den === den);
  const out: Verdict[] = [
    cpuRatio(
      'smallest GET: sloprobe / lean floor, CPU per request',
      small,
      'sloprobe',
      'lean-floor',
      1.15,
      false,
      pair('small', 'sloprobe', 'lean-floor'),
    ),
    cpuRatio(
      'request mix: sloprobe / lean floor, CPU per request',
      mix,
      'sloprobe',
      'lean-floor',
      1.05,
      false,
      pair('klarna', 'sloprobe', 'lean-floor'),
    ),
    cpuRatio(
      'smallest GET: sloprobe / Caddy, CPU per request',
      small,
      'sloprobe',
      'caddy',
      1,
      true,
      pair('small', 'sloprobe', 'caddy'),
    ),
    cpuRatio(
      'request mix: sloprobe / Caddy, CPU per request',
      mix,
      'sloprobe',
      'caddy',
      1,
      true,
      pair('klarna', 'sloprobe', 'caddy'),
    ),
  ];
  const any = small ?? mix;
  const side = find(any, 'sloprobe');
  out.push(
    side?.idleMiB === undefined
      ? { name: 'sloprobe idle RSS', value: '–', goal: '≤ 75 MiB', result: 'n/a', note: why(any, 'sloprobe') }
      : {
          name: 'sloprobe idle RSS',
          value: `${side.idleMiB.toFixed(1)} MiB`,
          goal: '≤ 75 MiB',
          result: side.idleMiB <= 75 ? 'PASS' : 'MISS',
          note: `lean floor idle ${fmt(find(any, 'lean-floor')?.idleMiB, 1)} MiB`,
        },
  );
  const peak = peakOver(byMix, 'sloprobe');
  const floorPeak = peakOver(byMix, 'lean-floor');
  out.push(
    peak === undefined || floorPeak === undefined
      ? {
          name: 'sloprobe peak RSS under load',
          value: '–',
          goal: 'floor + 15 MiB',
          result: 'n/a',
          note: why(any, 'sloprobe', 'lean-floor'),
        }
      : {
          name: 'sloprobe peak RSS under load',
          value: `${peak.toFixed(1)} MiB`,
          goal: `≤ ${(floorPeak + 15).toFixed(1)} MiB`,
          result: peak <= floorPeak + 15 ? 'PASS' : 'MISS',
          note: `lean floor peak ${floorPeak.toFixed(1)} MiB`,
        },
  );
  out.push(addedLatency(paced));
  out.push(
    info(
      'cost of the access log: sloprobe / --access-log off',
      small,
      'sloprobe',
      'sloprobe-nolog',
      pair('small', 'sloprobe', 'sloprobe-nolog'),
    ),
    info(
      'cost of recording: --access-log off / --recording off',
      small,
      'sloprobe-nolog',
      'sloprobe-norec',
      pair('small', 'sloprobe-nolog', 'sloprobe-norec'),
    ),
    info('smallest GET: lean floor / closure floor', small, 'lean-floor', 'undici-floor'),
    info('smallest GET: sloprobe / nginx', small, 'sloprobe', 'nginx'),
    info('smallest GET: sloprobe / HAProxy', small, 'sloprobe', 'haproxy'),
    info('smallest GET: http-proxy / sloprobe', small, 'http-proxy', 'sloprobe'),
  );
  return out;
}

/** p99 added over direct at the fixed rate: the sidecar's within nginx's + 0.5 ms. */
function addedLatency(paced: readonly PeerOutcome[]): Verdict {
  const name = 'p99 added at a fixed rate: sloprobe vs nginx + 0.5 ms';
  const p99 = (id: PeerId): number | undefined => {
    const o = paced.find((x) => x.id === id);
    return o && o.runs.length > 0 ? median(o.runs.map((r) => r.p99Ms)) : undefined;
  };
  const direct = p99('direct');
  const side = p99('sloprobe');
  const nginx = p99('nginx');
  if (direct === undefined || side === undefined || nginx === undefined) {
    return {
      name,
      value: '–',
      goal: '–',
      result: 'n/a',
      note: paced.length === 0 ? 'fixed-rate phase not run' : why(paced, 'direct', 'sloprobe', 'nginx'),
    };
  }
  const a = side - direct;
  const n = nginx - direct;
  return {
    name,
    value: `${a >= 0 ? '+' : ''}${a.toFixed(3)} ms`,
    goal: `≤ ${(n + 0.5).toFixed(3)} ms`,
    result: a <= n + 0.5 ? 'PASS' : 'MISS',
    note: `nginx adds ${n.toFixed(3)} ms`,
  };
}

export function verdictTable(vs: readonly Verdict[]): string {
  const rows = ['| target | measured | goal | result | note |', '| --- | ---: | ---: | :---: | --- |'];
  for (const v of vs) rows.push(`| ${v.name} | ${v.value} | ${v.goal} | ${v.result} | ${v.note} |`);
  return rows.join('\n');
}
