/**
 * `sloprobe report --config FILE [--month YYYY-MM] [--format text|json|html] [--data-dir DIR]`:
 * the monthly SLA report from the store the sidecar keeps (read-only: safe while it runs).
 * The month defaults to the current one in the config's time zone.
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';
import { type CliIo, type Format, fail, loadConfigOrExit, parseFormat } from '../replay/cli.js';
import { reportTimeZone } from '../replay/replay.js';
import { storeReport } from '../replay/report.js';
import { formatMonth, monthOf, parseMonth } from '../slo/period.js';
import { renderReportText, reportJson } from '../slo/report-render.js';
import { reportDocuments, writeReportDocuments } from '../status/report-output.js';
import { Store } from '../store/store.js';
import { configBucketBounds } from '../telemetry/buckets.js';
import { fleetReport } from './report-prometheus.js';

export const REPORT_USAGE = `Usage: sloprobe report --config FILE [--month YYYY-MM] [--format text|json|html] [--out DIR] [--data-dir DIR | --prometheus URL [--selector SEL]]

Prints the monthly SLA report from the sidecar's store (read-only; safe while it runs).
  -c, --config FILE    the YAML config (default: $SLOPROBE_CONFIG)
      --month YYYY-MM  the month (default: the current one in the config's time zone)
      --format F       text (default), json, or html (a self-contained document with charts)
      --out DIR        with html: write DIR/sloprobe-report-YYYY-MM.html instead of stdout
      --data-dir DIR   the store's directory (default: $SLOPROBE_DATA_DIR, the config's
                       data_dir, else ./.sloprobe-data)
      --prometheus URL the whole fleet's report from Prometheus' HTTP API instead of the store
      --selector SEL   with --prometheus: label matchers of the sidecars, e.g. '{job="payments"}'
  -h, --help           show this help
Exit codes: 0 success, 1 runtime failure (store unreadable), 2 bad input (flags, config)`;

export async function reportCommand(argv: string[], io: CliIo = process): Promise<number> {
  let values: {
    config?: string;
    month?: string;
    format?: string;
    out?: string;
    'data-dir'?: string;
    prometheus?: string;
    selector?: string;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string', short: 'c' },
        month: { type: 'string' },
        format: { type: 'string' },
        out: { type: 'string' },
        'data-dir': { type: 'string' },
        prometheus: { type: 'string' },
        selector: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    io.stderr.write(`sloprobe report: ${(err as Error).message}\n${REPORT_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(`${REPORT_USAGE}\n`);
    return 0;
  }
  const cfg = loadConfigOrExit('report', values.config, io);
  if (typeof cfg === 'number') return cfg;
  const now = io.now?.() ?? Date.now();
  let format: Format;
  let month: string;
  const dataDir = values['data-dir'] ?? process.env.SLOPROBE_DATA_DIR ?? cfg.store.dataDir;
  try {
    format = parseFormat(values.format);
    if (values.out !== undefined && format !== 'html') throw new UsageError('--out is for --format html');
    if (values.month !== undefined) {
      const ref = parseMonth(values.month);
      if (!ref) throw new UsageError(`--month must be YYYY-MM, not "${values.month}"`);
      month = formatMonth(ref);
    } else {
      month = formatMonth(monthOf(now, reportTimeZone(cfg)));
    }
    if (values.prometheus !== undefined) {
      return await fleetReport(cfg, values.prometheus, month, format, values.selector, now, io);
    }
    if (dataDir === ':memory:') {
      throw new UsageError(
        'the store is in memory (:memory:), which only the sidecar itself can read; give --data-dir DIR',
      );
    }
  } catch (err) {
    return fail('report', err, io);
  }

  let store: Store | undefined;
  try {
    store = Store.openReadOnly(dataDir);
    const bounds = configBucketBounds(cfg);
    const report = storeReport(cfg, store, month, bounds, now);
    const s = store;
    if (format === 'html')
      return writeReportDocuments(
        reportDocuments(cfg, [report], (f, t) => s.readRollups(f, t), bounds),
        values.out,
        io,
      );
    io.stdout.write(format === 'json' ? `${JSON.stringify(reportJson(report))}\n` : renderReportText(report));
    return 0;
  } catch (err) {
    return fail('report', err, io);
  } finally {
    store?.close();
  }
}
