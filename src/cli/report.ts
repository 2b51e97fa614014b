/**
 * `sloprobe report --config FILE [--month YYYY-MM] [--format text|json] [--data-dir DIR]`:
 * the monthly SLA report from the store the sidecar keeps (read-only: safe while it runs).
 * The month defaults to the current one in the config's time zone.
 */
import { UsageError } from '../errors.js';
import { reportTimeZone } from '../replay/replay.js';
import { storeReport } from '../replay/report.js';
import { formatMonth, monthOf, parseMonth } from '../slo/period.js';
import { renderReportText, reportJson } from '../slo/report-render.js';
import { Store } from '../store/store.js';
import { latencyBucketBounds } from '../telemetry/buckets.js';
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

export const REPORT_USAGE = `Usage: sloprobe report --config FILE [--month YYYY-MM] [--format text|json] [--data-dir DIR]

Prints the monthly SLA report from the sidecar's store (read-only; safe while it runs).
  -c, --config FILE    the YAML config (default: $SLOPROBE_CONFIG)
      --month YYYY-MM  the month (default: the current one in the config's time zone)
      --format F       text (default) or json
      --data-dir DIR   the store's directory (default: $SLOPROBE_DATA_DIR, the config's
                       data_dir, else ./.sloprobe-data)
  -h, --help           show this help
Exit codes: 0 success, 1 runtime failure (store unreadable), 2 bad input (flags, config)`;

const FLAGS: FlagSpec = {
  command: 'report',
  usage: REPORT_USAGE,
  options: {
    config: { type: 'string', short: 'c' },
    month: { type: 'string' },
    format: { type: 'string' },
    'data-dir': { type: 'string' },
  },
};

export const command: CommandRun = async (argv, io) => {
  const flags = parseFlags(argv, FLAGS, io);
  if (!flags) return 0;
  const { values } = flags;
  const cfg = loadConfig(flag(values, 'config'));
  const now = io.now?.() ?? Date.now();
  const format = parseFormat(flag(values, 'format'));
  const monthText = flag(values, 'month');
  let month: string;
  if (monthText !== undefined) {
    const ref = parseMonth(monthText);
    if (!ref) throw new UsageError(`--month must be YYYY-MM, not "${monthText}"`);
    month = formatMonth(ref);
  } else {
    month = formatMonth(monthOf(now, reportTimeZone(cfg)));
  }
  const dataDir = flag(values, 'data-dir', 'SLOPROBE_DATA_DIR') ?? cfg.store.dataDir;
  if (dataDir === ':memory:') {
    throw new UsageError(
      'the store is in memory (:memory:), which only the sidecar itself can read; give --data-dir DIR',
    );
  }
  // Read-only and without the writer lock (src/store/lock.ts): safe beside a running sidecar.
  const store = Store.openReadOnly(dataDir);
  try {
    const report = storeReport(cfg, store, month, latencyBucketBounds(cfg.routes), now);
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
