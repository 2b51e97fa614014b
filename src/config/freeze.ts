/**
 * The resolved config is shared by every module for the life of the process; freezing it
 * turns an accidental write (a test tweaking an objective, a handler "normalising" a route)
 * into an immediate TypeError instead of a silent change of what is measured.
 */

/** A Map whose contents are fixed at construction; `set`, `delete` and `clear` throw. */
export class FrozenMap<K, V> extends Map<K, V> {
  #sealed = false;

  constructor(entries: Iterable<readonly [K, V]>) {
    super();
    for (const [key, value] of entries) super.set(key, value);
    this.#sealed = true;
    Object.freeze(this);
  }

  override set(key: K, value: V): this {
    if (this.#sealed) throw new TypeError('the resolved config is frozen');
    return super.set(key, value);
  }

  override delete(_key: K): boolean {
    throw new TypeError('the resolved config is frozen');
  }

  override clear(): void {
    throw new TypeError('the resolved config is frozen');
  }
}

/** Freezes plain objects, arrays and the values of FrozenMaps, all the way down. */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || (Object.isFrozen(value) && !(value instanceof Map))) {
    return value;
  }
  if (value instanceof Map) {
    for (const entry of value.values()) deepFreeze(entry);
    return value;
  }
  Object.freeze(value);
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return value;
}
