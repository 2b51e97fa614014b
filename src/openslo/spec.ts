/**
 * What sloprobe uses of the OpenSLO v1 specification (github.com/OpenSLO/OpenSLO, README
 * "Specification"): the document shape, object names and the duration shorthand. The
 * exporter writes these; the importer reads them. The tests check the output against the
 * spec's own wording, not against this file.
 */
import { createHash } from 'node:crypto';

export const API_VERSION = 'openslo/v1';

/** "General Schema": apiVersion, kind, metadata (name required), spec. */
export interface OpenSloDocument {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    displayName?: string;
    labels?: Record<string, string | string[]>;
    annotations?: Record<string, string>;
  };
  spec: Record<string, unknown>;
}

/**
 * Annotation keys sloprobe writes: what OpenSLO has no field for, so that `import openslo`
 * gets the same SLO back. "`key` have two segments: an optional `prefix` and `name`"; the
 * prefix is a DNS subdomain, and `openslo.com/` is reserved.
 */
export const ANNOTATION = {
  name: 'sloprobe/name',
  generated: 'sloprobe/generated',
  latencyPercentile: 'sloprobe/latency-percentile',
  minConsecutive: 'sloprobe/timeslices-min-consecutive',
  distinct: 'sloprobe/timeslices-distinct',
  shortWindow: 'sloprobe/short-window',
  rule: 'sloprobe/rule',
} as const;

/** "up to 1050 characters" for every `description`. */
export const MAX_DESCRIPTION = 1050;

const RFC1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * metadata.name: "all implementations must at least support object names that follow
 * RFC1123: up to 63 characters, lowercase alphanumeric characters or `-`, start and end
 * with an alphanumeric character". sloprobe names allow upper case, '.', '_', ':' and 128
 * characters, so they are mapped, and a name that had to be shortened gets a hash of the
 * original so two long names stay apart (the original is kept in `sloprobe/name`).
 */
export function objectName(name: string): string {
  const base = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (base.length > 0 && base.length <= 63 && RFC1123.test(base)) return base;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  const head = base.slice(0, 63 - hash.length - 1).replace(/-+$/, '');
  return head === '' ? `x-${hash}` : `${head}-${hash}`;
}

export function isObjectName(name: unknown): name is string {
  return typeof name === 'string' && name.length <= 63 && RFC1123.test(name);
}

/**
 * "duration-shorthand": a positive integer followed by one of m h d w M Q Y. sloprobe's
 * durations are whole minutes here (rolling periods, slices, alert windows), written in the
 * largest of m, h, d that divides them.
 */
export function shorthand(ms: number): string {
  const minutes = ms / 60_000;
  if (!Number.isInteger(minutes) || minutes <= 0) {
    throw new RangeError(`${ms} ms is not a whole number of minutes`);
  }
  if (minutes % 1440 === 0) return `${minutes / 1440}d`;
  if (minutes % 60 === 0) return `${minutes / 60}h`;
  return `${minutes}m`;
}

const SHORTHAND = /^([1-9][0-9]*)([mhdwMQY])$/;
const UNIT_MINUTES: Record<string, number> = { m: 1, h: 60, d: 1440, w: 10080 };

/**
 * Milliseconds of a duration-shorthand; `undefined` for the calendar units (M, Q, Y), which
 * have no fixed length, and for anything else. The spec also lets timeSliceWindow be a bare
 * number ("Default interpretation of unit if specified as a number in minutes").
 */
export function shorthandMs(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value * 60_000 : undefined;
  if (typeof value !== 'string') return undefined;
  const m = SHORTHAND.exec(value);
  const unit = m ? UNIT_MINUTES[m[2]!] : undefined;
  return m && unit !== undefined ? Number(m[1]) * unit * 60_000 : undefined;
}

/** Ratios read back exactly: 1 - 0.95 is 0.050000000000000044 in floating point. */
export function round12(x: number): number {
  return Math.round(x * 1e12) / 1e12;
}
