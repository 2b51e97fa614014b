/**
 * `npm run bench`: the fixed upstream, then every peer in its own process, each driven by
 * the same load in alternating rounds; prints medians, the issue's ratios and PASS/MISS.
 * Timings live here and only here: no test asserts any of them.
 */

import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeEnv, imageMallocEnv, imageNodeFlags } from './image.js';
import { latencyTable } from './latency.js';
import { type LoadDriver, type LoadResult, type LoadSpec, pacedDriver } from './load.js';
import { clockTicks, cpuBusy, describeMachine, machineLines, readCpuTimes, which } from './machine.js';
import { type Measured, measure, OTHER_CPU_LIMIT } from './measure.js';
import { UPSTREAM_BODY } from './nginx.js';
import { type BenchOptions, parseOptions, USAGE } from './options.js';
import { type PairedOutcome, pairedTable, runPairedRounds } from './paired.js';
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
import { type Memory, Supervisor } from './procs.js';
import { caveats, type PeerOutcome, peerTable } from './report.js';
import { loadRequestMix, type MixId, type RequestMix, smallestGet } from './request-mix.js';
import { verdicts, verdictTable } from './verdicts.js';

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
      // One entry per round, NaN where not measured: report.ts pairs the peers' rounds.
      o.cpuUsPerReq.push(m.cpuUsPerReq ?? Number.NaN);
      if (m.peerCorePct !== undefined) o.peerCorePct.push(m.peerCorePct);
      progressLine(o.id, `round ${round + 1}`, m, '');
    }
  }
  return waitBudgetMs;
}

/** One load's results: the saturation rounds and, for the first load, the fixed-rate phase. */
interface MixResult {
  readonly id: MixId;
  readonly mix: RequestMix;
  readonly outcomes: PeerOutcome[];
  readonly paced: PeerOutcome[];
  /** The peers measured together (paired.ts), after the rounds in turn. */
  readonly paired: PairedOutcome[];
}

async function bench(opts: BenchOptions, sup: Supervisor, tmpDir: string): Promise<number> {
  const root = findRoot(here);
  const machine = describeMachine();
  const cpus = planCpus(opts, machine);
  const configFile = resolve(root, opts.config);
  const klarna = loadRequestMix(configFile);
  const mixes = opts.mixes.map((id) => ({
    id: id as MixId,
    mix: id === 'small' ? smallestGet(klarna) : klarna,
  }));
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
  const firstDriver = pickDriver(opts, sup, klarna, tmpDir, here);
  log(
    `Load:    ${firstDriver.name}, 1 thread, ${opts.connections} keep-alive connections, ${opts.duration} s per run, ${opts.rounds} round(s), ${opts.warmup} s warm-up per peer and load`,
  );
  for (const m of mixes) {
    log(
      `Mix ${m.id.padEnd(6)} ${m.mix.requests.length} request(s) from ${m.mix.source}: ${m.mix.requests.map((r) => `${r.method} ${r.path}`).join(', ')}`,
    );
  }
  // Per run: wrk start-up and CPU accounting (~0.5 s); per peer: start and check (~2 s); idle samples.
  const pacedRounds = opts.rate > 0 ? opts.rounds : 0;
  const runs = peers.length * (mixes.length * (opts.rounds + 1) + pacedRounds);
  const measured = opts.duration * (mixes.length * opts.rounds + pacedRounds) + opts.warmup * mixes.length;
  const pairedRuns = opts.pairs.length * mixes.length * opts.rounds;
  const estimate =
    peers.length * (measured + 2) +
    runs * 0.5 +
    pairedRuns * (opts.duration + 0.5) +
    opts.pairs.length * mixes.length * opts.warmup +
    3;
  log(`Budget:  about ${Math.ceil(estimate)} s\n`);

  const candidates = sidecarCandidates(opts.sidecar ? resolve(opts.sidecar) : '', dirname(here), root);
  const ctx: BenchContext = {
    sup,
    tmpDir,
    sidecarMain: findSidecar(candidates),
    sidecarNodeFlags:
      opts.nodeFlags === undefined
        ? imageNodeFlags(join(root, 'Dockerfile'))
        : opts.nodeFlags.split(/\s+/).filter((f) => f !== ''),
    sidecarEnv: imageMallocEnv(join(root, 'Dockerfile')),
    sidecarMissing: `no compiled CLI at ${[...new Set(candidates)].join(' or ')} (build first)`,
    httpProxyScript: join(here, 'peers', 'http-proxy.js'),
    floorScript: join(here, 'peers', 'undici-floor.js'),
    leanFloorScript: join(here, 'peers', 'lean-floor.js'),
    upstreamScript: join(here, 'peers', 'upstream.js'),
    configFile,
    nginxPath: machine.nginx ? which('nginx') : undefined,
    haproxyPath: machine.haproxy ? which('haproxy') : undefined,
    caddyPath: machine.caddy ? which('caddy') : undefined,
    proxyCpus: cpus.proxy,
    upstreamCpus: cpus.upstream,
  };
  const upstream = await startUpstream(ctx, useNginxUpstream);
  log(
    `Upstream: ${upstream.describe} on 127.0.0.1:${upstream.port}${cpus.upstream ? ` (core ${cpus.upstream})` : ''}`,
  );
  if (ctx.sidecarMain)
    log(
      `Sidecar:  ${ctx.sidecarMain}${ctx.sidecarNodeFlags.length > 0 ? ` (node ${ctx.sidecarNodeFlags.join(' ')})` : ''}${describeEnv(ctx.sidecarEnv)}`,
    );

  // Peers start once and serve every load; idle memory is read before the first.
  const unavailable = new Map<PeerId, string>();
  const idle = new Map<PeerId, Memory | undefined>();
  const running = new Map<PeerId, Running>();
  for (const id of peers) {
    try {
      const peer = await startPeer(id, ctx, upstream);
      running.set(id, peer);
      for (const m of mixes) await sanityCheck(peer.port, m.mix.requests, UPSTREAM_BODY.trim());
      idle.set(id, memoryOf(peer));
    } catch (err) {
      const why = err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err);
      unavailable.set(id, why);
      log(`${id}: ${why}`);
      const peer = running.get(id);
      if (peer?.managed) await sup.stop(peer.managed);
      running.delete(id);
    }
  }
  const outcomeOf = (id: PeerId): PeerOutcome => ({
    ...emptyOutcome({ id }),
    unavailable: unavailable.get(id),
    idle: idle.get(id),
  });

  const spec = (port: number, seconds: number, connections = opts.connections): LoadSpec => ({
    url: `http://127.0.0.1:${port}`,
    seconds,
    connections,
    cpus: cpus.load,
  });
  const hz = clockTicks();
  let waitBudgetMs = opts.waitIdle * 1000 - waited;
  const results: MixResult[] = [];
  for (const [i, m] of mixes.entries()) {
    const driver = i === 0 && m.mix === klarna ? firstDriver : pickDriver(opts, sup, m.mix, tmpDir, here);
    const outcomes = peers.map(outcomeOf);
    const live = outcomes.filter((o) => running.has(o.id));
    log(`\n## Load: ${m.id}\n\nWarm-up:`);
    for (const o of live) {
      const peer = running.get(o.id)!;
      progress(o.id, 'warm-up', await driver.run(spec(peer.port, opts.warmup)), '');
    }
    waitBudgetMs = await runRounds(
      { driver, outcomes: live, running, upstream, spec, rounds: opts.rounds, hz },
      waitBudgetMs,
      opts.duration,
    );
    const paired = await runPairedRounds({
      pairs: opts.pairs,
      drivers: [driver, pickDriver(opts, sup, m.mix, tmpDir, here)],
      running,
      unavailable,
      upstream,
      spec,
      connections: opts.connections,
      rounds: opts.rounds,
      seconds: opts.duration,
      warmup: opts.warmup,
      hz,
      log,
    });
    const paced = live.map((o) => outcomeOf(o.id));
    if (i === 0 && opts.rate > 0 && paced.length > 0) {
      log(`\nFixed rate: ${opts.rate} req/s per peer, latency from each request's due time:`);
      const pacedLoad = pacedDriver(sup, join(here, 'peers', 'paced.js'), m.mix, opts.rate);
      waitBudgetMs = await runRounds(
        { driver: pacedLoad, outcomes: paced, running, upstream, spec, rounds: opts.rounds, hz },
        waitBudgetMs,
        opts.duration,
      );
    }
    results.push({ id: m.id, mix: m.mix, outcomes, paced: i === 0 && opts.rate > 0 ? paced : [], paired });
  }
  await sup.stopAll();
  const backgroundAfter = await backgroundBusy();

  const byMix = new Map(results.map((r) => [r.id, r.outcomes]));
  const withRate = results.find((r) => r.paced.length > 0);
  const vs = verdicts(byMix, withRate?.paced ?? [], new Map(results.map((r) => [r.id, r.paired])));
  for (const r of results) {
    log(`\n## Results: ${r.id === 'small' ? 'the smallest GET' : 'the request mix'} (median of rounds)\n`);
    log(peerTable(r.outcomes));
    if (r.paired.some((p) => p.unavailable === undefined)) log(`\n${pairedTable(r.paired)}`);
  }
  log('\n## Targets\n');
  log(verdictTable(vs));
  if (withRate) {
    log(`\n## Latency at a fixed ${opts.rate} req/s, ${withRate.id} load (median of rounds)\n`);
    log(latencyTable(withRate.paced));
  }
  const notes = results.flatMap((r) =>
    caveats(r.outcomes, OTHER_CPU_LIMIT, cpus.load === undefined ? undefined : Number(cpus.load)).map(
      (n) => `${r.id}: ${n}`,
    ),
  );
  log(`\nAfter:   core busy % over 1 s after the run: ${percentList(backgroundAfter)}`);
  if (notes.length > 0) log(`\n${notes.map((n) => `- ${n}`).join('\n')}`);
  if (opts.json) {
    writeFileSync(
      resolve(opts.json),
      `${JSON.stringify({ machine, pinning: cpus.description, options: opts, results, verdicts: vs, backgroundBusy: { before: background, after: backgroundAfter } }, null, 2)}\n`,
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
