/**
 * Identifiers in Razorpay's shape: a prefix and 14 base62 characters (`evt_`, `alert_`).
 * Random, not sequential: an id says nothing about how many events a sidecar sent.
 */
import { randomBytes } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `prefix` + 14 base62 characters (rejection sampling: no bias towards the first letters). */
export function newId(prefix: string): string {
  let out = prefix;
  while (out.length < prefix.length + 14) {
    for (const b of randomBytes(16)) {
      // 248 = 4 x 62: bytes at or above it would favour the first 8 characters.
      if (b < 248 && out.length < prefix.length + 14) out += BASE62[b % 62];
    }
  }
  return out;
}

export const newEventId = (): string => newId('evt_');
