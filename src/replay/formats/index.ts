/**
 * The input formats of `replay --input-format`, and `auto`: each file's format is told
 * from its first line that is not blank.
 */
import { type LogRecord, parseLine } from '../parse.js';
import { albFormat } from './alb.js';
import type { LineFormat } from './common.js';
import { envoyFormat } from './envoy.js';
import { haproxyFormat } from './haproxy.js';
import { jsonlFormat } from './jsonl.js';
import { nginxFormat } from './nginx.js';

export { parseFieldMappings } from './jsonl.js';
export type { LineFormat };

export const INPUT_FORMATS = ['auto', 'sloprobe', 'nginx', 'envoy', 'haproxy', 'alb', 'jsonl'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

export interface FormatOptions {
  /** `--nginx-format`: a log_format string, `combined`, or JSON template. */
  readonly nginxFormat?: string;
  /** `--field` mappings for jsonl. */
  readonly fields?: ReadonlyMap<string, string>;
  /** Zone of timestamps written without one (HAProxy). Default UTC. */
  readonly logTimeZone?: string;
}

export const SLOPROBE_LATENCY_SOURCES = ['sloprobe latency_ms (the sidecar SLI)'];

export const SLOPROBE_FORMAT: LineFormat = {
  name: 'sloprobe',
  latencySources: SLOPROBE_LATENCY_SOURCES,
  parse(s: string, start: number, end: number, out: LogRecord): boolean {
    if (!parseLine(s, start, end, out)) return false;
    out.source = out.latencyMs >= 0 ? 0 : -1;
    return true;
  },
};

/** The format named; throws Error (a usage problem) when its options do not fit. */
export function lineFormat(name: Exclude<InputFormat, 'auto'>, o: FormatOptions): LineFormat {
  const zone = o.logTimeZone ?? 'UTC';
  switch (name) {
    case 'sloprobe':
      return SLOPROBE_FORMAT;
    case 'nginx':
      return nginxFormat(o.nginxFormat, zone);
    case 'envoy':
      return envoyFormat(zone);
    case 'haproxy':
      return haproxyFormat(zone);
    case 'alb':
      return albFormat();
    case 'jsonl':
      return jsonlFormat(o.fields ?? new Map(), zone);
  }
}

const ISO_START = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/;

/** The format of a file whose first non-blank line is `line`, or undefined. */
export function detectFormat(line: string, o: FormatOptions): Exclude<InputFormat, 'auto'> | undefined {
  const l = line.trim();
  if (l.startsWith('{')) {
    if (/"start_time"\s*:/.test(l) && /"response_code"\s*:/.test(l)) return 'envoy';
    if (/"\$?(time_iso8601|time_local|msec)"\s*:/.test(l)) return 'nginx';
    if (o.fields && o.fields.size > 0) return 'jsonl';
    return 'sloprobe';
  }
  if (l.startsWith('[') && ISO_START.test(l.slice(1))) return 'envoy';
  if (/^(http|https|h2|grpcs|ws|wss) \d{4}-\d{2}-\d{2}T/.test(l)) return 'alb';
  if (/\S+:\d+ \[\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2}\.\d+\] /.test(l)) return 'haproxy';
  if (/ \[\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] "/.test(l)) return 'nginx';
  return undefined;
}
