/**
 * Where the CPU went over one measured window: the sidecar's own time (all threads and
 * its main thread alone, the one that runs the event loop), the load generator's, the
 * upstream's, and each core's split into process time, interrupt time (loopback TCP is
 * processed in softirq, charged to no process) and steal. A throughput figure alone cannot
 * say whether the sidecar ran out of CPU or was starved of requests; these can.
 */

import { readFileSync } from 'node:fs';
import { fmt } from './endurance-kit.js';
import { readCpuTicks, readSelfTicks } from './procs.js';

/** One core's jiffies since boot, by kind (/proc/stat). */
interface CoreJiffies {
  /** user + nice + system: time some process is charged for. */
  readonly task: number;
  /** irq + softirq. */
  readonly irq: number;
  readonly steal: number;
  readonly total: number;
}

function readCores(): CoreJiffies[] {
  const out: CoreJiffies[] = [];
  let text: string;
  try {
    text = readFileSync('/proc/stat', 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    if (!/^cpu\d+ /.test(line)) continue;
    // user nice system idle iowait irq softirq steal (guest time is already in user).
    const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const at = (i: number) => f[i] ?? 0;
    out.push({
      task: at(0) + at(1) + at(2),
      irq: at(5) + at(6),
      steal: at(7),
      total: f.reduce((a, b) => a + b, 0),
    });
  }
  return out;
}

/** utime + stime of one thread; the main thread's tid is the process id. */
function threadTicks(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return undefined;
  }
}

function ticksOf(pids: readonly number[]): number {
  let n = 0;
  for (const pid of pids) n += readCpuTicks(pid) ?? 0;
  return n;
}

export interface CpuSources {
  readonly sidecar: number | undefined;
  /** The load generator running now (read at each sample: wrk is a new process per run). */
  load(): number | undefined;
  /** The upstream's processes (nginx: master and worker). */
  upstream(): readonly number[];
}

export interface CpuSample {
  readonly at: bigint;
  readonly sidecar: number;
  readonly sidecarMain: number;
  readonly load: number;
  readonly upstream: number;
  /** This script (its own CPU; children not yet reaped are not in it). */
  readonly self: number;
  readonly cores: readonly CoreJiffies[];
}

export function sampleCpu(src: CpuSources): CpuSample {
  return {
    at: process.hrtime.bigint(),
    sidecar: readCpuTicks(src.sidecar) ?? Number.NaN,
    sidecarMain: threadTicks(src.sidecar) ?? Number.NaN,
    load: readCpuTicks(src.load()) ?? Number.NaN,
    upstream: ticksOf(src.upstream()),
    self: readSelfTicks(),
    cores: readCores(),
  };
}

/** A core's time over the window, % of that core's wall time. */
export interface CoreUse {
  /** Everything but idle and iowait. */
  readonly busy: number;
  readonly irq: number;
  readonly steal: number;
}

/** The window between two samples: CPU as % of one core, and µs per request. */
export interface CpuWindow {
  readonly seconds: number;
  readonly sidecarPct: number;
  readonly sidecarMainPct: number;
  readonly loadPct: number;
  readonly upstreamPct: number;
  /** Process time of processes this run did not start, all cores together. */
  readonly otherPct: number;
  readonly sidecarUsPerReq: number;
  readonly loadUsPerReq: number;
  readonly cores: readonly CoreUse[];
}

export function cpuWindow(a: CpuSample, b: CpuSample, requests: number, hz: number): CpuWindow {
  const seconds = Number(b.at - a.at) / 1e9;
  const pct = (ticks: number) => (ticks / hz / seconds) * 100;
  const us = (ticks: number) => ((ticks / hz) * 1e6) / requests;
  const side = b.sidecar - a.sidecar;
  const load = b.load - a.load;
  const up = b.upstream - a.upstream;
  const self = b.self - a.self;
  let task = 0;
  const cores = b.cores.map((c, i): CoreUse => {
    const p = a.cores[i];
    if (!p) return { busy: Number.NaN, irq: Number.NaN, steal: Number.NaN };
    const total = c.total - p.total;
    task += c.task - p.task;
    const share = (x: number) => (total > 0 ? (x / total) * 100 : Number.NaN);
    return {
      busy: share(c.task - p.task + (c.irq - p.irq) + (c.steal - p.steal)),
      irq: share(c.irq - p.irq),
      steal: share(c.steal - p.steal),
    };
  });
  return {
    seconds,
    sidecarPct: pct(side),
    sidecarMainPct: pct(b.sidecarMain - a.sidecarMain),
    loadPct: pct(load),
    upstreamPct: pct(up),
    otherPct: Math.max(0, pct(task - side - load - up - self)),
    sidecarUsPerReq: us(side),
    loadUsPerReq: us(load),
    cores,
  };
}

/** The first core of a taskset list ("1", "0-1", "2,3"), or undefined when not pinned. */
export function firstCore(cpus: string | undefined): number | undefined {
  if (!cpus) return undefined;
  const n = Number.parseInt(cpus, 10);
  return Number.isFinite(n) ? n : undefined;
}

function coreText(w: CpuWindow, core: number | undefined, name: string): string {
  const c = core === undefined ? undefined : w.cores[core];
  if (!c) return '';
  return `; ${name} core ${core} busy ${fmt(c.busy)}% (irq ${fmt(c.irq)}%, steal ${fmt(c.steal)}%)`;
}

/** One line: the sidecar's cost and share of its core, then the load side's. */
export function cpuLine(
  w: CpuWindow,
  cores: { proxy: number | undefined; load: number | undefined },
): string {
  return (
    `sidecar ${fmt(w.sidecarUsPerReq, 1)} µs CPU/req, ${fmt(w.sidecarPct)}% of a core (main thread ${fmt(w.sidecarMainPct)}%)` +
    coreText(w, cores.proxy, 'its') +
    ` | wrk ${fmt(w.loadPct)}% (${fmt(w.loadUsPerReq, 1)} µs/req), upstream ${fmt(w.upstreamPct)}%` +
    coreText(w, cores.load, 'their') +
    ` | other processes ${fmt(w.otherPct)}% over ${fmt(w.seconds, 1)} s`
  );
}

/** A process or a core this busy (% of one core) has no time left to give. */
export const SATURATED_PCT = 90;

/**
 * Which side held the throughput back in the windows of one connection count: the
 * sidecar (its own threads near a whole core), its core taken by others (busy, but not by
 * the sidecar), the load side (wrk, or the core wrk and the upstream share), or none.
 */
export function limitOf(
  w: CpuWindow,
  cores: { proxy: number | undefined; load: number | undefined },
): string {
  const proxyCore = cores.proxy === undefined ? undefined : w.cores[cores.proxy];
  const loadCore = cores.load === undefined ? undefined : w.cores[cores.load];
  if (w.sidecarMainPct >= SATURATED_PCT) return 'the sidecar (its main thread is saturated)';
  if (w.loadPct >= SATURATED_PCT) return 'the load generator (wrk is saturated)';
  if (loadCore && loadCore.busy >= SATURATED_PCT && (!proxyCore || proxyCore.busy < SATURATED_PCT))
    return 'the load side (the core wrk and the upstream share is saturated)';
  if (proxyCore && proxyCore.busy >= SATURATED_PCT)
    return `the sidecar's core, shared (busy ${fmt(proxyCore.busy)}%, the sidecar ${fmt(w.sidecarPct)}% of it)`;
  return 'no CPU saturated (the closed loop waits on latency)';
}
