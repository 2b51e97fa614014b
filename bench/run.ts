/**
 * `npm run bench`: the fixed upstream, then every peer in its own process, each driven by
 * the same load in alternating rounds; prints medians, the issue's ratios and PASS/MISS.
 * Timings live here and only here: no test asserts any of them.
 */

import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { latencyTable } from './latency.js';
import { type LoadDriver, type LoadResult, type LoadSpec, pacedDriver } from './load.js';
import { clockTicks, cpuBusy, describeMachine, machineLines, readCpuTimes, which } from './machine.js';
import { type Measured, measure, OTHER_CPU_LIMIT } from './measure.js';
import { UPSTREAM_BODY } from './nginx.js';
import { type BenchOptions, parseOptions, USAGE } from './options.js';
import {
  type BenchContext,
  findSidecar,
  memoryOf,
  PEER_LABELS,
  type PeerId,
  type Running,
  sanityCheck,
  sidecarCandidates,
  startPeer,
  startUpstream,
} from './peers.js';
import { findRoot, pickDriver, planCpus, selectedPeers } from './plan.js';
import { Supervisor } from './procs.js';
import { caveats, type PeerOutcome, peerTable, verdicts, verdictTable } from './report.js';
import { loadRequestMix } from './request-mix.js';

const here = dirname(fileURLToPath(import.meta.url));

/** How many times a run contaminated by other processes is measured again (--wait-idle). */
const MAX_REDOS = 3;

/** Core busy % above which the machine is not idle enough for figures to quote. */
const BUSY_WARN = 10;

async function backgroundBusy(): Promise<number[]> {
  const before = readCpuTimes();
  await new Promise((r) => setTimeout(r, 1000));
  return cpuBusy(before, readCpuTimes());
}

const percentList = (xs: readonly number[]): string => xs.map((b) => b.toFixed(0)).join(' / ');

const log = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

function progressLine(id: PeerId, label: string, m: Measured, suffix: string): void {
  const mem = m.memory ? `  RSS ${(m.memory.rss / 2 ** 20).toFixed(1)} MiB` : '';
  progress(id, label, m.result, `${mem}  other CPU ${m.otherCpuPct.toFixed(0)}%${suffix}`);
}

/** Waits up to `budgetMs` for a second with every core under BUSY_WARN; returns the time spent. */
async function waitForIdle(budgetMs: number): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < budgetMs) {
    const busy = await backgroundBusy();
    if (busy.every((b) => b <= BUSY_WARN)) break;
    process.stderr.write(`waiting for idle cores (busy % ${percentList(busy)})\n`);
  }
  return Date.now() - start;
}

function progress(id: PeerId, label: string, r: LoadResult, mem: string): void {
  log(
    `  ${label.padEnd(10)} ${PEER_LABELS[id].padEnd(30)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms${mem}${r.errors > 0 ? `  errors ${r.errors}` : ''}`,
  );
}

function emptyOutcome(o: { readonly id: PeerId }): PeerOutcome {
  return {
    id: o.id,
    unavailable: undefined,
    idle: undefined,
    runs: [],
    memory: [],
    cpuUsPerReq: [],
    peerCorePct: [],
    otherCpuPct: [],
  };
}

interface RoundsPlan {
  readonly driver: LoadDriver;
  readonly outcomes: readonly PeerOutcome[];
  readonly running: ReadonlyMap<PeerId, Running>;
  readonly upstream: Running;
  readonly spec: (port: number, seconds: number) => LoadSpec;
  readonly rounds: number;
  readonly hz: number;
}

/**
 * Measures every peer once per round, the order rotated each round (it spreads any drift,
 * thermal or neighbours, over all peers); a run contaminated by other processes is redone
 * within what is left of the --wait-idle budget, which is returned.
 */
async function runRounds(plan: RoundsPlan, budgetMs: number, seconds: number): Promise<number> {
  let waitBudgetMs = budgetMs;
  const live = plan.outcomes;
  for (let round = 0; round < plan.rounds; round++) {
    log(`Round ${round + 1}/${plan.rounds}:`);
    const k = live.length === 0 ? 0 : round % live.length;
    for (const o of [...live.slice(k), ...live.slice(0, k)]) {
      const peer = plan.running.get(o.id)!;
      const once = (): Promise<Measured> =>
        measure(plan.driver, plan.spec(peer.port, seconds), peer, plan.upstream, plan.hz);
      let m = await once();
      for (let redo = 0; redo < MAX_REDOS && m.otherCpuPct > OTHER_CPU_LIMIT && waitBudgetMs > 0; redo++) {
        progressLine(o.id, `round ${round + 1}`, m, '  (redo)');
        waitBudgetMs -= await waitForIdle(waitBudgetMs);
        m = await once();
      }
      o.runs.push(m.result);
      o.otherCpuPct.push(m.otherCpuPct);
      if (m.memory) o.memory.push(m.memory);
      if (m.cpuUsPerReq !== undefined) o.cpuUsPerReq.push(m.cpuUsPerReq);
      if (m.peerCorePct !== undefined) o.peerCorePct.push(m.peerCorePct);
      progressLine(o.id, `round ${round + 1}`, m, '');
    }
  }
  return waitBudgetMs;
}

async function bench(opts: BenchOptions, sup: Supervisor, tmpDir: string): Promise<number> {
  const root = findRoot(here);
  const machine = describeMachine();
  const cpus = planCpus(opts, machine);
  const configFile = resolve(root, opts.config);
  const mix = loadRequestMix(configFile);
  const driver = pickDriver(opts, sup, mix, tmpDir, here);
  const peers = selectedPeers(opts);
  const useNginxUpstream = opts.upstream !== 'node' && machine.nginx !== undefined;
  if (opts.upstream === 'nginx' && !machine.nginx) log('upstream: nginx not installed, using node:http');

  // Anything else running (a test suite, a build) skews every figure: say so up front.
  const waited = opts.waitIdle > 0 ? await waitForIdle(opts.waitIdle * 1000) : 0;
  const background = await backgroundBusy();
  log('# sloprobe bench\n');
  for (const line of machineLines(machine)) log(line);
  log(`Pinning: ${cpus.description}`);
  log(
    `Before:  core busy % over 1 s before start: ${percentList(background)}${background.some((b) => b > BUSY_WARN) ? '  (machine not idle: watch the "other CPU %" column)' : ''}`,
  );
  log(
    `Load:    ${driver.name}, 1 thread, ${opts.connections} keep-alive connections, ${opts.duration} s per run, ${opts.rounds} round(s), ${opts.warmup} s warm-up per peer`,
  );
  log(
    `Mix:     ${mix.requests.length} requests from ${mix.source}: ${mix.requests.map((r) => `${r.method} ${r.path}`).join(', ')}`,
  );
  // Per run: wrk start-up and CPU accounting (~0.5 s); per peer: start and check (~2 s); idle samples.
  const runs = peers.length * (opts.rounds * (opts.rate > 0 ? 2 : 1) + 1);
  const measured = opts.rounds * opts.duration * (opts.rate > 0 ? 2 : 1);
  const estimate = peers.length * (opts.warmup + measured + 2) + runs * 0.5 + 3;
  log(`Budget:  about ${Math.ceil(estimate)} s\n`);

  const candidates = sidecarCandidates(opts.sidecar ? resolve(opts.sidecar) : '', dirname(here), root);
  const ctx: BenchContext = {
    sup,
    tmpDir,
    sidecarMain: findSidecar(candidates),
    sidecarMissing: `no compiled CLI at ${[...new Set(candidates)].join(' or ')} (build first)`,
    httpProxyScript: join(here, 'peers', 'http-proxy.js'),
    floorScript: join(here, 'peers', 'undici-floor.js'),
    upstreamScript: join(here, 'peers', 'upstream.js'),
    configFile,
    nginxPath: machine.nginx ? which('nginx') : undefined,
    proxyCpus: cpus.proxy,
    upstreamCpus: cpus.upstream,
  };
  const upstream = await startUpstream(ctx, useNginxUpstream);
  log(
    `Upstream: ${upstream.describe} on 127.0.0.1:${upstream.port}${cpus.upstream ? ` (core ${cpus.upstream})` : ''}`,
  );
  if (ctx.sidecarMain) log(`Sidecar:  ${ctx.sidecarMain}`);

  const outcomes: PeerOutcome[] = [];
  const running = new Map<PeerId, Running>();
  for (const id of peers) {
    const outcome = emptyOutcome({ id });
    outcomes.push(outcome);
    try {
      const peer = await startPeer(id, ctx, upstream);
      running.set(id, peer);
      await sanityCheck(peer.port, mix.requests, UPSTREAM_BODY.trim());
      outcome.idle = memoryOf(peer);
    } catch (err) {
      outcome.unavailable = err instanceof Error ? err.message.split('\n')[0] : String(err);
      log(
        id === 'nginx' && !ctx.nginxPath ? 'nginx: not installed, skipped' : `${id}: ${outcome.unavailable}`,
      );
      const peer = running.get(id);
      if (peer?.managed) await sup.stop(peer.managed);
      running.delete(id);
    }
  }

  const spec = (port: number, seconds: number): LoadSpec => ({
    url: `http://127.0.0.1:${port}`,
    seconds,
    connections: opts.connections,
    cpus: cpus.load,
  });
  const hz = clockTicks();
  const live = outcomes.filter((o) => running.has(o.id));
  log('\nWarm-up:');
  for (const o of live) {
    const peer = running.get(o.id)!;
    progress(o.id, 'warm-up', await driver.run(spec(peer.port, opts.warmup)), '');
  }
  let waitBudgetMs = opts.waitIdle * 1000 - waited;
  const rounds = (driver: LoadDriver, outs: readonly PeerOutcome[], budgetMs: number): Promise<number> =>
    runRounds(
      { driver, outcomes: outs, running, upstream, spec, rounds: opts.rounds, hz },
      budgetMs,
      opts.duration,
    );
  waitBudgetMs = await rounds(driver, live, waitBudgetMs);

  const paced = live.map(emptyOutcome);
  if (opts.rate > 0 && paced.length > 0) {
    log(`\nFixed rate: ${opts.rate} req/s per peer, latency from each request's due time:`);
    const pacedLoad = pacedDriver(sup, join(here, 'peers', 'paced.js'), mix, opts.rate);
    waitBudgetMs = await rounds(pacedLoad, paced, waitBudgetMs);
  }
  await sup.stopAll();
  const backgroundAfter = await backgroundBusy();

  const vs = verdicts(outcomes);
  log('\n## Results (median of rounds)\n');
  log(peerTable(outcomes));
  log('\n## Targets (issue 2)\n');
  log(verdictTable(vs));
  if (opts.rate > 0 && paced.length > 0) {
    log(`\n## Latency at a fixed ${opts.rate} req/s (median of rounds)\n`);
    log(latencyTable(paced));
  }
  const notes = caveats(outcomes, OTHER_CPU_LIMIT, cpus.load === undefined ? undefined : Number(cpus.load));
  log(`\nAfter:   core busy % over 1 s after the run: ${percentList(backgroundAfter)}`);
  if (notes.length > 0) log(`\n${notes.map((n) => `- ${n}`).join('\n')}`);
  if (opts.json) {
    writeFileSync(
      resolve(opts.json),
      `${JSON.stringify({ machine, pinning: cpus.description, options: opts, mix, outcomes, paced, verdicts: vs, backgroundBusy: { before: background, after: backgroundAfter } }, null, 2)}\n`,
    );
    log(`\nRaw results: ${resolve(opts.json)}`);
  }
  return 0;
}

async function main(): Promise<number> {
  let opts: BenchOptions;
  try {
    opts = parseOptions(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const sup = new Supervisor();
  const tmpDir = mkdtempSync(join(os.tmpdir(), 'sloprobe-bench-'));
  // nginx started as root drops its worker to `nobody`, which must reach its prefix dir.
  chmodSync(tmpDir, 0o755);
  const cleanup = async (): Promise<void> => {
    await sup.stopAll();
    try {
      rmSync(tmpDir, { recursive: true, force: true, maxRetries: 3 });
    } catch (err) {
      process.stderr.write(
        `bench: could not remove ${tmpDir}: ${err instanceof Error ? err.message : String(err)}\n`,
      );
    }
  };
  process.on('exit', () => sup.killAllSync());
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      process.stderr.write(`\nbench: ${sig}, stopping everything it started\n`);
      void cleanup().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
    });
  }
  try {
    return await bench(opts, sup, tmpDir);
  } catch (err) {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await cleanup();
  }
}

process.exitCode = await main();
