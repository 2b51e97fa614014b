/**
 * 5,000 concurrent keep-alive client connections held and served by one sidecar: wrk opens
 * them all against `sloprobe run` in front of a fast upstream (nginx `return 200`, else
 * node:http), and the throughput must stay within 10% of what 50 connections get in the
 * same run (rounds alternate the two so drift on a shared machine hits both). Every
 * connection is accepted before the first request and stays open through the measured
 * window (bench/held.ts says why requests wait for that). Prints the figures and PASS/FAIL
 * per criterion; nothing here is a test.
 *
 *   npx tsc -p . && node dist/bench/connections.js [--connections 5000] [--base 50]
 *     [--seconds 10] [--rounds 3] [--accept 40] [--settle 3] [--no-pin] [--peer lean-floor]
 *
 * `--peer lean-floor` holds the connections on the bench's lean node:http + undici proxy
 * (bench/peers/lean-floor.ts) instead of the sidecar: what Node and undici themselves lose
 * between 50 and 5,000 connections, measured the same way.
 *
 * `SLOPROBE_BENCH_PORTS=20000-20999` keeps its listeners in that range (bench/procs.ts).
 *
 * Every connection is a file descriptor in wrk and in the sidecar: with a `nofile` soft
 * limit below what is needed the script runs itself again under `prlimit` (up to the hard
 * limit), and says what to raise when the hard limit is too low.
 */

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Round, report } from './connections-report.js';
import { cpuLine, firstCore } from './cpu-window.js';
import { fdCount, fdLimits, fmt, log, repoRoot, rssMiB, startSidecar, withHarness } from './endurance-kit.js';
import { gateLua, type HeldContext, measureHeld } from './held.js';
import { describeEnv, imageMallocEnv, imageNodeFlags } from './image.js';
import { wrkDriver } from './load.js';
import { clockTicks, describeMachine, machineLines, which } from './machine.js';
import { prepareNginx } from './nginx.js';
import { planCpus } from './plan.js';
import { childPids, freePort, readMemory, Supervisor, waitForPort } from './procs.js';
import { loadRequestMix } from './request-mix.js';

const { values: opt } = parseArgs({
  options: {
    connections: { type: 'string', default: '5000' },
    base: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    accept: { type: 'string', default: '40' },
    settle: { type: 'string', default: '3' },
    'no-pin': { type: 'boolean', default: false },
    peer: { type: 'string', default: 'sloprobe' },
  },
});
if (opt.peer !== 'sloprobe' && opt.peer !== 'lean-floor') {
  process.stderr.write(`connections: --peer is sloprobe or lean-floor, not ${opt.peer}\n`);
  process.exit(2);
}
const HIGH = Number(opt.connections);
const BASE = Number(opt.base);
const SECONDS = Number(opt.seconds);
const ROUNDS = Number(opt.rounds);
/** Longest wait for every connection to be accepted; Node closes one silent for 60 s. */
const ACCEPT = Math.min(Number(opt.accept), 50);
/** Requests before the window opens: the first one of every connection, queued at once. */
const SETTLE = Number(opt.settle);
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
  const side =
    opt.peer === 'lean-floor'
      ? await startLeanFloor(sup, upstreamPort, cpus.proxy)
      : await startSidecar(sup, {
          config,
          upstreamPort,
          dataDir: ':memory:',
          cpus: cpus.proxy,
          nofile: NOFILE,
        });
  log(
    opt.peer === 'lean-floor'
      ? `Peer:    the lean floor, bench/peers/lean-floor.js (pid ${side.pid})`
      : `Sidecar: node ${imageNodeFlags(join(repoRoot(), 'Dockerfile')).join(' ')} sloprobe run --config config/klarna.yaml --data-dir :memory: --access-log off${describeEnv(imageMallocEnv(join(repoRoot(), 'Dockerfile')))} (pid ${side.pid})`,
  );
  log(`Mix:     ${mix.requests.length} requests from ${mix.source}`);
  const wrk = wrkDriver(sup, wrkPath, mix, tmp, {
    // With 5,000 connections on a starved core one round over all of them takes seconds; a
    // wrk timeout closes the connection and opens another, which is churn, not holding.
    timeoutS: 60,
    luaSuffix: gateLua(join(tmp, 'go')),
  });
  const ctx: HeldContext = {
    port: side.port,
    admin: side.admin,
    metric: opt.peer === 'lean-floor' ? 'lean_floor_requests_total' : 'sloprobe_requests_total',
    pid: side.pid,
    cpus: cpus.load,
    hz: clockTicks(),
    cpuSources: {
      sidecar: side.pid,
      load: () => wrk.pid(),
      upstream: () => [upstream.child.pid ?? -1, ...childPids(upstream.child.pid)],
    },
    wrk,
    goFile: join(tmp, 'go'),
    acceptS: ACCEPT,
    settleS: SETTLE,
    seconds: SECONDS,
  };
  log(`Sidecar idle: ${fmt(rssMiB(side.pid), 1)} MiB RSS, ${fdCount(side.pid)} fds`);
  log(
    `Each run: wrk opens its connections, sends nothing until the sidecar has accepted all (at most ${ACCEPT} s), then ${SETTLE} s of requests before a ${SECONDS} s window`,
  );
  log(`Warm-up: ${BASE} connections`);
  await measureHeld({ ...ctx, seconds: 3 }, BASE);
  const cores = { proxy: firstCore(cpus.proxy), load: firstCore(cpus.load) };
  const rounds: Round[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of round % 2 === 0 ? [BASE, HIGH] : [HIGH, BASE]) {
      const m = await measureHeld(ctx, c);
      const rss = rssMiB(side.pid) ?? Number.NaN;
      rounds.push({ c, held: m, rss });
      const r = m.wrk;
      const accepted =
        m.acceptedAfterS === undefined
          ? `not all accepted in ${ACCEPT} s`
          : `all accepted after ${fmt(m.acceptedAfterS, 1)} s`;
      log(
        `round ${round + 1}  ${String(c).padStart(5)} conns  ${fmt(m.rps).padStart(7)} req/s in the window  ${accepted}, at least ${m.heldMin} open in the window, ${m.fdsMax} fds  p50 ${fmt(r.p50Ms, 2)} ms  p99 ${fmt(r.p99Ms, 2)} ms  errors ${r.errors}${r.errors > 0 ? ` (${r.errorDetail})` : ''}  RSS ${fmt(rss, 1)} MiB`,
      );
      if (m.cpu) log(`         ${cpuLine(m.cpu, cores)}`);
    }
  }
  return report(rounds, {
    base: BASE,
    high: HIGH,
    cores,
    peakMiB: (readMemory(side.pid)?.peak ?? 0) / 2 ** 20,
    alive: side.managed.child.exitCode === null ? 'still running' : `exited ${side.managed.child.exitCode}`,
  });
}

/** The lean floor with its request counter on a second port, under the same fd limit. */
async function startLeanFloor(sup: Supervisor, upstreamPort: number, cpus: string | undefined) {
  const port = await freePort();
  const admin = await freePort();
  const args = [
    join(repoRoot(), 'dist', 'bench', 'peers', 'lean-floor.js'),
    `http://127.0.0.1:${upstreamPort}`,
    String(port),
    String(admin),
  ];
  const raise = fdLimits().soft < NOFILE;
  const managed = raise
    ? sup.spawn('lean floor', 'prlimit', [`--nofile=${NOFILE}:${NOFILE}`, '--', process.execPath, ...args], {
        cpus,
      })
    : sup.spawn('lean floor', process.execPath, args, { cpus });
  await waitForPort(managed, port, 30_000);
  await waitForPort(managed, admin, 30_000);
  return { managed, port, admin, pid: managed.child.pid };
}

const reexec = raiseLimitOrExplain();
if (reexec !== undefined) process.exit(reexec);
const sup = new Supervisor();
process.exitCode = await withHarness('sloprobe-conns-', sup, (tmp) => main(tmp, sup));
