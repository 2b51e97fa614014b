/**
 * Helpers shared by the resolver files. The resolver runs even when the schema found
 * problems (so one run reports everything), hence every read is defensive: a value of the
 * wrong type was already reported by the schema and is skipped here without a second message.
 */
import type { KeyPath, Problems } from './positions.js';
import { type DurationUnit, parseDuration } from './units.js';

export type RawObject = Readonly<Record<string, unknown>>;

export function asObject(value: unknown): RawObject | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as RawObject)
    : undefined;
}

export function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * Parses `value` at `path` with one of the unit parsers. Missing, or already reported by the
 * schema -> `fallback` silently; invalid -> a problem at the node, and `fallback` so
 * resolution can go on.
 */
export function parseAt<T>(
  problems: Problems,
  path: KeyPath,
  value: unknown,
  parse: (value: unknown) => T,
  fallback: T,
): T {
  if (value === undefined || problems.has(path)) return fallback;
  try {
    return parse(value);
  } catch (err) {
    problems.add(path, err instanceof Error ? err.message : String(err));
    return fallback;
  }
}

/** A duration that must be greater than zero (timeouts, thresholds, retention). */
export function positiveDuration(unit: DurationUnit): (value: unknown) => number {
  return (value) => {
    const ms = parseDuration(value, unit);
    if (ms <= 0) throw new RangeError(`${JSON.stringify(value)} must be longer than zero`);
    return ms;
  };
}
