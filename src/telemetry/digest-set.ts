/**
 * Distinct-request counting for timeslice SLAs (docs/sla-definitions.md#repeated-requests: "API Requests without distinct
 * parameters, e.g. repeated identical API requests, will not count towards the API Error
 * Rate"). A per-minute set of request digests, kept as 52-bit numbers in a Float64Array
 * with open addressing: no string is retained and nothing is allocated per request (a
 * Set<string> would keep every digest string alive for a minute, ~100 bytes each).
 *
 * 52 bits of a cryptographic digest make a collision (two different requests counted once)
 * about n^2 / 2^53: ~1e-4 for a million requests in one minute on one route.
 */

/** Beyond this many distinct digests in one minute, new ones are counted without de-duplication. */
export const DIGEST_SET_MAX_ENTRIES = 1 << 20;

function hexNibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48; // 0-9
  if (c >= 97 && c <= 102) return c - 87; // a-f
  if (c >= 65 && c <= 70) return c - 55; // A-F
  return -1;
}

/**
 * A 52-bit key for a digest: its first 13 hex digits, or an FNV-1a hash of the whole string
 * when it is not hex. Never 0 after the +1, which marks empty slots.
 */
export function digestKey(digest: string): number {
  if (digest.length >= 13) {
    let hi = 0;
    let lo = 0;
    let ok = true;
    for (let i = 0; i < 13; i++) {
      const n = hexNibble(digest.charCodeAt(i));
      if (n < 0) {
        ok = false;
        break;
      }
      if (i < 5) hi = hi * 16 + n;
      else lo = lo * 16 + n;
    }
    if (ok) return hi * 4294967296 + lo + 1;
  }
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < digest.length; i++) {
    const c = digest.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
  }
  return (h2 & 0xfffff) * 4294967296 + (h1 >>> 0) + 1;
}

export class DigestSet {
  private slots: Float64Array;
  private mask: number;
  private used = 0;
  /** Additions counted as new because the set was full. */
  private overflow = 0;

  constructor(initialCapacity = 1024) {
    let cap = 16;
    while (cap < initialCapacity) cap *= 2;
    this.slots = new Float64Array(cap);
    this.mask = cap - 1;
  }

  /** Distinct digests added since the last clear (including overflow). */
  get size(): number {
    return this.used + this.overflow;
  }

  /** Adds a digest key; returns true when it was not there yet. */
  add(key: number): boolean {
    const slots = this.slots;
    // `>>> 0` keeps the low 32 bits of the 52-bit key.
    let i = Math.imul(key >>> 0, 0x9e3779b1) & this.mask;
    for (;;) {
      const k = slots[i]!;
      if (k === key) return false;
      if (k === 0) break;
      i = (i + 1) & this.mask;
    }
    if (this.used >= DIGEST_SET_MAX_ENTRIES) {
      this.overflow++;
      return true;
    }
    slots[i] = key;
    this.used++;
    if (this.used * 2 > slots.length) this.grow();
    return true;
  }

  /** Empties the set, keeping its capacity for the next minute. */
  clear(): void {
    if (this.used > 0) this.slots.fill(0);
    this.used = 0;
    this.overflow = 0;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Float64Array(old.length * 2);
    this.mask = this.slots.length - 1;
    this.used = 0;
    for (let i = 0; i < old.length; i++) {
      const k = old[i]!;
      if (k !== 0) this.add(k);
    }
  }
}
