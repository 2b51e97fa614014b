/** `replay`'s input flags (--input-format, --nginx-format, --field, --log-time-zone, --threads) to parser options. */
import { availableParallelism } from 'node:os';
import { UsageError } from '../errors.js';
import {
  detectFormat,
  INPUT_FORMATS,
  type InputFormat,
  type LineFormat,
  lineFormat,
  parseFieldMappings,
} from '../replay/formats/index.js';
import type { ParallelInput } from '../replay/parallel.js';

/** The parser options from the flags; a format that does not fit its options is a UsageError. */
export function formatOptions(values: Record<string, unknown>): {
  format?: LineFormat;
  detect?: (line: string) => LineFormat | undefined;
  parallel?: ParallelInput;
} {
  const threadsText = values.threads as string | undefined;
  const threads = threadsText === undefined ? Math.min(4, availableParallelism()) : Number(threadsText);
  if (!Number.isInteger(threads) || threads < 1 || threads > 64)
    throw new UsageError(`--threads must be a whole number from 1 to 64, not "${threadsText}"`);
  const name = (values['input-format'] as string | undefined) ?? 'auto';
  if (!(INPUT_FORMATS as readonly string[]).includes(name)) {
    throw new UsageError(`--input-format must be one of ${INPUT_FORMATS.join(', ')}, not "${name}"`);
  }
  const nginx = values['nginx-format'] as string | undefined;
  const fieldFlags = (values.field as string[] | undefined) ?? [];
  const zone = (values['log-time-zone'] as string | undefined) ?? 'UTC';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw new UsageError(`--log-time-zone "${zone}" is not an IANA time zone (like UTC or Europe/Stockholm)`);
  }
  let fields: Map<string, string>;
  try {
    fields = parseFieldMappings(fieldFlags.join(','));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (fields.size > 0 && name !== 'jsonl' && name !== 'auto')
    throw new UsageError('--field is for --input-format jsonl');
  if (nginx !== undefined && name !== 'nginx' && name !== 'auto')
    throw new UsageError('--nginx-format is for --input-format nginx');
  const opts = { nginxFormat: nginx, fields, logTimeZone: zone };
  const build = (n: Exclude<InputFormat, 'auto'>): LineFormat => {
    try {
      return lineFormat(n, opts);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  };
  // With a named log_format or a mapping, "auto" can only mean that format.
  const named: InputFormat =
    name === 'auto' && nginx !== undefined
      ? 'nginx'
      : name === 'auto' && fields.size > 0
        ? 'jsonl'
        : (name as InputFormat);
  const parallel: ParallelInput = { threads, input: named, formatOptions: opts };
  if (named !== 'auto') return { format: build(named), parallel };
  const built = new Map<string, LineFormat>();
  return {
    parallel,
    detect(line) {
      const n = detectFormat(line, opts);
      if (n === undefined) return undefined;
      let f = built.get(n);
      if (!f) {
        f = build(n);
        built.set(n, f);
      }
      return f;
    },
  };
}
