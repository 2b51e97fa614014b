/**
 * The `routes` table as the store's rows use it: every rollup and histogram row names its
 * key by an integer id (schema.ts says why), cached here both ways. A key is a route name,
 * a probe route's `<route>~synthetic` (telemetry/rollup.ts), or a payment-method series'
 * `~method:card` (METHOD_KEY_PREFIX): `~` is not allowed in a route name, so they never meet.
 *
 * The statements are passed per call: the store replaces them when it replaces a damaged file.
 */
import type { Statements, WriteStatements } from './statements.js';

/** Prefix of a payment-method series' key in the routes table. */
export const METHOD_KEY_PREFIX = '~';

export class RouteKeys {
  readonly #ids = new Map<string, number>();
  readonly #names = new Map<number, string>();

  /** Replaces the cache with the table's rows. */
  load(st: Statements): void {
    this.#ids.clear();
    this.#names.clear();
    for (const r of st.selectRoutes.all() as { id: number; name: string }[]) {
      this.#ids.set(r.name, r.id);
      this.#names.set(r.id, r.name);
    }
  }

  /** A failed transaction rolled back the routes it added: the cached ids may not exist. */
  forgetUnsaved(st: Statements): void {
    try {
      this.load(st);
    } catch {
      this.#ids.clear();
    }
  }

  /** The id of `name`, inserted when new (inside the caller's write transaction). */
  idOf(w: WriteStatements, name: string): number {
    let id = this.#ids.get(name);
    if (id === undefined) {
      w.insertRoute.run(name);
      id = w.routeId.get(name) as number;
      this.#ids.set(name, id);
      this.#names.set(id, name);
    }
    return id;
  }

  /** The key of `id`; `route-<id>` when the table does not have it. */
  nameOf(st: Statements, id: number): string {
    let name = this.#names.get(id);
    if (name === undefined) {
      // Written by another connection (the sidecar) since this one loaded the table.
      for (const r of st.selectRoutes.all() as { id: number; name: string }[]) this.#names.set(r.id, r.name);
      name = this.#names.get(id) ?? `route-${id}`;
    }
    return name;
  }

  /** The name of a stored key of the kind asked for (method series without their prefix), else undefined. */
  nameOfKind(st: Statements, id: number, methods: boolean): string | undefined {
    const key = this.nameOf(st, id);
    const isMethod = key.startsWith(METHOD_KEY_PREFIX);
    if (isMethod !== methods) return undefined;
    return methods ? key.slice(METHOD_KEY_PREFIX.length) : key;
  }
}
