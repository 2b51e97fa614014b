/**
 * CLF times (nginx `$time_local`) read in a row, as a log gives them: a time in the same
 * minute as the one before is read from its seconds alone, and must come out as the same
 * instant a fresh read gives. Expected values are worked out with Date.UTC from the text.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clfTime } from '../../../src/replay/formats/common.js';

const utc = (h: number, m: number, s: number) => Date.UTC(2000, 9, 10, h, m, s);

test('CLF times in a row: same minute, other seconds, another zone, a leap second, a bad second', () => {
  const cases: [string, string, number][] = [
    // 13:55 at -0700 is 20:55 UTC.
    ['10/Oct/2000:13:55:36 -0700', 'UTC', utc(20, 55, 36)],
    ['10/Oct/2000:13:55:00 -0700', 'UTC', utc(20, 55, 0)],
    ['10/Oct/2000:13:55:59 -0700', 'UTC', utc(20, 55, 59)],
    // The same wall-clock minute in another zone is another instant: 13:55 at +0200 is 11:55.
    ['10/Oct/2000:13:55:07 +0200', 'UTC', utc(11, 55, 7)],
    ['10/Oct/2000:13:55:08 -0700', 'UTC', utc(20, 55, 8)],
    // A leap second is held at :59.999, as a fresh read does.
    ['10/Oct/2000:13:55:60 -0700', 'UTC', utc(20, 55, 59) + 999],
    // Not a second: not a time at all.
    ['10/Oct/2000:13:55:6x -0700', 'UTC', Number.NaN],
    ['10/Oct/2000:13:55:61 -0700', 'UTC', Number.NaN],
    ['10/Oct/2000:13:55-01 -0700', 'UTC', Number.NaN],
    ['10/Oct/2000:13:55:01 -0700', 'UTC', utc(20, 55, 1)],
    // Without a zone the time is read in the zone given (HAProxy): 13:55:02 in Berlin
    // (CEST, +0200, in October 2000 until the 29th) is 11:55:02 UTC.
    ['10/Oct/2000:13:55:02', 'Europe/Berlin', utc(11, 55, 2)],
    ['10/Oct/2000:13:55:03 -0700', 'Europe/Berlin', utc(20, 55, 3)],
    ['10/Oct/2000:13:56:03 -0700', 'Europe/Berlin', utc(20, 56, 3)],
    // A fraction (HAProxy %tr): 13:56:04.25 at -0700.
    ['10/Oct/2000:13:56:04.250 -0700', 'UTC', utc(20, 56, 4) + 250],
    ['10/Oct/2000:13:56:05 -0700', 'UTC', utc(20, 56, 5)],
  ];
  for (const [text, zone, expected] of cases) assert.equal(clfTime(text, zone), expected, text);
});
