import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mulberry32 } from '../../src/demo/random.js';
import { type LogRecord, newRecord, parseLine } from '../../src/replay/parse.js';

function parse(line: string): LogRecord | string {
  const rec = newRecord();
  return parseLine(line, 0, line.length, rec) ? { ...rec } : rec.problem;
}

function ok(line: string): LogRecord {
  const r = parse(line);
  assert.ok(typeof r !== 'string', `expected ${line} to parse, got: ${String(r)}`);
  return r;
}

test("the sidecar's own access-log line gives its fields; the query string is dropped", () => {
  const r = ok(
    '{"time":"2026-03-01T12:00:00.123Z","method":"POST","path":"/hpp/v1/sessions?token=secret","route":"hpp-create-session","category":"payment-request","status":200,"outcome":"good","latency_ms":152.031,"duration_ms":153.4,"request_id":"r-1","digest":"ab12","error":"reset"}',
  );
  assert.equal(r.timeMs, Date.UTC(2026, 2, 1, 12, 0, 0, 123));
  assert.equal(r.method, 'POST');
  assert.equal(r.path, '/hpp/v1/sessions');
  assert.equal(r.status, 200);
  assert.equal(r.latencyMs, 152.031);
  assert.equal(r.digest, 'ab12');
  assert.equal(r.error, 'reset');
  assert.equal(r.outcome, 0);
  assert.equal(
    ok('{"time":1,"method":"GET","path":"/a#frag","status":200}'.replace('1', '1740787200000')).path,
    '/a',
  );
});

test('time: RFC 3339 in every form the RFC allows, or epoch milliseconds', () => {
  const at = (t: string) => (ok(`{"time":${t},"method":"GET","path":"/","status":200}`) as LogRecord).timeMs;
  const ms = Date.UTC(2025, 2, 1, 10, 20, 30, 400);
  assert.equal(at('"2025-03-01T10:20:30.4Z"'), ms);
  assert.equal(at('"2025-03-01T10:20:30.400000Z"'), ms);
  assert.equal(at('"2025-03-01t10:20:30.4z"'), ms);
  assert.equal(at('"2025-03-01 10:20:30.4Z"'), ms);
  assert.equal(at('"2025-03-01T12:20:30.4+02:00"'), ms);
  assert.equal(at('"2025-03-01T05:50:30.4-04:30"'), ms);
  assert.equal(at('"2025-03-01T10:20:30Z"'), ms - 400);
  assert.equal(at(String(ms)), ms);
  assert.equal(at(`"${ms}"`), ms);
  // RFC 3339 allows a leap second; it counts in the minute it ends.
  assert.equal(at('"2016-12-31T23:59:60Z"'), Date.UTC(2016, 11, 31, 23, 59, 59, 999));
});

test('RFC 3339 timestamps read as Date.parse reads them (5,000 random instants and offsets)', () => {
  const rng = mulberry32(3339);
  for (let i = 0; i < 5000; i++) {
    const ms = Math.floor(Date.UTC(1990, 0, 1) + rng() * 60 * 365 * 86_400_000);
    const offsetMin = Math.floor(rng() * 28 - 14) * 60 + (rng() < 0.2 ? 30 : 0);
    const local = new Date(ms + offsetMin * 60_000).toISOString().slice(0, 23);
    const sign = offsetMin < 0 ? '-' : '+';
    const abs = Math.abs(offsetMin);
    const zone =
      offsetMin === 0 && rng() < 0.5
        ? 'Z'
        : `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
    const text = `${local}${zone}`;
    assert.equal(at(text), Date.parse(text), text);
  }
  function at(t: string): number {
    return (ok(`{"time":"${t}","method":"GET","path":"/","status":200}`) as LogRecord).timeMs;
  }
});

test('a time that is not a timestamp, or looks like epoch seconds, makes the line malformed with a reason', () => {
  const problem = (t: string) => parse(`{"time":${t},"method":"GET","path":"/","status":200}`);
  assert.match(String(problem('1744000000')), /epoch seconds/);
  assert.match(String(problem('"2025-02-29T00:00:00Z"')), /RFC 3339/, '2025 is not a leap year');
  assert.match(String(problem('"2025-03-01T24:00:00Z"')), /RFC 3339/);
  assert.match(String(problem('"2025-03-01T10:00Z"')), /RFC 3339/, 'seconds are required');
  assert.match(String(problem('"March 1, 2025"')), /RFC 3339/);
  assert.match(String(problem('"2025-03-01T10:00:00"')), /RFC 3339/, 'a local time has no instant');
  assert.match(String(problem('null')), /time/);
});

test('status: an integer 0..999 or its digits as a string; 0 is "no response"', () => {
  const status = (v: string) => parse(`{"time":1740787200000,"method":"GET","path":"/","status":${v}}`);
  assert.equal((status('0') as LogRecord).status, 0);
  assert.equal((status('"404"') as LogRecord).status, 404);
  assert.equal((status('2e2') as LogRecord).status, 200, 'JSON numbers in any notation');
  for (const bad of ['1000', '-1', '"abc"', '200.5', 'null', 'true']) {
    assert.equal(typeof status(bad), 'string', bad);
  }
});

test('latency_ms: a number, a digit string, null or absent; never negative', () => {
  const lat = (v: string) => parse(`{"time":1740787200000,"method":"GET","path":"/","status":200${v}}`);
  assert.ok(Number.isNaN((lat('') as LogRecord).latencyMs));
  assert.ok(Number.isNaN((lat(',"latency_ms":null') as LogRecord).latencyMs));
  assert.equal((lat(',"latency_ms":0.1') as LogRecord).latencyMs, 0.1);
  assert.equal((lat(',"latency_ms":"12.5"') as LogRecord).latencyMs, 12.5);
  assert.equal((lat(',"latency_ms":1.5e3') as LogRecord).latencyMs, 1500);
  assert.match(String(lat(',"latency_ms":-3')), /latency_ms/);
});

test('lines without a required field, or that are not JSON objects, are malformed and say why', () => {
  assert.equal(parse('not json'), 'not valid JSON');
  assert.equal(parse('[1,2]'), 'not a JSON object');
  assert.equal(parse('   '), 'empty line');
  assert.equal(parse('{"method":"GET","path":"/","status":200}'), 'no "time"');
  assert.equal(parse('{"time":1740787200000,"path":"/","status":200}'), 'no "method"');
  assert.equal(parse('{"time":1740787200000,"method":"GET","status":200}'), 'no "path"');
  assert.equal(parse('{"time":1740787200000,"method":"GET","path":"/"}'), 'no "status"');
  assert.equal(parse('{"time":1740787200000,"method":"GET","path":"/","status":200'), 'not valid JSON');
  assert.equal(
    parse('{"time":1740787200000,"method":"GET","path":7,"status":200}'),
    '"path" is not a string',
  );
});

test('escapes, nesting, spacing and CRLF are read as JSON.parse reads them', () => {
  const r = ok(
    '{ "time" : "2025-03-01T00:00:00Z" ,\t"req":{"headers":{"x":"}"},"list":[1,{"a":"]"}]}, "method":"GET", "path":"/a\\u002fb\\"c?q=1", "status":200, "latency_ms":1 }\r',
  );
  assert.equal(r.path, '/a/b"c');
  assert.equal(r.status, 200);
  assert.equal(r.latencyMs, 1);
});

/** The rules of the format, written against JSON.parse: the reference the scanner must match. */
function reference(line: string): Partial<LogRecord> | 'malformed' {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return 'malformed';
  }
  const time = o.time;
  const timeMs = typeof time === 'number' ? time : typeof time === 'string' ? Date.parse(time) : Number.NaN;
  const status = typeof o.status === 'string' ? Number(o.status) : o.status;
  const lat = o.latency_ms === undefined || o.latency_ms === null ? Number.NaN : Number(o.latency_ms);
  if (!(timeMs >= 1e11) || typeof o.method !== 'string' || typeof o.path !== 'string') return 'malformed';
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 0 || status > 999)
    return 'malformed';
  if (o.latency_ms !== undefined && o.latency_ms !== null && !(lat >= 0)) return 'malformed';
  const outcome = ['good', 'bad', 'excluded'].indexOf(o.outcome as string);
  return {
    timeMs,
    method: o.method,
    path: o.path.split(/[?#]/)[0],
    status,
    latencyMs: lat,
    digest: typeof o.digest === 'string' && o.digest !== '' ? o.digest : null,
    error: typeof o.error === 'string' && o.error !== '' ? o.error : null,
    outcome,
  };
}

test('20,000 random lines: the scanner agrees with the JSON.parse reference', () => {
  const rng = mulberry32(2025);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
  const sp = () => (rng() < 0.1 ? pick([' ', '  ', '\t']) : '');
  for (let n = 0; n < 20_000; n++) {
    const fields: [string, string][] = [
      [
        'time',
        rng() < 0.5
          ? `"${new Date(1.74e12 + Math.floor(rng() * 1e10)).toISOString()}"`
          : String(1.74e12 + Math.floor(rng() * 1e10)),
      ],
      ['method', `"${pick(['GET', 'POST', 'PATCH', 'get', 'PROPFIND'])}"`],
      [
        'path',
        `"${pick(['/v1/payments', '/v1/payments/123?x=1', '/a\\"b', '/caf\u00e9/\u4e2d', '/x#y', '/ü?a=b'])}"`,
      ],
      ['status', pick(['200', '500', '0', '"404"', '302', '1000', '"x"'])],
      ['route', `"${pick(['r', 'unmatched', 'a:b', 'sp ace'])}"`],
      ['outcome', `"${pick(['good', 'bad', 'excluded', 'other'])}"`],
    ];
    if (rng() < 0.8) fields.push(['latency_ms', pick(['12.345', 'null', '0', '1e2', '"7.5"', '-1', '400'])]);
    if (rng() < 0.3) fields.push(['digest', `"${pick(['abc123', '', 'd\\u0041'])}"`]);
    if (rng() < 0.2) fields.push(['error', pick(['"refused"', 'null', '"timeout_headers"'])]);
    if (rng() < 0.1) fields.push(['nested', pick(['{"a":[1,2,{"b":"}"}]}', '[]', '{}'])]);
    for (let i = fields.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [fields[i], fields[j]] = [fields[j]!, fields[i]!];
    }
    let line = `{${fields.map(([k, v]) => `${sp()}"${k}"${sp()}:${sp()}${v}${sp()}`).join(',')}}`;
    if (rng() < 0.02) line = line.slice(0, Math.floor(rng() * line.length));
    const want = reference(line);
    const got = parse(line);
    if (want === 'malformed') {
      assert.equal(typeof got, 'string', `accepted: ${line}`);
      continue;
    }
    assert.ok(typeof got !== 'string', `rejected (${String(got)}): ${line}`);
    for (const [k, v] of Object.entries(want)) {
      assert.deepEqual(got[k as keyof LogRecord], v, `${k} of ${line}`);
    }
  }
});
