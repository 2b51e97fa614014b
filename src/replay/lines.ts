/**
 * Replay's per-line work: parse, route, classify, bucket, book. The hot loop of `replay`
 * (bench/replay.ts measures it); see replay.ts for how a line maps to the recorder's inputs.
 * This file reads: files, their formats, blocks, lines into records, malformed lines; each
 * parsed record is routed, classified, bucketed and booked by classify-record.ts.
 */
import type { ResolvedConfig } from '../config/types.js';
import type { RangeOf } from './book.js';
import { type BookSink, RecordClassifier, type RecordOptions, SOURCE_SLOTS } from './classify-record.js';
import type { LineFormat } from './formats/common.js';
import { SLOPROBE_FORMAT } from './formats/index.js';
import { MAX_LINE_BYTES } from './input.js';
import { LoggedRoutes } from './logged-route.js';
import { type LogRecord, newRecord } from './parse.js';
import { ByteSpans, fastParseLine } from './parse-bytes.js';

export interface MalformedLine {
  /** The file as given (`-` is shown as `<stdin>`). */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  readonly problem: string;
}

const BOM = 0xfeff;

export interface LineOptions extends RecordOptions {
  readonly listMalformed?: number;
  /** How lines are parsed. Default sloprobe's own JSON lines. */
  readonly format?: LineFormat;
  /**
   * `--input-format auto`: the format of each file from its first non-blank line
   * (undefined when it is none replay knows; the file's lines are then malformed).
   */
  readonly detect?: (firstLine: string) => LineFormat | undefined;
}

export class LineProcessor extends RecordClassifier {
  readonly rec: LogRecord = newRecord();
  private readonly spans = new ByteSpans();
  /** The logged route name as a proven shortcut past the lookup (logged-route.ts). */
  private readonly logged: LoggedRoutes;
  private readonly listMalformed: number;
  readonly malformedLines: MalformedLine[] = [];
  file = '';
  line = 0;
  lines = 0;
  malformed = 0;
  blank = 0;
  private format: LineFormat | undefined;
  private readonly detect: ((firstLine: string) => LineFormat | undefined) | undefined;
  private detecting = false;
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
    super(cfg, bounds, rangeOf, options, sink);
    this.logged = new LoggedRoutes(cfg.routes);
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
}

function isBlank(text: string, s: number, e: number): boolean {
  for (let i = s; i < e; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}
