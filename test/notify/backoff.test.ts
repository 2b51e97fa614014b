/** Backoff with jitter and Retry-After parsing, with the schedule worked by hand. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffMs, retryAfterMs } from '../../src/notify/backoff.js';
import { newEventId } from '../../src/notify/ids.js';

test('equal jitter: between half and all of min(5 s x 2^(n-1), 1 h)', () => {
  const at = (r: number) => ({ baseMs: 5_000, maxMs: 3_600_000, random: () => r });
  // n = 1: 5 s -> [2.5 s, 5 s); n = 4: 40 s -> [20 s, 40 s); n = 20: capped at 1 h -> [30 min, 1 h).
  assert.equal(backoffMs(1, at(0)), 2_500);
  assert.equal(backoffMs(1, at(0.5)), 3_750);
  assert.equal(backoffMs(4, at(0)), 20_000);
  assert.equal(backoffMs(4, at(0.999)), 39_980);
  assert.equal(backoffMs(20, at(0)), 1_800_000);
  assert.equal(backoffMs(20, at(0.5)), 2_700_000);
});

test('Retry-After: delay-seconds or an HTTP date; unreadable is ignored', () => {
  const now = Date.parse('2026-01-05T10:00:00Z');
  assert.equal(retryAfterMs('120', now), 120_000);
  assert.equal(retryAfterMs(' 0 ', now), 0);
  assert.equal(retryAfterMs('Mon, 05 Jan 2026 10:02:30 GMT', now), 150_000);
  assert.equal(retryAfterMs('Mon, 05 Jan 2026 09:00:00 GMT', now), 0, 'a date in the past means now');
  assert.equal(retryAfterMs('soon', now), undefined);
  assert.equal(retryAfterMs('-5', now), undefined);
  assert.equal(retryAfterMs(undefined, now), undefined);
});

test('event ids are evt_ and 14 base62 characters, all different', () => {
  const ids = new Set(Array.from({ length: 1000 }, newEventId));
  assert.equal(ids.size, 1000);
  for (const id of ids) assert.match(id, /^evt_[0-9A-Za-z]{14}$/);
});
