/**
 * `replay --into-store` with a tiny spill budget writes the store an unspilled backfill
 * writes: the hourly latency histograms (hdr-ranges.ts) and the payment-method minutes
 * (method-minutes.ts) spilled to temporary files and read back, lines late by days (for hours
 * and days already spilled) and a second file of the same minutes included; the files are
 * gone afterwards.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { replayCommand } from '../../src/cli/replay.js';
import { mulberry32 } from '../../src/demo/random.js';
import { CRITICAL_30D_HEAD } from '../helpers/config-text.js';
import { disorder } from './disorder.js';
import { runCli } from './io.js';

const CONFIG = `${CRITICAL_30D_HEAD}  cards: { class: critical, payment_method: card }
  transfers: { class: critical }
routes:
  - { name: pay, method: POST, path: /v1/payments, category: cards }
  - { name: refund, method: POST, path: /v1/refunds, category: cards }
  - { name: transfer, method: POST, path: /v1/transfers, category: transfers, payment_method: bank_transfer }
  - { name: balance, method: GET, path: /v1/balance, category: transfers }
`;
const PATHS = ['/v1/payments', '/v1/refunds', '/v1/transfers', '/v1/balance'];
const START_MS = Date.UTC(2025, 0, 30, 22, 0, 0);
const SPAN_MS = 70 * 86_400_000;

function generate(lines: number, seed: number, shiftMs: number): string {
  const rng = mulberry32(seed);
  const out: string[] = [];
  for (let n = 0; n < lines; n++) {
    const path = PATHS[n % PATHS.length]!;
    const { ms, status } = disorder(
      rng,
      START_MS + shiftMs + Math.floor((n / lines) * SPAN_MS) + Math.floor(rng() * 60_000),
      20,
    );
    const method = path === '/v1/balance' ? 'GET' : 'POST';
    out.push(
      JSON.stringify({
        time: new Date(ms).toISOString(),
        method,
        path,
        status,
        latency_ms: Math.round(rng() * 9000) / 10,
        digest: `d${n % 3000}`,
      }),
    );
  }
  return `${out.join('\n')}\n`;
}

let dir = '';
let spillTmp = '';
let configFile = '';
let files: string[] = [];
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'sloprobe-into-store-spill-test-'));
  spillTmp = join(dir, 'tmp');
  mkdirSync(spillTmp);
  configFile = join(dir, 'sloprobe.yaml');
  writeFileSync(configFile, CONFIG);
  files = [join(dir, 'a.log'), join(dir, 'b.log')];
  writeFileSync(files[0]!, generate(30_000, 5, 0));
  writeFileSync(files[1]!, generate(8_000, 6, 30_000));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Every table's rows in primary-key order. */
function dump(dataDir: string): Record<string, unknown[]> {
  const file = readdirSync(dataDir).find((f) => f.endsWith('.db'));
  assert.ok(file, `a store file in ${dataDir}`);
  const db = new Database(join(dataDir, file), { readonly: true });
  try {
    const out: Record<string, unknown[]> = {};
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
      name: string;
    }[];
    for (const { name } of tables) {
      const pk = (db.prepare(`PRAGMA table_info(${name})`).all() as { name: string; pk: number }[])
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name);
      out[name] = db
        .prepare(`SELECT * FROM ${name} ORDER BY ${pk.length > 0 ? pk.join(', ') : 'rowid'}`)
        .all();
    }
    return out;
  } finally {
    db.close();
  }
}

for (const threads of ['1', '2']) {
  test(`a spilled --into-store writes the store an unspilled one writes (--threads ${threads})`, async () => {
    const kept = join(dir, `kept-${threads}`);
    const spilled = join(dir, `spilled-${threads}`);
    const args = (data: string) => [
      '-c',
      configFile,
      '--into-store',
      '--quiet',
      '--threads',
      threads,
      '--data-dir',
      data,
      ...files,
    ];
    const a = await runCli(replayCommand, args(kept));
    assert.equal(a.code, 0, a.stderr);
    const savedTmp = process.env.TMPDIR;
    process.env.SLOPROBE_REPLAY_SPILL_BYTES = '1';
    process.env.TMPDIR = spillTmp;
    let b: Awaited<ReturnType<typeof runCli>>;
    try {
      b = await runCli(replayCommand, args(spilled));
    } finally {
      delete process.env.SLOPROBE_REPLAY_SPILL_BYTES;
      if (savedTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = savedTmp;
    }
    assert.equal(b.code, 0, b.stderr);
    assert.equal(b.stdout.replaceAll(spilled, kept), a.stdout);
    assert.deepEqual(readdirSync(spillTmp), [], 'the spill directory is removed');
    const want = dump(kept);
    // The parts that spill are there to compare: hours of histograms, days of method minutes.
    assert.ok(want.hour_latency_hdr!.length > 24 * 60 * 2, 'hourly histograms of two months');
    const methodIds = new Set(
      (want.routes as { id: number; name: string }[])
        .filter((r) => r.name.includes('method:'))
        .map((r) => r.id),
    );
    const methods = (want.minute_rollups as { route_id: number }[]).filter((r) => methodIds.has(r.route_id));
    assert.ok(methods.length > 15_000, 'method minutes of two months');
    assert.deepEqual(dump(spilled), want);
  });
}
