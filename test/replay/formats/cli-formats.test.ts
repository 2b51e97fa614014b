/**
 * The formats through the CLI as a user runs it: an ALB .log.gz told apart by `auto`,
 * HAProxy's zone-less times read in --log-time-zone, the latency source named in the
 * report, and bad format flags as usage errors (exit 2).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { replayCommand } from '../../../src/cli/replay.js';
import { CONFIG_YAML } from '../generate-log.js';
import { runCli } from '../io.js';

let dir = '';
let configFile = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'sloprobe-cli-formats-'));
  configFile = join(dir, 'sloprobe.yaml');
  writeFileSync(configFile, CONFIG_YAML);
});
after(() => rmSync(dir, { recursive: true, force: true }));

const alb = (created: string, status: number, target: string) =>
  `https 2025-06-30T23:59:59.900000Z app/lb/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 ${target} 0.000 ${status} ${status} 34 366 "POST https://api.example.com:443/api/v1/transactions HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/t/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "api.example.com" "-" 0 ${created} "forward" "-" "-" "10.0.0.1:80" "${status}" "-" "-"`;

test('ALB .log.gz through auto: request_creation_time decides the month, target time the latency', async () => {
  const f = join(dir, '123456789012_elasticloadbalancing_us-east-2_app.lb.log.gz');
  // Two requests created on June 30th (one answered 503 by the target), one on July 1st.
  writeFileSync(
    f,
    gzipSync(
      `${[alb('2025-06-30T23:59:58.000000Z', 200, '0.120'), alb('2025-06-30T23:59:58.500000Z', 503, '0.010'), alb('2025-07-01T00:00:00.100000Z', 200, '0.050')].join('\n')}\n`,
    ),
  );
  const out = await runCli(replayCommand, ['-c', configFile, '--format', 'json', f]);
  assert.equal(out.code, 0, out.stderr);
  const docs = out.stdout
    .trim()
    .split('\n')
    .map(
      (l) =>
        JSON.parse(l) as {
          month: string;
          slos: { sli: string; method: string; requests: number; bad: number }[];
          replay: { formats: { format: string }[]; latency_sources: Record<string, number> };
        },
    );
  const occ = (d: (typeof docs)[number]) =>
    d.slos.find((s) => s.sli === 'availability' && s.method === 'occurrences');
  // June: 2 requests, 1 bad (503); July: 1 request.
  assert.deepEqual(
    docs.map((d) => [d.month, occ(d)?.requests, occ(d)?.bad]),
    [
      ['2025-06', 2, 1],
      ['2025-07', 1, 0],
    ],
  );
  assert.equal(docs[0]!.replay.formats[0]!.format, 'alb');
  assert.deepEqual(Object.values(docs[0]!.replay.latency_sources), [3]);
});

test('HAProxy: --log-time-zone moves zone-less times; the text report names the latency source', async () => {
  const f = join(dir, 'haproxy.log');
  // 01/Jul/2025:01:30:00 in Europe/Stockholm (UTC+2 in summer) is 2025-06-30T23:30Z: June.
  writeFileSync(
    f,
    'Jul  1 01:30:00 lb haproxy[14389]: 10.0.1.2:33317 [01/Jul/2025:01:30:00.000] fe be/s1 0/0/1/40/45 201 120 - - ---- 1/1/1/1/0 0/0 "POST /api/v1/transactions HTTP/1.1"\n',
  );
  const utc = await runCli(replayCommand, ['-c', configFile, f]);
  assert.match(utc.stdout, /SLA report for 2025-07/);
  const sthlm = await runCli(replayCommand, ['-c', configFile, '--log-time-zone', 'Europe/Stockholm', f]);
  assert.equal(sthlm.code, 0, sthlm.stderr);
  assert.match(sthlm.stdout, /SLA report for 2025-06/);
  assert.match(sthlm.stdout, /Latency source: HAProxy %Tr .*: 1/);
});

test('bad format flags are usage errors with what to do', async () => {
  const f = join(dir, 'one.log');
  writeFileSync(f, '{}\n');
  const cases: [string[], RegExp][] = [
    [['--input-format', 'apache'], /--input-format must be one of auto, sloprobe, nginx/],
    [
      ['--input-format', 'nginx', '--nginx-format', '$remote_addr $status'],
      /--nginx-format cannot be replayed: it has no \$time_local/,
    ],
    [['--input-format', 'jsonl', '--field', 'when'], /--field "when" is not NAME=KEY/],
    [['--input-format', 'jsonl', '--field', 'colour=c'], /--field name "colour" is not one of/],
    [['--input-format', 'envoy', '--field', 'time=t'], /--field is for --input-format jsonl/],
    [['--log-time-zone', 'Mars/Olympus'], /not an IANA time zone/],
    [['--replace'], /--data-dir and --replace are for --into-store/],
    [['--threads', '0'], /--threads must be a whole number/],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(replayCommand, ['-c', configFile, ...args, f]);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
});
