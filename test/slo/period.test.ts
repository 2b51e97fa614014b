import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  monthRange,
  parseMonth,
  periodAt,
  rangeMinutes,
  zonedParts,
  zonedTimeToEpoch,
} from '../../src/slo/period.js';
import { DAY, MINUTE } from './builders.js';

describe('"total number of minutes in a given month" (docs/sla-definitions.md#monthly-uptime)', () => {
  const minutesIn = (month: string, tz: string) => rangeMinutes(monthRange(parseMonth(month)!, tz));

  it('counts 30- and 31-day months and leap Februaries', () => {
    assert.equal(minutesIn('2025-04', 'UTC'), 30 * 24 * 60); // 43,200
    assert.equal(minutesIn('2025-03', 'UTC'), 31 * 24 * 60); // 44,640
    assert.equal(minutesIn('2024-02', 'UTC'), 29 * 24 * 60); // 41,760
    assert.equal(minutesIn('2025-02', 'UTC'), 28 * 24 * 60); // 40,320
  });

  it('counts the real minutes of a DST month in the configured zone', () => {
    // March 2025 in Los Angeles loses the hour from 02:00 to 03:00 on the 9th: 44,640 - 60.
    assert.equal(minutesIn('2025-03', 'America/Los_Angeles'), 44_580);
    // November 2025 repeats 01:00-02:00 on the 2nd: 43,200 + 60.
    assert.equal(minutesIn('2025-11', 'America/Los_Angeles'), 43_260);
  });

  it('starts the month at local midnight, also in half-hour zones', () => {
    // 2025-03-01 00:00 PST (UTC-8) = 08:00Z
    assert.equal(
      monthRange({ year: 2025, month: 3 }, 'America/Los_Angeles').startMs,
      Date.parse('2025-03-01T08:00:00Z'),
    );
    // 2025-03-01 00:00 IST (UTC+5:30) = 2025-02-28 18:30Z
    assert.equal(
      monthRange({ year: 2025, month: 3 }, 'Asia/Kolkata').startMs,
      Date.parse('2025-02-28T18:30:00Z'),
    );
    // December rolls into January of the next year.
    assert.equal(monthRange({ year: 2025, month: 12 }, 'UTC').endMs, Date.parse('2026-01-01T00:00:00Z'));
  });

  it('rejects what is not YYYY-MM', () => {
    assert.equal(parseMonth('2025-13'), undefined);
    assert.equal(parseMonth('2025-3'), undefined);
    assert.deepEqual(parseMonth('2025-03'), { year: 2025, month: 3 });
  });
});

describe('wall-clock conversion', () => {
  it('gives the earlier instant for a repeated time and skips forward over a missing one', () => {
    // 2025-11-02 01:30 happens twice in Los Angeles; the first is PDT (UTC-7) = 08:30Z.
    assert.equal(
      zonedTimeToEpoch(2025, 11, 2, 1, 30, 'America/Los_Angeles'),
      Date.parse('2025-11-02T08:30:00Z'),
    );
    // Sao Paulo skipped midnight on 2018-11-04 (00:00 -03 became 01:00 -02): the day began at 03:00Z.
    assert.equal(
      zonedTimeToEpoch(2018, 11, 4, 0, 0, 'America/Sao_Paulo'),
      Date.parse('2018-11-04T03:00:00Z'),
    );
    assert.deepEqual(zonedParts(Date.parse('2025-07-04T07:05:09Z'), 'America/Los_Angeles'), {
      year: 2025,
      month: 7,
      day: 4,
      hour: 0,
      minute: 5,
      second: 9,
    });
  });
});

describe('compliance period at an instant', () => {
  it('calendar-month: the month containing now, with all its minutes and those elapsed', () => {
    const now = Date.parse('2025-03-15T12:00:30Z');
    const p = periodAt({ kind: 'calendar-month', timeZone: 'America/Los_Angeles' }, now);
    assert.equal(p.startMs, Date.parse('2025-03-01T08:00:00Z'));
    assert.equal(p.minutes, 44_580);
    // From 03-01 08:00Z to 03-15 12:00Z is 14 days 4 hours = 20,400 minutes, plus the current minute.
    assert.equal(p.elapsedMinutes, 20_401);
  });

  it('rolling 30d: the 43,200 minutes ending with the current one', () => {
    const now = Date.parse('2025-03-15T12:00:30Z');
    const p = periodAt({ kind: 'rolling', ms: 30 * DAY }, now);
    assert.equal(p.minutes, 43_200);
    assert.equal(p.endMs, Date.parse('2025-03-15T12:01:00Z'));
    assert.equal(p.startMs, p.endMs - 43_200 * MINUTE);
  });
});
