/**
 * `sloprobe replay --format html` on the generated month of test/replay (April 2025, whose
 * figures month.test.ts works out by hand), opened in a real headless Chromium: no console
 * error, nothing fetched but the file itself, and the same figures as the text report of
 * the same replay, row by row. The charts are drawn from daily figures, the table from the
 * month's totals: the budget chart must end where "budget left" says (consumed + left = 100%).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { replayCommand } from '../../src/cli/replay.js';
import { reportCommand } from '../../src/cli/report.js';
import { Store } from '../../src/store/store.js';
import { launchChromium, watchedPage } from '../helpers/browser.js';
import { CONFIG_YAML, generateMonth } from '../replay/generate-log.js';
import { runCli } from '../replay/io.js';

let dir = '';
let logFile = '';
let configFile = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'sloprobe-report-html-'));
  logFile = join(dir, 'access.log');
  configFile = join(dir, 'sloprobe.yaml');
  writeFileSync(logFile, generateMonth().text);
  writeFileSync(configFile, CONFIG_YAML);
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** The per-SLO rows of the text report: the table between its dashes and the next blank line. */
function textRows(text: string): string[][] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith('SLO ') && l.includes('budget left'));
  const rows: string[][] = [];
  for (let i = start + 2; i < lines.length && lines[i] !== ''; i++)
    rows.push(lines[i]!.trim().split(/\s{2,}/));
  return rows;
}

test('--out without --format html is a usage error (exit 2)', async () => {
  const r = await runCli(replayCommand, ['--config', configFile, '--out', dir, logFile]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--out is for --format html/);
});

test('several months without --out is a usage error (exit 2)', async () => {
  const r = await runCli(replayCommand, [
    '--config',
    configFile,
    '--format',
    'html',
    '--from',
    '2025-03',
    '--to',
    '2025-05',
    logFile,
  ]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /2 months to write as HTML: give --out DIR/);
});

test('replay --format html shows the text report figures, in Chromium without errors', async (t) => {
  const text = await runCli(replayCommand, ['--config', configFile, logFile]);
  assert.equal(text.code, 0);
  const out = join(dir, 'html');
  const html = await runCli(replayCommand, [
    '--config',
    configFile,
    '--format',
    'html',
    '--out',
    out,
    logFile,
  ]);
  assert.equal(html.code, 0, html.stderr);
  const file = join(out, 'sloprobe-report-2025-04.html');
  assert.equal(html.stdout, `${file}\n`);
  assert.match(readFileSync(file, 'utf8'), /^<!doctype html>/);

  const browser = await launchChromium(t);
  if (!browser) return;
  t.after(() => browser.close());
  const w = await watchedPage(browser);
  const url = pathToFileURL(file).href;
  await w.page.goto(url);
  assert.deepEqual(w.errors, []);
  assert.deepEqual(w.requests, [url]);
  assert.equal(await w.page.getAttribute('html', 'lang'), 'en');
  assert.equal(await w.page.locator('h1').textContent(), 'SLA report for 2025-04');
  for (const svg of await w.page.locator('svg').all()) assert.equal(await svg.getAttribute('role'), 'img');

  // Row by row, the cells of the text table (SLO, SLI, method, objective, requests, good,
  // bad, excluded, SLI %, result, budget left).
  const expected = textRows(text.stdout);
  assert.equal(expected.length, 3, text.stdout);
  for (const row of expected) {
    const cells = await w.page.locator(`tr[data-slo="${row[0]}"] td`).allTextContents();
    assert.deepEqual(cells, row);
  }
  // Timeslices: the uptime and the Downtime Periods of the text report.
  const uptime = /uptime (\S+) of/.exec(text.stdout)![1];
  assert.equal(await w.page.locator('[data-timeslices="uptime"] .uptime').textContent(), uptime);
  const periods = [...text.stdout.matchAll(/^ {4}(\S+ \S+Z) - (\S+ \S+Z) +(\S+) min$/gm)];
  assert.ok(periods.length >= 2);
  const rows = await w.page.locator('tr.downtime-period').all();
  assert.equal(rows.length, periods.length);
  for (let i = 0; i < rows.length; i++) {
    const cells = await rows[i]!.locator('td').allTextContents();
    assert.deepEqual(cells, [
      periods[i]![1]!.replace('Z', ' UTC'),
      periods[i]![2]!.replace('Z', ' UTC'),
      periods[i]![3],
    ]);
  }
  const credit = /Service credit: ([\d,]+) USD/.exec(text.stdout)![1];
  const shown = (await w.page.locator('.credit').textContent()) ?? '';
  assert.ok(shown.startsWith(`Service credit: ${credit} USD`), shown);

  // Each budget chart ends where the table's budget left says: consumed + left = 100%.
  const descs = await w.page
    .locator('p.mute', { hasText: "of the month's error budget consumed" })
    .allTextContents();
  assert.equal(descs.length, 3);
  for (const d of descs) {
    const m = /^(-?[\d.]+)% of the month's error budget consumed \(budget left (-?[\d.]+)%\)/.exec(d)!;
    assert.ok(Math.abs(Number(m[1]) + Number(m[2]) - 100) < 0.11, d);
  }
  // Chromium's print gives a PDF of the same document.
  const pdf = await w.page.pdf({ path: join(dir, 'report.pdf') });
  assert.equal(pdf.subarray(0, 4).toString(), '%PDF');
});

test("report --format html: the live store's month as one document on stdout", async () => {
  const storeDir = join(dir, 'store');
  const store = Store.open(
    { dataDir: storeDir, minuteRetentionMs: 35 * 86_400_000, hourRetentionMs: 400 * 86_400_000 },
    () => {},
  );
  const june = Date.UTC(2025, 5, 1) / 60_000;
  const row = (minute: number, total: number, bad: number) => ({
    minute,
    route: 'transaction-create',
    total,
    good: total - bad,
    bad,
    excluded: 0,
    slow: 0,
    errors: bad,
    distinct: total,
    buckets: [],
  });
  // 2,000 requests, 30 of them 500s: A% = (2,000 - 30) / 2,000 = 98.5%.
  store.writeRollups([row(june + 10, 1000, 0), row(june + 11, 1000, 30)]);
  store.close();
  const out = await runCli(reportCommand, [
    '--config',
    configFile,
    '--data-dir',
    storeDir,
    '--month',
    '2025-06',
    '--format',
    'html',
  ]);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /^<!doctype html>/);
  assert.match(out.stdout, /<h1>SLA report for 2025-06<\/h1>/);
  assert.match(out.stdout, /<tr data-slo="transactions-availability">.*?<td class="n sli">98\.5%<\/td>/);
});
