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
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  fdCount,
  fdLimits,
  fmt,
  log,
  repoRoot,
  rssMiB,
  startSidecar,
  Verdicts,
  withHarness,
} from './endurance-kit.js';
import { type LoadResult, wrkDriver } from './load.js';
import { describeMachine, machineLines, which } from './machine.js';
import { prepareNginx } from './nginx.js';
import { planCpus } from './plan.js';
import { freePort, readMemory, Supervisor, waitForPort } from './procs.js';
import { loadRequestMix } from './request-mix.js';

const { values: opt } = parseArgs({
  options: {
    connections: { type: 'string', default: '5000' },
    base: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    'no-pin': { type: 'boolean', default: false },
  },
});
const HIGH = Number(opt.connections);
const BASE = Number(opt.base);
const SECONDS = Number(opt.seconds);
const ROUNDS = Number(opt.rounds);
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
  const driver = wrkDriver(sup, wrkPath, mix, tmp);
  const url = `http://127.0.0.1:${side.port}`;
  const idleFds = fdCount(side.pid);
  log(`Sidecar idle: ${fmt(rssMiB(side.pid), 1)} MiB RSS, ${idleFds} fds`);

  log(`Warm-up: ${BASE} connections, 3 s`);
  await driver.run({ url, seconds: 3, connections: BASE, cpus: cpus.load });
  const runs = new Map<number, LoadResult[]>([
    [BASE, []],
    [HIGH, []],
  ]);
  const heldFds: number[] = [];
  const rssAfter: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? [BASE, HIGH] : [HIGH, BASE];
    for (const c of order) {
      // During the run every connection wrk holds is a socket in the sidecar; sampled
      // every 250 ms because on a loaded machine the 5,000 connects take a while.
      let fdsMax = 0;
      const sampler = setInterval(() => {
        fdsMax = Math.max(fdsMax, fdCount(side.pid) ?? 0);
      }, 250);
      const r = await driver.run({ url, seconds: SECONDS, connections: c, cpus: cpus.load });
      clearInterval(sampler);
      const fdsMid = fdsMax;
      runs.get(c)!.push(r);
      const rss = rssMiB(side.pid) ?? Number.NaN;
      if (c === HIGH) {
        heldFds.push(fdsMid);
        rssAfter.push(rss);
      }
      log(
        `round ${round + 1}  ${String(c).padStart(5)} conns  ${fmt(r.rps).padStart(7)} req/s  p50 ${fmt(r.p50Ms, 2)} ms  p99 ${fmt(r.p99Ms, 2)} ms  errors ${r.errors}  sidecar fds (max) ${fdsMid}  RSS ${fmt(rss, 1)} MiB`,
      );
    }
  }
  const base = runs.get(BASE)!;
  const high = runs.get(HIGH)!;
  const rpsBase = median(base.map((r) => r.rps));
  const rpsHigh = median(high.map((r) => r.rps));
  const ratio = rpsHigh / rpsBase;
  const errorsHigh = high.reduce((s, r) => s + r.errors, 0);
  const errorsBase = base.reduce((s, r) => s + r.errors, 0);
  const peak = (readMemory(side.pid)?.peak ?? 0) / 2 ** 20;
  log('');
  log('| connections | req/s (median) | p50 ms | p99 ms | errors | sidecar RSS MiB after |');
  log('| ---: | ---: | ---: | ---: | ---: | ---: |');
  log(
    `| ${BASE} | ${fmt(rpsBase)} | ${fmt(median(base.map((r) => r.p50Ms)), 2)} | ${fmt(median(base.map((r) => r.p99Ms)), 2)} | ${errorsBase} | |`,
  );
  log(
    `| ${HIGH} | ${fmt(rpsHigh)} | ${fmt(median(high.map((r) => r.p50Ms)), 2)} | ${fmt(median(high.map((r) => r.p99Ms)), 2)} | ${errorsHigh} | ${fmt(median(rssAfter), 1)} (peak ${fmt(peak, 1)}) |`,
  );
  log(
    `ratio ${HIGH}/${BASE}: ${fmt(ratio, 3)} (per round: ${high.map((r, i) => fmt(r.rps / base[i]!.rps, 3)).join(', ')})`,
  );

  const v = new Verdicts();
  v.check(
    Math.min(...heldFds) >= HIGH,
    `${HIGH} connections held`,
    `sidecar peaked at ${heldFds.join(', ')} open fds per round (idle: ${idleFds}; each client connection is one)`,
  );
  v.check(
    ratio >= 0.9,
    `throughput at ${HIGH} within 10% of ${BASE}`,
    `${fmt(rpsHigh)} / ${fmt(rpsBase)} req/s = ${fmt(ratio, 3)} (>= 0.900)`,
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
