/**
 * A parse worker of a parallel replay (parallel.ts): blocks of lines in, classified lines
 * out as columns (columns.ts). Parsing, routing and classifying are most of a line's cost
 * and need no shared state, so they run here; booking stays on the main thread, in order.
 */

import { parentPort, workerData } from 'node:worker_threads';
import type { ResolvedConfig } from '../config/types.js';
import { type ColumnData, RecordColumns, transferList } from './columns.js';
import { type FormatOptions, type InputFormat, type LineFormat, lineFormat } from './formats/index.js';
import { LineProcessor } from './lines.js';
import { readBlock } from './read-block.js';

export interface WorkerInit {
  readonly cfg: ResolvedConfig;
  readonly bounds: readonly number[];
  readonly formatOptions: FormatOptions;
  readonly fromMs?: number;
  readonly toMs?: number;
  readonly listMalformed: number;
}

export interface BlockTask {
  readonly seq: number;
  /** Whole lines, undecoded (the buffer is transferred, and sent back with the result). */
  readonly bytes: Uint8Array;
  /** A line that comes before `bytes` (input.ts ByteLineSink), or undefined. */
  readonly head: Uint8Array | undefined;
  /** The file's first block (a BOM is skipped only there). */
  readonly first: boolean;
  readonly format: Exclude<InputFormat, 'auto'>;
  /** Columns of an earlier block, booked: filled again instead of allocated. */
  readonly columns: ColumnData | undefined;
}

export interface BlockResult {
  readonly seq: number;
  readonly columns: ColumnData;
  /** The task's buffer, back for the next read (input.ts ChunkPool); undefined for local results. */
  readonly bytes?: ArrayBuffer;
  readonly lines: number;
  readonly blank: number;
  readonly malformed: number;
  readonly outsideRange: number;
  readonly unmatched: number;
  readonly firstMs: number;
  readonly lastMs: number;
  /** Block-relative (1-based) line numbers. */
  readonly malformedLines: { line: number; problem: string }[];
  readonly latencySources: [string, number][];
}

const init = workerData as WorkerInit;
const columns = new RecordColumns(8192);
const spare: ColumnData[] = [];
const formats = new Map<string, LineFormat>();
let current = '';
const processors = new Map<string, LineProcessor>();

function processor(name: Exclude<InputFormat, 'auto'>): LineProcessor {
  let p = processors.get(name);
  if (!p) {
    let f = formats.get(name);
    if (!f) {
      f = lineFormat(name, init.formatOptions);
      formats.set(name, f);
    }
    // Histogram ranges are the main thread's business: booking happens there.
    p = new LineProcessor(
      init.cfg,
      init.bounds,
      () => ({ startMs: 0, endMs: 0 }),
      { fromMs: init.fromMs, toMs: init.toMs, listMalformed: init.listMalformed, format: f },
      columns,
    );
    processors.set(name, p);
  }
  return p;
}

parentPort!.on('message', (task: BlockTask) => {
  const p = processor(task.format);
  if (current !== task.format) current = task.format;
  p.lines = 0;
  p.blank = 0;
  p.malformed = 0;
  p.outsideRange = 0;
  p.unmatched = 0;
  p.replayed = 0;
  p.firstMs = Number.NaN;
  p.lastMs = Number.NaN;
  p.malformedLines.length = 0;
  const base = task.first ? 0 : 1;
  p.line = base;
  if (task.columns !== undefined) spare.push(task.columns);
  const bytes = Buffer.from(task.bytes.buffer, task.bytes.byteOffset, task.bytes.length);
  const head = task.head && Buffer.from(task.head.buffer, task.head.byteOffset, task.head.length);
  readBlock(p, bytes, head);
  p.endFormat();
  const result: BlockResult = {
    seq: task.seq,
    columns: columns.take(8192, spare.pop()),
    lines: p.lines,
    blank: p.blank,
    malformed: p.malformed,
    outsideRange: p.outsideRange,
    unmatched: p.unmatched,
    firstMs: p.firstMs,
    lastMs: p.lastMs,
    malformedLines: p.malformedLines.map((m) => ({ line: m.line - base, problem: m.problem })),
    latencySources: [...p.latencySources],
    bytes: task.bytes.buffer as ArrayBuffer,
  };
  p.latencySources.clear();
  parentPort!.postMessage(result, [...transferList(result.columns), result.bytes!]);
});
