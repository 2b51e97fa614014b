/**
 * A replay on worker threads (src/replay/parallel.ts) gives what the single-threaded replay
 * gives, and reading sloprobe's lines from bytes what reading them as text gives, line for line: the same counts per minute and route, the same latency
 * histograms, the same malformed lines with the same file:line. The log is several read
 * chunks long (so lines are cut between chunks and carried), crosses a month boundary, has
 * every route of the shipped configs, repeated requests, lines out of order and late, bad
 * lines of every kind, a line too long to hold, non-ASCII text, and two more files that
 * cover the same minutes (other replicas: repeats are not recognised across files), one of
 * them gzip.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { needsRequestDigest } from '../../src/config/derived.js';
import { loadConfigFile } from '../../src/config/load.js';
import type { ResolvedConfig } from '../../src/config/types.js';
import { mulberry32 } from '../../src/demo/random.js';
import { SLOPROBE_FORMAT } from '../../src/replay/formats/index.js';
import { MAX_LINE_BYTES } from '../../src/replay/input.js';
import { type ReplayResult, replayLogs } from '../../src/replay/replay.js';
import { configDir } from '../helpers/paths.js';
import { pathOf } from './generate-log.js';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'sloprobe-parallel-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** 2025-03-31 23:00 UTC: the log runs into April. */
const START_MS = Date.UTC(2025, 2, 31, 23, 0, 0);

/** A log of about `lines` lines; `seed` varies it, `shiftMs` moves it in time. */
function generate(cfg: ResolvedConfig, lines: number, seed: number, shiftMs: number): string {
  const rng = mulberry32(seed);
  const out: string[] = [];
  let prev = '';
  for (let n = 0; n < lines; n++) {
    const r = cfg.routes[n % cfg.routes.length]!;
    const method = r.anyMethod ? (rng() < 0.5 ? 'GET' : 'DELETE') : r.methods[n % r.methods.length]!;
    let ms = START_MS + shiftMs + n * 400 + Math.floor(rng() * 300);
    const x = rng();
    // A few lines a little out of order, a few later than the minutes kept open.
    if (x < 0.02) ms -= 20_000;
    else if (x < 0.025) ms -= 40 * 60_000;
    const y = rng();
    const status = y < 0.01 ? 0 : y < 0.06 ? 500 : y < 0.08 ? 502 : y < 0.12 ? 404 : 200;
    const fields: Record<string, unknown> = {
      level: 30,
      time: new Date(ms).toISOString(),
      method,
      path: rng() < 0.03 ? `/nowhere/${n}` : pathOf(r.path, n) + (rng() < 0.05 ? `?page=${n}` : ''),
      route: r.name,
      status,
      latency_ms: status === 0 ? null : Math.round(rng() * 9000) / 10,
      digest: `d${n}`,
    };
    if (status === 502) fields.error = 'refused';
    if (status === 0 && rng() < 0.5) fields.error = 'reset';
    if (rng() < 0.5) fields.outcome = status >= 500 || (status === 0 && fields.error) ? 'bad' : 'good';
    if (rng() < 0.03) fields.synthetic = true;
    if (rng() < 0.02) fields.client_aborted = status === 0;
    let text = JSON.stringify(fields);
    const z = rng();
    // A repeat: the same request again, its digest too.
    if (z < 0.01) text = prev;
    else if (z < 0.012) text = 'garbage';
    else if (z < 0.014) text = text.replace('"status"', '"statuz"');
    else if (z < 0.016) text = text.replace(/"time":"[^"]+"/, '"time":"yesterday"');
    else if (z < 0.018) text = '';
    else if (z < 0.02) text = `${text}\r`;
    else if (z < 0.021) text = text.replace('"path":"/', '"path":"/caf\u00e9/');
    else if (z < 0.022) text = text.replace('"path":"/', '"path":"/a\\u0062/');
    prev = text;
    out.push(text);
    if (n === Math.floor(lines / 2)) out.push(`{"path":"${'x'.repeat(MAX_LINE_BYTES + 100)}"}`);
  }
  return `${out.join('\n')}\n`;
}

function summary(r: ReplayResult) {
  const span = r.rollups.minuteSpan;
  return {
    stats: r.stats,
    fileProblems: r.fileProblems,
    malformedLines: r.malformedLines,
    rollups: span ? r.rollups.readRollups(span.first, span.last + 1) : [],
    ranges: r.rollups.histogramRanges(),
    histograms: r.rollups.histogramRanges().map((s) => [...r.rollups.readLatencyHistograms(s)]),
    latencySources: [...r.latencySources],
    fileFormats: r.fileFormats,
  };
}

for (const name of ['klarna.yaml', 'paywithmybank.yaml']) {
  test(`${name}: worker threads replay exactly what one thread replays`, async () => {
    const cfg = loadConfigFile(join(configDir, name));
    const a = join(dir, `${name}-a.log`);
    const b = join(dir, `${name}-b.log`);
    writeFileSync(a, generate(cfg, 24_000, 7, 0));
    // Another replica's log of the same hours.
    writeFileSync(b, generate(cfg, 6_000, 8, 60_000));
    // gzip: its chunks are zlib's, copied to the workers, not moved.
    const c = join(dir, `${name}-c.log.gz`);
    writeFileSync(c, gzipSync(generate(cfg, 8_000, 9, 120_000)));
    const files = [a, b, c];
    const options = { listMalformed: 10_000 };
    const one = summary(await replayLogs(cfg, files, options));
    // The log has what the test is about: otherwise equality would prove little.
    assert.ok(one.stats.malformed > 100 && one.stats.blank > 50 && one.stats.unmatched > 100);
    assert.ok(one.malformedLines.some((m) => m.problem.startsWith('longer than')));
    assert.deepEqual(
      one.ranges.map((ms) => new Date(ms).toISOString().slice(0, 7)),
      ['2025-03', '2025-04'],
    );
    // paywithmybank counts distinct requests per minute: its repeats count once.
    const deduplicated = one.rollups.some((row) => row.distinct < row.total);
    assert.equal(deduplicated, needsRequestDigest(cfg));
    // The same format under another name is read as text (parse.ts), never from the bytes
    // (parse-bytes.ts): both readings give the same result.
    const asText = summary(
      await replayLogs(cfg, files, { ...options, format: { ...SLOPROBE_FORMAT, name: 'as-text' } }),
    );
    assert.deepEqual({ ...asText, fileFormats: [] }, { ...one, fileFormats: [] }, 'text and bytes');
    for (const threads of [2, 3]) {
      const many = summary(
        await replayLogs(cfg, files, {
          ...options,
          parallel: { threads, input: 'sloprobe', formatOptions: {} },
        }),
      );
      assert.deepEqual(many, one, `${threads} threads`);
    }
  });
}
