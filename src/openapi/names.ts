/**
 * Route, category and class names for an imported route map. They become metric label
 * values, so they must match the config's NAME_PATTERN (letters, digits and . _ - :, 128 at
 * most, starting with a letter or digit) and be unique; `unmatched` is reserved.
 */
import { NAME_PATTERN } from '../config/schema/common.js';
import { UNMATCHED_ROUTE } from '../config/types.js';

const VALID = new RegExp(NAME_PATTERN);
const MAX = 128;

/**
 * `repos/get-content` -> `repos.get-content`: '/' (GitHub's `area/verb` ids) reads as a
 * namespace, so it becomes '.'; every other run of characters outside the pattern becomes
 * one '-'. Empty when nothing usable is left.
 */
export function slug(text: string, options: { lower?: boolean } = {}): string {
  const base = options.lower ? text.toLowerCase() : text;
  return base
    .replace(/\//g, '.')
    .replace(/[^A-Za-z0-9._:-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/[-.]+$/, '')
    .slice(0, MAX);
}

/** A name for an operation without an operationId: `get-repos-owner-repo`. */
export function pathName(method: string, path: string): string {
  return (
    slug(`${method.toLowerCase()}-${path.replace(/[{}]/g, '')}`.replace(/\//g, '-')) || method.toLowerCase()
  );
}

/** Hands out unique names; a taken name gets `-2`, `-3`, ... (shortened to stay within 128). */
export class NameSet {
  private readonly taken = new Set<string>([UNMATCHED_ROUTE]);

  claim(wanted: string): string {
    const base = VALID.test(wanted) ? wanted : 'route';
    if (!this.taken.has(base)) {
      this.taken.add(base);
      return base;
    }
    for (let i = 2; ; i++) {
      const suffix = `-${i}`;
      const name = `${base.slice(0, MAX - suffix.length)}${suffix}`;
      if (!this.taken.has(name)) {
        this.taken.add(name);
        return name;
      }
    }
  }
}

export function isValidName(name: string): boolean {
  return VALID.test(name);
}
