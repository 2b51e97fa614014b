/**
 * Replay's per-line work: parse, route, classify, bucket, book. The hot loop of `replay`
 * (bench/replay.ts measures it); see replay.ts for how a line maps to the recorder's inputs.
 */
import { needsRequestDigest, timesliceErrorStatuses } from '../config/derived.js';
import type { ResolvedConfig } from '../config/types.js';
import { RouteTable } from '../routing/route-table.js';
import { BucketLayout } from '../telemetry/buckets.js';
import { EXCLUDED, outcomeCode } from '../telemetry/classify.js';
import { digestKey } from '../telemetry/digest-set.js';
import type { UpstreamErrorReason } from '../telemetry/observation.js';
import { syntheticRouteKey } from '../telemetry/rollup.js';
import { type RangeOf, ReplayBook } from './book.js';
import type { LineFormat } from './formats/common.js';
import { SLOPROBE_FORMAT } from './formats/index.js';
import { MAX_LINE_BYTES } from './input.js';
import { LoggedRoutes } from './logged-route.js';
import { MethodMinutes } from './method-minutes.js';
import { type LogRecord, newRecord } from './parse.js';
import { ByteSpans, fastParseLine } from './parse-bytes.js';

export interface MalformedLine {
  /** The file as given (`-` is shown as `<stdin>`). */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  readonly problem: string;
}

/** Route cache size: beyond it the cache restarts. */
const ROUTE_CACHE_MAX = 10_000;
/** Blocks (about 1 MiB of log each) after which the route cache starts over. */
const CACHE_BLOCKS = 32;
const BOM = 0xfeff;

export interface LineOptions {
  readonly fromMs?: number;
  readonly toMs?: number;
  readonly listMalformed?: number;
  /** How lines are parsed. Default sloprobe's own JSON lines. */
  readonly format?: LineFormat;
  /**
   * `--input-format auto`: the format of each file from its first non-blank line
   * (undefined when it is none replay knows; the file's lines are then malformed).
   */
  readonly detect?: (firstLine: string) => LineFormat | undefined;
  /** Also count payment-method minutes (method-minutes.ts), for `--into-store`. */
  readonly methodMinutes?: boolean;
}

/** Latency sources slots: one per source a format names, and the last for none. */
const SOURCE_SLOTS = 8;

/** Where a classified line goes: the book, or columns a parse worker sends to it (columns.ts). */
export interface BookSink {
  record(
    route: number,
    timeMs: number,
    outcome: number,
    bucket: number,
    latencyNs: number,
    slow: boolean,
    errorStatus: boolean,
    digest: number,
    failed: boolean,
  ): void;
}

/**
 * The book's route keys: every route, then every route's probe traffic (`<route>~synthetic`,
 * telemetry/rollup.ts) at the same index plus the route count, as the live recorder keeps
 * probe rollups apart; the engine counts them only in an SLO with `include_synthetic`.
 */
export function bookRouteNames(routes: readonly { readonly name: string }[]): string[] {
  const names = routes.map((r) => r.name);
  return [...names, ...names.map(syntheticRouteKey)];
}

export class LineProcessor {
  readonly rec: LogRecord = newRecord();
  readonly book: ReplayBook;
  private readonly sink: BookSink;
  private readonly table: RouteTable;
  private readonly layout: BucketLayout;
  private readonly thresholdNs: Float64Array;
  private readonly errorStatus = new Uint8Array(1000);
  private readonly cache = new Map<string, Map<string, number>>();
  private readonly spans = new ByteSpans();
  /** The logged route name as a proven shortcut past the lookup (logged-route.ts). */
  private readonly logged: LoggedRoutes;
  private cacheSize = 0;
  private blocksSinceClear = 0;
  private readonly fromMs: number;
  private readonly toMs: number;
  private readonly listMalformed: number;
  readonly malformedLines: MalformedLine[] = [];
  file = '';
  line = 0;
  lines = 0;
  replayed = 0;
  malformed = 0;
  blank = 0;
  outsideRange = 0;
  unmatched = 0;
  firstMs = Number.NaN;
  lastMs = Number.NaN;
  private readonly unmatchedIndex: number;
  /** Routes of the table, unmatched included: a probe line books at route + routeCount. */
  private readonly routeCount: number;
  /** 1 for routes whose path is static: the only ones worth caching. */
  private readonly cacheable: Uint8Array;
  /**
   * Whether digests de-duplicate: the same derived fact the live sidecar uses to decide
   * whether it digests at all, so `timeslices: { distinct: false }` counts every line as
   * live counts every request, digest or not.
   */
  private readonly distinct: boolean;
  private format: LineFormat | undefined;
  private readonly detect: ((firstLine: string) => LineFormat | undefined) | undefined;
  private detecting = false;
  private readonly sourceCounts = new Float64Array(SOURCE_SLOTS);
  /** Replayed lines per latency source ('none' for lines without a latency), over all files. */
  readonly latencySources = new Map<string, number>();
  /** Format name per file, in order. */
  readonly fileFormats: { file: string; format: string }[] = [];

  constructor(
    cfg: ResolvedConfig,
    bounds: readonly number[],
    rangeOf: RangeOf,
    options: LineOptions,
    sink?: BookSink,
  ) {
    this.table = new RouteTable(cfg.routes);
    const routes = this.table.routes;
    this.logged = new LoggedRoutes(cfg.routes);
    this.unmatchedIndex = routes.length - 1;
    this.cacheable = Uint8Array.from(routes, (r, i) =>
      i !== this.unmatchedIndex && !r.path.includes('{') && !r.path.includes('*') ? 1 : 0,
    );
    this.layout = new BucketLayout(bounds);
    this.thresholdNs = Float64Array.from(routes, (r) =>
      r.latency === undefined ? Number.POSITIVE_INFINITY : r.latency.thresholdMs * 1e6,
    );
    for (const s of timesliceErrorStatuses(cfg)) if (s >= 0 && s < 1000) this.errorStatus[s] = 1;
    this.distinct = needsRequestDigest(cfg);
    this.routeCount = routes.length;
    this.book = new ReplayBook(
      bookRouteNames(routes),
      this.layout.size,
      rangeOf,
      options.methodMinutes && !sink ? new MethodMinutes(routes) : undefined,
    );
    this.sink = sink ?? this.book;
    this.fromMs = options.fromMs ?? Number.NEGATIVE_INFINITY;
    this.toMs = options.toMs ?? Number.POSITIVE_INFINITY;
    this.listMalformed = options.listMalformed ?? 20;
    this.format = options.format ?? (options.detect ? undefined : SLOPROBE_FORMAT);
    this.detect = options.detect;
  }

  startFile(name: string): void {
    this.endFormat();
    this.file = name;
    this.line = 0;
    if (this.detect) {
      this.format = undefined;
      this.detecting = true;
    } else {
      this.fileFormats.push({ file: name, format: this.format!.name });
    }
  }

  /** Folds the current format's latency-source counts into `latencySources`. */
  endFormat(): void {
    const c = this.sourceCounts;
    const names = this.format?.latencySources ?? [];
    for (let i = 0; i < SOURCE_SLOTS; i++) {
      if (c[i] === 0) continue;
      const name =
        i === SOURCE_SLOTS - 1 || names[i] === undefined ? 'none (the line has no latency)' : names[i]!;
      this.latencySources.set(name, (this.latencySources.get(name) ?? 0) + c[i]!);
      c[i] = 0;
    }
  }

  /** Whether blocks may go to blockBytes (sloprobe's own format, known for this file). */
  get readsBytes(): boolean {
    return !this.detecting && this.format?.name === 'sloprobe';
  }

  /** auto: the format from the first non-blank line of the file. */
  private detectFrom(text: string, s: number, e: number): void {
    if (text.slice(s, e).trim() === '') return;
    this.detecting = false;
    this.format = this.detect!(text.slice(s, e));
    this.fileFormats.push({ file: this.file, format: this.format?.name ?? 'unknown' });
  }

  /** The lines of one block (see input.ts); `done` false: more of the block follows. */
  block(text: string, done = true): void {
    const n = text.length;
    let s = 0;
    if (this.line === 0 && text.charCodeAt(0) === BOM) s = 1;
    while (s < n) {
      let e = text.indexOf('\n', s);
      if (e < 0) e = n;
      this.line++;
      this.lines++;
      this.oneLine(text, s, e);
      s = e + 1;
    }
    if (done) this.blockDone();
  }

  /**
   * The lines of one ASCII block of sloprobe's own format, read from bytes
   * (parse-bytes.ts); a line the byte scanner does not take is decoded and read as text.
   * `done` false: more lines of the same block follow (a carried line, input.ts).
   */
  blockBytes(b: Buffer, done = true): void {
    const n = b.length;
    const rec = this.rec;
    const sp = this.spans;
    const logged = this.logged.usable ? this.logged : undefined;
    let s = 0;
    while (s < n) {
      this.line++;
      this.lines++;
      // The scanner finds the line's end as it parses (-1: not a line it takes).
      let e = fastParseLine(b, s, n, rec, sp);
      if (e >= 0 && e - s <= MAX_LINE_BYTES) {
        rec.source = rec.latencyMs >= 0 ? 0 : -1;
        // The path string is only built for the lookup: a proven logged route needs none.
        let route = -1;
        if (logged !== undefined && sp.routeFrom >= 0)
          route = logged.match(b, sp.routeFrom, sp.routeTo, rec.method, sp.pathFrom, sp.pathTo);
        if (route < 0) rec.path = b.toString('latin1', sp.pathFrom, sp.pathTo);
        this.parsed(rec, route);
      } else {
        if (e < 0) e = b.indexOf(10, s);
        if (e < 0) e = n;
        this.oneLine(b.toString('latin1', s, e), 0, e - s);
      }
      s = e + 1;
    }
    if (done) this.blockDone();
  }

  overlong(): void {
    this.line++;
    this.lines++;
    this.addMalformed(`longer than ${MAX_LINE_BYTES} bytes`);
  }

  private addMalformed(problem: string): void {
    this.malformed++;
    if (this.malformedLines.length < this.listMalformed) {
      this.malformedLines.push({ file: this.file, line: this.line, problem });
    }
  }

  private oneLine(text: string, s: number, e: number): void {
    // readLines drops such lines when they span chunks; one inside a chunk is held anyway.
    if (e - s > MAX_LINE_BYTES) {
      this.addMalformed(`longer than ${MAX_LINE_BYTES} bytes`);
      return;
    }
    const rec = this.rec;
    if (this.detecting) this.detectFrom(text, s, e);
    const format = this.format;
    if (format === undefined) {
      if (isBlank(text, s, e)) this.blank++;
      else this.addMalformed('not a log format replay knows (give --input-format)');
      return;
    }
    if (!format.parse(text, s, e, rec)) {
      if (rec.problem === 'empty line' || isBlank(text, s, e)) this.blank++;
      else this.addMalformed(rec.problem);
      return;
    }
    this.parsed(rec, -1);
  }

  /** A parsed line: range, route (looked up unless `known` >= 0), classification, booking. */
  private parsed(rec: LogRecord, known: number): void {
    const t = rec.timeMs;
    if (t < this.fromMs || t >= this.toMs) {
      this.outsideRange++;
      return;
    }
    const route = known >= 0 ? known : this.route(rec.method, rec.path);
    if (route === this.unmatchedIndex) this.unmatched++;
    const status = rec.status;
    const outcome =
      rec.outcome >= 0
        ? rec.outcome
        : outcomeCode(
            status,
            rec.error as UpstreamErrorReason | null,
            rec.clientAborted ?? (status === 0 && rec.error === null),
          );
    let bucket = -1;
    let ns = -1;
    const ms = rec.latencyMs;
    if (outcome !== EXCLUDED && ms >= 0) {
      ns = Math.round(ms * 1e6);
      bucket = this.layout.index(ns);
    }
    const slow = ns > this.thresholdNs[route]!;
    // Probe lines: their own rollup key and, as live, no HDR samples (the report's p99 is
    // the merchant's traffic).
    const synthetic = rec.synthetic;
    this.sink.record(
      synthetic ? route + this.routeCount : route,
      t,
      outcome,
      bucket,
      synthetic ? -1 : ns,
      slow,
      this.errorStatus[status] === 1,
      rec.digest === null || !this.distinct ? 0 : digestKey(rec.digest),
      rec.error !== null,
    );
    this.replayed++;
    this.sourceCounts[rec.source >= 0 && rec.source < SOURCE_SLOTS - 1 ? rec.source : SOURCE_SLOTS - 1]!++;
    if (!(t >= this.firstMs)) this.firstMs = t;
    if (!(t <= this.lastMs)) this.lastMs = t;
  }

  /**
   * Route of (method, path). Only paths that matched a static route (no parameter, no
   * prefix) are cached: a path with an id in it is seen once, and caching it cost more
   * (hashing, insertion, garbage) than the lookup it would save.
   */
  private route(method: string, path: string): number {
    let byPath = this.cache.get(method);
    if (byPath === undefined) {
      byPath = new Map();
      this.cache.set(method, byPath);
    }
    let index = byPath.get(path);
    if (index === undefined) {
      index = this.table.lookup(method, path);
      if (this.cacheable[index] === 1) {
        if (this.cacheSize >= ROUTE_CACHE_MAX) this.clearCache();
        byPath.set(path, index);
        this.cacheSize++;
      }
    }
    return index;
  }

  /**
   * The cached path strings are slices of log blocks and keep them alive; starting the
   * cache over every CACHE_BLOCKS blocks bounds that to CACHE_BLOCKS blocks.
   */
  blockDone(): void {
    if (++this.blocksSinceClear >= CACHE_BLOCKS) this.clearCache();
  }

  private clearCache(): void {
    for (const m of this.cache.values()) m.clear();
    this.cacheSize = 0;
    this.blocksSinceClear = 0;
  }
}

function isBlank(text: string, s: number, e: number): boolean {
  for (let i = s; i < e; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}
