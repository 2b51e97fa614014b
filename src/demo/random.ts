/**
 * Seeded randomness for the demo's mock upstream and traffic generator: the same seed gives
 * the same sequence, so tests can assert on counts without flaking.
 */

/** A source of uniform numbers in [0, 1). */
export type Rng = () => number;

/**
 * mulberry32: a 32-bit generator, plenty for fake ids and coin flips, and small enough to
 * read at a glance. Not for anything security-related (nothing in the demo is).
 */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed from the clock, for runs that do not ask for one. */
export function randomSeed(): number {
  return (Date.now() ^ (process.pid << 16)) >>> 0;
}

/** An integer in [min, max], both inclusive. */
export function randomInt(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  const item = items[Math.floor(rng() * items.length)];
  if (item === undefined) throw new RangeError('pick() from an empty list');
  return item;
}

const HEX = '0123456789abcdef';

/** A version-4-shaped UUID (the form Klarna uses for session and order ids). */
export function randomUuid(rng: Rng): string {
  let s = '';
  for (let i = 0; i < 32; i++) {
    let nibble = Math.floor(rng() * 16);
    if (i === 12) nibble = 4;
    else if (i === 16) nibble = 8 | (nibble & 3);
    s += HEX[nibble];
    if (i === 7 || i === 11 || i === 15 || i === 19) s += '-';
  }
  return s;
}
