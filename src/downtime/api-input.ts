/**
 * Validation of the Downtime API's input: query filters of the collection, and the bodies
 * of POST (declare) and PATCH (update, resolve, cancel). Every problem names the field, in a
 * Razorpay-shaped error (`{"error":{"code":"BAD_REQUEST_ERROR","description":...,"field":...}}`),
 * and nothing is written unless the whole input is valid.
 */
import { INSTRUMENT_FIELDS, INSTRUMENT_VALUE_PATTERN, METHOD_PATTERN } from '../config/schema/payments.js';
import type { Instrument } from '../config/types.js';
import { DowntimeInputError } from '../errors.js';
import type { DowntimeQuery } from './downtime-store.js';
import { DOWNTIME_STATUSES, type DowntimeSeverity, type DowntimeStatus, SEVERITIES } from './entity.js';

const METHOD_RE = new RegExp(METHOD_PATTERN);
const INSTRUMENT_RE = new RegExp(INSTRUMENT_VALUE_PATTERN);
export const ID_RE = /^down_[0-9A-Za-z]{14}$/;
/** Curlec's collections: `count` 1-100 (default 10), `skip` from 0. */
export const MAX_COUNT = 100;
const DEFAULT_COUNT = 10;
/** Unix seconds a request may name: 2000-01-01 up to 2100-01-01. */
const MIN_TIME = 946_684_800;
const MAX_TIME = 4_102_444_800;

function integer(field: string, raw: string, min: number, max: number): number {
  if (!/^\d{1,12}$/.test(raw))
    throw new DowntimeInputError(field, `${field} must be a whole number, not "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new DowntimeInputError(field, `${field} must be between ${min} and ${max}`);
  return n;
}

export function parseQuery(params: URLSearchParams): DowntimeQuery {
  const known = new Set(['status', 'method', 'from', 'to', 'count', 'skip']);
  for (const key of params.keys()) {
    if (!known.has(key)) {
      throw new DowntimeInputError(key, `${key} is not a filter (use status, method, from, to, count, skip)`);
    }
  }
  const status = params.get('status') ?? undefined;
  if (status !== undefined && !(DOWNTIME_STATUSES as readonly string[]).includes(status)) {
    throw new DowntimeInputError('status', `status is one of ${DOWNTIME_STATUSES.join(', ')}`);
  }
  const method = params.get('method') ?? undefined;
  if (method !== undefined && !METHOD_RE.test(method)) {
    throw new DowntimeInputError('method', 'method is a payment method such as card or fpx');
  }
  const get = (k: string, min: number, max: number) => {
    const v = params.get(k);
    return v === null ? undefined : integer(k, v, min, max);
  };
  const from = get('from', 0, MAX_TIME);
  const to = get('to', 0, MAX_TIME);
  if (from !== undefined && to !== undefined && from > to)
    throw new DowntimeInputError('to', 'to must not be before from');
  return {
    ...(status !== undefined ? { status: status as DowntimeStatus } : {}),
    ...(method !== undefined ? { method } : {}),
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
    count: get('count', 1, MAX_COUNT) ?? DEFAULT_COUNT,
    skip: get('skip', 0, 1_000_000) ?? 0,
  };
}

function asObject(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new DowntimeInputError('body', 'the body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

function onlyKeys(o: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(o)) {
    if (!allowed.includes(key))
      throw new DowntimeInputError(key, `${key} is not a field here (use ${allowed.join(', ')})`);
  }
}

function time(o: Record<string, unknown>, field: string): number | undefined {
  const v = o[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < MIN_TIME || v > MAX_TIME) {
    throw new DowntimeInputError(field, `${field} must be a Unix timestamp in seconds (e.g. 1767225600)`);
  }
  return v;
}

function endTime(o: Record<string, unknown>): number | null | undefined {
  return o.end === null ? null : time(o, 'end');
}

function severity(o: Record<string, unknown>): DowntimeSeverity | undefined {
  const v = o.severity;
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !(SEVERITIES as readonly string[]).includes(v)) {
    throw new DowntimeInputError('severity', `severity is one of ${SEVERITIES.join(', ')}`);
  }
  return v as DowntimeSeverity;
}

function instrument(o: Record<string, unknown>): Instrument | undefined {
  const v = o.instrument;
  if (v === undefined) return undefined;
  const obj =
    v === null || typeof v !== 'object' || Array.isArray(v) ? undefined : (v as Record<string, unknown>);
  if (!obj)
    throw new DowntimeInputError('instrument', 'instrument must be an object such as {"network":"VISA"}');
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(obj)) {
    if (!(INSTRUMENT_FIELDS as readonly string[]).includes(k)) {
      throw new DowntimeInputError(
        `instrument.${k}`,
        `instrument fields are ${INSTRUMENT_FIELDS.join(', ')}`,
      );
    }
    if (typeof val !== 'string' || !INSTRUMENT_RE.test(val)) {
      throw new DowntimeInputError(`instrument.${k}`, `instrument.${k} must be a code such as HSBC or VISA`);
    }
    out[k] = val;
  }
  return out;
}

export interface Declaration {
  readonly method: string;
  readonly begin: number;
  readonly end: number | null;
  readonly scheduled: boolean;
  readonly severity: DowntimeSeverity;
  readonly instrument: Instrument;
}

/** POST body: method (required), begin (default now), end, scheduled, severity, instrument. */
export function parseDeclaration(body: unknown, now: number): Declaration {
  const o = asObject(body);
  onlyKeys(o, ['method', 'begin', 'end', 'scheduled', 'severity', 'instrument']);
  if (typeof o.method !== 'string' || !METHOD_RE.test(o.method)) {
    throw new DowntimeInputError('method', 'method is required: a payment method such as card or fpx');
  }
  const begin = time(o, 'begin') ?? now;
  const end = endTime(o) ?? null;
  if (end !== null && end <= begin) throw new DowntimeInputError('end', 'end must be after begin');
  if (end !== null && end <= now) {
    throw new DowntimeInputError('end', 'end is in the past: a downtime that is over needs no declaration');
  }
  if (o.scheduled !== undefined && typeof o.scheduled !== 'boolean') {
    throw new DowntimeInputError('scheduled', 'scheduled must be true or false');
  }
  return {
    method: o.method,
    begin,
    end,
    scheduled: typeof o.scheduled === 'boolean' ? o.scheduled : begin > now,
    severity: severity(o) ?? 'medium',
    instrument: instrument(o) ?? {},
  };
}

export interface Patch {
  readonly status?: 'resolved' | 'cancelled';
  readonly begin?: number;
  readonly end?: number | null;
  readonly severity?: DowntimeSeverity;
  readonly instrument?: Instrument;
}

/** PATCH body: status (resolved | cancelled), begin, end, severity, instrument. */
export function parsePatch(body: unknown): Patch {
  const o = asObject(body);
  onlyKeys(o, ['status', 'begin', 'end', 'severity', 'instrument']);
  if (Object.keys(o).length === 0)
    throw new DowntimeInputError('body', 'nothing to change: name at least one field');
  const status = o.status;
  if (status !== undefined && status !== 'resolved' && status !== 'cancelled') {
    throw new DowntimeInputError('status', 'status can be set to resolved or cancelled');
  }
  const begin = time(o, 'begin');
  const end = endTime(o);
  const sev = severity(o);
  const inst = instrument(o);
  return {
    ...(status !== undefined ? { status } : {}),
    ...(begin !== undefined ? { begin } : {}),
    ...(end !== undefined ? { end } : {}),
    ...(sev !== undefined ? { severity: sev } : {}),
    ...(inst !== undefined ? { instrument: inst } : {}),
  };
}
