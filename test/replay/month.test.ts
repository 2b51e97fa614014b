/**
 * A generated month of access log (generate-log.ts) replayed gives the uptime, availability
 * and credit that a hand calculation gives. The arithmetic is done here, from the table in
 * generate-log.ts and the seeds' words; nothing is copied from the code's output.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { replayCommand } from '../../src/cli/replay.js';
import { reportCommand } from '../../src/cli/report.js';
import { parseConfig } from '../../src/config/load.js';
import { type ReplayResult, replayLogs } from '../../src/replay/replay.js';
import { replayReports } from '../../src/replay/report.js';
import { reportJson } from '../../src/slo/report-render.js';
import { Store } from '../../src/store/store.js';
import { CONFIG_YAML, type GeneratedLog, generateMonth, MONTH, MONTH_START_MS } from './generate-log.js';
import { runCli } from './io.js';

let dir = '';
let log: GeneratedLog;
let plainFile = '';
let gzipFile = '';
let configFile = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'sloprobe-replay-month-'));
  log = generateMonth();
  plainFile = join(dir, 'access.log');
  // No .gz suffix: gzip is recognised by its magic bytes.
  gzipFile = join(dir, 'access-log-copy');
  configFile = join(dir, 'sloprobe.yaml');
  writeFileSync(plainFile, log.text);
  writeFileSync(gzipFile, gzipSync(log.text, { level: 1 }));
  writeFileSync(configFile, CONFIG_YAML);
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface SloJson {
  name: string;
  sli: string;
  method: string;
  objective: number;
  requests: number;
  good: number;
  bad: number;
  excluded: number;
  ratio: number | null;
  met: boolean | null;
  budget_remaining: number;
  uptime_ratio?: number;
  downtime_periods?: { start: string; end: string; minutes: number }[];
  downtime_period_minutes?: number;
  intermittent_downtime_minutes?: number;
  service_credit?: { amount: number; currency: string } | null;
  p99_ms?: number | null;
  p99_source?: string;
  over_threshold_ratio?: number | null;
}

interface ReportDoc {
  month: string;
  slos: SloJson[];
  replay?: {
    lines: number;
    replayed: number;
    malformed: number;
    blank: number;
    malformed_lines: { file: string; line: number; problem: string }[];
  };
}

function slo(doc: ReportDoc, pick: (s: SloJson) => boolean): SloJson {
  const found = doc.slos.find(pick);
  assert.ok(found, 'SLO present');
  return found;
}

async function replayJson(file: string): Promise<ReportDoc> {
  const out = await runCli(replayCommand, ['--config', configFile, '--format', 'json', file]);
  assert.equal(out.code, 0, out.stderr);
  const docs = out.stdout.trim().split('\n');
  assert.equal(docs.length, 1, 'the log covers one month: one report');
  return JSON.parse(docs[0]!) as ReportDoc;
}

// Each replay of the month takes a second or two: every test shares these two.
let plainDoc: Promise<ReportDoc> | undefined;
let gzipResult: Promise<ReplayResult> | undefined;
const replayedPlain = () => (plainDoc ??= replayJson(plainFile));
const replayedGzip = () => (gzipResult ??= replayLogs(parseConfig(CONFIG_YAML, configFile), [gzipFile]));

test('a month of access log gives the hand-calculated availability, uptime and service credit', async () => {
  const doc = await replayedPlain();
  assert.equal(doc.month, MONTH);

  // Lines: 43,200 minutes x 10 requests = 432,000
  //   + outage A retries 12 x 4 = 48, + "exactly 5%" reads 15 x 10 = 150,
  //   + "duplicates" reads and retries 15 x (10 + 2) = 180, + status-0 lines 720
  //   = 433,098 requests, plus 5 malformed lines and 1 blank line = 433,104 lines.
  assert.equal(doc.replay?.replayed, 433_098);
  assert.equal(doc.replay?.lines, 433_104);
  assert.equal(doc.replay?.malformed, 5);
  assert.equal(doc.replay?.blank, 1);

  // Availability (docs/sla-definitions.md#availability-occurrences): "A% = SR / R * 100"; SR = 2xx, 3xx and 4xx (the 404s are
  // good); a client that went away before any response is neither (720 excluded).
  // R = 433,098 - 720 = 432,378. Bad = A 12 x (2 + 4) = 72, B 9 x 1 = 9, C 240 x 3 = 720,
  // exactly-5% 15 x 1 = 15, duplicates 15 x 3 = 45, proxy 502s 30 x 3 = 90: 951.
  // SR = 432,378 - 951 = 431,427; A = 431,427 / 432,378 = 0.997800 >= 99.5%: met.
  const availability = slo(doc, (s) => s.sli === 'availability' && s.method === 'occurrences');
  assert.equal(availability.requests, 433_098);
  assert.equal(availability.excluded, 720);
  assert.equal(availability.bad, 951);
  assert.equal(availability.good, 431_427);
  assert.ok(Math.abs((availability.ratio ?? 0) - 431_427 / 432_378) < 1e-12);
  assert.equal(availability.met, true);
  // Budget: 1 - (951 / 432,378) / (1 - 0.995) = 1 - 0.439893... = 0.560107...
  assert.ok(Math.abs(availability.budget_remaining - (1 - 951 / 432_378 / 0.005)) < 1e-9);

  // Uptime (docs/sla-definitions.md#downtime-minute): a minute is Downtime when 500s / distinct requests > 5%.
  // A: 2 distinct 500s (the retries repeat them) / 10 = 20%; B: 1/10 = 10%; C: 3/10 = 30%
  // (3/11 in its :30 minutes, still > 5%). Exactly-5%: 1/20 = 5%, not "greater than five
  // percent". Duplicates: 3 lines of 500 but one distinct request, 1/20 = 5%: not Downtime
  // (counting lines, 3/22 = 13.6%, would make 15 minutes of Downtime). Proxy 502s are not
  // "HTTP Status 500". Downtime Periods ("ten (10) or more consecutive minutes"): A (12)
  // and C (240) = 252 minutes; B's 9 minutes "will not be counted".
  // Uptime = (43,200 - 252) / 43,200 = 42,948 / 43,200 = 0.994166... < 99.5%: missed.
  const uptime = slo(doc, (s) => s.method === 'timeslices');
  assert.ok(Math.abs((uptime.uptime_ratio ?? 0) - 42_948 / 43_200) < 1e-12);
  assert.ok(Math.abs((uptime.ratio ?? 0) - 42_948 / 43_200) < 1e-12);
  assert.equal(uptime.met, false);
  assert.equal(uptime.downtime_period_minutes, 252);
  assert.equal(uptime.intermittent_downtime_minutes, 9);
  assert.deepEqual(
    uptime.downtime_periods?.map((p) => [p.start, p.minutes]),
    [
      ['2025-04-10T14:00:00Z', 12],
      ['2025-04-15T02:00:00Z', 240],
    ],
  );
  // Credit (docs/sla-definitions.md#service-credit): "the lesser of (i) 10% of any refundable fees prepaid ... for the
  // month ... and (ii) $10,000": fees 25,000 -> 2,500.
  assert.deepEqual(uptime.service_credit, { amount: 2_500, currency: 'USD', monthly_fees: 25_000 });

  // Latency (docs/sla-definitions.md#latency-p99: "measured on all requests at the 99 percentile"): creates are
  // 43,200 x 5 + 48 + 30 retries = 216,078 requests; 432 of them (minute index % 100 == 7)
  // took 450 ms > 300 ms. Over threshold: 432 / 216,078 = 0.1999% <= 1%: met.
  const latency = slo(doc, (s) => s.sli === 'latency');
  assert.equal(latency.requests, 216_078);
  assert.equal(latency.bad, 432);
  assert.ok(Math.abs((latency.over_threshold_ratio ?? 0) - 432 / 216_078) < 1e-12);
  assert.equal(latency.met, true);
  // The exact p99: the ceil(0.99 x n)-th smallest create latency, to HDR's 3 significant digits.
  const sorted = [...log.createLatenciesMs].sort((a, b) => a - b);
  const exact = sorted[Math.ceil(0.99 * sorted.length) - 1]!;
  assert.equal(latency.p99_source, 'hdr');
  assert.ok(Math.abs((latency.p99_ms ?? 0) - exact) <= exact / 1000, `p99 ${latency.p99_ms} vs ${exact}`);
});

test('the gzip copy replays to the same report', async () => {
  const plain = await replayedPlain();
  const gzip = await replayedGzip();
  const cfg = parseConfig(CONFIG_YAML, configFile);
  const [report] = replayReports(cfg, gzip, [MONTH], 0);
  assert.deepEqual((reportJson(report!) as unknown as ReportDoc).slos, plain.slos);
  assert.equal(gzip.stats.replayed, plain.replay?.replayed);
  assert.deepEqual(
    gzip.malformedLines.map((l) => l.line),
    plain.replay?.malformed_lines.map((l) => l.line),
  );
});

test('malformed lines are listed by file and line number, and never stop the replay', async () => {
  const doc = await replayedPlain();
  assert.deepEqual(
    doc.replay?.malformed_lines.map((l) => `${l.file}:${l.line}`),
    log.malformed.map((m) => `${plainFile}:${m.line}`),
  );
  const seconds = doc.replay?.malformed_lines.find(
    (l) => l.line === log.malformed.find((m) => m.kind === 'seconds')?.line,
  );
  assert.match(seconds?.problem ?? '', /seconds/);
});

test('report on a store holding the same rollups prints the same numbers as replay', async () => {
  const cfg = parseConfig(CONFIG_YAML, configFile);
  const result = await replayedGzip();
  const storeDir = join(dir, 'store');
  const store = Store.open({ ...cfg.store, dataDir: storeDir }, () => {});
  const fromMinute = MONTH_START_MS / 60_000 - 1440;
  store.writeRollups(result.rollups.readRollups(fromMinute, fromMinute + 33 * 1440));
  // The month's latency histogram, under the month's first hour.
  store.writeLatencyHistograms(
    [...result.rollups.readLatencyHistograms(MONTH_START_MS)].map(([route, counts]) => ({
      hour: MONTH_START_MS / 3_600_000,
      route,
      counts,
    })),
  );
  store.close();

  const replayed = await replayedPlain();
  const out = await runCli(reportCommand, [
    '--config',
    configFile,
    '--month',
    MONTH,
    '--format',
    'json',
    '--data-dir',
    storeDir,
  ]);
  assert.equal(out.code, 0, out.stderr);
  const reported = JSON.parse(out.stdout) as ReportDoc;
  assert.deepEqual(reported.slos, replayed.slos);
});
