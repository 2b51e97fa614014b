import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { replayCommand } from '../../src/cli/replay.js';
import { parseConfig } from '../../src/config/load.js';
import { replayLogs } from '../../src/replay/replay.js';
import { CONFIG_YAML } from './generate-log.js';
import { runCli } from './io.js';

let dir = '';
let configFile = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'sloprobe-replay-'));
  configFile = join(dir, 'sloprobe.yaml');
  writeFileSync(configFile, CONFIG_YAML);
});
after(() => rmSync(dir, { recursive: true, force: true }));

const T0 = Date.UTC(2025, 5, 10, 12, 0, 0);
const cfg = () => parseConfig(CONFIG_YAML, '<test>');

function line(fields: Record<string, unknown>): string {
  return JSON.stringify({
    time: new Date(T0).toISOString(),
    method: 'POST',
    path: '/api/v1/transactions',
    status: 200,
    latency_ms: 10,
    ...fields,
  });
}

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

interface Doc {
  month: string;
  slos: {
    name: string;
    sli: string;
    method: string;
    requests: number;
    good: number;
    bad: number;
    excluded: number;
  }[];
  replay: { replayed: number; malformed: number; outside_range: number };
}

function docs(stdout: string): Doc[] {
  return stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Doc);
}

function availability(doc: Doc) {
  const s = doc.slos.find((x) => x.sli === 'availability' && x.method === 'occurrences');
  assert.ok(s);
  return s;
}

test('stdin: `-` reads the log from standard input, plain or gzip', async () => {
  const text = `${[line({}), line({ status: 500 })].join('\n')}\n`;
  for (const input of [text, gzipSync(text)]) {
    const out = await runCli(replayCommand, ['--config', configFile, '--format', 'json', '-'], {
      stdin: input,
    });
    assert.equal(out.code, 0, out.stderr);
    const [doc] = docs(out.stdout);
    assert.equal(doc?.month, '2025-06');
    assert.equal(availability(doc!).requests, 2);
    assert.equal(availability(doc!).bad, 1);
  }
});

test('availability-occurrences: 2xx, 3xx and 4xx are SR; 5xx and proxy failures are not; a request the client abandoned is neither', async () => {
  // "dividing the number of requests processed correctly (responses having status code
  // being 2xx, 3xx and 4xx) by the total number of requests"
  const lines = [
    line({ status: 200 }),
    line({ status: 302 }),
    line({ status: 404 }),
    line({ status: 429 }),
    line({ status: 500 }),
    line({ status: 503 }),
    line({ status: 502, error: 'refused', latency_ms: 1 }),
    line({ status: 0, latency_ms: null }), // the client went away before any response
    line({ status: 0, error: 'timeout_headers', latency_ms: null }), // nothing sent, the service failed
    line({ status: 0, client_aborted: false, latency_ms: null }),
  ];
  const r = await replayLogs(cfg(), [file('classes.log', lines.join('\n'))]);
  const [row] = r.rollups.readRollups(0, Number.MAX_SAFE_INTEGER);
  assert.equal(row?.total, 10);
  assert.equal(row?.good, 4);
  assert.equal(row?.bad, 5);
  assert.equal(row?.excluded, 1);
});

test("the sidecar's own `outcome` is used as is: it knows whether the client had gone away", async () => {
  // Live: an upstream error cut a 200 short after the client had left: good (classify.ts).
  const r = await replayLogs(cfg(), [
    file(
      'outcome.log',
      [line({ status: 200, error: 'reset', outcome: 'good' }), line({ status: 200, error: 'reset' })].join(
        '\n',
      ),
    ),
  ]);
  const [row] = r.rollups.readRollups(0, Number.MAX_SAFE_INTEGER);
  assert.equal(row?.good, 1);
  assert.equal(row?.bad, 1, 'without outcome, a 200 cut short by an upstream error is bad');
});

test('repeated-requests: repeated identical requests (same digest) count once; lines without a digest each count', async () => {
  // "API Requests without distinct parameters, e.g. repeated identical API requests, will
  // not count towards the API Error Rate"
  const lines = [
    line({ status: 500, digest: 'aaaa' }),
    line({ status: 500, digest: 'aaaa' }),
    line({ status: 500, digest: 'aaaa' }),
    line({ status: 200, digest: 'bbbb' }),
    line({ status: 200 }),
    line({ status: 200 }),
  ];
  const r = await replayLogs(cfg(), [file('distinct.log', lines.join('\n'))]);
  const [row] = r.rollups.readRollups(0, Number.MAX_SAFE_INTEGER);
  assert.equal(row?.total, 6);
  assert.equal(row?.distinct, 4, 'aaaa once, bbbb once, two lines without digest');
  assert.equal(row?.errors, 1, 'one distinct request answered 500');
});

test('a repeated identical line takes the status of its first copy: 20 distinct 200s + 2 repeats answered 500 are 0%', async () => {
  // docs/sla-definitions.md#repeated-requests, the same worked example as the live
  // recorder's test: errors / distinct = 0 / 20, not 1 / 20 (nor 2 / 22 = 9%).
  const lines: string[] = [];
  for (let i = 0; i < 20; i++) lines.push(line({ status: 200, digest: `d${i}` }));
  lines.push(line({ status: 500, digest: 'd0' }), line({ status: 500, digest: 'd0' }));
  const r = await replayLogs(cfg(), [file('first-copy.log', lines.join('\n'))]);
  const [row] = r.rollups.readRollups(0, Number.MAX_SAFE_INTEGER);
  assert.deepEqual([row?.total, row?.bad, row?.distinct, row?.errors], [22, 2, 20, 0]);
});

test('timeslices: { distinct: false } counts every line, digest or not, as live does', async () => {
  // With de-duplication off the live sidecar computes no digest and every request counts:
  // 3 lines of one digest answered 500 and 1 answered 200 are 4 requests, 3 errors.
  const off = parseConfig(CONFIG_YAML.replace('distinct: true', 'distinct: false'), '<test>');
  const lines = [
    line({ status: 500, digest: 'aaaa' }),
    line({ status: 500, digest: 'aaaa' }),
    line({ status: 500, digest: 'aaaa' }),
    line({ status: 200, digest: 'bbbb' }),
  ];
  const r = await replayLogs(off, [file('distinct-off.log', lines.join('\n'))]);
  const [row] = r.rollups.readRollups(0, Number.MAX_SAFE_INTEGER);
  assert.deepEqual([row?.total, row?.distinct, row?.errors], [4, 4, 3]);
});

test('a line a few minutes late still lands in its own minute, de-duplicated', async () => {
  const at = (min: number, digest: string) =>
    line({ time: new Date(T0 + min * 60_000).toISOString(), digest, status: 500 });
  const lines = [at(0, 'x'), at(5, 'y'), at(0, 'x'), at(40, 'z'), at(0, 'x'), at(0, 'w')];
  const r = await replayLogs(cfg(), [file('late.log', lines.join('\n'))]);
  const first = r.rollups.readRollups(T0 / 60_000, T0 / 60_000 + 1)[0];
  assert.equal(first?.total, 4);
  // 'x' twice within the open minutes counts once; the lines after the log moved 40 minutes
  // on are added without de-duplication (documented in book.ts).
  assert.equal(first?.distinct, 3);
  assert.equal(first?.errors, 3);
});

test("two files over the same minutes (two replicas' logs) add up", async () => {
  const a = file('replica-a.log', [line({}), line({ status: 500 })].join('\n'));
  const b = file('replica-b.log', [line({}), line({ time: new Date(T0 - 60_000).toISOString() })].join('\n'));
  const r = await replayLogs(cfg(), [a, b]);
  const rows = r.rollups.readRollups(0, Number.MAX_SAFE_INTEGER);
  assert.deepEqual(
    rows.map((x) => [x.minute - T0 / 60_000, x.total, x.bad]),
    [
      [-1, 1, 0],
      [0, 3, 1],
    ],
  );
});

test('--from/--to replay only the range, count the rest, and report the months of the range', async () => {
  const lines = [
    line({ time: '2025-05-31T23:59:59Z' }),
    line({ time: '2025-06-01T00:00:00Z' }),
    line({ time: '2025-06-30T23:59:59.999Z' }),
    line({ time: '2025-07-01T00:00:00Z' }),
  ];
  const f = file('range.log', lines.join('\n'));
  const out = await runCli(replayCommand, [
    '--config',
    configFile,
    '--format',
    'json',
    '--from',
    '2025-06',
    '--to',
    '2025-07-01',
    f,
  ]);
  assert.equal(out.code, 0, out.stderr);
  const all = docs(out.stdout);
  assert.deepEqual(
    all.map((d) => d.month),
    ['2025-06'],
  );
  assert.equal(all[0]?.replay.replayed, 2);
  assert.equal(all[0]?.replay.outside_range, 2);
  // Without a range: one report per month the log covers.
  const every = await runCli(replayCommand, ['--config', configFile, '--format', 'json', f]);
  assert.deepEqual(
    docs(every.stdout).map((d) => [d.month, availability(d).requests]),
    [
      ['2025-05', 1],
      ['2025-06', 2],
      ['2025-07', 1],
    ],
  );
});

test('malformed lines: the total, the first 20 with file:line, and the replay goes on', async () => {
  const lines: string[] = [];
  for (let i = 0; i < 30; i++) lines.push(line({}), `garbage ${i}`);
  lines.push(
    `{"time":"${new Date(T0).toISOString()}","method":"GET","path":"/${'x'.repeat(1 << 20)}","status":200}`,
  );
  const f = file('malformed.log', lines.join('\n'));
  const out = await runCli(replayCommand, ['--config', configFile, f]);
  assert.equal(out.code, 0);
  assert.match(out.stderr, /31 malformed lines skipped \(first 20 listed\):/);
  assert.ok(out.stderr.includes(`  ${f}:2: not valid JSON\n`));
  assert.ok(out.stderr.includes(`  ${f}:40: not valid JSON\n`));
  assert.ok(!out.stderr.includes(`${f}:42:`), 'only the first 20 are listed');
  assert.match(out.stdout, /^Replayed 61 lines from 1 file: 30 requests, 31 malformed/);
  assert.match(out.stdout, /SLA report for 2025-06/);
});

test('a truncated gzip file keeps the lines before the damage and says so', async () => {
  const text = `${Array.from({ length: 2000 }, () => line({})).join('\n')}\n`;
  const gz = gzipSync(text);
  const f = file('cut.log.gz', gz.subarray(0, Math.floor(gz.length * 0.6)));
  const out = await runCli(replayCommand, ['--config', configFile, '--format', 'json', f]);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stderr, /gzip data is damaged or truncated/);
  const [doc] = docs(out.stdout);
  assert.ok((doc?.replay.replayed ?? 0) > 0 && (doc?.replay.replayed ?? 0) < 2000);
});

test('bad input exits 2 with one line on stderr', async () => {
  const good = file('one.log', line({}));
  const cases: [string[], RegExp][] = [
    [['--config', configFile], /at least one LOG/],
    [['--config', configFile, join(dir, 'missing.log')], /cannot read .*missing\.log: no such file/],
    [['--config', configFile, dir], /is a directory/],
    [['--config', configFile, '--format', 'xml', good], /--format must be text, json or html/],
    [['--config', configFile, '--from', 'yesterday', good], /--from "yesterday" is not a time/],
    [
      ['--config', configFile, '--from', '2025-06-02', '--to', '2025-06-01', good],
      /--to .* must be after --from/,
    ],
    [['--config', configFile, '-', '-'], /only once/],
    [['--config', configFile, '--bogus', good], /Unknown option '--bogus'/],
    [['--config', configFile, file('junk.log', 'junk\n')], /no request lines to replay/],
  ];
  for (const [argv, message] of cases) {
    const out = await runCli(replayCommand, argv);
    assert.equal(out.code, 2, argv.join(' '));
    assert.match(out.stderr, message);
    assert.equal(out.stdout, '');
  }
});

test('a broken config exits 2 and names file, line and column', async () => {
  const broken = file('broken.yaml', CONFIG_YAML.replace('latency: { p99: 300ms }', 'latency: { p99: 300 }'));
  const out = await runCli(replayCommand, ['--config', broken, file('two.log', line({}))]);
  assert.equal(out.code, 2);
  assert.match(
    out.stderr,
    new RegExp(`${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: routes\\[0\\]\\.latency`),
  );
});

test('--help prints the usage and exits 0', async () => {
  const out = await runCli(replayCommand, ['--help']);
  assert.equal(out.code, 0);
  assert.match(out.stdout, /^Usage: sloprobe replay --config FILE/);
});

test('progress goes to stderr only when it is a terminal, and is wiped before the report', async () => {
  const f = file('progress.log', `${Array.from({ length: 70_000 }, () => line({})).join('\n')}\n`);
  const quiet = await runCli(replayCommand, ['--config', configFile, f]);
  assert.ok(!quiet.stderr.includes('\r'), 'no terminal codes in a pipe or a file');

  let clock = 0;
  const seen: number[] = [];
  await replayLogs(cfg(), [f], { now: () => (clock += 1000), onProgress: (p) => seen.push(p.lines) });
  assert.ok(seen.length > 0 && seen.every((n) => n > 0 && n <= 70_000));

  const tty = await runCli(replayCommand, ['--config', configFile, f], { tty: true });
  assert.ok(tty.stderr.endsWith('\r\u001b[K'), 'the progress line is cleared');
});
