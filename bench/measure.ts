/**
 * One measured run of one peer, with the CPU accounting that says whether the run can be
 * trusted: the peer's own CPU per request, and the CPU that processes the bench did not
 * start used meanwhile ("other CPU"). On a shared machine a test suite or a build running
 * alongside silently halves a peer's throughput; the run must say so rather than let a
 * ratio of two contaminated numbers pass for a result.
 */

import type { LoadDriver, LoadResult, LoadSpec } from './load.js';
import { readTaskTicks } from './machine.js';
import type { Running } from './peers.js';
import { type Memory, readCpuTicks, readMemory, readSelfTicks } from './procs.js';

export interface Measured {
  readonly result: LoadResult;
  /** The peer's memory right after its load; undefined for `direct`. */
  readonly memory: Memory | undefined;
  /** The peer's own CPU time per request, µs; undefined for `direct`. */
  readonly cpuUsPerReq: number | undefined;
  /** The peer's own CPU use, % of one core; undefined for `direct`. */
  readonly peerCorePct: number | undefined;
  /** CPU used by processes the bench did not start, % of one core. */
  readonly otherCpuPct: number;
}

/** Other processes using more than this share of one core make a run suspect. */
export const OTHER_CPU_LIMIT = 15;

function sumTicks(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) total += readCpuTicks(pid) ?? 0;
  return total;
}

export async function measure(
  driver: LoadDriver,
  spec: LoadSpec,
  peer: Running,
  upstream: Running,
  hz: number,
): Promise<Measured> {
  // The pid lists are read once: a process that appeared mid-run would have no baseline.
  const peerPids = peer.cpuPids();
  const upstreamPids = upstream.cpuPids();
  const all0 = readTaskTicks();
  const peer0 = sumTicks(peerPids);
  const up0 = sumTicks(upstreamPids);
  const self0 = readSelfTicks();
  const started = process.hrtime.bigint();
  const result = await driver.run(spec);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const peerTicks = sumTicks(peerPids) - peer0;
  // The load generator has exited and been reaped by now: its CPU is in our cutime/cstime.
  const ours = peerTicks + (sumTicks(upstreamPids) - up0) + (readSelfTicks() - self0);
  const other = readTaskTicks() - all0 - ours;
  const isProxy = peerPids.length > 0;
  return {
    result,
    memory: isProxy ? readMemory(peer.memoryPid()) : undefined,
    cpuUsPerReq: isProxy && result.requests > 0 ? ((peerTicks / hz) * 1e6) / result.requests : undefined,
    peerCorePct: isProxy ? (peerTicks / hz / spec.seconds) * 100 : undefined,
    otherCpuPct: Math.max(0, (other / hz / seconds) * 100),
  };
}
