/**
 * Small integer-keyed counters for the hot path: open addressing with linear probing over
 * typed arrays, so an increment is a multiply, a mask and a compare or two, with no Map
 * entry or boxed number allocated. The table only grows when a new key appears (a new
 * method/status/outcome combination on a route), which is bounded and rare.
 */

const EMPTY = -1;

export class CounterMap {
  private keys: Int32Array;
  private counts: Float64Array;
  private mask: number;
  private used = 0;

  constructor(initialCapacity = 32) {
    let cap = 8;
    while (cap < initialCapacity) cap *= 2;
    this.keys = new Int32Array(cap).fill(EMPTY);
    this.counts = new Float64Array(cap);
    this.mask = cap - 1;
  }

  /** Number of distinct keys. */
  get size(): number {
    return this.used;
  }

  /** Adds `by` (default 1) to the counter of `key` (a non-negative int32). */
  increment(key: number, by = 1): void {
    const keys = this.keys;
    let i = Math.imul(key, 0x9e3779b1) & this.mask;
    for (;;) {
      const k = keys[i]!;
      if (k === key) {
        this.counts[i]! += by;
        return;
      }
      if (k === EMPTY) break;
      i = (i + 1) & this.mask;
    }
    keys[i] = key;
    this.counts[i] = by;
    this.used++;
    if (this.used * 2 > keys.length) this.grow();
  }

  get(key: number): number {
    const keys = this.keys;
    let i = Math.imul(key, 0x9e3779b1) & this.mask;
    for (;;) {
      const k = keys[i]!;
      if (k === key) return this.counts[i]!;
      if (k === EMPTY) return 0;
      i = (i + 1) & this.mask;
    }
  }

  /** Calls `fn` for each key, in ascending key order (stable output for scrapes and tests). */
  forEach(fn: (key: number, count: number) => void): void {
    const pairs: number[] = [];
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] !== EMPTY) pairs.push(i);
    pairs.sort((a, b) => this.keys[a]! - this.keys[b]!);
    for (const i of pairs) fn(this.keys[i]!, this.counts[i]!);
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldCounts = this.counts;
    const cap = oldKeys.length * 2;
    this.keys = new Int32Array(cap).fill(EMPTY);
    this.counts = new Float64Array(cap);
    this.mask = cap - 1;
    this.used = 0;
    for (let i = 0; i < oldKeys.length; i++) {
      const k = oldKeys[i]!;
      if (k !== EMPTY) this.increment(k, oldCounts[i]!);
    }
  }
}
