/**
 * `sloprobe replay --config FILE [--from T] [--to T] [--format text|json|html] [--out DIR] LOG...`: access
 * logs through the SLO rules with their own timestamps, printed as the monthly SLA report
 * of every month they cover (or that --from/--to covers). Exit 0 ok (malformed lines are
 * reported, never fatal), 1 runtime failure, 2 bad input.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { backfillStore, describeRange } from '../replay/into-store.js';
import { type ReplayProgress, type ReplayResult, replayLogs, reportTimeZone } from '../replay/replay.js';
import { monthsOverlapping, replayReports } from '../replay/report.js';
import { renderReportText, reportJson } from '../slo/report-render.js';
import { reportDocuments, writeReportDocuments } from '../status/report-output.js';
import {
  type CliIo,
  type CommandRun,
  execute,
  type FlagSpec,
  flag,
  isoMinute,
  loadConfig,
  parseFlags,
  parseFormat,
  parseTimeArg,
} from './args.js';
import { formatOptions } from './replay-input.js';
import { PROGRESS_LINE_EVERY_MS, progressBar, progressText } from './replay-progress.js';

export const REPLAY_USAGE = `Usage: sloprobe replay --config FILE [--input-format F] [--from T] [--to T] [--format text|json|html] [--out DIR] [--into-store [--data-dir DIR] [--replace]] [--quiet] LOG...

Runs access logs (plain or gzip; - reads stdin) through the SLO rules with the logs' own
timestamps and prints the monthly SLA report of every month they cover.
  -c, --config FILE   the YAML config (default: $SLOPROBE_CONFIG)
      --input-format F  auto (default: told from each file's first line), sloprobe, nginx,
                      envoy, haproxy, alb or jsonl
      --nginx-format S  the nginx log_format string of the logs (default: combined, with or
                      without "$request_time $upstream_response_time" appended); a JSON
                      template ('{"t":"$msec",...}') or json for JSON logs keyed by variable
      --field MAP     jsonl: name=key pairs (time, method, path, request, status,
                      latency_ms, latency_s, error, digest), e.g. time=ts,status=http.code
      --log-time-zone Z  zone of timestamps written without one (HAProxy), default UTC
      --into-store    write the rollups into the store instead of printing the report
      --data-dir DIR  with --into-store: the store (default: $SLOPROBE_DATA_DIR, the config's)
      --replace       with --into-store: replace an earlier replay of an overlapping range
  -q, --quiet         no progress on stderr
      --threads N     parse on N worker threads (default: the CPUs, at most 4, for
                      logs over 4 MB; 1 = none)
      --from T        replay only lines at or after T
      --to T          replay only lines before T; reports cover the months of [from, to)
                      T: RFC 3339, epoch milliseconds, YYYY-MM-DD or YYYY-MM (config time zone)
      --format F      text (default), json (one JSON document per month, one per line) or
                      html (a self-contained document per month, with charts)
      --out DIR       with html: write DIR/sloprobe-report-YYYY-MM.html (needed for several months)
  -h, --help          show this help
A sloprobe line needs time, method, path and status; latency_ms, digest and error are optional.
Malformed lines are counted and listed on stderr, never fatal.
Exit codes: 0 success, 1 runtime failure, 2 bad input (flags, config, unreadable log)`;

const count = new Intl.NumberFormat('en-US');

function checkReadable(files: readonly string[]): void {
  if (files.length === 0) throw new UsageError('give at least one LOG file (or - for stdin)');
  if (files.filter((f) => f === '-').length > 1) throw new UsageError('- (stdin) can be given only once');
  for (const f of files) {
    if (f === '-') continue;
    try {
      if (statSync(f).isDirectory()) throw new UsageError(`${f} is a directory, not a log file`);
      accessSync(f, constants.R_OK);
    } catch (err) {
      if (err instanceof UsageError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      const why =
        code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
      throw new UsageError(`cannot read ${f}: ${why}`);
    }
  }
}

/** Which latency the report counted, in the format's own words. */
function latencyLine(r: ReplayResult): string {
  const parts = [...r.latencySources]
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => `${name}: ${count.format(n)}`);
  return parts.length === 0 ? '' : `Latency source: ${parts.join('; ')}`;
}

function summary(r: ReplayResult): string {
  const s = r.stats;
  const parts = [`${count.format(s.replayed)} requests`, `${count.format(s.malformed)} malformed`];
  if (s.outsideRange > 0) parts.push(`${count.format(s.outsideRange)} outside --from/--to`);
  if (s.blank > 0) parts.push(`${count.format(s.blank)} blank`);
  if (s.unmatched > 0) parts.push(`${count.format(s.unmatched)} on no route (unmatched)`);
  const span = s.replayed > 0 ? `, ${isoMinute(s.firstMs)} to ${isoMinute(s.lastMs)}` : '';
  return `Replayed ${count.format(s.lines)} lines from ${s.files} file${s.files === 1 ? '' : 's'}: ${parts.join(', ')}${span}`;
}

function replayJson(r: ReplayResult): Record<string, unknown> {
  const s = r.stats;
  return {
    files: s.files,
    lines: s.lines,
    replayed: s.replayed,
    malformed: s.malformed,
    blank: s.blank,
    outside_range: s.outsideRange,
    unmatched: s.unmatched,
    formats: r.fileFormats.map((f) => ({ file: f.file, format: f.format })),
    latency_sources: Object.fromEntries(r.latencySources),
    first: s.replayed > 0 ? new Date(s.firstMs).toISOString() : null,
    last: s.replayed > 0 ? new Date(s.lastMs).toISOString() : null,
    malformed_lines: r.malformedLines.map((m) => ({ file: m.file, line: m.line, problem: m.problem })),
    file_problems: r.fileProblems.map((p) => ({ file: p.file, lines: p.lines, problem: p.problem })),
  };
}

function writeProblems(r: ReplayResult, io: CliIo): void {
  for (const p of r.fileProblems) {
    io.stderr.write(
      `sloprobe replay: ${p.file}: ${p.problem}; kept the ${count.format(p.lines)} lines before it\n`,
    );
  }
  const m = r.stats.malformed;
  if (m === 0) return;
  const listed = r.malformedLines.length;
  const which = listed < m ? ` (first ${listed} listed)` : '';
  io.stderr.write(
    `sloprobe replay: ${count.format(m)} malformed line${m === 1 ? '' : 's'} skipped${which}:\n`,
  );
  for (const l of r.malformedLines) io.stderr.write(`  ${l.file}:${l.line}: ${l.problem}\n`);
}

const PARALLEL_FROM_BYTES = 4 * 1024 * 1024;

const FLAGS: FlagSpec = {
  command: 'replay',
  usage: REPLAY_USAGE,
  options: {
    config: { type: 'string', short: 'c' },
    from: { type: 'string' },
    to: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
    'input-format': { type: 'string' },
    'nginx-format': { type: 'string' },
    field: { type: 'string', multiple: true },
    'log-time-zone': { type: 'string' },
    'into-store': { type: 'boolean' },
    'data-dir': { type: 'string' },
    replace: { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
    threads: { type: 'string' },
  },
  positionals: true,
};

export const command: CommandRun = async (argv, io) => {
  const flags = parseFlags(argv, FLAGS, io);
  if (!flags) return 0;
  const { values, positionals: files } = flags;
  const cfg = loadConfig(flag(values, 'config'));
  const zone = reportTimeZone(cfg);
  const format = parseFormat(flag(values, 'format'));
  const out = flag(values, 'out');
  if (out !== undefined && format !== 'html') throw new UsageError('--out is for --format html');
  const from = flag(values, 'from');
  const to = flag(values, 'to');
  const fromMs = from === undefined ? undefined : parseTimeArg('--from', from, zone);
  const toMs = to === undefined ? undefined : parseTimeArg('--to', to, zone);
  if (fromMs !== undefined && toMs !== undefined && toMs <= fromMs) {
    throw new UsageError(`--to (${to}) must be after --from (${from})`);
  }
  const parsing = formatOptions(values);
  const intoStore = values['into-store'] === true;
  if (!intoStore && (values['data-dir'] !== undefined || values.replace === true))
    throw new UsageError('--data-dir and --replace are for --into-store');
  if (intoStore && format !== 'text')
    throw new UsageError('--format is for the report; --into-store prints none');
  checkReadable(files);

  const tty = io.stderr.isTTY === true;
  const quiet = values.quiet === true;
  const totalBytes = files.includes('-') ? 0 : files.reduce((n, f) => n + statSync(f).size, 0);
  let nextLineMs = PROGRESS_LINE_EVERY_MS;
  const onProgress = quiet
    ? undefined
    : tty
      ? (p: ReplayProgress) => io.stderr.write(progressBar(p, totalBytes))
      : (p: ReplayProgress) => {
          if (p.elapsedMs < nextLineMs) return;
          nextLineMs = p.elapsedMs + PROGRESS_LINE_EVERY_MS;
          io.stderr.write(`sloprobe replay: ${progressText(p, totalBytes)}\n`);
        };
  let result: ReplayResult;
  try {
    result = await replayLogs(cfg, files, {
      fromMs,
      toMs,
      stdin: io.stdin,
      onProgress,
      ...parsing,
      // Starting workers costs more than parsing a small file: threads only past a few MB,
      // unless asked for.
      parallel:
        values.threads !== undefined || totalBytes >= PARALLEL_FROM_BYTES ? parsing.parallel : undefined,
      histogramsBy: intoStore ? 'hour' : 'month',
      methodMinutes: intoStore,
    });
  } finally {
    if (tty && !quiet) io.stderr.write('\r\x1b[K');
  }
  try {
    writeProblems(result, io);
    for (const f of result.fileFormats) {
      if (f.format === 'unknown')
        io.stderr.write(`sloprobe replay: ${f.file}: not a log format replay knows; give --input-format\n`);
    }

    if (intoStore) {
      const dataDir = flag(values, 'data-dir', 'SLOPROBE_DATA_DIR') ?? cfg.store.dataDir;
      if (dataDir === ':memory:')
        throw new UsageError('the config keeps the store in memory (:memory:); give --data-dir DIR');
      if (result.stats.replayed === 0)
        throw new UsageError(`no request lines to replay (${summary(result)})`);
      const b = backfillStore(cfg, result, dataDir, { replace: values.replace === true });
      for (const w of b.warnings) io.stderr.write(`sloprobe replay: store: ${w}\n`);
      const lat = latencyLine(result);
      io.stdout.write(
        `${summary(result)}\n${lat ? `${lat}\n` : ''}Wrote ${count.format(b.minuteRows)} route-minutes, ${b.methodRows > 0 ? `${count.format(b.methodRows)} payment-method minutes, ` : ''}${count.format(b.histogramRows)} hourly latency histograms of ${describeRange(b.range)} into ${dataDir}${b.replaced.length > 0 ? ` (replacing ${b.replaced.map(describeRange).join(', ')})` : ''}\nMonths: ${monthsOverlapping(result.stats.firstMs, result.stats.lastMs + 1, zone).join(', ')} (see \`sloprobe report --month YYYY-MM --data-dir ${dataDir}\`)\n`,
      );
      return 0;
    }

    const s = result.stats;
    let months: string[];
    if (fromMs !== undefined || toMs !== undefined) {
      const start = fromMs ?? (s.replayed > 0 ? s.firstMs : Number.NaN);
      const end = toMs ?? (s.replayed > 0 ? s.lastMs + 1 : Number.NaN);
      months = monthsOverlapping(start, end, zone);
    } else {
      months = s.replayed > 0 ? monthsOverlapping(s.firstMs, s.lastMs + 1, zone) : [];
    }
    if (months.length === 0) throw new UsageError(`no request lines to replay (${summary(result)})`);

    const reports = replayReports(cfg, result, months, io.now?.() ?? Date.now());
    if (format === 'html') {
      const read = (f: number, t: number) => result.rollups.readRollups(f, t);
      return writeReportDocuments(reportDocuments(cfg, reports, read, result.bucketBoundsSeconds), out, io);
    }
    if (format === 'json') {
      const replay = replayJson(result);
      for (const r of reports) io.stdout.write(`${JSON.stringify({ ...reportJson(r), replay })}\n`);
    } else {
      const lat = latencyLine(result);
      io.stdout.write(
        `${summary(result)}\n${lat ? `${lat}\n` : ''}\n${reports.map(renderReportText).join('\n')}`,
      );
    }
    return 0;
  } finally {
    // A long replay's rows may be in temporary files (replay/spill.ts).
    result.rollups.close();
  }
};

/** `sloprobe replay` in-process: what main runs, with its errors printed (tests use it). */
export function replayCommand(argv: string[], io: CliIo = process): Promise<number> {
  return execute('replay', command, argv, io);
}
