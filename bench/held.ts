/**
 * One measured run of bench/connections.ts: `c` keep-alive connections opened, every one of
 * them accepted by the sidecar, and only then requests on all of them, counted by the sidecar
 * over a window during which every connection stays open.
 *
 * Why the gate: Node's libuv (1.46 in Node 20.20) accepts one connection per event-loop turn
 * (libuv pull request 3696 dropped the accept-until-EAGAIN loop). A saturated sidecar turns
 * its loop once per batch of ready sockets, some 30-200 times a second, so connections that
 * arrive while it is saturated wait in the listen queue at that rate (measured: 3,300 queued,
 * drained at ~150/s; `strace` shows one accept4 per epoll_pwait and never an EAGAIN; no listen
 * overflow, no SYN dropped). wrk opens its connections and starts requests on each at once, so
 * the first few hundred saturate the sidecar and the rest wait. Here no request leaves wrk
 * until the sidecar has accepted all of them (it does that in about a second when idle): the
 * window then measures serving `c` held connections, which is the requirement, and not the
 * arrival of a connect storm.
 */

import { rmSync, writeFileSync } from 'node:fs';
import { type CpuSample, type CpuSources, type CpuWindow, cpuWindow, sampleCpu } from './cpu-window.js';
import { establishedTo, fdCount, metricSum, request, sleep } from './endurance-kit.js';
import type { LoadResult, WrkDriver } from './load.js';
import { luaString } from './request-mix.js';

/**
 * Appended to the mix's wrk script: the request function blocks wrk's one thread until
 * `goFile` exists. wrk calls `request()` once in main() to check the script
 * (script_verify_request) before its thread issues the connects; the second call is the first
 * request of the first connection to be writable, when every connect is already under way,
 * so the kernel completes the handshakes and the sidecar accepts them while wrk waits.
 */
export function gateLua(goFile: string): string {
  return `
-- bench/held.ts: no request until every connection is accepted (the file exists).
local calls = 0
local ungated = request
request = function()
  calls = calls + 1
  if calls == 2 then
    while true do
      local f = io.open(${luaString(goFile)}, "r")
      if f then f:close(); break end
      os.execute("sleep 0.05")
    end
  end
  return ungated()
end
`;
}

export interface HeldContext {
  readonly port: number;
  /** Where `GET /metrics` gives the peer's request counter, and that counter's name. */
  readonly admin: number;
  readonly metric: string;
  readonly pid: number | undefined;
  readonly cpus: string | undefined;
  readonly cpuSources: CpuSources;
  readonly hz: number;
  readonly wrk: WrkDriver;
  readonly goFile: string;
  /** Longest wait for every connection to be accepted (under Node's 60 s headers timeout). */
  readonly acceptS: number;
  /** Seconds of requests before the window opens: the first request of every connection. */
  readonly settleS: number;
  readonly seconds: number;
}

export interface Held {
  readonly wrk: LoadResult;
  /** Requests per second the sidecar counted in the window; 0 when not every connection was open. */
  readonly rps: number;
  /** Seconds from wrk's start until the sidecar had accepted all `c`; undefined: not within acceptS. */
  readonly acceptedAfterS: number | undefined;
  /** Fewest connections established to the sidecar in the window (sampled every 250 ms). */
  readonly heldMin: number;
  readonly fdsMax: number;
  /** Requests the sidecar counted in the window. */
  readonly counted: number;
  /** Where the CPU went in the window. */
  readonly cpu: CpuWindow | undefined;
}

interface Count {
  readonly t: number;
  readonly n: number;
  readonly cpu: CpuSample;
}

async function count(ctx: HeldContext): Promise<Count> {
  const r = await request(ctx.admin, 'GET', '/metrics', undefined, {}, 30_000);
  // The CPU sample goes with the count: both mark the same edge of the window.
  const cpu = sampleCpu(ctx.cpuSources);
  // No series before the first request.
  return { t: Date.now(), n: metricSum(r.body, ctx.metric) ?? 0, cpu };
}

/**
 * Waits (up to 120 s) until the previous run is over for the sidecar too: its connections
 * closed and its request count still for a second, so that a sidecar still answering the
 * last run's requests neither accepts this run's connections late nor counts those requests.
 */
export async function settled(ctx: HeldContext): Promise<void> {
  const deadline = Date.now() + 120_000;
  let last = Number.NaN;
  while (Date.now() < deadline) {
    const n = (await count(ctx)).n;
    if (n === last && establishedTo(ctx.port) === 0) return;
    last = n;
    await sleep(1000);
  }
  process.stdout.write('  (the previous run had not settled after 120 s)\n');
}

export async function measureHeld(ctx: HeldContext, c: number): Promise<Held> {
  await settled(ctx);
  rmSync(ctx.goFile, { force: true });
  const t0 = Date.now();
  // wrk stops at SIGINT after the window; -d only bounds a run whose sidecar never answers.
  const wrkDone = ctx.wrk.run({
    url: `http://127.0.0.1:${ctx.port}`,
    seconds: ctx.acceptS + ctx.settleS + ctx.seconds + 30,
    connections: c,
    cpus: ctx.cpus,
  });
  let acceptedAfterS: number | undefined;
  let fdsMax = 0;
  while (Date.now() - t0 < ctx.acceptS * 1000) {
    fdsMax = Math.max(fdsMax, fdCount(ctx.pid) ?? 0);
    if (establishedTo(ctx.port) >= c) {
      acceptedAfterS = (Date.now() - t0) / 1000;
      break;
    }
    await sleep(100);
  }
  writeFileSync(ctx.goFile, '');
  await sleep(ctx.settleS * 1000);
  let heldMin = Number.POSITIVE_INFINITY;
  const sampler = setInterval(() => {
    heldMin = Math.min(heldMin, establishedTo(ctx.port));
    fdsMax = Math.max(fdsMax, fdCount(ctx.pid) ?? 0);
  }, 250);
  const from = await count(ctx);
  await sleep(ctx.seconds * 1000);
  const to = await count(ctx);
  clearInterval(sampler);
  heldMin = Math.min(heldMin, establishedTo(ctx.port));
  ctx.wrk.interrupt();
  const wrk = await wrkDone;
  const n = to.n - from.n;
  const all = acceptedAfterS !== undefined && heldMin >= c;
  return {
    wrk,
    rps: all ? n / ((to.t - from.t) / 1000) : 0,
    acceptedAfterS,
    heldMin,
    fdsMax,
    counted: n,
    cpu: n > 0 ? cpuWindow(from.cpu, to.cpu, n, ctx.hz) : undefined,
  };
}
