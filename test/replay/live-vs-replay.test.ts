/**
 * Property: the live sidecar and `replay` count the same way. Random requests are
 * recorded live (the recorder, then the store, as the sidecar's runtime does) and written
 * as access-log lines by the sidecar's own formatter; replaying those lines must give the
 * same minute rollups and the same monthly report, and so must the store after its
 * compaction has rolled the minutes into hours and pruned them.
 *
 * No expected value is computed here: both sides run the real code and must agree. What
 * each side must be is pinned by the hand-worked tests (rollups.test.ts, replay.test.ts,
 * month.test.ts); this one catches any rule that one side applies and the other does not.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { timesliceErrorStatuses } from '../../src/config/derived.js';
import { parseConfig } from '../../src/config/load.js';
import type { ResolvedConfig } from '../../src/config/types.js';
import { mulberry32 } from '../../src/demo/random.js';
import { AccessLogFormatter } from '../../src/log/access-log.js';
import { replayLogs } from '../../src/replay/replay.js';
import { replayReports, storeReport } from '../../src/replay/report.js';
import { RouteTable } from '../../src/routing/route-table.js';
import { renderReportText } from '../../src/slo/report-render.js';
import { Store } from '../../src/store/store.js';
import { configBucketBounds } from '../../src/telemetry/buckets.js';
import type { Observation, UpstreamErrorReason } from '../../src/telemetry/observation.js';
import { Recorder } from '../../src/telemetry/recorder.js';
import type { MinuteRollup } from '../../src/telemetry/rollup.js';

const yaml = (distinct: boolean): string => `
upstream: http://127.0.0.1:9000
period: calendar-month
time_zone: UTC
timeslices: { slice: 1m, error_statuses: [500], threshold: 5%, min_consecutive: 10, distinct: ${distinct} }
classes:
  transaction-services: { availability: 99.5% }
categories:
  transactions: { class: transaction-services }
routes:
  - { name: create, method: POST, path: /api/v1/transactions, category: transactions, latency: { p99: 300ms } }
  - { name: read, method: GET, path: '/api/v1/transactions/{id}', category: transactions }
slos:
  - name: uptime
    sli: availability
    method: timeslices
    objective: 99.5%
    over: { class: transaction-services }
  - name: reads-fast
    sli: latency
    latency: { p99: 450ms }
    over: { route: read }
`;

// 2026-05-12T09:00Z: mid-month, so every request and its end fall in May.
const T0 = Date.UTC(2026, 4, 12, 9, 0, 0);
const MONTH = '2026-05';
const DAY_MS = 86_400_000;
const GRACE_MS = 10_000;

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'sloprobe-live-replay-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

type Rng = () => number;
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
const us = (rng: Rng, maxMs: number): number => (1 + Math.floor(rng() * maxMs * 1000)) * 1000;

/** What the proxy can report for one request: status, failure reason, client gone. */
function answer(
  rng: Rng,
  errorHeavy: boolean,
): { status: number; reason: UpstreamErrorReason | null; aborted: boolean } {
  const r = rng();
  if (r < (errorHeavy ? 0.6 : 0.03)) return { status: 500, reason: null, aborted: false };
  if (r < 0.36) return { status: 503, reason: null, aborted: false };
  if (r < 0.38) return { status: 502, reason: pick(rng, ['refused', 'reset'] as const), aborted: false };
  if (r < 0.39) return { status: 504, reason: 'timeout_headers', aborted: false };
  if (r < 0.41) return { status: 0, reason: null, aborted: true };
  if (r < 0.42) return { status: 200, reason: 'timeout_body', aborted: false };
  if (r < 0.5) return { status: 404, reason: null, aborted: false };
  return { status: pick(rng, [200, 201]), reason: null, aborted: false };
}

/** Random requests in end order (the order the proxy reports them and logs them). */
function traffic(seed: number, n: number, table: RouteTable, distinct: boolean): Observation[] {
  const rng = mulberry32(seed);
  const digests = Array.from({ length: 40 }, (_, i) =>
    (0x1000_0000 + i * 7919).toString(16).padStart(24, 'a'),
  );
  const out: (Observation & { endMs: number })[] = [];
  let t = T0;
  for (let i = 0; i < n; i++) {
    t += Math.floor(rng() * 4000);
    const minute = Math.floor((t - T0) / 60_000);
    // Minutes 30-49 fail a lot: enough for Downtime minutes and a Downtime Period.
    const { status, reason, aborted } = answer(rng, minute >= 30 && minute < 50);
    const [method, path] = pick(rng, [
      ['POST', '/api/v1/transactions'],
      ['POST', '/api/v1/transactions'],
      ['GET', `/api/v1/transactions/tx_${Math.floor(rng() * 50)}`],
      ['GET', '/health'],
    ] as const);
    const durationNs = us(rng, 900) + (rng() < 0.05 ? 2_000_000_000 : 0);
    // No upstream headers for the proxy's own failures and for a client gone first.
    const sliNs = reason !== null && status !== 200 ? -1 : aborted ? -1 : Math.min(us(rng, 800), durationNs);
    out.push({
      routeIndex: table.lookup(method, path),
      method,
      path,
      status,
      errorReason: reason,
      clientAborted: aborted,
      startMs: t,
      sliNs,
      durationNs,
      requestId: `r-${i}`,
      // The client-error exchange (a 400 before routing) has no digest even when distinct is on.
      digest: distinct && rng() > 0.05 ? pick(rng, digests) : null,
      endMs: t + durationNs / 1e6,
    });
  }
  return out.sort((a, b) => a.endMs - b.endMs);
}

const byKey = (a: MinuteRollup, b: MinuteRollup): number =>
  a.minute - b.minute || a.route.localeCompare(b.route);

async function live(
  cfg: ResolvedConfig,
  table: RouteTable,
  requests: readonly Observation[],
): Promise<{ rollups: MinuteRollup[]; store: Store }> {
  const recorder = new Recorder(table.routes, {
    bucketBoundsSeconds: configBucketBounds(cfg),
    timesliceErrorStatuses: timesliceErrorStatuses(cfg),
    rollupGraceMs: GRACE_MS,
  });
  const store = Store.open(cfg.store, () => {}, { now: () => T0 });
  const rollups: MinuteRollup[] = [];
  for (const o of requests) {
    // The runtime drains about every second at the wall clock: here, at each request's end.
    const now = o.startMs + o.durationNs / 1e6;
    const done = recorder.drainRollups(now);
    rollups.push(...done);
    store.writeRollups(done);
    recorder.observe(o);
  }
  const end = requests[requests.length - 1]!.startMs + 10 * 60_000;
  const done = recorder.drainRollups(end);
  rollups.push(...done);
  store.writeRollups(done);
  store.writeLatencyHistograms(recorder.drainHourHistograms());
  return { rollups: rollups.sort(byKey), store };
}

for (const [seed, distinct] of [
  [1, true],
  [2, true],
  [3, false],
  [4, true],
  [5, false],
] as const) {
  test(`seed ${seed}, distinct ${distinct}: live and replayed rollups and reports are identical`, async () => {
    const cfg = parseConfig(yaml(distinct), 'live-vs-replay.yaml');
    const table = new RouteTable(cfg.routes);
    const requests = traffic(seed, 2500, table, distinct);
    const formatter = new AccessLogFormatter(table.routes);
    const file = join(dir, `seed-${seed}.log`);
    writeFileSync(file, requests.map((o) => formatter.format(o)).join(''));

    const recorded = await live({ ...cfg, store: { ...cfg.store, dataDir: ':memory:' } }, table, requests);
    const replayed = await replayLogs(cfg, [file]);
    assert.equal(replayed.stats.malformed, 0);
    assert.equal(replayed.stats.replayed, requests.length);

    const fromReplay = replayed.rollups.readRollups(0, Number.MAX_SAFE_INTEGER).sort(byKey);
    assert.ok(fromReplay.length > 100, 'enough route-minutes to mean something');
    assert.deepEqual(fromReplay, recorded.rollups, 'replay books what the live recorder booked');
    assert.deepEqual(
      recorded.store.readRollups(0, Number.MAX_SAFE_INTEGER).sort(byKey),
      recorded.rollups,
      'the store gives back what it was given',
    );
    if (distinct) {
      const repeats = fromReplay.reduce((n, r) => n + r.total - r.distinct, 0);
      assert.ok(repeats > 0, 'the traffic has repeated identical requests');
    }

    const generatedAtMs = T0 + DAY_MS;
    const [fromLog] = replayReports(cfg, replayed, [MONTH], generatedAtMs);
    const fromStore = storeReport(cfg, recorded.store, MONTH, configBucketBounds(cfg), generatedAtMs);
    assert.deepEqual(fromStore, fromLog, 'the same monthly report');
    assert.equal(renderReportText(fromStore), renderReportText(fromLog!));
    const uptime = fromLog!.slos.find((s) => s.name === 'uptime');
    assert.ok(
      (uptime?.timeslices?.downtimePeriods.length ?? 0) > 0,
      'the failing stretch is a Downtime Period',
    );

    // Forty days on, compaction has rolled the minutes into hours and pruned them: the
    // report is rebuilt from hourly rows and must not change.
    for (let i = 0; i < 10 && recorded.store.compact(T0 + 40 * DAY_MS).more; i++);
    const compacted = storeReport(cfg, recorded.store, MONTH, configBucketBounds(cfg), generatedAtMs);
    assert.deepEqual(compacted, fromLog, 'the same report from hourly rollups');
    recorded.store.close();
  });
}
