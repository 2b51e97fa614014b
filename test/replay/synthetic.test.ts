/**
 * Probe lines (`"synthetic":true`, written by the access log for src/probes requests) in
 * replay: counted apart as the live recorder counts them (`<route>~synthetic` rollups), so
 * an SLO takes them only with `include_synthetic`, on one thread and on worker threads.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { replayCommand } from '../../src/cli/replay.js';
import { runCli } from './io.js';

const CONFIG = `
upstream: http://127.0.0.1:9000
period: calendar-month
time_zone: UTC
classes:
  transaction-services: { availability: 99.5% }
categories:
  transactions: { class: transaction-services }
routes:
  - name: transaction-create
    method: POST
    path: /api/v1/transactions
    category: transactions
slos:
  - name: merchant-only
    sli: availability
    over: { route: transaction-create }
  - name: with-probes
    sli: availability
    over: { route: transaction-create }
    include_synthetic: true
`;

const T0 = Date.UTC(2025, 5, 10, 12, 0, 0);
let dir = '';
let configFile = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'sloprobe-replay-synthetic-'));
  configFile = join(dir, 'sloprobe.yaml');
  writeFileSync(configFile, CONFIG);
});
after(() => rmSync(dir, { recursive: true, force: true }));

function line(i: number, extra: string): string {
  const t = new Date(T0 + i * 1000).toISOString();
  return `{"time":"${t}","method":"POST","path":"/api/v1/transactions","status":${extra.includes('synthetic":true') ? 500 : 200},"latency_ms":10${extra}}`;
}

interface Doc {
  slos: { name: string; requests: number; bad: number }[];
  replay: { replayed: number; malformed: number };
}

test('probe lines count only in the SLO with include_synthetic, single-threaded and on workers', async () => {
  // 20 merchant lines (200), 5 probe lines (500), 1 merchant line with "synthetic":false
  // (200) and one whose synthetic is not a boolean (malformed).
  const lines: string[] = [];
  for (let i = 0; i < 20; i++) lines.push(line(i, ''));
  for (let i = 20; i < 25; i++) lines.push(line(i, ',"synthetic":true'));
  lines.push(line(25, ',"synthetic":false'));
  lines.push(line(26, ',"synthetic":"yes"'));
  const file = join(dir, 'access.log');
  writeFileSync(file, `${lines.join('\n')}\n`);
  for (const threads of ['1', '2']) {
    const out = await runCli(replayCommand, [
      '--config',
      configFile,
      '--format',
      'json',
      '--threads',
      threads,
      file,
    ]);
    assert.equal(out.code, 0, out.stderr);
    const doc = JSON.parse(out.stdout.trim().split('\n')[0]!) as Doc;
    // 20 + 5 + 1 = 26 replayed; the 27th line is malformed.
    assert.equal(doc.replay.replayed, 26, `threads ${threads}`);
    assert.equal(doc.replay.malformed, 1, `threads ${threads}`);
    const merchant = doc.slos.find((s) => s.name === 'merchant-only');
    const probes = doc.slos.find((s) => s.name === 'with-probes');
    // Without probes: the 21 merchant lines, none bad. With them: 21 + 5 = 26, 5 bad.
    assert.deepEqual([merchant?.requests, merchant?.bad], [21, 0], `threads ${threads}`);
    assert.deepEqual([probes?.requests, probes?.bad], [26, 5], `threads ${threads}`);
  }
});
