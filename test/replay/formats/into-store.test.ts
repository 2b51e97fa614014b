/**
 * `replay --into-store` then `report`: the month is in the store; a second replay of the
 * same range is refused unless --replace; a sidecar holding the store blocks the backfill.
 * Also: progress lines off a terminal, and --quiet.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { replayCommand } from '../../../src/cli/replay.js';
import { progressText } from '../../../src/cli/replay-progress.js';
import { reportCommand } from '../../../src/cli/report.js';
import { parseConfig } from '../../../src/config/load.js';
import { lineFormat } from '../../../src/replay/formats/index.js';
import { replayLogs } from '../../../src/replay/replay.js';
import { acquireStoreLock } from '../../../src/store/lock.js';
import { CONFIG_YAML } from '../generate-log.js';
import { runCli } from '../io.js';

let dir = '';
let configFile = '';
let log = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'sloprobe-into-store-'));
  configFile = join(dir, 'sloprobe.yaml');
  writeFileSync(configFile, CONFIG_YAML);
  // Three good creates, one 500 and one read (204), in June 2025, nginx combined + timings.
  const l = (min: number, method: string, path: string, status: number) =>
    `10.0.0.1 - - [10/Jun/2025:12:0${min}:30 +0000] "${method} ${path} HTTP/1.1" ${status} 10 "-" "k6" 0.020 0.015`;
  log = join(dir, 'access.log');
  writeFileSync(
    log,
    `${[
      l(1, 'POST', '/api/v1/transactions', 201),
      l(2, 'POST', '/api/v1/transactions', 201),
      'not a log line',
      l(3, 'POST', '/api/v1/transactions', 200),
      l(4, 'POST', '/api/v1/transactions', 500),
      l(5, 'GET', '/api/v1/transactions/42', 204),
    ].join('\n')}\n`,
  );
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('replay --into-store then report prints the month; overlap refused without --replace', async () => {
  const data = join(dir, 'data');
  const args = ['-c', configFile, '--input-format', 'nginx', '--into-store', '--data-dir', data, log];
  const first = await runCli(replayCommand, args);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /5 requests, 1 malformed/);
  assert.match(first.stdout, /into .*data/);
  // The bad line is listed by its line number: the third.
  assert.match(first.stderr, /access\.log:3: does not match the nginx log_format/);

  const report = await runCli(reportCommand, [
    '-c',
    configFile,
    '--month',
    '2025-06',
    '--data-dir',
    data,
    '--format',
    'json',
  ]);
  assert.equal(report.code, 0, report.stderr);
  const slos = JSON.parse(report.stdout).slos as {
    sli: string;
    method: string;
    requests: number;
    good: number;
    bad: number;
  }[];
  const occurrences = slos.find((s) => s.sli === 'availability' && s.method === 'occurrences');
  // Hand count: 5 requests; 201, 201, 200, 204 are good (2xx), the 500 is bad.
  assert.deepEqual(
    occurrences && { requests: occurrences.requests, good: occurrences.good, bad: occurrences.bad },
    { requests: 5, good: 4, bad: 1 },
  );

  const again = await runCli(replayCommand, args);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /already holds a replay of 2025-06-10T12:01Z to 2025-06-10T12:06Z.*--replace/);
  const replaced = await runCli(replayCommand, [...args, '--replace']);
  assert.equal(replaced.code, 0, replaced.stderr);
  assert.match(replaced.stdout, /replacing 2025-06-10T12:01Z to 2025-06-10T12:06Z/);
  const after2 = await runCli(reportCommand, [
    '-c',
    configFile,
    '--month',
    '2025-06',
    '--data-dir',
    data,
    '--format',
    'json',
  ]);
  const occ2 = (JSON.parse(after2.stdout).slos as { sli: string; method: string; requests: number }[]).find(
    (s) => s.sli === 'availability' && s.method === 'occurrences',
  );
  // Replaced, not added: still 5.
  assert.equal(occ2?.requests, 5);
});

test('replay --into-store is refused while another writer (a sidecar) holds the store', async () => {
  const data = join(dir, 'locked');
  mkdirSync(data, { recursive: true });
  const lock = acquireStoreLock(data);
  try {
    const r = await runCli(replayCommand, ['-c', configFile, '--into-store', '--data-dir', data, log]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /sloprobe replay: .*(lock|writer|running|in use)/i);
  } finally {
    lock.release();
  }
});

test('progress: a line off a terminal with lines, MB, lines/s and ETA; --quiet prints none', async () => {
  // 70,000 lines (progress is checked every 65,536) and a clock that moves 1 s a call.
  const line =
    '{"time":"2025-06-10T12:00:00Z","method":"GET","path":"/api/v1/transactions/1","status":200}\n';
  const big = join(dir, 'big.log');
  writeFileSync(big, line.repeat(70_000));
  let t = 0;
  const seen: number[] = [];
  await replayLogs(parseConfig(CONFIG_YAML, '<test>'), [big], {
    now: () => (t += 1000),
    format: lineFormat('sloprobe', {}),
    onProgress: (p) => seen.push(p.lines),
  });
  assert.ok(seen.length >= 1 && seen[0]! >= 65_536);
  // 2,000,000 lines in 4 s = 500,000 lines/s; 25% of 8 MiB read in 4 s leaves 75%: 12 s.
  const text = progressText(
    {
      file: 'x.log',
      fileIndex: 1,
      files: 2,
      lines: 2_000_000,
      elapsedMs: 4000,
      fileBytes: 2 * 1048576,
      bytes: 2 * 1048576,
    },
    8 * 1048576,
  );
  assert.equal(text, 'x.log (1/2): 2,000,000 lines, 2.0 MB, 500,000 lines/s, 25%, ETA 0:12');
  const quiet = await runCli(replayCommand, ['-c', configFile, '--quiet', big]);
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.doesNotMatch(quiet.stderr, /lines\/s/);
});
