/**
 * 5,000 concurrent keep-alive client connections held and served by one sidecar: wrk opens
 * them all against `sloprobe run` in front of a fast upstream (nginx `return 200`, else
 * node:http), and the throughput must stay within 10% of what 50 connections get in the
 * same run (rounds alternate the two so drift on a shared machine hits both). Prints the
 * figures and PASS/FAIL per criterion; nothing here is a test.
 *
 *   npx tsc -p . && node dist/bench/connections.js [--connections 5000] [--base 50]
 *     [--seconds 10] [--rounds 3] [--no-pin]
 *
 * Every connection is a file descriptor in wrk and in the sidecar: with a `nofile` soft
 * limit below what is needed the script runs itself again under `prlimit` (up to the hard
 * limit), and says what to raise when the hard limit is too low.
 */

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type CpuSample,
  type CpuSources,
  type CpuWindow,
  cpuLine,
  cpuWindow,
  firstCore,
  limitOf,
  sampleCpu,
} from './cpu-window.js';
import {
  establishedTo,
  fdCount,
  fdLimits,
  fmt,
  log,
  metricSum,
  repoRoot,
  request,
  rssMiB,
  sleep,
  startSidecar,
  Verdicts,
  withHarness,
} from './endurance-kit.js';
import { type LoadResult, type LoadSpec, parseBenchJson } from './load.js';
import { clockTicks, describeMachine, machineLines, which } from './machine.js';
import { prepareNginx } from './nginx.js';
import { planCpus } from './plan.js';
import { childPids, freePort, readMemory, Supervisor, waitForPort } from './procs.js';
import { loadRequestMix, type RequestMix, wrkScript } from './request-mix.js';

const { values: opt } = parseArgs({
  options: {
    connections: { type: 'string', default: '5000' },
    base: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    ramp: { type: 'string', default: '30' },
    'no-pin': { type: 'boolean', default: false },
  },
});
const HIGH = Number(opt.connections);
const BASE = Number(opt.base);
const SECONDS = Number(opt.seconds);
const ROUNDS = Number(opt.rounds);
/** Longest wait for all connections to be established before the measured seconds. */
const RAMP = Number(opt.ramp);
/** Per process: the connections plus the sidecar's upstream pool, the store, libuv, stdio. */
const NOFILE = HIGH + 1024;
const REEXEC_ENV = 'SLOPROBE_BENCH_NOFILE_RAISED';

function raiseLimitOrExplain(): number | undefined {
  const { soft, hard } = fdLimits();
  if (soft >= NOFILE) return undefined;
  if (hard < NOFILE) {
    process.stderr.write(
      `connections: ${HIGH} connections need ${NOFILE} file descriptors per process; the hard limit is ${hard}.\n` +
        `Raise it (as root: ulimit -Hn ${NOFILE}; Docker: --ulimit nofile=${NOFILE}:${NOFILE}; ` +
        `systemd: LimitNOFILE=${NOFILE}) or run with --connections ${Math.max(BASE, hard - 1024)}.\n`,
    );
    return 2;
  }
  if (process.env[REEXEC_ENV] || !which('prlimit')) {
    process.stderr.write(
      `connections: soft nofile limit ${soft} < ${NOFILE}; run \`ulimit -n ${NOFILE}\` first\n`,
    );
    return 2;
  }
  log(`nofile soft limit ${soft} < ${NOFILE}: running again under prlimit --nofile=${NOFILE}:${hard}`);
  const r = spawnSync(
    'prlimit',
    [`--nofile=${NOFILE}:${hard}`, '--', process.execPath, ...process.argv.slice(1)],
    {
      stdio: 'inherit',
      env: { ...process.env, [REEXEC_ENV]: '1' },
    },
  );
  return r.status ?? 1;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? Number.NaN : n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

/** The running sidecar and load generator, set once by main. */
let ctx: {
  port: number;
  admin: number;
  pid: number | undefined;
  cpus: string | undefined;
  cpuSources: CpuSources;
  hz: number;
};
/** The sidecar's request count and the CPU times at one instant. */
interface Count {
  readonly t: number;
  readonly n: number;
  readonly cpu: CpuSample;
}
/** wrk's result with its socket errors by kind. */
interface WrkResult extends LoadResult {
  readonly detail: string;
}
interface WrkDriver {
  run(spec: LoadSpec): Promise<WrkResult>;
  /** The wrk process of the run under way. */
  pid(): number | undefined;
}
let loadDriver: WrkDriver | undefined;
const driver = (): WrkDriver => loadDriver!;

/**
 * wrk as load.ts runs it, but with a 60 s request timeout instead of 10 s: with 5,000
 * connections on a starved core one round over all of them takes seconds, and a wrk
 * timeout closes the connection and opens another, which is churn, not holding.
 */
function patientWrk(sup: Supervisor, wrkPath: string, mix: RequestMix, tmp: string): WrkDriver {
  const script = join(tmp, 'mix.lua');
  writeFileSync(script, wrkScript(mix));
  let running: number | undefined;
  return {
    pid: () => running,
    async run(spec) {
      const m = sup.spawn(
        'wrk',
        wrkPath,
        [
          '-t1',
          `-c${spec.connections}`,
          `-d${spec.seconds}s`,
          '--latency',
          '--timeout',
          '60s',
          '-s',
          script,
          spec.url,
        ],
        {
          cpus: spec.cpus,
          captureStdout: true,
        },
      );
      running = m.child.pid;
      const guard = setTimeout(() => void sup.stop(m), (spec.seconds + 70) * 1000);
      const code = await m.exited;
      clearTimeout(guard);
      running = undefined;
      if (code !== 0) throw new Error(`wrk exited ${code}: ${m.stderrTail() || m.stdout().slice(-300)}`);
      const raw = parseBenchJson(m.stdout());
      return {
        rps: raw.duration_us > 0 ? raw.requests / (raw.duration_us / 1e6) : 0,
        p50Ms: raw.p50_us / 1000,
        p90Ms: raw.p90_us / 1000,
        p99Ms: raw.p99_us / 1000,
        maxMs: raw.max_us / 1000,
        requests: raw.requests,
        errors: raw.connect + raw.read + raw.write + raw.status + raw.timeout,
        cpuBusy: [],
        detail: `connect ${raw.connect}, read ${raw.read}, write ${raw.write}, timeout ${raw.timeout}, non-2xx/3xx ${raw.status}`,
      };
    },
  };
}

/**
 * Waits (up to 120 s) until the previous run is over for the sidecar too: its connections
 * closed and its request count still for a second. wrk exits with up to a request per
 * connection in flight; a sidecar still answering or cancelling 5,000 of them accepts the
 * next run's connects late and counts the old requests in the next window.
 */
async function settled(): Promise<void> {
  const deadline = Date.now() + 120_000;
  let last = Number.NaN;
  while (Date.now() < deadline) {
    const r = await request(ctx.admin, 'GET', '/metrics', undefined, {}, 30_000);
    const n = metricSum(r.body, 'sloprobe_requests_total') ?? Number.NaN;
    if (n === last && establishedTo(ctx.port) === 0) return;
    last = n;
    await sleep(1000);
  }
  log('  (the previous run had not settled after 120 s)');
}

interface Held {
  readonly wrk: WrkResult;
  /** Requests per second the sidecar counted while every connection was open. */
  readonly rps: number;
  /** Seconds from wrk's start until the sidecar had accepted 99% of the connections; undefined: never. */
  readonly heldAfterS: number | undefined;
  readonly heldMax: number;
  readonly fdsMax: number;
  /** Requests the sidecar counted in the held window. */
  readonly counted: number;
  /** Where the CPU went in the held window; undefined when it was never held. */
  readonly cpu: CpuWindow | undefined;
}

/**
 * One wrk run of `c` connections. wrk opens them all at once; on a loaded machine the
 * listen backlog (511) overflows and the kernel's SYN retries spread the connects over
 * seconds, so wrk's own req/s would mix that ramp in. The throughput is therefore the
 * sidecar's `sloprobe_requests_total` counted from the moment 99% of the `c` connections
 * are established (a few re-connect at any time) to half a second before wrk stops, and wrk runs `ramp` seconds longer.
 */
async function measureHeld(c: number): Promise<Held> {
  await settled();
  const ramp = c >= 1000 ? RAMP : 1;
  const total = ramp + SECONDS;
  const t0 = Date.now();
  let heldMax = 0;
  let fdsMax = 0;
  let from: Count | undefined;
  let reading = false;
  let allHeld = false;
  const counted = async (): Promise<Count> => {
    const r = await request(ctx.admin, 'GET', '/metrics', undefined, {}, 30_000);
    // The CPU sample goes with the count: both mark the same edge of the window.
    const cpu = sampleCpu(ctx.cpuSources);
    return { t: Date.now(), n: metricSum(r.body, 'sloprobe_requests_total') ?? Number.NaN, cpu };
  };
  const sampler = setInterval(() => {
    const held = establishedTo(ctx.port);
    heldMax = Math.max(heldMax, held);
    fdsMax = Math.max(fdsMax, fdCount(ctx.pid) ?? 0);
    const elapsed = Date.now() - t0;
    const all = held >= Math.ceil(c * 0.99) && elapsed >= 1000;
    // Never all accepted within the ramp: the window still runs, for the CPU per request,
    // but its req/s are not a figure at `c` connections.
    if (!from && !reading && (all || elapsed >= ramp * 1000)) {
      reading = true;
      allHeld = all;
      void counted().then((x) => {
        from = x;
      });
    }
  }, 500);
  let to: Promise<Count> | undefined;
  const endTimer = setTimeout(
    () => {
      to = counted();
    },
    total * 1000 - 500,
  );
  const wrk = await driver().run({
    url: `http://127.0.0.1:${ctx.port}`,
    seconds: total,
    connections: c,
    cpus: ctx.cpus,
  });
  clearInterval(sampler);
  clearTimeout(endTimer);
  const end = to ? await to : undefined;
  const start = from as Count | undefined;
  const window = start && end && end.t > start.t;
  const n = window ? end.n - start.n : 0;
  return {
    wrk,
    rps: window && allHeld ? n / ((end.t - start.t) / 1000) : 0,
    heldAfterS: start && allHeld ? (start.t - t0) / 1000 : undefined,
    heldMax,
    fdsMax,
    counted: n,
    cpu: window && n > 0 ? cpuWindow(start.cpu, end.cpu, n, ctx.hz) : undefined,
  };
}

async function main(tmp: string, sup: Supervisor): Promise<number> {
  const machine = describeMachine();
  const cpus = planCpus({ pin: !opt['no-pin'] } as Parameters<typeof planCpus>[0], machine);
  for (const l of machineLines(machine)) log(l);
  const limits = fdLimits();
  log(`nofile:  soft ${limits.soft}, hard ${limits.hard} (need ${NOFILE} per process)`);
  log(`Pinning: ${cpus.description}`);
  const wrkPath = which('wrk');
  if (!wrkPath) {
    process.stderr.write(
      'connections: wrk is not installed (apt-get install wrk); no other generator holds 5,000 connections cheaply\n',
    );
    return 2;
  }
  const config = join(repoRoot(), 'config', 'klarna.yaml');
  const mix = loadRequestMix(config);
  const upstreamPort = await freePort();
  const nginx = which('nginx');
  const upstream = nginx
    ? sup.spawn(
        'upstream (nginx)',
        nginx,
        prepareNginx(join(tmp, 'nginx'), upstreamPort, { kind: 'upstream' }),
        {
          cpus: cpus.upstream,
        },
      )
    : sup.spawn(
        'upstream (node)',
        process.execPath,
        [join(repoRoot(), 'dist', 'bench', 'peers', 'upstream.js'), String(upstreamPort)],
        {
          cpus: cpus.upstream,
        },
      );
  await waitForPort(upstream, upstreamPort);
  log(`Upstream: ${nginx ? 'nginx `return 200`, 1 worker' : 'node:http'}`);
  const side = await startSidecar(sup, {
    config,
    upstreamPort,
    dataDir: ':memory:',
    cpus: cpus.proxy,
    nofile: NOFILE,
  });
  log(
    `Sidecar: sloprobe run --config config/klarna.yaml --data-dir :memory: --access-log off (pid ${side.pid})`,
  );
  log(`Mix:     ${mix.requests.length} requests from ${mix.source}`);
  loadDriver = patientWrk(sup, wrkPath, mix, tmp);
  ctx = {
    port: side.port,
    admin: side.admin,
    pid: side.pid,
    cpus: cpus.load,
    hz: clockTicks(),
    cpuSources: {
      sidecar: side.pid,
      load: () => loadDriver?.pid(),
      upstream: () => [upstream.child.pid ?? -1, ...childPids(upstream.child.pid)],
    },
  };
  const idleFds = fdCount(side.pid);
  log(`Sidecar idle: ${fmt(rssMiB(side.pid), 1)} MiB RSS, ${idleFds} fds`);

  log(`Warm-up: ${BASE} connections, 3 s`);
  await driver().run({
    url: `http://127.0.0.1:${side.port}`,
    seconds: 3,
    connections: BASE,
    cpus: cpus.load,
  });
  const runs = new Map<number, LoadResult[]>([
    [BASE, []],
    [HIGH, []],
  ]);
  const heldFds: number[] = [];
  const heldAfter: (number | undefined)[] = [];
  const rssAfter: number[] = [];
  const wrkRps = new Map<number, number[]>([
    [BASE, []],
    [HIGH, []],
  ]);
  const windows = new Map<number, CpuWindow[]>([
    [BASE, []],
    [HIGH, []],
  ]);
  const cores = { proxy: firstCore(cpus.proxy), load: firstCore(cpus.load) };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? [BASE, HIGH] : [HIGH, BASE];
    for (const c of order) {
      const m = await measureHeld(c);
      const r = m.wrk;
      const fdsMid = m.fdsMax;
      runs.get(c)!.push({ ...r, rps: m.rps });
      wrkRps.get(c)!.push(r.rps);
      if (m.cpu) windows.get(c)!.push(m.cpu);
      if (c === HIGH) heldAfter.push(m.heldAfterS);
      const rss = rssMiB(side.pid) ?? Number.NaN;
      if (c === HIGH) {
        heldFds.push(m.heldMax);
        rssAfter.push(rss);
      }
      log(
        `round ${round + 1}  ${String(c).padStart(5)} conns  ${fmt(m.rps).padStart(7)} req/s while held (wrk: ${fmt(r.rps)} over the whole run)  p50 ${fmt(r.p50Ms, 2)} ms  p99 ${fmt(r.p99Ms, 2)} ms  errors ${r.errors}${r.errors > 0 ? ` (${r.detail})` : ''}  held ${m.heldMax} conns${m.heldAfterS === undefined ? ' (never all)' : ` (all after ${fmt(m.heldAfterS, 1)} s)`}, ${fdsMid} fds  RSS ${fmt(rss, 1)} MiB`,
      );
      if (m.cpu) log(`         ${cpuLine(m.cpu, cores)}`);
    }
  }
  const base = runs.get(BASE)!;
  const high = runs.get(HIGH)!;
  const rpsBase = median(base.map((r) => r.rps));
  // A round whose connections never were all open has no held-window figure (0): it counts
  // against "held", not in the median.
  const heldRounds = high.filter((r) => r.rps > 0);
  const rpsHigh = median(heldRounds.map((r) => r.rps));
  const ratio = rpsHigh / rpsBase;
  const errorsHigh = high.reduce((s, r) => s + r.errors, 0);
  const errorsBase = base.reduce((s, r) => s + r.errors, 0);
  const peak = (readMemory(side.pid)?.peak ?? 0) / 2 ** 20;
  log('');
  log(
    '| connections | req/s while held (median) | wrk req/s, whole run | p50 ms | p99 ms | errors | sidecar RSS MiB after |',
  );
  log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  log(
    `| ${BASE} | ${fmt(rpsBase)} | ${fmt(median(wrkRps.get(BASE)!))} | ${fmt(median(base.map((r) => r.p50Ms)), 2)} | ${fmt(median(base.map((r) => r.p99Ms)), 2)} | ${errorsBase} | |`,
  );
  log(
    `| ${HIGH} | ${fmt(rpsHigh)} | ${fmt(median(wrkRps.get(HIGH)!))} | ${fmt(median(high.map((r) => r.p50Ms)), 2)} | ${fmt(median(high.map((r) => r.p99Ms)), 2)} | ${errorsHigh} | ${fmt(median(rssAfter), 1)} (peak ${fmt(peak, 1)}) |`,
  );
  log(
    `ratio ${HIGH}/${BASE}: ${fmt(ratio, 3)} (per round: ${high.map((r, i) => (r.rps > 0 ? fmt(r.rps / base[i]!.rps, 3) : 'not held')).join(', ')})`,
  );
  // The sidecar's own CPU per request is what decides whether it keeps up with 5,000
  // connections: it does not depend on how busy the rest of the machine is, while the
  // req/s of a closed loop also measure wrk, the upstream and whoever shares their core.
  const mid = (c: number, f: (w: CpuWindow) => number) => median(windows.get(c)!.map(f));
  const usBase = mid(BASE, (w) => w.sidecarUsPerReq);
  const usHigh = mid(HIGH, (w) => w.sidecarUsPerReq);
  const costRatio = usBase / usHigh;
  log('');
  log(
    '| connections | sidecar CPU µs/req | sidecar % of a core (main thread) | its core busy % | wrk % of a core | wrk + upstream core busy % | other processes % |',
  );
  log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const c of [BASE, HIGH]) {
    const core = (i: number | undefined) =>
      i === undefined ? Number.NaN : mid(c, (w) => w.cores[i]?.busy ?? Number.NaN);
    log(
      `| ${c} | ${fmt(
        mid(c, (w) => w.sidecarUsPerReq),
        1,
      )} | ${fmt(mid(c, (w) => w.sidecarPct))} (${fmt(mid(c, (w) => w.sidecarMainPct))}) | ${fmt(core(cores.proxy))} | ${fmt(mid(c, (w) => w.loadPct))} | ${fmt(core(cores.load))} | ${fmt(mid(c, (w) => w.otherPct))} |`,
    );
  }
  for (const c of [BASE, HIGH]) {
    const limits = windows.get(c)!.map((w) => limitOf(w, cores));
    log(`limit at ${c} connections, per round: ${limits.join('; ')}`);
  }
  log(
    `sidecar capacity at ${HIGH} relative to ${BASE} (CPU per request ${fmt(usBase, 1)} / ${fmt(usHigh, 1)} µs): ${fmt(costRatio, 3)}`,
  );

  const v = new Verdicts();
  v.check(
    Math.min(...heldFds) >= HIGH,
    `${HIGH} connections held`,
    `established to the sidecar, per round: ${heldFds.join(', ')}; all open after ${heldAfter.map((t) => (t === undefined ? 'never' : `${fmt(t, 1)} s`)).join(', ')}`,
  );
  v.check(
    ratio >= 0.9,
    `throughput at ${HIGH} within 10% of ${BASE}`,
    `${fmt(rpsHigh)} / ${fmt(rpsBase)} req/s = ${fmt(ratio, 3)} (>= 0.900)`,
  );
  v.check(
    costRatio >= 0.9,
    `sidecar CPU per request at ${HIGH} within 10% of ${BASE}`,
    `${fmt(usBase, 1)} / ${fmt(usHigh, 1)} µs = ${fmt(costRatio, 3)} (>= 0.900)`,
  );
  v.check(
    errorsHigh === 0 && errorsBase === 0,
    'no errors',
    `${errorsBase} at ${BASE}, ${errorsHigh} at ${HIGH} (socket errors + non-2xx/3xx)`,
  );
  v.check(
    side.managed.child.exitCode === null,
    'sidecar alive',
    side.managed.child.exitCode === null ? 'still running' : `exited ${side.managed.child.exitCode}`,
  );
  return v.print();
}

const reexec = raiseLimitOrExplain();
if (reexec !== undefined) process.exit(reexec);
const sup = new Supervisor();
process.exitCode = await withHarness('sloprobe-conns-', sup, (tmp) => main(tmp, sup));
