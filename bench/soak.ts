/**
 * The soak: the sidecar with a real store under an open-loop fixed rate for N minutes, 1% of
 * requests answered 500 by the upstream and 1% aborted by the client mid-download. Every
 * minute it prints the sidecar's RSS, open file descriptors, active handles and counters; at
 * the end it compares the client's own count with `sloprobe_requests_total` and with the
 * store's minute rollups after a flush. Prints PASS/FAIL per criterion; nothing here is a test.
 *
 *   npx tsc -p . && node dist/bench/soak.js [--minutes 15] [--rate 500] [--warmup 2]
 *     [--connections 32] [--sample 60] [--fail-every 100] [--abort-every 100]
 *
 * --fail-every N / --abort-every N: one request in N (default 100: the 1% error mix and the
 * 1% aborted clients; 0 for none).
 *
 * Nothing is pinned: the rate is fixed, so what the soak measures (memory, handles, counts)
 * does not depend on which core serves it.
 */

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  benchScript,
  ENDURANCE_MIX,
  enduranceConfig,
  fdCount,
  fmt,
  log,
  metricSum,
  readStoreTotals,
  request,
  rssMiB,
  type SidecarRun,
  sleep,
  startSidecar,
  Verdicts,
  withHarness,
} from './endurance-kit.js';
import { describeMachine, machineLines } from './machine.js';
import { OpenLoop } from './open-loop.js';
import { freePort, Supervisor, waitForPort } from './procs.js';

const { values: opt } = parseArgs({
  options: {
    minutes: { type: 'string', default: '15' },
    rate: { type: 'string', default: '500' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '32' },
    sample: { type: 'string', default: '60' },
    'fail-every': { type: 'string', default: '100' },
    'abort-every': { type: 'string', default: '100' },
  },
});
const MINUTES = Number(opt.minutes);
const RATE = Number(opt.rate);
const WARMUP_MIN = Math.min(Number(opt.warmup), MINUTES / 2);
const SAMPLE_S = Number(opt.sample);
/** Two evaluation ticks (1 s each) after the last answer: the last in-progress minute is stored. */
const FLUSH_WAIT_MS = 2500;

interface Sample {
  readonly atS: number;
  readonly rss: number;
  readonly fds: number;
  readonly handles: number | undefined;
  readonly heapMiB: number | undefined;
  readonly counted: number | undefined;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? Number.NaN : n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

async function metrics(side: SidecarRun): Promise<string> {
  const r = await request(side.admin, 'GET', '/metrics');
  if (r.status !== 200) throw new Error(`/metrics: HTTP ${r.status}`);
  return r.body;
}

async function sample(side: SidecarRun, atS: number): Promise<Sample> {
  const text = await metrics(side);
  const heap = metricSum(text, 'nodejs_heap_size_used_bytes');
  return {
    atS,
    rss: rssMiB(side.pid) ?? Number.NaN,
    fds: fdCount(side.pid) ?? Number.NaN,
    handles: metricSum(text, 'nodejs_active_handles_total') ?? metricSum(text, 'nodejs_active_handles'),
    heapMiB: heap === undefined ? undefined : heap / 2 ** 20,
    counted: metricSum(text, 'sloprobe_requests_total'),
  };
}

async function main(tmp: string, sup: Supervisor): Promise<number> {
  for (const l of machineLines(describeMachine())) log(l);
  const upstreamPort = await freePort();
  const upstream = sup.spawn('upstream', process.execPath, [
    benchScript('peers/endurance-upstream.js'),
    String(upstreamPort),
  ]);
  await waitForPort(upstream, upstreamPort);
  const config = join(tmp, 'soak.yaml');
  writeFileSync(config, enduranceConfig());
  const dataDir = join(tmp, 'data');
  const side = await startSidecar(sup, { config, upstreamPort, dataDir });
  log(`Sidecar: sloprobe run --data-dir <tmp>/data --access-log off, 3 routes + unmatched (pid ${side.pid})`);
  log(
    `Load:    ${RATE} req/s open loop for ${MINUTES} min over ${opt.connections} keep-alive connections; 1% answered 500 by the upstream, 1% aborted by the client after the response headers; warm-up ${WARMUP_MIN} min`,
  );
  const client = new OpenLoop({
    port: side.port,
    rate: RATE,
    connections: Number(opt.connections),
    requests: ENDURANCE_MIX,
    failEvery: Number(opt['fail-every']),
    abortEvery: Number(opt['abort-every']),
  });
  const samples: Sample[] = [];
  const t0 = Date.now();
  const s0 = await sample(side, 0);
  log(`idle: RSS ${fmt(s0.rss, 1)} MiB, ${s0.fds} fds, ${s0.handles ?? 'n/a'} handles`);
  log('');
  log(
    '| min | sent | answered | 5xx | aborted | errors | in flight | counted | RSS MiB | heap MiB | fds | handles | p99 ms |',
  );
  log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  client.start();
  const endAt = t0 + MINUTES * 60_000;
  for (let next = t0 + SAMPLE_S * 1000; next <= endAt + 1; next += SAMPLE_S * 1000) {
    await sleep(Math.max(0, next - Date.now()));
    const s = await sample(side, (Date.now() - t0) / 1000);
    samples.push(s);
    log(
      `| ${fmt(s.atS / 60, 1)} | ${client.started} | ${client.answered} | ${client.status5xx} | ${client.aborted} | ${client.errors} | ${client.inflight} | ${s.counted ?? 'n/a'} | ${fmt(s.rss, 1)} | ${fmt(s.heapMiB, 1)} | ${s.fds} | ${s.handles ?? 'n/a'} | ${fmt(client.latencyUs.getValueAtPercentile(99) / 1000, 2)} |`,
    );
  }
  client.pause();
  const elapsedS = (Date.now() - t0) / 1000;
  const settled = await client.settled(15_000);
  await client.close();
  await sleep(FLUSH_WAIT_MS);
  const text = await metrics(side);
  const counted = metricSum(text, 'sloprobe_requests_total') ?? Number.NaN;
  const stored = readStoreTotals(dataDir);
  const pendingRows = metricSum(text, 'sloprobe_store_pending_rows');
  const dropped =
    (metricSum(text, 'sloprobe_rollups_dropped_total') ?? 0) +
    (metricSum(text, 'sloprobe_store_dropped_rows_total') ?? 0);
  const alive = side.managed.child.exitCode === null;
  // A graceful stop flushes once more: the store must not change (everything was already in).
  await sup.stop(side.managed, 25_000);
  const storedAfterStop = readStoreTotals(dataDir);

  const warmIdx = Math.max(0, Math.round((WARMUP_MIN * 60) / SAMPLE_S) - 1);
  const warm = samples[warmIdx]!;
  const last = samples[samples.length - 1]!;
  const after = samples.slice(warmIdx);
  const maxRss = Math.max(...after.map((s) => s.rss));
  // RSS moves by ~20 MiB when V8 gives pages back after a major GC, so one sample is a
  // coin toss: the growth compares the median of the three samples that end the warm-up
  // and follow it with the median of the last three (the single samples are printed too).
  const atStart = after.slice(0, 3);
  const atEnd = samples.slice(-3);
  const rssStart = median(atStart.map((s) => s.rss));
  const rssEnd = median(atEnd.map((s) => s.rss));
  const growth = (rssEnd - rssStart) / rssStart;
  const heapStart = median(atStart.map((s) => s.heapMiB ?? Number.NaN));
  const heapEnd = median(atEnd.map((s) => s.heapMiB ?? Number.NaN));
  const fdSlack = Math.max(10, Math.ceil(warm.fds * 0.1));
  const maxFds = Math.max(...after.map((s) => s.fds));
  const p = (q: number) => fmt(client.latencyUs.getValueAtPercentile(q) / 1000, 2);
  log('');
  log(
    `achieved rate ${fmt(client.started / elapsedS, 1)} req/s over ${fmt(elapsedS, 0)} s; latency of answered requests p50 ${p(50)} ms, p99 ${p(99)} ms, max ${fmt(client.latencyUs.maxValue / 1000, 1)} ms; of the 5xx answers p50 ${fmt(client.latency5xxUs.getValueAtPercentile(50) / 1000, 2)} ms, p99 ${fmt(client.latency5xxUs.getValueAtPercentile(99) / 1000, 2)} ms`,
  );
  log(
    `client: ${client.started} sent, ${client.answered} answered (${client.status5xx} with 5xx, ${client.aborted} aborted after headers), ${client.errors} without any answer${settled ? '' : `, ${client.inflight} still in flight after 15 s`}`,
  );
  log(
    `sidecar: sloprobe_requests_total ${counted}; store minute rollups: total ${stored.total} (good ${stored.good}, bad ${stored.bad}, excluded ${stored.excluded}, ${stored.minuteRows} rows); after SIGTERM: ${storedAfterStop.total}; pending rows ${pendingRows ?? 'n/a'}, dropped ${dropped}`,
  );
  log(
    `RSS: ${fmt(warm.rss, 1)} MiB at the end of the warm-up (min ${fmt(warm.atS / 60, 1)}), ${fmt(last.rss, 1)} MiB at the end, max ${fmt(maxRss, 1)} after warm-up; median of 3 samples ${fmt(rssStart, 1)} -> ${fmt(rssEnd, 1)} MiB; heap used ${fmt(heapStart, 1)} -> ${fmt(heapEnd, 1)} MiB; fds ${warm.fds} -> ${last.fds} (max ${maxFds}); handles ${warm.handles ?? 'n/a'} -> ${last.handles ?? 'n/a'}`,
  );

  const v = new Verdicts();
  v.check(alive, 'sidecar alive', alive ? 'ran the whole soak' : 'exited during the soak');
  v.check(
    client.errors === 0 && settled,
    'every request answered',
    `${client.errors} requests got no response headers`,
  );
  v.check(
    counted === client.answered,
    'client count = sloprobe_requests_total',
    `${client.answered} answered vs ${counted} counted (difference ${counted - client.answered})`,
  );
  v.check(
    stored.total === client.answered,
    'client count = store rollups after a flush',
    `${client.answered} vs ${stored.total} (difference ${stored.total - client.answered})`,
  );
  v.check(
    storedAfterStop.total === stored.total,
    'graceful stop adds nothing twice',
    `${stored.total} before SIGTERM, ${storedAfterStop.total} after`,
  );
  v.check(
    growth < 0.1,
    'RSS after warm-up grows < 10%',
    `median of 3 samples ${fmt(rssStart, 1)} -> ${fmt(rssEnd, 1)} MiB: ${fmt(growth * 100, 1)}%`,
  );
  v.check(
    last.fds <= warm.fds + fdSlack,
    'file descriptors flat',
    `${warm.fds} after warm-up, ${last.fds} at the end (allowed +${fdSlack}), max ${maxFds}`,
  );
  if (warm.handles !== undefined && last.handles !== undefined) {
    const hSlack = Math.max(10, Math.ceil(warm.handles * 0.1));
    v.check(
      last.handles <= warm.handles + hSlack,
      'active handles flat',
      `${warm.handles} -> ${last.handles} (allowed +${hSlack})`,
    );
  }
  return v.print();
}

const sup = new Supervisor();
process.exitCode = await withHarness('sloprobe-soak-', sup, (tmp) => main(tmp, sup));
