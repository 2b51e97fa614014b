/**
 * The access log: one JSON line per request, also the input of `sloprobe replay`.
 *
 *   {"time":"2026-03-01T12:00:00.123Z","method":"POST","path":"/hpp/v1/sessions",
 *    "route":"hpp-create-session","category":"payment-request","status":200,
 *    "outcome":"good","latency_ms":152.031,"duration_ms":153.4,"request_id":"…"}
 *
 * `time` is when the request arrived (the instant rollups and replay key on), `latency_ms`
 * the SLI latency the recorder counted (null only for excluded requests), then `digest`
 * and `error` when present, and `"synthetic":true` on probe requests. Only these fields exist: no headers, bodies, cookies, API keys
 * or query strings can reach a line, because none is read from the observation. The two
 * values a client chooses, the path and its `X-Request-Id`, go through `maskPans`
 * (src/privacy/pan.ts): a card number in them keeps its last four digits. No pid or
 * hostname either: the container runtime already attributes the stream, and replay needs
 * neither.
 *
 * Lines are written by hand in a fixed key order rather than through pino's logger, and
 * batched into one write every `FLUSH_MS` (or sooner when a batch reaches `BATCH_BYTES`):
 * bench/recorder.ts, run alternately on the 2-core EPYC dev box, put a line at 0.35-0.6x the
 * cost of pino's `logger.info` with the same fields, and handing each line to the
 * destination separately cost ~2.4 µs against ~0.4 µs batched; written once per event-loop
 * turn instead of every 50 ms, the batches cost the sidecar ~6% of its CPU per request
 * under a 50-connection load (three rounds, both builds side by side on one core). A line
 * reaches the destination at most `FLUSH_MS` after its request ended. The destination
 * (./destination.ts) writes files and pipes directly, never blocking, and caps what a slow
 * reader leaves waiting (drops are counted); lines still buffered when the process exits
 * are written on the way out.
 *
 * Each line is encoded into the batch's Buffer as it is formatted, so the batch waits in
 * memory outside V8's heap: kept as a string, up to 64 KiB of lines would be copied by every
 * young-generation collection until the flush, and sonic-boom encoded a string batch twice
 * (once to write it, once more to count what was written). Same CPU per request as the
 * string batch within noise (three rounds side by side: 95.5 vs 97.0 and 111.5 vs 111.0 µs).
 */
import { mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AccessLogTarget, ResolvedRoute } from '../config/types.js';
import { ErrorCodes, SloprobeError } from '../errors.js';
import { maskPans } from '../privacy/pan.js';
import { OUTCOMES, outcomeCode, sliLatencyNs } from '../telemetry/classify.js';
import { statusCode } from '../telemetry/labels.js';
import type { Observation, ObservationSink } from '../telemetry/observation.js';
import { type Destination, openDestination } from './destination.js';

export interface AccessLog extends ObservationSink {
  /** Hands buffered lines to the destination now (asynchronous write). */
  flush(): void;
  /** Writes what is buffered and closes the destination (stdout stays open). */
  close(): Promise<void>;
  /** Lines dropped because the destination could not keep up (or failed). */
  readonly droppedLines: number;
}

export interface AccessLogOptions {
  /** Told about the first write failure (later ones are only counted). */
  readonly onError?: (err: unknown) => void;
  /** Bytes buffered for a slow destination before lines are dropped. Default 32 MiB. */
  readonly maxBufferBytes?: number;
}

/** A batch is handed over when it reaches this size, or `FLUSH_MS` after its first line. */
const BATCH_BYTES = 64 * 1024;
/** The longest a line waits in the batch (nginx's `access_log ... flush=` does the same). */
export const FLUSH_MS = 50;
const MAX_REQUEST_ID = 200;

/**
 * Milliseconds with three decimals at most, trailing zeros dropped: what
 * `String(Math.round(ns / 1000) / 1000)` prints, from integers (a double-to-string
 * conversion per field showed in the profile).
 */
function ms3(ns: number): string {
  if (!(ns >= 0)) return 'null';
  const us = Math.round(ns / 1000);
  if (!(us <= Number.MAX_SAFE_INTEGER)) return String(us / 1000);
  const whole = Math.floor(us / 1000);
  let frac = us - whole * 1000;
  if (frac === 0) return String(whole);
  if (frac % 100 === 0) return `${whole}.${frac / 100}`;
  if (frac % 10 === 0) {
    frac /= 10;
    return `${whole}.${frac < 10 ? '0' : ''}${frac}`;
  }
  return `${whole}.${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}`;
}

/** The methods Node knows, serialised once; any other method is escaped per line. */
const METHOD_JSON = new Map(
  ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].map((m) => [m, JSON.stringify(m)]),
);

function methodJson(v: unknown): string {
  if (typeof v !== 'string') return 'null';
  return METHOD_JSON.get(v) ?? JSON.stringify(v);
}

function jsonString(v: unknown, max = Number.POSITIVE_INFINITY): string {
  if (typeof v !== 'string') return 'null';
  return JSON.stringify(v.length > max ? v.slice(0, max) : v);
}

/**
 * A value the client chose: masked, then cut to `max`. Cutting first could leave the first
 * twelve digits of a card number at the end, too short to be recognised.
 */
function clientString(v: unknown, max: number): string {
  if (typeof v !== 'string') return 'null';
  const m = maskPans(v);
  return JSON.stringify(m.length > max ? m.slice(0, max) : m);
}

/** Formats observations as access-log lines; route labels are serialised once. */
export class AccessLogFormatter {
  private readonly routeJson: string[];
  private readonly categoryJson: string[];
  private isoSecond = Number.NaN;
  private isoPrefix = '';

  constructor(routes: readonly ResolvedRoute[]) {
    this.routeJson = routes.map((r) => JSON.stringify(r.name));
    this.categoryJson = routes.map((r) => JSON.stringify(r.category));
  }

  /** RFC 3339 UTC with milliseconds; the date part is cached per second. */
  time(epochMs: number): string {
    const ms = Math.floor(epochMs > 0 ? epochMs : Date.now());
    const second = Math.floor(ms / 1000);
    if (second !== this.isoSecond) {
      this.isoSecond = second;
      this.isoPrefix = new Date(second * 1000).toISOString().slice(0, 19);
    }
    const frac = ms - second * 1000;
    return `${this.isoPrefix}.${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}Z`;
  }

  /** One line, newline included. */
  format(o: Observation): string {
    const outcome = outcomeCode(o.status, o.errorReason, o.clientAborted);
    let path = typeof o.path === 'string' ? o.path : '';
    // The proxy passes the path without its query; never trust that with secrets at stake.
    const q = path.indexOf('?');
    if (q !== -1) path = path.slice(0, q);
    const h = path.indexOf('#');
    if (h !== -1) path = path.slice(0, h);
    let line =
      `{"time":"${this.time(o.startMs)}","method":${methodJson(o.method)},"path":${JSON.stringify(maskPans(path))}` +
      `,"route":${this.routeJson[o.routeIndex] ?? 'null'},"category":${this.categoryJson[o.routeIndex] ?? 'null'}` +
      `,"status":${statusCode(o.status)},"outcome":"${OUTCOMES[outcome]}"` +
      `,"latency_ms":${ms3(sliLatencyNs(o.sliNs, o.durationNs, outcome))},"duration_ms":${ms3(o.durationNs)}` +
      `,"request_id":${clientString(o.requestId, MAX_REQUEST_ID)}`;
    if (o.digest !== null && o.digest !== undefined) line += `,"digest":${jsonString(o.digest)}`;
    if (o.errorReason !== null && o.errorReason !== undefined)
      line += `,"error":${jsonString(o.errorReason)}`;
    // Probe requests (src/probes) say so; the merchant's own lines carry no extra field.
    if (o.synthetic === true) line += ',"synthetic":true';
    return `${line}}\n`;
  }
}

class StreamAccessLog implements AccessLog {
  /** The batch being filled: bytes, off the JS heap (see the header comment). */
  private block = Buffer.allocUnsafeSlow(BATCH_BYTES);
  private used = 0;
  private pendingLines = 0;
  private scheduled = false;
  private dropped = 0;
  private failures = 0;
  private closed = false;
  private readonly flushBound = (): void => {
    this.scheduled = false;
    this.flush();
  };
  private readonly onExit = (): void => {
    // Last resort on process exit: the batch still being filled, synchronously.
    if (this.dest.flushSync !== undefined) {
      // A direct destination: the batch goes behind what waits, then all of it, never blocking.
      if (this.used > 0) this.dest.write(this.block.subarray(0, this.used));
      this.used = 0;
      this.dest.flushSync();
      return;
    }
    if (this.used === 0 || this.dest.fd < 0) return;
    try {
      writeSync(this.dest.fd, this.block, 0, this.used);
    } catch {
      // Exiting anyway.
    }
  };

  constructor(
    private readonly dest: Destination,
    private readonly formatter: AccessLogFormatter,
    private readonly onError: (err: unknown) => void,
  ) {
    dest.on('error', (err: unknown) => this.fail(err));
    dest.on('drop', (data: unknown) => {
      this.dropped += typeof data === 'string' || Buffer.isBuffer(data) ? countLines(data) : 1;
    });
    process.on('exit', this.onExit);
  }

  get droppedLines(): number {
    return this.dropped;
  }

  observe(o: Observation): void {
    if (this.closed) return;
    try {
      const line = this.formatter.format(o);
      // UTF-8 needs at most 3 bytes per UTF-16 code unit: with that much room left the
      // line is encoded whole, never cut.
      const room = line.length * 3;
      if (this.used + room > this.block.length) {
        this.flush();
        if (room > this.block.length) {
          // A line longer than a batch (a path near Node's header limit): on its own.
          this.dest.write(Buffer.from(line, 'utf8'));
          return;
        }
      }
      this.used += this.block.write(line, this.used, 'utf8');
      this.pendingLines++;
      if (!this.scheduled) {
        this.scheduled = true;
        // Unref'd: a pending batch never keeps the process alive; onExit writes it.
        setTimeout(this.flushBound, FLUSH_MS).unref();
      }
    } catch (err) {
      this.fail(err);
    }
  }

  flush(): void {
    if (this.used === 0) return;
    const batch = this.block.subarray(0, this.used);
    const lines = this.pendingLines;
    this.used = 0;
    this.pendingLines = 0;
    try {
      // Written whole at once (a file, a pipe with room): the same block takes the next lines.
      if (this.dest.writeNow?.(batch) === true) return;
      // Kept by the destination until written: the next lines go to a new block.
      this.block = Buffer.allocUnsafeSlow(BATCH_BYTES);
      if (this.dest.writeNow === undefined) this.dest.write(batch);
    } catch (err) {
      this.block = Buffer.allocUnsafeSlow(BATCH_BYTES);
      this.dropped += lines;
      this.fail(err);
    }
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.flush();
    this.closed = true;
    process.off('exit', this.onExit);
    const dest = this.dest;
    if (dest.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      dest.once('close', () => resolve());
      dest.once('error', () => resolve());
      try {
        dest.end();
      } catch {
        resolve();
      }
    });
  }

  private fail(err: unknown): void {
    this.failures++;
    if (this.failures !== 1) return;
    try {
      this.onError(err);
    } catch {
      // Reporting must not break the request path.
    }
  }
}

function countLines(s: string | Buffer): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

const OFF: AccessLog = {
  observe() {},
  flush() {},
  close: () => Promise.resolve(),
  droppedLines: 0,
};

function defaultOnError(err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  process.emitWarning(`access log write failed (further failures are only counted): ${message}`, {
    code: 'SLOPROBE_ACCESS_LOG',
  });
}

/**
 * An access log for `--access-log off|stdout|FILE`. A file is opened (and its directory
 * created) here, synchronously, so a bad path fails at start with a clear message instead
 * of surfacing later as lost lines.
 */
export function createAccessLog(
  target: AccessLogTarget,
  routes: readonly ResolvedRoute[],
  options: AccessLogOptions = {},
): AccessLog {
  if (target.kind === 'off') return OFF;
  let fd = 1;
  if (target.kind === 'file') {
    try {
      mkdirSync(dirname(target.path), { recursive: true });
      fd = openSync(target.path, 'a');
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new SloprobeError(ErrorCodes.USAGE, `cannot open the access log ${target.path}: ${reason}`, {
        cause: err,
        exitCode: 2,
      });
    }
  }
  const dest = openDestination(fd, options.maxBufferBytes ?? 32 * 1024 * 1024, target.kind === 'file');
  return new StreamAccessLog(dest, new AccessLogFormatter(routes), options.onError ?? defaultOnError);
}
