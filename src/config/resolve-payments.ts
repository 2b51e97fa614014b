/**
 * Resolves what the downtime tracker reads from the config: a route's or category's
 * `payment_method` and `instrument` (docs/sla-definitions.md#downtime-entity), the
 * `downtime:` section (docs/sla-definitions.md#downtime-detection) and the admin token of the
 * Downtime API's writes. Shapes were checked by the schema; this file checks what a schema
 * cannot say: `other` is reserved, and at most one value is read per request.
 */
import type { KeyPath, Problems } from './positions.js';
import { asArray, asObject, asString, parseAt, positiveDuration } from './resolve-common.js';
import { INSTRUMENT_FIELDS } from './schema/payments.js';
import type { DowntimeConfig, Instrument, PaymentSpec, ValueSelector } from './types.js';
import { OTHER_VALUE } from './types.js';
import { parseDuration, parsePercent } from './units.js';

export const DOWNTIME_DEFAULTS = Object.freeze({
  startAfterMinutes: 3,
  quietMs: 5 * 60_000,
  highErrorRatio: 0.5,
  retentionMs: 30 * 86_400_000,
});

/** The env variable that holds the admin token; it wins over `admin.token`. */
export const ADMIN_TOKEN_ENV = 'SLOPROBE_ADMIN_TOKEN';

const CARD_TYPES: readonly string[] = ['credit', 'debit', 'prepaid'];

function parseSelector(raw: unknown, path: KeyPath, problems: Problems): ValueSelector | undefined {
  const o = asObject(raw);
  if (!o || problems.has(path)) return undefined;
  const values = asArray(o.values).filter((v): v is string => typeof v === 'string');
  const header = asString(o.header);
  const query = asString(o.query);
  if (header === undefined && query === undefined) {
    problems.add(
      path,
      'say where the value is read: { header: NAME, values: [...] } or { query: NAME, ... }',
    );
    return undefined;
  }
  const i = values.indexOf(OTHER_VALUE);
  if (i >= 0) {
    problems.add(
      [...path, 'values', i],
      `"${OTHER_VALUE}" is what every value outside the list counts as; remove it from values`,
    );
  }
  return header !== undefined
    ? { source: 'header', name: header.toLowerCase(), values }
    : { source: 'query', name: query!, values };
}

/**
 * `payment_method` and `instrument` of one route or category; `inherited` is the category's
 * (a route's own method or instrument replaces the category's as a whole).
 */
export function resolvePayment(
  raw: Readonly<Record<string, unknown>>,
  path: KeyPath,
  inherited: PaymentSpec | undefined,
  problems: Problems,
): PaymentSpec | undefined {
  const rawMethod = raw.payment_method;
  const rawInstrument = asObject(raw.instrument);
  if (rawMethod === undefined && rawInstrument === undefined) return inherited;

  let method = inherited?.method;
  let methodFrom = inherited?.methodFrom;
  if (typeof rawMethod === 'string') {
    if (rawMethod === OTHER_VALUE) {
      problems.add([...path, 'payment_method'], `"${OTHER_VALUE}" is reserved for values outside a list`);
    }
    method = rawMethod;
    methodFrom = undefined;
  } else if (rawMethod !== undefined) {
    method = undefined;
    methodFrom = parseSelector(rawMethod, [...path, 'payment_method'], problems);
  }

  let instrument: Instrument = inherited?.instrument ?? {};
  let instrumentFrom = inherited?.instrumentFrom;
  if (rawInstrument) {
    const fields: Record<string, string> = {};
    instrumentFrom = undefined;
    for (const field of INSTRUMENT_FIELDS) {
      const value = rawInstrument[field];
      const at = [...path, 'instrument', field];
      if (typeof value === 'string') {
        if (field === 'card_type' && !CARD_TYPES.includes(value) && !problems.has(at)) {
          problems.add(at, `card_type is one of ${CARD_TYPES.join(', ')}, not "${value}"`);
        }
        fields[field] = value;
      } else if (value !== undefined) {
        const selector = parseSelector(value, at, problems);
        if (!selector) continue;
        if (instrumentFrom) {
          problems.add(
            at,
            `only one instrument field can be read per request (${instrumentFrom.field} already is); make this one a fixed value`,
          );
        } else instrumentFrom = { field, selector };
      }
    }
    instrument = fields;
  }
  if (methodFrom && instrumentFrom) {
    problems.add(
      [...path, 'instrument', instrumentFrom.field],
      'payment_method is already read per request: read either the method or one instrument field, not both',
    );
    instrumentFrom = undefined;
  }
  if (method === undefined && methodFrom === undefined) {
    // A payment_method that is there but invalid was reported already.
    if (rawMethod !== undefined) return undefined;
    problems.add(
      [...path, 'instrument'],
      'an instrument needs a payment method: add payment_method (e.g. card) here or on the category',
      { key: true },
    );
    return undefined;
  }
  return { method, methodFrom, instrument, instrumentFrom };
}

export function resolveDowntime(raw: unknown, problems: Problems): DowntimeConfig {
  const d = asObject(raw) ?? {};
  const at = (key: string) => ['downtime', key];
  return {
    startAfterMinutes:
      typeof d.start_after === 'number' && !problems.has(at('start_after'))
        ? d.start_after
        : DOWNTIME_DEFAULTS.startAfterMinutes,
    quietMs: parseAt(problems, at('quiet'), d.quiet, positiveDuration('m'), DOWNTIME_DEFAULTS.quietMs),
    highErrorRatio: parseAt(
      problems,
      at('high_error_ratio'),
      d.high_error_ratio,
      (v) => parsePercent(v),
      DOWNTIME_DEFAULTS.highErrorRatio,
    ),
    retentionMs: parseAt(
      problems,
      at('retention'),
      d.retention,
      (v) => {
        const ms = parseDuration(v, 'd');
        if (ms < 3_600_000) throw new RangeError('keep past downtimes for at least 1h (e.g. 30d)');
        return ms;
      },
      DOWNTIME_DEFAULTS.retentionMs,
    ),
  };
}

/** A bearer token shorter than this is guessable; 16 characters is 96 bits of base64. */
const MIN_TOKEN_LENGTH = 16;

/** `admin: HOST:PORT` or `admin: { listen, token }` -> the listen string and the token. */
export function splitAdmin(raw: unknown, problems: Problems): { listen: unknown; token: string | undefined } {
  const o = asObject(raw);
  if (!o) return { listen: raw, token: undefined };
  const token = asString(o.token);
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH && !problems.has(['admin', 'token'])) {
    problems.add(
      ['admin', 'token'],
      `a token of ${token.length} characters is guessable: use ${MIN_TOKEN_LENGTH} or more (e.g. the output of openssl rand -hex 24), or set ${ADMIN_TOKEN_ENV}`,
    );
  }
  return { listen: o.listen, token };
}
