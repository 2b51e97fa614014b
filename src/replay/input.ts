/**
 * Log files to blocks of whole lines: `-` is stdin, gzip is recognised by its magic bytes
 * (1f 8b) whatever the file is called, and a line is never split across blocks. Blocks are
 * decoded in one call per chunk and lines are found with indexOf by the caller: readline
 * costs a string and an event per line, which caps it far below the replay target.
 */
import { isAscii } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** A line longer than this is reported as malformed and skipped, not held in memory. */
export const MAX_LINE_BYTES = 1 << 20;

const READ_CHUNK = 1 << 20;
const NEWLINE = 10;

export interface LineSink {
  /** Complete lines, each ending with '\n' except the last line of a file without one. */
  block(text: string): void;
  /** One line longer than MAX_LINE_BYTES was skipped. */
  overlong(): void;
}

/** The raw bytes of a log: a file, or stdin for `-`. */
export function openLog(name: string, stdin: Readable): Readable {
  return name === '-' ? stdin : createReadStream(name, { highWaterMark: READ_CHUNK });
}

/**
 * Read buffers that a parallel replay moves to a worker and gets back (parallel.ts): a
 * chunk read into one of them owns its whole ArrayBuffer, so it is transferred instead of
 * copied, and reused instead of allocated. The copy and the 1 MiB allocation per block
 * were ~15% of the main thread's profile, with much of its garbage collection.
 */
export class ChunkPool {
  private readonly free: ArrayBuffer[] = [];
  private readonly own = new WeakSet<ArrayBuffer>();
  /** At most this many buffers are kept for reuse. */
  constructor(private readonly keep: number) {}
  take(): ArrayBuffer {
    const b = this.free.pop() ?? new ArrayBuffer(READ_CHUNK);
    this.own.add(b);
    return b;
  }
  /** Whether `b` came from take() and nothing else holds it (its reader has let it go). */
  owns(b: ArrayBufferLike): b is ArrayBuffer {
    return this.own.has(b as ArrayBuffer);
  }
  give(b: ArrayBuffer): void {
    if (b.byteLength === READ_CHUNK && this.free.length < this.keep) this.free.push(b);
  }
}

/**
 * A file's bytes read into `pool`'s buffers, one chunk a buffer. The reader keeps no
 * reference to a chunk once it is yielded, so the consumer may transfer its buffer.
 */
export async function* pooledFile(name: string, pool: ChunkPool): AsyncGenerator<Buffer> {
  const fh = await open(name, 'r');
  try {
    for (;;) {
      const buf = Buffer.from(pool.take());
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) {
        pool.give(buf.buffer as ArrayBuffer);
        return;
      }
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

/** Bytes with gzip undone when the stream starts with the gzip magic. */
export async function* decompressed(source: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const head: Buffer[] = [];
  let headBytes = 0;
  let done = false;
  while (headBytes < 2) {
    const next = await it.next();
    if (next.done) {
      done = true;
      break;
    }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    head.push(chunk);
    headBytes += chunk.length;
  }
  // One chunk as it is: a copy would lose a pooled chunk's buffer (ChunkPool).
  const first = head.length === 1 ? head[0]! : Buffer.concat(head);
  if (first.length < 2 || first[0] !== 0x1f || first[1] !== 0x8b) {
    if (first.length > 0) yield first;
    if (done) return;
    for (;;) {
      const next = await it.next();
      if (next.done) return;
      yield typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    }
  }
  async function* raw(): AsyncGenerator<Buffer> {
    yield first;
    if (done) return;
    for (;;) {
      const next = await it.next();
      if (next.done) return;
      yield typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    }
  }
  // Concatenated gzip members (`cat a.gz b.gz`) are read as one stream, like gzip -d does.
  const gunzip = createGunzip({ chunkSize: READ_CHUNK });
  pipeline(raw(), gunzip, () => {
    // Errors surface through the iteration of `gunzip` below.
  });
  for await (const chunk of gunzip) yield chunk as Buffer;
}

/**
 * Text of buf[from, to). ASCII is decoded as latin1, which is a copy; the UTF-8 decoder
 * validates every byte. Measured on 1 MB of log (Node 20): 1.1 ms as UTF-8, 0.3 ms for
 * isAscii plus latin1. Other text is decoded as UTF-8: a block always ends at a newline,
 * so it never splits a character.
 */
export function decodeBlock(buf: Uint8Array, from = 0, to = buf.length): string {
  const b = Buffer.from(buf.buffer, buf.byteOffset + from, to - from);
  return b.toString(isAscii(b) ? 'latin1' : 'utf8');
}

/** Where whole lines go as bytes (a parallel replay hands them to workers undecoded). */
export interface ByteLineSink {
  /**
   * Complete lines, each ending with '\n' except the last line of a file without one.
   * `head`, when given, is a line that comes before them: the end of the last chunk joined
   * to the start of this one (a small copy; `bytes` is a view into the chunk, which the
   * reader no longer uses once block() is called).
   */
  block(bytes: Buffer, head?: Buffer): void;
  /** One line longer than MAX_LINE_BYTES was skipped. */
  overlong(): void;
}

/** Feeds `sink` with blocks of whole lines from `chunks`, decoded. */
export function readLines(chunks: AsyncIterable<Buffer>, sink: LineSink): Promise<void> {
  return readLineBytes(chunks, {
    block: (bytes, head) => sink.block(decodeBlock(head ? Buffer.concat([head, bytes]) : bytes)),
    overlong: () => sink.overlong(),
  });
}

/** Feeds `sink` with blocks of whole lines from `chunks`, as bytes (views into the chunks). */
export async function readLineBytes(chunks: AsyncIterable<Buffer>, sink: ByteLineSink): Promise<void> {
  let carry: Buffer | null = null;
  let skipping = false;
  for await (const chunk of chunks) {
    let from = 0;
    if (skipping) {
      const nl = chunk.indexOf(NEWLINE);
      if (nl < 0) continue;
      sink.overlong();
      skipping = false;
      from = nl + 1;
    }
    let head: Buffer | undefined;
    if (carry !== null) {
      const nl = chunk.indexOf(NEWLINE, from);
      if (nl < 0) {
        carry = Buffer.concat([carry, chunk.subarray(from)]);
        if (carry.length > MAX_LINE_BYTES) {
          carry = null;
          skipping = true;
        }
        continue;
      }
      if (carry.length + nl + 1 - from > MAX_LINE_BYTES + 1) sink.overlong();
      // The carried line goes with the rest of the chunk's lines, as one block: alone, it
      // was every other block, and a parallel replay that deals blocks out in turn gave
      // every big block to the same worker.
      else head = Buffer.concat([carry, chunk.subarray(from, nl + 1)]);
      from = nl + 1;
      carry = null;
    }
    const last = chunk.lastIndexOf(NEWLINE);
    const end = last >= from ? last + 1 : from;
    // The unfinished line is copied out first: the block may take the chunk's buffer away.
    const rest = chunk.length - end;
    if (rest > MAX_LINE_BYTES) skipping = true;
    else if (rest > 0) carry = Buffer.from(chunk.subarray(end));
    if (end > from) sink.block(chunk.subarray(from, end), head);
    else if (head !== undefined) sink.block(head);
  }
  if (skipping) sink.overlong();
  else if (carry !== null && carry.length > 0) sink.block(carry);
}

/** The first non-blank line of a block, decoded (auto-detection reads only that). */
export function firstNonBlank(bytes: Buffer): string | undefined {
  let s = 0;
  while (s < bytes.length) {
    let e = bytes.indexOf(10, s);
    if (e < 0) e = bytes.length;
    const line = decodeBlock(bytes, s, e);
    if (line.trim() !== '') return line;
    s = e + 1;
  }
  return undefined;
}
