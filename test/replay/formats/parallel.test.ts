/**
 * Worker threads move the parsing, not the counting: a generated month (repeats, malformed
 * and blank lines, out-of-order lines) replayed on 1 and on 3 threads gives the same
 * rollups, histograms, malformed list and report, in a file that spans many blocks.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../../src/config/load.js';
import { lineFormat } from '../../../src/replay/formats/index.js';
import { replayLogs } from '../../../src/replay/replay.js';
import { replayReports } from '../../../src/replay/report.js';
import { renderReportText } from '../../../src/slo/report-render.js';
import { CONFIG_YAML, generateMonth } from '../generate-log.js';

test('1 thread and 3 threads: the same counts, malformed lines and report', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sloprobe-parallel-'));
  try {
    const log = generateMonth();
    const f = join(dir, 'month.log');
    writeFileSync(f, log.text);
    const cfg = parseConfig(CONFIG_YAML, '<test>');
    const single = await replayLogs(cfg, [f, f], { format: lineFormat('sloprobe', {}) });
    const multi = await replayLogs(cfg, [f, f], {
      parallel: { threads: 3, input: 'auto', formatOptions: {} },
    });
    assert.deepEqual(multi.stats, single.stats);
    assert.deepEqual(multi.malformedLines, single.malformedLines);
    assert.deepEqual([...multi.latencySources], [...single.latencySources]);
    const span = single.rollups.minuteSpan!;
    assert.deepEqual(
      multi.rollups.readRollups(span.first, span.last + 1),
      single.rollups.readRollups(span.first, span.last + 1),
    );
    const month = ['2025-04'];
    const text = (r: typeof single) => replayReports(cfg, r, month, 0).map(renderReportText).join('\n');
    assert.equal(text(multi), text(single));
    // The generator's malformed lines are listed at their own line numbers.
    assert.equal(single.malformedLines[0]?.line, log.malformed[0]?.line);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
