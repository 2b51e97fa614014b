/**
 * One block of whole lines (input.ts ByteLineSink) into a LineProcessor, on the main thread
 * of a single-threaded replay and in a parse worker alike: sloprobe's own ASCII lines are
 * read from the bytes (parse-bytes.ts), other text is decoded first. The carried line
 * (`head`) goes in on its own, not joined to the block: the join copied the whole block
 * (~2% of a worker's time on nginx and Envoy lines).
 */
import { isAscii } from 'node:buffer';
import { decodeBlock } from './input.js';
import type { LineProcessor } from './lines.js';

export function readBlock(p: LineProcessor, bytes: Buffer, head: Buffer | undefined): void {
  if (head !== undefined) part(p, head, false);
  part(p, bytes, true);
}

function part(p: LineProcessor, b: Buffer, done: boolean): void {
  if (p.readsBytes && isAscii(b)) p.blockBytes(b, done);
  else p.block(decodeBlock(b), done);
}
