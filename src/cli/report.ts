/**
 * `sloprobe report --config FILE [--month YYYY-MM] [--format text|json|html] [--data-dir DIR | --prometheus URL]`:
 * the monthly SLA report from the store the sidecar keeps (read-only: safe while it runs).
 * The month defaults to the current one in the config's time zone.
 */
import { UsageError } from '../errors.js';
import { storeReport } from '../replay/report.js';
import { formatMonth, monthOf, parseMonth, reportTimeZone } from '../slo/period.js';
import { renderReportText, reportJson } from '../slo/report-render.js';
import { reportDocuments, writeReportDocuments } from '../status/report-output.js';
import { Store } from '../store/store.js';
import { configBucketBounds } from '../telemetry/buckets.js';
import {
  type CliIo,
  type CommandRun,
  execute,
  type FlagSpec,
  flag,
  loadConfig,
  parseFlags,
  parseFormat,
} from './args.js';
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

const FLAGS: FlagSpec = {
  command: 'report',
  usage: REPORT_USAGE,
  options: {
    config: { type: 'string', short: 'c' },
    month: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
    'data-dir': { type: 'string' },
    prometheus: { type: 'string' },
    selector: { type: 'string' },
  },
};

export const command: CommandRun = async (argv, io) => {
  const flags = parseFlags(argv, FLAGS, io);
  if (!flags) return 0;
  const { values } = flags;
  const cfg = loadConfig(flag(values, 'config'));
  const now = io.now?.() ?? Date.now();
  const format = parseFormat(flag(values, 'format'));
  const out = flag(values, 'out');
  if (out !== undefined && format !== 'html') throw new UsageError('--out is for --format html');
  const monthText = flag(values, 'month');
  let month: string;
  if (monthText !== undefined) {
    const ref = parseMonth(monthText);
    if (!ref) throw new UsageError(`--month must be YYYY-MM, not "${monthText}"`);
    month = formatMonth(ref);
  } else {
    month = formatMonth(monthOf(now, reportTimeZone(cfg)));
  }
  const prometheus = flag(values, 'prometheus');
  if (prometheus !== undefined)
    return fleetReport(cfg, prometheus, month, format, flag(values, 'selector'), now, io);
  const dataDir = flag(values, 'data-dir', 'SLOPROBE_DATA_DIR') ?? cfg.store.dataDir;
  if (dataDir === ':memory:') {
    throw new UsageError(
      'the store is in memory (:memory:), which only the sidecar itself can read; give --data-dir DIR',
    );
  }
  // Read-only and without the writer lock (src/store/lock.ts): safe beside a running sidecar.
  const store = Store.openReadOnly(dataDir);
  try {
    const bounds = configBucketBounds(cfg);
    const report = storeReport(cfg, store, month, bounds, now);
    if (format === 'html') {
      const docs = reportDocuments(cfg, [report], (f, t) => store.readRollups(f, t), bounds);
      return writeReportDocuments(docs, out, io);
    }
    io.stdout.write(format === 'json' ? `${JSON.stringify(reportJson(report))}\n` : renderReportText(report));
    return 0;
  } finally {
    store.close();
  }
};

/** `sloprobe report` in-process: what main runs, with its errors printed (tests use it). */
export function reportCommand(argv: string[], io: CliIo = process): Promise<number> {
  return execute('report', command, argv, io);
}
