/**
 * Replay on worker threads: the main thread reads and splits the files into blocks of
 * whole lines (input.ts), parse workers parse, route and classify them (parse-worker.ts),
 * and the main thread books their columns into the one ReplayBook in block order. The
 * book sees the same calls in the same order as a single-threaded replay, so the counts,
 * digests' de-duplication and out-of-order handling are the same; only the work moves.
 *
 * Blocks go to the workers as bytes, in the buffer a file was read into, transferred
 * without a copy and sent back for the next read (input.ts ChunkPool); the columns a
 * worker fills go back to it the same way once booked. Decoding, counting lines and
 * parsing all stay off the main thread, whose booking is the one part that cannot be split.
 * gzip and stdin chunks are not the reader's own: those blocks are copied once.
 *
 * At most WINDOW blocks (about 1 MiB each) per worker are in flight: reading waits for
 * booking, so memory does not grow with the file.
 */
import { Worker } from 'node:worker_threads';
import type { ResolvedConfig } from '../config/types.js';
import { RouteTable } from '../routing/route-table.js';
import { monthOf, monthRange, type TimeRange } from '../slo/period.js';
import { BucketLayout, configBucketBounds } from '../telemetry/buckets.js';
import { HOUR_MS } from '../time.js';
import { ReplayBook } from './book.js';
import { bookRouteNames } from './classify-record.js';
import { RecordColumns, transferList } from './columns.js';
import { detectFormat, type FormatOptions, type InputFormat } from './formats/index.js';
import {
  ChunkPool,
  decodeBlock,
  decompressed,
  firstNonBlank,
  MAX_LINE_BYTES,
  openLog,
  pooledFile,
  readLineBytes,
} from './input.js';
import { MethodMinutes } from './method-minutes.js';
import { OrderedBooking } from './parallel-booking.js';
import type { BlockResult, BlockTask, WorkerInit } from './parse-worker.js';
import { type FileProblem, type ReplayOptions, type ReplayResult, reportTimeZone } from './replay.js';

const WINDOW = 4;

export interface ParallelInput {
  readonly threads: number;
  readonly input: InputFormat;
  readonly formatOptions: FormatOptions;
}

export async function replayParallel(
  cfg: ResolvedConfig,
  files: readonly string[],
  par: ParallelInput,
  options: ReplayOptions,
): Promise<ReplayResult> {
  const timeZone = reportTimeZone(cfg);
  const bounds = configBucketBounds(cfg);
  const rangeOf =
    options.histogramsBy === 'hour'
      ? (ms: number): TimeRange => {
          const startMs = Math.floor(ms / HOUR_MS) * HOUR_MS;
          return { startMs, endMs: startMs + HOUR_MS };
        }
      : (ms: number): TimeRange => monthRange(monthOf(ms, timeZone), timeZone);
  const tableRoutes = new RouteTable(cfg.routes).routes;
  const book = new ReplayBook(
    bookRouteNames(tableRoutes),
    new BucketLayout(bounds).size,
    rangeOf,
    options.methodMinutes ? new MethodMinutes(tableRoutes) : undefined,
  );
  const listMalformed = options.listMalformed ?? 20;
  const init: WorkerInit = {
    cfg,
    bounds,
    formatOptions: par.formatOptions,
    fromMs: options.fromMs,
    toMs: options.toMs,
    listMalformed,
  };
  const workers = Array.from(
    { length: par.threads },
    () => new Worker(new URL('./parse-worker.js', import.meta.url), { workerData: init }),
  );
  const pool = new ChunkPool((WINDOW + 1) * par.threads + 2);
  const order = new OrderedBooking(book, pool, workers.length, listMalformed);
  const fileFormats: { file: string; format: string }[] = [];
  const fileProblems: FileProblem[] = [];
  const now = options.now ?? (() => performance.now());
  const started = now();
  let nextProgress = started + 250;
  let workerBusyMs: number[] | undefined;

  for (const w of workers) {
    w.on('message', (r: BlockResult) => order.add(r));
    w.on('error', (err) => order.fail(err));
  }

  try {
    let fileIndex = 0;
    let bytesBefore = 0;
    for (const name of files) {
      fileIndex++;
      const shown = name === '-' ? '<stdin>' : name;
      let format: Exclude<InputFormat, 'auto'> | undefined = par.input === 'auto' ? undefined : par.input;
      let unknown = false;
      let first = true;
      // The next block sent or judged here is the file's first (line numbers restart).
      let firstSeq = true;
      let fileBytes = 0;
      async function* counted(source: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer | string> {
        for await (const chunk of source) {
          fileBytes += chunk.length;
          // Backpressure: no more reading while WINDOW blocks per worker wait.
          if (order.inFlight > WINDOW * workers.length) await order.drained(WINDOW * workers.length);
          if (order.failure !== undefined) throw order.failure;
          yield chunk;
        }
      }
      // Lines judged here (too long, unknown format) take their turn in the block order, so
      // the malformed list is in line order as single-threaded.
      const local = (bad: { line: number; problem: string }[], lines: number, blank: number) => {
        const seq = order.next(shown, firstSeq);
        firstSeq = false;
        order.add({
          seq,
          columns: RecordColumns.alloc(0),
          lines,
          blank,
          malformed: bad.length,
          outsideRange: 0,
          unmatched: 0,
          firstMs: Number.NaN,
          lastMs: Number.NaN,
          malformedLines: bad,
          latencySources: [],
        });
      };
      const send = (bytes: Buffer, head: Buffer | undefined) => {
        if (format === undefined && !unknown) {
          const firstLine = firstNonBlank(head === undefined ? bytes : Buffer.concat([head, bytes]));
          if (firstLine !== undefined) {
            format = detectFormat(firstLine, par.formatOptions);
            unknown = format === undefined;
            fileFormats.push({ file: shown, format: format ?? 'unknown' });
          }
        } else if (first && format !== undefined) fileFormats.push({ file: shown, format });
        if (format === undefined) {
          // Not a format replay knows (or blank so far): every line says so, as single-threaded.
          const text = decodeBlock(head === undefined ? bytes : Buffer.concat([head, bytes]));
          const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
          const bad: { line: number; problem: string }[] = [];
          let blank = 0;
          lines.forEach((l, i) => {
            if (l.trim() === '') blank++;
            else bad.push({ line: i + 1, problem: 'not a log format replay knows (give --input-format)' });
          });
          local(bad, lines.length, blank);
          first = false;
          return;
        }
        const seq = order.next(shown, firstSeq);
        firstSeq = false;
        const w = seq % workers.length;
        const back = order.spare[w]!.pop();
        const transfer: ArrayBuffer[] = back === undefined ? [] : transferList(back);
        let body: Uint8Array;
        if (pool.owns(bytes.buffer)) {
          body = bytes;
          transfer.push(bytes.buffer);
        } else {
          // One copy into a buffer of its own, which is then moved (not cloned) to the worker.
          body = new Uint8Array(bytes.length);
          body.set(bytes);
          transfer.push(body.buffer as ArrayBuffer);
        }
        const task: BlockTask = {
          seq,
          bytes: body,
          // A small copy of its own: `head` may be a slice of Buffer's shared pool.
          head: head === undefined ? undefined : Uint8Array.from(head),
          first,
          format: format!,
          columns: back,
        };
        first = false;
        workers[w]!.postMessage(task, transfer);
      };
      try {
        const source = name === '-' ? openLog(name, options.stdin ?? process.stdin) : pooledFile(name, pool);
        await readLineBytes(decompressed(counted(source)), {
          block(bytes, head) {
            send(bytes, head);
            const t = now();
            if (options.onProgress && t >= nextProgress) {
              nextProgress = t + 250;
              options.onProgress({
                file: shown,
                fileIndex,
                files: files.length,
                lines: order.stats.lines,
                elapsedMs: t - started,
                fileBytes,
                bytes: bytesBefore + fileBytes,
              });
            }
          },
          overlong() {
            local([{ line: 1, problem: `longer than ${MAX_LINE_BYTES} bytes` }], 1, 0);
          },
        });
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (typeof code !== 'string' || !code.startsWith('Z_')) throw err;
        await order.drained(0);
        fileProblems.push({
          file: shown,
          lines: firstSeq ? 0 : order.fileLines,
          problem: `gzip data is damaged or truncated (${(err as Error).message})`,
        });
      }
      await order.drained(0);
      if (order.failure !== undefined) throw order.failure;
      book.endFile();
      bytesBefore += fileBytes;
    }
    workerBusyMs = workers.map((w) => w.performance.eventLoopUtilization().active);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
    // Set only once every file was booked: otherwise nothing is returned to close.
    if (workerBusyMs === undefined) book.discard();
  }
  return {
    stats: { files: files.length, ...order.stats, firstMs: order.firstMs, lastMs: order.lastMs },
    fileProblems,
    malformedLines: order.malformedLines,
    rollups: book.finish(),
    bucketBoundsSeconds: bounds,
    timeZone,
    latencySources: order.latencySources,
    fileFormats,
    workerBusyMs,
  };
}
