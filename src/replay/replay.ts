/**
 * `replay`: access logs through the same rules as the live sidecar, with the logs' own
 * timestamps (docs/sla-definitions.md#server-side-timestamps: "Time is measured using the server-side timestamps of API
 * Requests"). Each line is classified with telemetry/classify.ts, bucketed with the
 * recorder's bucket layout, and booked per minute and route (book.ts); the result is
 * read like the store and fed to the monthly report.
 *
 * How a line maps to the recorder's inputs:
 * - `outcome` (good, bad or excluded), when present, is the sidecar's own verdict from the
 *   same classify(): it is used as is, because it also knows what the line cannot say
 *   (whether the client had gone away when an upstream error cut a response short).
 * - Otherwise the line is classified here. `status` 0 means nothing was sent: without
 *   `error` that is a client that went away first (the sidecar answers upstream failures
 *   itself with 502/504), `excluded`; with `error`, the service failed to answer, `bad`.
 *   `client_aborted`, when present, is used as is.
 * - `latency_ms` is the SLI latency the access log writes (telemetry/classify.ts
 *   `sliLatencyNs`); excluded requests count no latency, as live.
 * - `digest` identifies repeated identical requests (docs/sla-definitions.md#repeated-requests). A line without one counts
 *   as a distinct request, as the live recorder does without a digest: method and path
 *   alone would merge different payments to the same endpoint into one request.
 */
import type { Readable } from 'node:stream';
import type { ResolvedConfig } from '../config/types.js';
import { monthOf, monthRange, reportTimeZone, type TimeRange } from '../slo/period.js';
import { configBucketBounds } from '../telemetry/buckets.js';
import { HOUR_MS } from '../time.js';
import type { LineFormat } from './formats/common.js';
import { decompressed, openLog, readLineBytes } from './input.js';
import { LineProcessor, type MalformedLine } from './lines.js';
import { type ParallelInput, replayParallel } from './parallel.js';
import { readBlock } from './read-block.js';
import type { ReplayRollups } from './rollups.js';

export type { MalformedLine };

export interface ReplayStats {
  readonly files: number;
  /** Every line read, blank ones included. */
  readonly lines: number;
  /** Lines counted into the rollups. */
  readonly replayed: number;
  readonly malformed: number;
  readonly blank: number;
  /** Well-formed lines outside --from/--to. */
  readonly outsideRange: number;
  /** Replayed lines that matched no route (booked on `unmatched`). */
  readonly unmatched: number;
  /** Time of the earliest and latest replayed line, epoch ms (NaN when none). */
  readonly firstMs: number;
  readonly lastMs: number;
}

export interface ReplayProgress {
  readonly file: string;
  readonly fileIndex: number;
  readonly files: number;
  readonly lines: number;
  readonly elapsedMs: number;
  /** Bytes read from the current file so far (compressed bytes for gzip). */
  readonly fileBytes: number;
  /** Bytes read from all files so far. */
  readonly bytes: number;
}

export interface ReplayOptions {
  /** Only lines with from <= time < to are replayed. */
  readonly fromMs?: number;
  readonly toMs?: number;
  /** How many malformed lines are listed (all are counted). Default 20. */
  readonly listMalformed?: number;
  /** Where `-` reads from. Default process.stdin. */
  readonly stdin?: Readable;
  /** Called about four times a second while lines are read. */
  readonly onProgress?: (p: ReplayProgress) => void;
  /** Clock for progress. Default performance.now. */
  readonly now?: () => number;
  /** How lines are parsed (default sloprobe's JSON lines), or `detect` for auto. */
  readonly format?: LineFormat;
  readonly detect?: (firstLine: string) => LineFormat | undefined;
  /**
   * What the latency histograms are kept per: the report month (default), or the hour, as
   * the store keeps them (`--into-store`).
   */
  readonly histogramsBy?: 'month' | 'hour';
  /** Also count payment-method minutes, as the store keeps them (`--into-store`). */
  readonly methodMinutes?: boolean;
  /**
   * Parse on worker threads (parallel.ts) when `threads` > 1 and no input is stdin; the
   * format is then named, as workers build their own parsers.
   */
  readonly parallel?: ParallelInput;
}

/** A file that could only be read in part (corrupt or truncated gzip). */
export interface FileProblem {
  readonly file: string;
  /** Lines read from it before the problem. */
  readonly lines: number;
  readonly problem: string;
}

export interface ReplayResult {
  readonly stats: ReplayStats;
  readonly fileProblems: readonly FileProblem[];
  /** The first `listMalformed` malformed lines, in input order. */
  readonly malformedLines: readonly MalformedLine[];
  readonly rollups: ReplayRollups;
  readonly bucketBoundsSeconds: readonly number[];
  /** The zone months are cut in (the config's calendar-month zone, else UTC). */
  readonly timeZone: string;
  /** Replayed lines per latency source (the format's own name for it). */
  readonly latencySources: ReadonlyMap<string, number>;
  readonly fileFormats: readonly { file: string; format: string }[];
  /**
   * Parse workers' busy time (ms their event loop was not idle, preempted time included),
   * one a worker; absent for a single-threaded replay. bench/replay.ts prints it.
   */
  readonly workerBusyMs?: readonly number[];
}

const PROGRESS_EVERY_LINES = 1 << 16;
const PROGRESS_INTERVAL_MS = 250;

/** Reads every log and returns its rollups. Throws only for an unreadable file (I/O error). */
export async function replayLogs(
  cfg: ResolvedConfig,
  files: readonly string[],
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  if (options.parallel && options.parallel.threads > 1 && !files.includes('-')) {
    return replayParallel(cfg, files, options.parallel, options);
  }
  const timeZone = reportTimeZone(cfg);
  const bounds = configBucketBounds(cfg);
  const rangeOf =
    options.histogramsBy === 'hour'
      ? (ms: number): TimeRange => {
          const startMs = Math.floor(ms / HOUR_MS) * HOUR_MS;
          return { startMs, endMs: startMs + HOUR_MS };
        }
      : (ms: number): TimeRange => monthRange(monthOf(ms, timeZone), timeZone);
  const p = new LineProcessor(cfg, bounds, rangeOf, options);
  const now = options.now ?? (() => performance.now());
  const started = now();
  let nextProgress = started + PROGRESS_INTERVAL_MS;
  let fileIndex = 0;
  let bytesBefore = 0;
  let fileBytes = 0;
  const fileProblems: FileProblem[] = [];
  try {
    for (const name of files) {
      fileIndex++;
      const shown = name === '-' ? '<stdin>' : name;
      p.startFile(shown);
      const onProgress = options.onProgress;
      let sinceCheck = 0;
      fileBytes = 0;
      // Raw bytes (compressed for gzip): what the ETA compares with the file's size.
      async function* counted(source: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer | string> {
        for await (const chunk of source) {
          fileBytes += chunk.length;
          yield chunk;
        }
      }
      const reading = readLineBytes(decompressed(counted(openLog(name, options.stdin ?? process.stdin))), {
        block(bytes, head) {
          const before = p.lines;
          // sloprobe's own ASCII lines are read from the bytes, as on worker threads: no
          // decoding, and the logged route's shortcut (lines.ts); other text is decoded.
          readBlock(p, bytes, head);
          if (!onProgress) return;
          sinceCheck += p.lines - before;
          if (sinceCheck < PROGRESS_EVERY_LINES) return;
          sinceCheck = 0;
          const t = now();
          if (t < nextProgress) return;
          nextProgress = t + PROGRESS_INTERVAL_MS;
          onProgress({
            file: shown,
            fileIndex,
            files: files.length,
            lines: p.lines,
            elapsedMs: t - started,
            fileBytes,
            bytes: bytesBefore + fileBytes,
          });
        },
        overlong() {
          p.overlong();
        },
      });
      try {
        await reading;
      } catch (err) {
        // A truncated or damaged gzip (a log still being written, a bad copy): keep what was
        // read and say so. Any other read error is a failure of the run.
        const code = (err as { code?: unknown }).code;
        if (typeof code !== 'string' || !code.startsWith('Z_')) throw err;
        fileProblems.push({
          file: shown,
          lines: p.line,
          problem: `gzip data is damaged or truncated (${(err as Error).message})`,
        });
      }
      p.book.endFile();
      bytesBefore += fileBytes;
    }
  } catch (err) {
    // The spill files of a replay that returns nothing.
    p.book.discard();
    throw err;
  }
  p.endFormat();
  return {
    stats: {
      files: files.length,
      lines: p.lines,
      replayed: p.replayed,
      malformed: p.malformed,
      blank: p.blank,
      outsideRange: p.outsideRange,
      unmatched: p.unmatched,
      firstMs: p.firstMs,
      lastMs: p.lastMs,
    },
    fileProblems,
    malformedLines: p.malformedLines,
    rollups: p.book.finish(),
    bucketBoundsSeconds: bounds,
    timeZone,
    latencySources: p.latencySources,
    fileFormats: p.fileFormats,
  };
}

export { reportTimeZone };
