/**
 * A replay whose rows pass the memory budget spills them to temporary files by segment of
 * time (src/replay/spill.ts) and reads them back: the reports are the ones of a replay that
 * kept everything in memory, and the files are gone once the command is done, or failed.
 * The log covers six months, has lines a little out of order, lines days late (for
 * segments already spilled), and a second file of the same minutes (another replica).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { replayCommand } from '../../src/cli/replay.js';
import { loadConfigFile } from '../../src/config/load.js';
import type { ResolvedConfig } from '../../src/config/types.js';
import { mulberry32 } from '../../src/demo/random.js';
import { replayLogs } from '../../src/replay/replay.js';
import { configDir } from '../helpers/paths.js';
import { disorder } from './disorder.js';
import { pathOf } from './generate-log.js';
import { runCli } from './io.js';

let dir = '';
/** TMPDIR of the spilling runs, so what they leave behind can be seen. */
let spillTmp = '';
const savedTmp = process.env.TMPDIR;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'sloprobe-spill-test-'));
  spillTmp = join(dir, 'tmp');
  mkdirSync(spillTmp);
});
after(() => rmSync(dir, { recursive: true, force: true }));

const START_MS = Date.UTC(2025, 0, 30, 22, 0, 0);
const MONTHS_MS = 95 * 86_400_000;

/** `lines` lines spread over MONTHS_MS from START_MS + shiftMs. */
function generate(cfg: ResolvedConfig, lines: number, seed: number, shiftMs: number): string {
  const rng = mulberry32(seed);
  const out: string[] = [];
  for (let n = 0; n < lines; n++) {
    const r = cfg.routes[n % cfg.routes.length]!;
    const method = r.anyMethod ? 'GET' : r.methods[n % r.methods.length]!;
    const { ms, status } = disorder(
      rng,
      START_MS + shiftMs + Math.floor((n / lines) * MONTHS_MS) + Math.floor(rng() * 60_000),
      40,
    );
    out.push(
      JSON.stringify({
        time: new Date(ms).toISOString(),
        method,
        path: pathOf(r.path, n),
        status,
        latency_ms: Math.round(rng() * 9000) / 10,
        digest: `d${n % 5000}`,
      }),
    );
  }
  return `${out.join('\n')}\n`;
}

async function spilling<T>(run: () => Promise<T>): Promise<T> {
  process.env.SLOPROBE_REPLAY_SPILL_BYTES = '1';
  process.env.TMPDIR = spillTmp;
  try {
    return await run();
  } finally {
    delete process.env.SLOPROBE_REPLAY_SPILL_BYTES;
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
  }
}

let files: string[] = [];
const configFile = join(configDir, 'klarna.yaml');
before(() => {
  const cfg = loadConfigFile(configFile);
  files = [join(dir, 'a.log'), join(dir, 'b.log')];
  writeFileSync(files[0]!, generate(cfg, 40_000, 3, 0));
  writeFileSync(files[1]!, generate(cfg, 12_000, 4, 30_000));
});

for (const threads of ['1', '2']) {
  test(`spilled rows give the reports in-memory rows give (--threads ${threads})`, async () => {
    for (const format of ['json', 'text']) {
      const argv = ['--config', configFile, '--quiet', '--threads', threads, '--format', format, ...files];
      const kept = await runCli(replayCommand, argv);
      const spilled = await spilling(() => runCli(replayCommand, argv));
      assert.equal(kept.code, 0, kept.stderr);
      assert.equal(spilled.code, 0, spilled.stderr);
      // December (lines up to 40 days late) to May.
      if (format === 'json') assert.equal(kept.stdout.trim().split('\n').length, 6, 'one document a month');
      assert.equal(spilled.stdout, kept.stdout, format);
      assert.deepEqual(readdirSync(spillTmp), [], 'the spill directory is removed');
    }
  });
}

test('the rows read back equal the unspilled ones, and close() removes the files', async () => {
  const cfg = loadConfigFile(configFile);
  const kept = await replayLogs(cfg, files);
  const spilled = await spilling(() => replayLogs(cfg, files));
  assert.equal(kept.rollups.spilled, false);
  assert.equal(spilled.rollups.spilled, true);
  const [made] = readdirSync(spillTmp);
  assert.match(made ?? '', /^sloprobe-replay-/);
  assert.ok(readdirSync(join(spillTmp, made!)).length >= 10, 'a file per segment of time');
  const span = kept.rollups.minuteSpan!;
  assert.deepEqual(spilled.rollups.minuteSpan, span);
  // A day at a time, as the report reads, then all at once.
  for (let m = span.first; m <= span.last; m += 1440) {
    assert.deepEqual(spilled.rollups.readRollups(m, m + 1440), kept.rollups.readRollups(m, m + 1440));
  }
  const all = kept.rollups.readRollups(span.first, span.last + 1);
  assert.ok(all.some((r) => r.total > 1) && all.length > 20_000);
  assert.deepEqual(spilled.rollups.readRollups(span.first, span.last + 1), all);
  spilled.rollups.close();
  assert.deepEqual(readdirSync(spillTmp), []);
});

test('a replay that fails leaves no spill files', async () => {
  const cfg = loadConfigFile(configFile);
  const missing = join(dir, 'no-such.log');
  for (const parallel of [undefined, { threads: 2, input: 'sloprobe' as const, formatOptions: {} }]) {
    await spilling(() => assert.rejects(replayLogs(cfg, [...files, missing], { parallel }), /ENOENT/));
    assert.deepEqual(readdirSync(spillTmp), [], parallel ? 'threads' : 'one thread');
  }
});
