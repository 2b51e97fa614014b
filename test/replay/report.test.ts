import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { reportCommand } from '../../src/cli/report.js';
import { Store } from '../../src/store/store.js';
import type { MinuteRollup } from '../../src/telemetry/rollup.js';
import { CONFIG_YAML } from './generate-log.js';
import { runCli } from './io.js';

let dir = '';
let configFile = '';
let storeDir = '';
const JUNE = Date.UTC(2025, 5, 1) / 60_000;

function rollup(minute: number, route: string, total: number, bad: number): MinuteRollup {
  return {
    minute,
    route,
    total,
    good: total - bad,
    bad,
    excluded: 0,
    slow: 0,
    errors: bad,
    distinct: total,
    buckets: [],
  };
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'sloprobe-report-'));
  configFile = join(dir, 'sloprobe.yaml');
  writeFileSync(configFile, CONFIG_YAML);
  storeDir = join(dir, 'data');
  const store = Store.open(
    { dataDir: storeDir, minuteRetentionMs: 35 * 86_400_000, hourRetentionMs: 400 * 86_400_000 },
    () => {},
  );
  // June: 1,000 requests on each of two minutes, 30 of them 500s in the second.
  store.writeRollups([
    rollup(JUNE + 10, 'transaction-create', 1000, 0),
    rollup(JUNE + 11, 'transaction-create', 1000, 30),
  ]);
  // July: one clean minute.
  store.writeRollups([rollup(JUNE + 30 * 1440 + 5, 'transaction-read', 10, 0)]);
  store.close();
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Doc {
  month: string;
  slos: { sli: string; method: string; requests: number; bad: number; ratio: number | null }[];
}

test('report prints the month asked for, from the store', async () => {
  const out = await runCli(reportCommand, [
    '--config',
    configFile,
    '--data-dir',
    storeDir,
    '--month',
    '2025-06',
    '--format',
    'json',
  ]);
  assert.equal(out.code, 0, out.stderr);
  const doc = JSON.parse(out.stdout) as Doc;
  assert.equal(doc.month, '2025-06');
  const availability = doc.slos.find((s) => s.sli === 'availability' && s.method === 'occurrences');
  // A% = SR / R = (2,000 - 30) / 2,000 = 98.5%.
  assert.equal(availability?.requests, 2000);
  assert.equal(availability?.bad, 30);
  assert.equal(availability?.ratio, 0.985);
});

test("without --month: the current month in the config's time zone", async () => {
  const out = await runCli(
    reportCommand,
    ['--config', configFile, '--data-dir', storeDir, '--format', 'json'],
    {
      now: Date.UTC(2025, 6, 15),
    },
  );
  assert.equal(out.code, 0, out.stderr);
  const doc = JSON.parse(out.stdout) as Doc;
  assert.equal(doc.month, '2025-07');
  assert.equal(doc.slos.find((s) => s.method === 'occurrences')?.requests, 10);
});

test('the text report is a table for a person', async () => {
  const out = await runCli(reportCommand, [
    '--config',
    configFile,
    '--data-dir',
    storeDir,
    '--month',
    '2025-06',
  ]);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /^SLA report for 2025-06/);
  assert.match(out.stdout, /transactions-availability\s+availability\s+occurrences/);
});

test('errors: bad flags exit 2, an unreadable store exits 1, one line each', async () => {
  const cases: [string[], number, RegExp][] = [
    [['--config', configFile, '--month', '2025-13', '--data-dir', storeDir], 2, /--month must be YYYY-MM/],
    [
      ['--config', configFile, '--format', 'csv', '--data-dir', storeDir],
      2,
      /--format must be text, json or html/,
    ],
    [['--config', configFile, '--data-dir', ':memory:'], 2, /in memory/],
    [['--config', configFile, '--data-dir', join(dir, 'nothing-here')], 1, /no store in/],
    [['--config', join(dir, 'none.yaml'), '--data-dir', storeDir], 2, /cannot read config file/],
    [['--data-dir', storeDir, '--what'], 2, /Unknown option/],
  ];
  for (const [argv, code, message] of cases) {
    const out = await runCli(reportCommand, argv);
    assert.equal(out.code, code, argv.join(' '));
    assert.match(out.stderr, message);
    assert.equal(out.stdout, '');
  }
});
