/**
 * A parsed log line into the book: time range, route (looked up, with a cache of static
 * routes), outcome, latency bucket, booking. The part of replay's per-line work after
 * parsing; lines.ts reads the lines and hands each record here.
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
import { MethodMinutes } from './method-minutes.js';
import type { LogRecord } from './parse.js';

/** Route cache size: beyond it the cache restarts. */
const ROUTE_CACHE_MAX = 10_000;
/** Blocks (about 1 MiB of log each) after which the route cache starts over. */
const CACHE_BLOCKS = 32;

export interface RecordOptions {
  readonly fromMs?: number;
  readonly toMs?: number;
  /** Also count payment-method minutes (method-minutes.ts), for `--into-store`. */
  readonly methodMinutes?: boolean;
}

/** Latency sources slots: one per source a format names, and the last for none. */
export const SOURCE_SLOTS = 8;

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

/**
 * The counts and booking of parsed records. LineProcessor (lines.ts) extends it with the
 * reading (a subclass, not a member: the hot loop calls `parsed` on the same object, no hop).
 */
export class RecordClassifier {
  readonly book: ReplayBook;
  private readonly sink: BookSink;
  private readonly table: RouteTable;
  private readonly layout: BucketLayout;
  private readonly thresholdNs: Float64Array;
  private readonly errorStatus = new Uint8Array(1000);
  private readonly cache = new Map<string, Map<string, number>>();
  private cacheSize = 0;
  private blocksSinceClear = 0;
  private readonly fromMs: number;
  private readonly toMs: number;
  replayed = 0;
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
  /** Replayed lines per latency source slot (`LogRecord.source`) of the current format. */
  protected readonly sourceCounts = new Float64Array(SOURCE_SLOTS);

  constructor(
    cfg: ResolvedConfig,
    bounds: readonly number[],
    rangeOf: RangeOf,
    options: RecordOptions,
    sink?: BookSink,
  ) {
    this.table = new RouteTable(cfg.routes);
    const routes = this.table.routes;
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
  }

  /** A parsed line: range, route (looked up unless `known` >= 0), classification, booking. */
  protected parsed(rec: LogRecord, known: number): void {
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
