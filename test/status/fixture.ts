/**
 * A sidecar whose store already holds 90 days of traffic, at a fixed clock, with downtimes
 * fed through the status views' StatusSources interface (as the downtime tracker will).
 * Imported by the status tests; does nothing on its own.
 *
 * SMALL_CONFIG's traffic (the tests work the figures out by hand from this table): the clock
 * is 2026-11-30 12:00 UTC, so the 90 days shown run from 2026-09-02 to 2026-11-30.
 *
 * | route           | day        | minute (UTC) | requests | bad | note                         |
 * | --------------- | ---------- | ------------ | -------- | --- | ---------------------------- |
 * | create-payment  | every day  | 10:00        | 1000     | 0   | except the rows below        |
 * | create-payment  | 2026-11-10 | 10:00        | 1000     | 20  | 98%: missed, within 5 budgets |
 * | create-payment  | 2026-11-12 | 10:00        | 1000     | 100 | 90%: missed by more          |
 * | create-payment  | 2026-11-14 | -            | 0        | 0   | no traffic: no data          |
 * | create-payment  | 2026-11-16 | 10:00        | 1000     | 5   | 99.5%: met                   |
 * | read-settlement | every day  | 10:00        | 100      | 0   |                              |
 * | read-settlement | 2026-11-20 | 01:30        | +100     | 50  | in accepted maintenance      |
 * | read-settlement | 2026-11-25 | 01:30        | +100     | 50  | in rejected maintenance      |
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { sloLatencyThresholdsSeconds } from '../../src/config/derived.js';
import type { ResolvedConfig } from '../../src/config/types.js';
import { mulberry32 } from '../../src/demo/random.js';
import { createAppLog } from '../../src/log/app-log.js';
import { planMethods } from '../../src/payments/method-series.js';
import type { Sidecar } from '../../src/sidecar.js';
import { configSources, type DowntimeView } from '../../src/status/sources.js';
import { Store } from '../../src/store/store.js';
import {
  BucketLayout,
  DEFAULT_LATENCY_BOUNDS_SECONDS,
  latencyBucketBounds,
} from '../../src/telemetry/buckets.js';
import type { MinuteRollup } from '../../src/telemetry/rollup.js';
import { loopbackConfig, startLoopbackSidecar } from '../helpers/sidecar.js';

export const NOW = Date.UTC(2026, 10, 30, 12, 0, 0);
export const DAY = 86_400_000;
export const FIRST_DAY = Date.UTC(2026, 8, 2);

export const SMALL_CONFIG = `
upstream: http://127.0.0.1:9
period: 30d
classes:
  transaction-critical: { availability: 99% }
  additional: { availability: 99% }
categories:
  payment-request: { class: transaction-critical, description: Creating and reading payment requests. }
  settlements: { class: additional }
  disputes: { class: additional }
maintenance:
  policy: klarna
  windows:
    - { id: db-upgrade, start: "2026-11-20T01:00:00Z", end: "2026-11-20T03:00:00Z", announced_at: "2026-11-10T00:00:00Z", categories: [settlements] }
    - { id: rushed-fix, start: "2026-11-25T01:00:00Z", end: "2026-11-25T02:00:00Z", announced_at: "2026-11-24T01:00:00Z", categories: [settlements] }
    - { id: next-month, start: "2026-12-15T01:00:00Z", end: "2026-12-15T02:00:00Z", announced_at: "2026-11-29T00:00:00Z", all: true }
routes:
  - { name: create-payment, method: POST, path: /v1/payments, category: payment-request, latency: { p99: 500ms } }
  - { name: read-settlement, method: GET, path: /v1/settlements, category: settlements }
`;

const sec = (ms: number) => Math.floor(ms / 1000);

/** Started 30 minutes ago, high severity, no end yet: payment-request is in a major outage. */
export const ACTIVE_INCIDENT: DowntimeView = {
  id: 'down_active1',
  entity: 'payment.downtime',
  method: 'card',
  begin: sec(NOW - 30 * 60_000),
  end: null,
  status: 'started',
  scheduled: false,
  severity: 'high',
  instrument: { network: 'VISA' },
  created_at: sec(NOW - 29 * 60_000),
  updated_at: sec(NOW - 10 * 60_000),
  categories: ['payment-request'],
  title: 'Card payments failing',
  updates: [
    {
      at: sec(NOW - 29 * 60_000),
      status: 'started',
      severity: 'high',
      message: 'Error rate above 20% on card payments.',
    },
    {
      at: sec(NOW - 10 * 60_000),
      status: 'started',
      severity: 'high',
      message: 'Upstream issuer acknowledged.',
    },
  ],
  policy: undefined,
};

/** 2026-11-27 08:00-09:00, medium, resolved. */
export const RESOLVED_INCIDENT: DowntimeView = {
  id: 'down_resolved1',
  entity: 'payment.downtime',
  method: 'fpx',
  begin: sec(Date.UTC(2026, 10, 27, 8)),
  end: sec(Date.UTC(2026, 10, 27, 9)),
  status: 'resolved',
  scheduled: false,
  severity: 'medium',
  instrument: { bank: 'HLB0224' },
  created_at: sec(Date.UTC(2026, 10, 27, 8, 2)),
  updated_at: sec(Date.UTC(2026, 10, 27, 9)),
  categories: ['payment-request'],
  title: 'FPX bank slow',
  updates: [
    { at: sec(Date.UTC(2026, 10, 27, 8, 2)), status: 'started', severity: 'medium', message: 'Declines up.' },
    { at: sec(Date.UTC(2026, 10, 27, 9)), status: 'resolved', severity: 'medium', message: 'Recovered.' },
  ],
  policy: undefined,
};

function bucketSize(config: ResolvedConfig): number {
  const base = [...DEFAULT_LATENCY_BOUNDS_SECONDS, ...sloLatencyThresholdsSeconds(config)];
  return new BucketLayout(latencyBucketBounds(config.routes, base)).size;
}

/**
 * A rollup whose requests got an answer in the first latency bucket, but `slow` of them in
 * the last finite one (slower than any objective here).
 */
export function rollup(
  size: number,
  minute: number,
  route: string,
  total: number,
  bad: number,
  slow = 0,
): MinuteRollup {
  const buckets = new Array<number>(size).fill(0);
  buckets[0] = total - slow;
  buckets[size - 2] = slow;
  return {
    minute,
    route,
    total,
    good: total - bad,
    bad,
    excluded: 0,
    slow,
    errors: bad,
    distinct: total,
    buckets,
  };
}

const minuteAt = (dayMs: number, h: number, m: number) => (dayMs + h * 3_600_000 + m * 60_000) / 60_000;

export function smallTraffic(config: ResolvedConfig): MinuteRollup[] {
  const size = bucketSize(config);
  const out: MinuteRollup[] = [];
  const special: Record<string, number | null> = {
    '2026-11-10': 20,
    '2026-11-12': 100,
    '2026-11-14': null,
    '2026-11-16': 5,
  };
  for (let d = FIRST_DAY; d <= NOW; d += DAY) {
    const key = new Date(d).toISOString().slice(0, 10);
    const bad = key in special ? special[key] : 0;
    if (bad !== null && bad !== undefined)
      out.push(rollup(size, minuteAt(d, 10, 0), 'create-payment', 1000, bad));
    out.push(rollup(size, minuteAt(d, 10, 0), 'read-settlement', 100, 0));
    if (key === '2026-11-20' || key === '2026-11-25')
      out.push(rollup(size, minuteAt(d, 1, 30), 'read-settlement', 100, 50));
  }
  return out;
}

/**
 * Demo-like traffic for any config: every route, 24 minutes a day (one per hour), 40
 * requests each with about 0.3% errors, and a few slow ones; then two hours in which
 * `incidentRoute` alone gets traffic, every minute, 30% failing (the scripted incident).
 */
export function demoTraffic(config: ResolvedConfig, incidentRoute: string): MinuteRollup[] {
  const size = bucketSize(config);
  const rng = mulberry32(20261130);
  const out: MinuteRollup[] = [];
  for (let d = FIRST_DAY; d <= NOW; d += DAY) {
    for (let h = 0; h < 24; h++) {
      const minute = minuteAt(d, h, 7);
      if (minute * 60_000 > NOW - 2 * 3_600_000) break;
      for (const r of config.routes)
        out.push(rollup(size, minute, r.name, 40, rng() < 0.12 ? 1 : 0, rng() < 0.3 ? 1 : 0));
    }
  }
  // The scripted incident: every minute of the last two hours, 12 of 40 fail.
  for (let m = (NOW - 2 * 3_600_000) / 60_000; m <= NOW / 60_000; m++)
    out.push(rollup(size, m, incidentRoute, 40, 12));
  return out;
}

/**
 * demoTraffic's shape for the payment-method series of `config`: 24 minutes a day, 40
 * requests each, about 0.3% errors; the last two hours `incidentSeries` alone, 12 of 40
 * failing every minute. Counters only, as the method runtime stores them.
 */
export function demoMethodTraffic(config: ResolvedConfig, incidentSeries: string): MinuteRollup[] {
  const rng = mulberry32(20261201);
  const out: MinuteRollup[] = [];
  const row = (minute: number, route: string, total: number, bad: number): MinuteRollup => ({
    ...rollup(0, minute, route, total, bad),
    buckets: [],
  });
  const series = planMethods(config.routes).series.map((s) => s.name);
  for (let d = FIRST_DAY; d <= NOW; d += DAY) {
    for (let h = 0; h < 24; h++) {
      const minute = minuteAt(d, h, 7);
      if (minute * 60_000 > NOW - 2 * 3_600_000) break;
      for (const s of series) out.push(row(minute, s, 40, rng() < 0.12 ? 1 : 0));
    }
  }
  for (let m = (NOW - 2 * 3_600_000) / 60_000; m <= NOW / 60_000; m++)
    out.push(row(m, incidentSeries, 40, 12));
  return out;
}

export interface Running {
  readonly sidecar: Sidecar;
  readonly url: string;
  readonly config: ResolvedConfig;
  close(): Promise<void>;
}

/** Writes `traffic` into a fresh store, then starts the sidecar on it at NOW. */
export async function startWithHistory(
  yaml: string,
  traffic: (c: ResolvedConfig) => MinuteRollup[],
  downtimes: readonly DowntimeView[],
  /** Payment-method series minutes (route = series name, `method:card`), as the runtime stores them. */
  methodTraffic?: (c: ResolvedConfig) => MinuteRollup[],
): Promise<Running> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sloprobe-status-'));
  const config = loopbackConfig(yaml, 'status.yaml', { dataDir });
  const store = Store.open(config.store, () => {}, { now: () => NOW });
  store.writeRollups(traffic(config));
  if (methodTraffic) store.writeMethodRollups(methodTraffic(config));
  store.close();
  const sink = new PassThrough();
  sink.resume();
  const sidecar = await startLoopbackSidecar(config, {
    log: createAppLog({ destination: sink }),
    now: () => NOW,
    statusSources: (c, runtime) =>
      configSources(
        c,
        runtime.engine.maintenance,
        () => NOW,
        () => downtimes,
      ),
  });
  const a = sidecar.adminAddress;
  return {
    sidecar,
    url: `http://${a.host}:${a.port}`,
    config,
    async close() {
      await sidecar.close(0);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
