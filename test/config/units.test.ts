/**
 * The value syntaxes of the config (README "Configuration": durations accept ms/s/m; percentages accept
 * 99% or 0.99), their hints, and the "did you mean" used for misspelled keys.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { closest, didYouMean, editDistance } from '../../src/config/did-you-mean.js';
import {
  formatDuration,
  formatPercent,
  parseDuration,
  parseHostPort,
  parseOrigin,
  parsePercent,
  parsePercentile,
  parseTimestamp,
} from '../../src/config/units.js';

function problemOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof RangeError, `expected a RangeError, got ${String(err)}`);
    return err.message;
  }
  assert.fail('expected the value to be refused');
}

describe('parseDuration', () => {
  test('accepts ms, s, m, h and d', () => {
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('2s'), 2 * 1000);
    assert.equal(parseDuration('5m'), 5 * 60 * 1000);
    assert.equal(parseDuration('1h'), 60 * 60 * 1000);
    assert.equal(parseDuration('30d'), 30 * 24 * 60 * 60 * 1000);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('1h30m'), 90 * 60 * 1000);
  });

  test('refuses plain numbers with a hint naming a unit (as the README shows)', () => {
    assert.equal(
      problemOf(() => parseDuration(200)),
      '"200" is not a duration (try "200ms")',
    );
    assert.equal(
      problemOf(() => parseDuration('200')),
      '"200" is not a duration (try "200ms")',
    );
    assert.equal(
      problemOf(() => parseDuration(2, 's')),
      '"2" is not a duration (try "2s")',
    );
  });

  test('suggests the accepted spelling of a unit', () => {
    assert.match(
      problemOf(() => parseDuration('2 sec')),
      /try "2s"/,
    );
    assert.match(
      problemOf(() => parseDuration('5mins')),
      /try "5m"/,
    );
    assert.match(
      problemOf(() => parseDuration('1w')),
      /try "7d"/,
    );
    assert.match(
      problemOf(() => parseDuration('200MS')),
      /try "200ms"/,
    );
  });

  test('refuses what is not a duration at all', () => {
    assert.match(
      problemOf(() => parseDuration('fast')),
      /"fast" is not a duration/,
    );
    assert.match(
      problemOf(() => parseDuration('-5s')),
      /not a duration/,
    );
    assert.match(
      problemOf(() => parseDuration(true)),
      /expected a duration/,
    );
    assert.match(
      problemOf(() => parseDuration('100us')),
      /millisecond/,
    );
  });

  test('formatDuration picks the largest exact unit', () => {
    assert.equal(formatDuration(200), '200ms');
    assert.equal(formatDuration(5000), '5s');
    assert.equal(formatDuration(90 * 60 * 1000), '90m');
    assert.equal(formatDuration(30 * 86_400_000), '30d');
  });
});

describe('parsePercent', () => {
  test('"99%", "99.5%", 0.99 and "0.995" are ratios in (0, 1]', () => {
    assert.equal(parsePercent('99%'), 0.99);
    assert.equal(parsePercent('99.5%'), 0.995);
    assert.equal(parsePercent('99.9%'), 0.999);
    assert.equal(parsePercent(0.99), 0.99);
    assert.equal(parsePercent('0.995'), 0.995);
    assert.equal(parsePercent('100%'), 1);
  });

  test('a bare number above 1 is refused, not guessed', () => {
    assert.equal(
      problemOf(() => parsePercent(99)),
      '99 is not a ratio (write "99%" or 0.99)',
    );
    assert.match(
      problemOf(() => parsePercent('99.5')),
      /write "99.5%" or 0.995/,
    );
  });

  test('out of range and malformed values are refused', () => {
    assert.match(
      problemOf(() => parsePercent('0%')),
      /above 0%/,
    );
    assert.match(
      problemOf(() => parsePercent('101%')),
      /at most 100%/,
    );
    assert.match(
      problemOf(() => parsePercent('99,5%')),
      /"99.5%"/,
    );
    assert.match(
      problemOf(() => parsePercent('high')),
      /not a percentage/,
    );
  });

  test('thresholds may be 0 but not 100% with allowZero', () => {
    assert.equal(parsePercent('5%', { allowZero: true }), 0.05);
    assert.equal(parsePercent('0%', { allowZero: true }), 0);
    assert.match(
      problemOf(() => parsePercent('100%', { allowZero: true })),
      /below 100%/,
    );
  });

  test('formatPercent hides binary noise', () => {
    assert.equal(formatPercent(0.995), '99.5%');
    assert.equal(formatPercent(0.99), '99%');
    assert.equal(formatPercent(1 - 0.001), '99.9%');
  });
});

describe('parsePercentile', () => {
  test('p99 -> 0.99, p99.9 -> 0.999, p50 -> 0.5', () => {
    assert.equal(parsePercentile('p99'), 0.99);
    assert.equal(parsePercentile('p99.9'), 0.999);
    assert.equal(parsePercentile('p50'), 0.5);
  });

  test('refuses p0, p100 and other keys', () => {
    for (const key of ['p0', 'p100', 'q99', '99'])
      assert.match(
        problemOf(() => parsePercentile(key)),
        /not a percentile/,
      );
  });
});

describe('parseHostPort', () => {
  test('IPv4, bracketed IPv6, host names and ":port"', () => {
    assert.deepEqual(parseHostPort('0.0.0.0:8080'), { host: '0.0.0.0', port: 8080 });
    assert.deepEqual(parseHostPort('[::1]:9464'), { host: '::1', port: 9464 });
    assert.deepEqual(parseHostPort('localhost:0'), { host: 'localhost', port: 0 });
    assert.deepEqual(parseHostPort(':8080'), { host: '0.0.0.0', port: 8080 });
  });

  test('a bare port, as a flag string or a YAML number, listens on every IPv4 interface like ":port"', () => {
    assert.deepEqual(parseHostPort('21013'), { host: '0.0.0.0', port: 21013 });
    assert.deepEqual(parseHostPort(' 9464 '), { host: '0.0.0.0', port: 9464 });
    assert.deepEqual(parseHostPort(21013), { host: '0.0.0.0', port: 21013 });
    assert.deepEqual(parseHostPort('0'), { host: '0.0.0.0', port: 0 });
    assert.match(
      problemOf(() => parseHostPort('70000')),
      /"70000" is not a port \(0-65535\)/,
    );
    assert.match(
      problemOf(() => parseHostPort(70000)),
      /70000 is not a port/,
    );
    assert.match(
      problemOf(() => parseHostPort(80.5)),
      /not a port/,
    );
    assert.match(
      problemOf(() => parseHostPort('000008080')),
      /not a port/,
    );
  });

  test('refuses a missing port, an unbracketed IPv6 address and ports out of range', () => {
    assert.match(
      problemOf(() => parseHostPort('localhost')),
      /no port \(try "localhost:8080"\)/,
    );
    assert.match(
      problemOf(() => parseHostPort('::1:9464')),
      /brackets/,
    );
    assert.match(
      problemOf(() => parseHostPort('0.0.0.0:70000')),
      /not a port/,
    );
    assert.match(
      problemOf(() => parseHostPort('0.0.0.0:http')),
      /not a port/,
    );
    assert.match(
      problemOf(() => parseHostPort(true)),
      /expected "host:port"/,
    );
  });
});

describe('parseOrigin', () => {
  test('http and https origins, a trailing slash tolerated', () => {
    assert.equal(parseOrigin('http://127.0.0.1:9000'), 'http://127.0.0.1:9000');
    assert.equal(parseOrigin('https://api.example.com/'), 'https://api.example.com');
  });

  test('refuses other schemes, paths, queries, credentials and bare host:port', () => {
    assert.match(
      problemOf(() => parseOrigin('ftp://example.com')),
      /only http and https/,
    );
    assert.match(
      problemOf(() => parseOrigin('http://example.com/api')),
      /without path or query \(try "http:\/\/example.com"\)/,
    );
    assert.match(
      problemOf(() => parseOrigin('http://example.com?x=1')),
      /without path or query/,
    );
    assert.match(
      problemOf(() => parseOrigin('http://user:secret@example.com')),
      /credentials/,
    );
    assert.doesNotMatch(
      problemOf(() => parseOrigin('http://user:secret@example.com')),
      /secret/,
    );
    assert.match(
      problemOf(() => parseOrigin('127.0.0.1:9000')),
      /try "http:\/\/127.0.0.1:9000"/,
    );
  });
});

describe('parseTimestamp', () => {
  test('RFC 3339 with Z or an offset', () => {
    assert.equal(parseTimestamp('2025-03-01T02:00:00Z'), Date.UTC(2025, 2, 1, 2));
    assert.equal(parseTimestamp('2025-03-01T04:00:00+02:00'), Date.UTC(2025, 2, 1, 2));
    assert.equal(parseTimestamp('2025-03-01T02:00:00.250Z'), Date.UTC(2025, 2, 1, 2, 0, 0, 250));
  });

  test('refuses dates without time or offset, and impossible dates', () => {
    assert.match(
      problemOf(() => parseTimestamp('2025-03-01')),
      /add a time and an offset: "2025-03-01T00:00:00Z"/,
    );
    assert.match(
      problemOf(() => parseTimestamp('2025-03-01T02:00:00')),
      /not an RFC 3339 timestamp/,
    );
    assert.match(
      problemOf(() => parseTimestamp('2025-02-30T00:00:00Z')),
      /not a valid date/,
    );
  });
});

describe('did you mean', () => {
  test('counts a transposition as one edit', () => {
    assert.equal(editDistance('categroy', 'category'), 1);
    assert.equal(editDistance('latency', 'latency'), 0);
  });

  test('finds typos, other casings and camelCase spellings', () => {
    const keys = ['upstream', 'listen', 'admin', 'access_log', 'data_dir', 'time_zone', 'routes'];
    assert.equal(closest('lisen', keys), 'listen');
    assert.equal(closest('accessLog', keys), 'access_log');
    assert.equal(closest('data-dir', keys), 'data_dir');
    assert.equal(closest('timezone', keys), 'time_zone');
    assert.equal(closest('Routes', keys), 'routes');
  });

  test('says nothing when nothing is close', () => {
    assert.equal(closest('color', ['upstream', 'listen']), undefined);
    assert.equal(didYouMean('color', ['upstream']), '');
    assert.equal(didYouMean('upstrem', ['upstream']), ' (did you mean "upstream"?)');
  });
});
