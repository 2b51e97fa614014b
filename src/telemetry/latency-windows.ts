/**
 * One route's HDR latency histograms over sliding windows: the last minute, the last five
 * minutes and since start.
 *
 * Requests are recorded into a ring of 10-second slices (one array increment each). When a
 * slice is complete it is folded, once, into a per-minute aggregate and into the since-start
 * histogram. Windows are read from completed slices only, so a result stays valid for the
 * whole slice and is cached until the next one completes:
 * - `1m`: the last six completed slices, exactly 60 s, at most 10 s old;
 * - `5m`: the five previous whole minutes plus the completed slices of the current one
 *   (5:00 to 5:50 of data);
 * - `all`: every completed slice since start.
 * Memory: up to 15 Uint32Arrays and one Float64Array per route (a slot gets its array on its
 * first sample), each only as long as the
 * largest latency it has seen needs (the HDR layout is the same for every length, a longer
 * range only appends buckets): ~20 KB per array for a route answering within 10 ms,
 * ~45 KB within 1 s, 86 KB (the full 10 minutes) at most, so 0.3 to 1.3 MB per active
 * route (measured on the 10-route bench mix; idle routes cost nothing). Arrays grow a few
 * times in a route's life and are reused afterwards: nothing is allocated per request.
 */
import {
  clampMicros,
  HDR_COUNTS_LENGTH,
  hdrHighestEquivalent,
  hdrIndex,
  hdrMaxIndex,
  hdrPercentiles,
} from './hdr-layout.js';

export const SLICE_MS = 10_000;
const SLICES_PER_MINUTE = 6;
const SLICES_PER_HOUR = 360;
/** Six completed slices for `1m` plus the one being written. */
const SLICE_RING = SLICES_PER_MINUTE + 1;
/** Minutes M-5 .. M for `5m`. */
const MINUTE_RING = 6;

export type LatencyWindow = '1m' | '5m' | 'all';
export const LATENCY_WINDOWS: readonly LatencyWindow[] = ['1m', '5m', 'all'];
/** Percentiles exported, in HDR's 0..100 scale. */
export const LATENCY_PERCENTILES: readonly number[] = [50, 90, 99, 99.9];

/** Result of one window: sample count and values in microseconds (HDR highest-equivalent). */
export interface WindowQuantiles {
  count: number;
  /** One value per LATENCY_PERCENTILES entry. */
  readonly values: Float64Array;
  maxUs: number;
}

function emptyResult(): WindowQuantiles {
  return { count: 0, values: new Float64Array(LATENCY_PERCENTILES.length), maxUs: 0 };
}

/** Length of a counts array that reaches `index`: whole 1024-entry half-buckets, at least bucket 0. */
function fitLength(index: number): number {
  return Math.min(HDR_COUNTS_LENGTH, Math.max(2048, ((index >>> 10) + 1) << 10));
}

/** A slot that has never held a sample: zero-length, so it is never written to. */
const NO_COUNTS = new Uint32Array(0);

function grownU32(a: Uint32Array, length: number): Uint32Array {
  const b = new Uint32Array(length);
  b.set(a);
  return b;
}

function grownF64(a: Float64Array, length: number): Float64Array {
  const b = new Float64Array(length);
  b.set(a);
  return b;
}

/** Adds `source` into `target`, which must be at least as long. */
function addInto(target: Uint32Array | Float64Array, source: Uint32Array): void {
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c !== 0) target[i]! += c;
  }
}

export class LatencyWindows {
  /** Tick (epoch ms / SLICE_MS) of the slice being written; -1 before the first sample. */
  private tick = -1;
  private slices: Uint32Array[] | null = null;
  private readonly sliceTick = new Float64Array(SLICE_RING).fill(-1);
  private readonly sliceCount = new Float64Array(SLICE_RING);
  private minutes: Uint32Array[] | null = null;
  private readonly minuteTag = new Float64Array(MINUTE_RING).fill(-1);
  private readonly minuteCount = new Float64Array(MINUTE_RING);
  private all: Float64Array | null = null;
  private allCount = 0;
  /**
   * Completed slices of the current and the previous epoch hour, for the store's hourly
   * HDR histograms (the monthly report's exact p99). `dirty` until taken by `takeHours`.
   */
  private hour: Uint32Array | null = null;
  private hourTag = -1;
  private hourDirty = false;
  private prevHour: Uint32Array | null = null;
  private prevHourTag = -1;
  private prevHourDirty = false;
  /** Cache: tick the window results were computed for. */
  private cachedTick = -1;
  private readonly results: Record<LatencyWindow, WindowQuantiles> = {
    '1m': emptyResult(),
    '5m': emptyResult(),
    all: emptyResult(),
  };

  /**
   * Records one sample. `tick` is the sample's completion time in slices; a sample older
   * than the slice being written (out-of-order completion, clock step back) joins that slice.
   */
  record(ns: number, tick: number): void {
    if (tick > this.tick) this.advance(tick);
    const slot = this.tick % SLICE_RING;
    const slices = this.slices ?? this.allocateSlices();
    const index = hdrIndex(clampMicros(ns));
    let slice = slices[slot]!;
    if (index >= slice.length) {
      slice = grownU32(slice, fitLength(index));
      slices[slot] = slice;
    }
    slice[index]!++;
    this.sliceCount[slot]!++;
  }

  /** Moves to `tick`, folding the slice that completes. Called per sample and before reads. */
  advance(tick: number): void {
    if (tick <= this.tick) return;
    if (this.tick >= 0) this.fold(this.tick);
    this.tick = tick;
    const slot = tick % SLICE_RING;
    if (this.sliceTick[slot] !== tick) {
      if (this.sliceCount[slot]! > 0) this.slices![slot]!.fill(0);
      this.sliceCount[slot] = 0;
      this.sliceTick[slot] = tick;
    }
  }

  /** The window's quantiles as of `tick` (completed slices only); cached per tick. */
  quantiles(window: LatencyWindow, tick: number, scratch: Float64Array): WindowQuantiles {
    this.advance(tick);
    if (this.cachedTick !== this.tick) {
      this.cachedTick = this.tick;
      this.compute(scratch);
    }
    return this.results[window];
  }

  private compute(scratch: Float64Array): void {
    const t = this.tick;
    // 1m: completed slices t-6 .. t-1. Only the prefix the arrays reach is cleared and read.
    let used = 0;
    let n = 0;
    if (this.slices !== null) {
      for (let k = 1; k <= SLICES_PER_MINUTE; k++) {
        const st = t - k;
        const slot = st % SLICE_RING;
        if (st >= 0 && this.sliceTick[slot] === st && this.sliceCount[slot]! > 0) {
          used = this.accumulate(scratch, used, this.slices[slot]!);
          n += this.sliceCount[slot]!;
        }
      }
    }
    this.fill(this.results['1m'], scratch.subarray(0, used), n);
    // 5m: minutes M-5 .. M, where minute M holds only its completed slices.
    used = 0;
    n = 0;
    const m = Math.floor(t / SLICES_PER_MINUTE);
    if (this.minutes !== null) {
      for (let k = 0; k < MINUTE_RING; k++) {
        const mm = m - k;
        const slot = mm % MINUTE_RING;
        if (mm >= 0 && this.minuteTag[slot] === mm && this.minuteCount[slot]! > 0) {
          used = this.accumulate(scratch, used, this.minutes[slot]!);
          n += this.minuteCount[slot]!;
        }
      }
    }
    this.fill(this.results['5m'], scratch.subarray(0, used), n);
    this.fill(this.results.all, this.all ?? scratch.subarray(0, 0), this.all === null ? 0 : this.allCount);
  }

  /** Adds `source` into the first `used` entries of `scratch`, clearing what it newly reaches. */
  private accumulate(scratch: Float64Array, used: number, source: Uint32Array): number {
    if (source.length > used) {
      scratch.fill(0, used, source.length);
      used = source.length;
    }
    addInto(scratch, source);
    return used;
  }

  private fill(result: WindowQuantiles, counts: Float64Array, n: number): void {
    result.count = n;
    if (!hdrPercentiles(counts, n, LATENCY_PERCENTILES, result.values)) {
      result.values.fill(0);
      result.maxUs = 0;
      return;
    }
    const top = hdrMaxIndex(counts);
    result.maxUs = top < 0 ? 0 : hdrHighestEquivalent(top);
  }

  private fold(tick: number): void {
    const slot = tick % SLICE_RING;
    const count = this.sliceCount[slot]!;
    if (this.sliceTick[slot] !== tick || count === 0) return;
    const slice = this.slices![slot]!;
    const minute = Math.floor(tick / SLICES_PER_MINUTE);
    const mslot = minute % MINUTE_RING;
    const minutes = this.minutes ?? this.allocateMinutes();
    if (this.minuteTag[mslot] !== minute) {
      if (this.minuteCount[mslot]! > 0) minutes[mslot]!.fill(0);
      this.minuteCount[mslot] = 0;
      this.minuteTag[mslot] = minute;
    }
    if (minutes[mslot]!.length < slice.length) minutes[mslot] = grownU32(minutes[mslot]!, slice.length);
    addInto(minutes[mslot]!, slice);
    this.minuteCount[mslot]! += count;
    let all = this.all ?? new Float64Array(slice.length);
    if (all.length < slice.length) all = grownF64(all, slice.length);
    this.all = all;
    addInto(all, slice);
    this.allCount += count;
    this.foldHour(Math.floor(tick / SLICES_PER_HOUR), slice);
  }

  private foldHour(hour: number, slice: Uint32Array): void {
    if (hour !== this.hourTag) {
      // The hour rolled: keep the finished one until it has been taken once more.
      const recycled = this.prevHour;
      if (this.hour !== null && this.hourTag >= 0) {
        this.prevHour = this.hour;
        this.prevHourTag = this.hourTag;
        this.prevHourDirty = true;
      }
      this.hour = recycled ?? new Uint32Array(slice.length);
      this.hour.fill(0);
      this.hourTag = hour;
    }
    if (this.hour!.length < slice.length) this.hour = grownU32(this.hour!, slice.length);
    addInto(this.hour!, slice);
    this.hourDirty = true;
  }

  /**
   * Hands the hours that changed since the last call to `out` (epoch hour, HDR counts in
   * microseconds). The arrays are live: copy or encode them before the next fold.
   */
  takeHours(out: (hour: number, counts: Uint32Array) => void): void {
    if (this.prevHourDirty && this.prevHour !== null) {
      this.prevHourDirty = false;
      out(this.prevHourTag, this.prevHour);
    }
    if (this.hourDirty && this.hour !== null) {
      this.hourDirty = false;
      out(this.hourTag, this.hour);
    }
  }

  // Every slot starts as the shared empty array and gets its own on its first sample (the
  // growth branch of `record` and `fold`, already there for longer latencies): a route that
  // saw one request holds one slice and one minute, not thirteen. With 1,000 routes and one
  // request to each, RSS grew by 240 MiB before this and by 120 MiB after (bench/route-memory.ts).
  private allocateSlices(): Uint32Array[] {
    const s = new Array<Uint32Array>(SLICE_RING).fill(NO_COUNTS);
    this.slices = s;
    return s;
  }

  private allocateMinutes(): Uint32Array[] {
    const s = new Array<Uint32Array>(MINUTE_RING).fill(NO_COUNTS);
    this.minutes = s;
    return s;
  }
}
