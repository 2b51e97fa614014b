/**
 * Drives one peer for a fixed time and returns throughput and latency. wrk (C, one
 * thread) when it is installed, because it costs far less CPU per request than a Node
 * load generator and the load side shares this machine with the peers; otherwise
 * autocannon in its own process (bench/peers/autocannon.ts).
 */

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpuBusy, readCpuTimes } from './machine.js';
import type { Managed, Supervisor } from './procs.js';
import { type RequestMix, wrkScript } from './request-mix.js';

export interface LoadSpec {
  readonly url: string;
  readonly seconds: number;
  readonly connections: number;
  /** Cores for the load generator (taskset), or undefined. */
  readonly cpus: string | undefined;
}

export interface LoadResult {
  readonly rps: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly requests: number;
  /** Socket errors plus non-2xx/3xx responses. */
  readonly errors: number;
  /** Busy % of each core during the run. */
  readonly cpuBusy: readonly number[];
  /** The socket errors by kind (connect, read, write, timeout) and the non-2xx/3xx count. */
  readonly errorDetail?: string;
  /** The fixed-rate client's own send lateness, p50 and p99 (undefined for wrk/autocannon). */
  readonly lagP50Ms?: number | undefined;
  readonly lagP99Ms?: number | undefined;
}

export interface LoadDriver {
  readonly name: string;
  run(spec: LoadSpec): Promise<LoadResult>;
}

interface RawJson {
  requests: number;
  duration_us: number;
  p50_us: number;
  p90_us: number;
  p99_us: number;
  max_us: number;
  connect: number;
  read: number;
  write: number;
  status: number;
  timeout: number;
  /** The paced client's own lateness sending requests (absent for wrk and autocannon). */
  lag_p50_us?: number;
  lag_p99_us?: number;
}

export function parseBenchJson(stdout: string): RawJson {
  const line = stdout.split('\n').find((l) => l.startsWith('BENCH_JSON '));
  if (!line) throw new Error(`load generator printed no result: ${stdout.trim().slice(-300) || 'no output'}`);
  return JSON.parse(line.slice('BENCH_JSON '.length)) as RawJson;
}

function toResult(raw: RawJson, busy: readonly number[]): LoadResult {
  return {
    rps: raw.duration_us > 0 ? raw.requests / (raw.duration_us / 1e6) : 0,
    p50Ms: raw.p50_us / 1000,
    p90Ms: raw.p90_us / 1000,
    p99Ms: raw.p99_us / 1000,
    maxMs: raw.max_us / 1000,
    requests: raw.requests,
    errors: raw.connect + raw.read + raw.write + raw.status + raw.timeout,
    cpuBusy: busy,
    errorDetail: `connect ${raw.connect}, read ${raw.read}, write ${raw.write}, timeout ${raw.timeout}, non-2xx/3xx ${raw.status}`,
    lagP50Ms: raw.lag_p50_us === undefined ? undefined : raw.lag_p50_us / 1000,
    lagP99Ms: raw.lag_p99_us === undefined ? undefined : raw.lag_p99_us / 1000,
  };
}

async function runToCompletion(
  sup: Supervisor,
  name: string,
  command: string,
  args: readonly string[],
  spec: LoadSpec,
  /** Seconds past `spec.seconds` before a generator that has not exited is stopped. */
  graceS = 20,
  started?: (m: Managed | undefined) => void,
): Promise<LoadResult> {
  const before = readCpuTimes();
  const m = sup.spawn(name, command, args, { cpus: spec.cpus, captureStdout: true });
  started?.(m);
  // A stuck generator must not hang the whole run.
  const guard = setTimeout(() => void sup.stop(m), (spec.seconds + graceS) * 1000);
  const code = await m.exited;
  clearTimeout(guard);
  started?.(undefined);
  const busy = cpuBusy(before, readCpuTimes());
  if (code !== 0) throw new Error(`${name} exited ${code}: ${m.stderrTail() || m.stdout().slice(-300)}`);
  return toResult(parseBenchJson(m.stdout()), busy);
}

export interface WrkOptions {
  /** wrk's per-request timeout (`--timeout`), seconds: a request not answered by then is an error and its connection is replaced. Default 10. */
  readonly timeoutS?: number;
  /** Lua appended to the mix's script (it may wrap `request`). */
  readonly luaSuffix?: string;
}

/** wrk as a driver, plus the process of the run under way (for its CPU time, or to interrupt it). */
export interface WrkDriver extends LoadDriver {
  /** wrk's pid while a run is under way. */
  pid(): number | undefined;
  /** SIGINT: wrk stops early and still prints its summary, as after `-d` seconds. */
  interrupt(): void;
}

export function wrkDriver(
  sup: Supervisor,
  wrkPath: string,
  mix: RequestMix,
  tmpDir: string,
  opts: WrkOptions = {},
): WrkDriver {
  const script = join(tmpDir, opts.luaSuffix === undefined ? 'mix.lua' : 'mix-gated.lua');
  writeFileSync(script, wrkScript(mix) + (opts.luaSuffix ?? ''));
  const timeoutS = opts.timeoutS ?? 10;
  let running: Managed | undefined;
  return {
    name: 'wrk',
    pid: () => running?.child.pid,
    interrupt: () => running?.child.kill('SIGINT'),
    run: (spec) =>
      runToCompletion(
        sup,
        'wrk',
        wrkPath,
        [
          '-t1',
          `-c${spec.connections}`,
          `-d${spec.seconds}s`,
          '--latency',
          '--timeout',
          `${timeoutS}s`,
          '-s',
          script,
          spec.url,
        ],
        spec,
        timeoutS + 10,
        (m) => {
          running = m;
        },
      ),
  };
}

/** A load generator written in Node, in its own process, given the run as one JSON argument. */
function nodeClientDriver(
  sup: Supervisor,
  name: string,
  childScript: string,
  mix: RequestMix,
  extra: Record<string, number> = {},
): LoadDriver {
  return {
    name,
    run: (spec) =>
      runToCompletion(
        sup,
        name,
        process.execPath,
        [
          childScript,
          JSON.stringify({
            url: spec.url,
            seconds: spec.seconds,
            connections: spec.connections,
            requests: mix.requests,
            ...extra,
          }),
        ],
        spec,
      ),
  };
}

export function autocannonDriver(sup: Supervisor, childScript: string, mix: RequestMix): LoadDriver {
  return nodeClientDriver(sup, 'autocannon', childScript, mix);
}

/** The fixed-rate client (bench/peers/paced.ts): latency at `rate` req/s, not throughput. */
export function pacedDriver(sup: Supervisor, childScript: string, mix: RequestMix, rate: number): LoadDriver {
  return nodeClientDriver(sup, 'paced', childScript, mix, { rate });
}
