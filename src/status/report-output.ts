/**
 * `--format html` for `report` and `replay`: one document per month, on stdout when there
 * is one, else into `--out DIR` as `sloprobe-report-YYYY-MM.html` (a document per file is
 * what a provider can be sent; several documents on one stream would be none).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CliIo } from '../cli/args.js';
import type { ResolvedConfig } from '../config/types.js';
import { UsageError } from '../errors.js';
import { monthRange, parseMonth, reportTimeZone } from '../slo/period.js';
import type { MonthlyReport } from '../slo/report.js';
import { dailyFigures, daysIn, type RollupReader } from './daily.js';
import { newNonce } from './html.js';
import { renderReportHtml } from './report-html.js';

/** The HTML document of each report, its charts drawn from `read` (the report's own rollups). */
export function reportDocuments(
  cfg: ResolvedConfig,
  reports: readonly MonthlyReport[],
  read: RollupReader,
  bucketBoundsSeconds: readonly number[],
): { month: string; html: string }[] {
  const zone = reportTimeZone(cfg);
  return reports.map((r) => {
    const days = daysIn(monthRange(parseMonth(r.month)!, zone), zone);
    const figures = dailyFigures(cfg, bucketBoundsSeconds, read, days);
    return { month: r.month, html: renderReportHtml(r, { days: figures }, newNonce(), cfg.source) };
  });
}

/** Writes the documents; returns the exit code. Several months need `--out DIR` (exit 2). */
export function writeReportDocuments(
  docs: readonly { month: string; html: string }[],
  outDir: string | undefined,
  io: CliIo,
): number {
  if (outDir === undefined) {
    if (docs.length !== 1)
      throw new UsageError(`${docs.length} months to write as HTML: give --out DIR for one file per month`);
    io.stdout.write(docs[0]!.html);
    return 0;
  }
  mkdirSync(outDir, { recursive: true });
  for (const d of docs) {
    const file = join(outDir, `sloprobe-report-${d.month}.html`);
    writeFileSync(file, d.html);
    io.stdout.write(`${file}\n`);
  }
  return 0;
}
