/**
 * Reading a config file within bounds: at most `MAX_CONFIG_BYTES` are read (a 200 MB file,
 * `/dev/zero` or a FIFO stops there instead of filling the heap), and the bytes must be
 * UTF-8. Both refusals are positioned like every config problem: the line and column where
 * the limit was crossed, or of the first byte that is not UTF-8 (`readFileSync(…, 'utf8')`
 * would have replaced it with U+FFFD and let a mangled value through).
 */
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { ConfigError, ConfigErrors, ErrorCodes, SloprobeError } from '../errors.js';

/** Far above any real route map: 5,000 routes written out in full take under 1 MiB. */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** What the loader parses, and the hash a file watch compares to tell a change from a touch. */
export interface ConfigSource {
  readonly text: string;
  /** sha256 of the bytes, hex. */
  readonly sha256: string;
}

const CHUNK = 64 * 1024;

/** Reads `path` (as written, for messages) within the bounds; throws ConfigErrors or CONFIG_READ. */
export function readConfigSource(path: string): ConfigSource {
  const bytes = readBounded(path);
  if (bytes.length > MAX_CONFIG_BYTES) {
    throw positioned(
      path,
      bytes,
      MAX_CONFIG_BYTES,
      `the config is larger than ${MAX_CONFIG_BYTES / 1024 / 1024} MiB, the most sloprobe reads (is this the intended file? a route map of 5,000 routes takes under 1 MiB)`,
    );
  }
  if (!isUtf8(bytes)) {
    const bad = firstInvalidUtf8(bytes);
    const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
    throw positioned(
      path,
      bytes,
      bad,
      utf16
        ? 'the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8'
        : `byte 0x${(bytes[bad] ?? 0).toString(16).toUpperCase().padStart(2, '0')} is not UTF-8; save the file as UTF-8 (it may be Latin-1 or Windows-1252)`,
    );
  }
  return { text: bytes.toString('utf8'), sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** Up to MAX_CONFIG_BYTES + 1 bytes: one more than allowed is enough to know it is too big. */
function readBounded(path: string): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw readError(path, err);
  }
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    while (total <= MAX_CONFIG_BYTES) {
      const chunk = Buffer.allocUnsafe(Math.min(CHUNK, MAX_CONFIG_BYTES + 1 - total));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n));
      total += n;
    }
    return Buffer.concat(chunks, total);
  } catch (err) {
    throw readError(path, err);
  } finally {
    closeSync(fd);
  }
}

function readError(path: string, err: unknown): SloprobeError {
  const code = (err as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EISDIR'
        ? 'it is a directory'
        : code === 'EACCES'
          ? 'permission denied'
          : (err as Error).message;
  return new SloprobeError(ErrorCodes.CONFIG_READ, `cannot read config file ${path}: ${why}`, {
    cause: err,
    exitCode: 2,
  });
}

/** A one-problem ConfigErrors at byte `offset`: line by newlines, column in UTF-16 units as yaml counts. */
function positioned(file: string, bytes: Buffer, offset: number, problem: string): ConfigErrors {
  // (lastIndexOf with a negative start counts from the end.)
  const lineStart = offset === 0 ? 0 : bytes.lastIndexOf(0x0a, offset - 1) + 1;
  let line = 1;
  for (let i = bytes.indexOf(0x0a); i !== -1 && i < lineStart; i = bytes.indexOf(0x0a, i + 1)) line++;
  const column = bytes.toString('utf8', lineStart, offset).length + 1;
  return new ConfigErrors([new ConfigError(problem, '', { file, line, column })]);
}

/** Offset of the first byte that does not continue a well-formed UTF-8 sequence (RFC 3629). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    // Length and the allowed range of the second byte (no overlongs, surrogates, > U+10FFFF).
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) n = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      n = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= n; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return i;
    }
    i += n + 1;
  }
  return bytes.length;
}
