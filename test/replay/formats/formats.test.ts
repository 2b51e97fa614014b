/**
 * Each foreign format, from lines written as its documentation shows them. Expected values
 * are read off the lines by hand (the arithmetic is in the comments).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newRecord } from '../../../src/replay/fields.js';
import { anyTime } from '../../../src/replay/formats/common.js';
import { detectFormat, lineFormat } from '../../../src/replay/formats/index.js';
import { nginxFormat } from '../../../src/replay/formats/nginx.js';

function parse(format: ReturnType<typeof lineFormat>, line: string) {
  const rec = newRecord();
  const ok = format.parse(line, 0, line.length, rec);
  return { ok, rec };
}

test('timestamps: CLF with zones, RFC 3339 with zones, epoch seconds and milliseconds', () => {
  // nginx $time_local, the example of the log module docs' era: 10/Oct/2000:13:55:36 -0700
  // is 20:55:36 UTC.
  assert.equal(anyTime('10/Oct/2000:13:55:36 -0700', 'UTC'), Date.UTC(2000, 9, 10, 20, 55, 36));
  assert.equal(anyTime('10/Oct/2000:13:55:36 +0530', 'UTC'), Date.UTC(2000, 9, 10, 8, 25, 36));
  // HAProxy %tr, no zone: read in the zone given. Stockholm in February is UTC+1.
  assert.equal(
    anyTime('06/Feb/2009:12:14:14.655', 'Europe/Stockholm'),
    Date.UTC(2009, 1, 6, 11, 14, 14, 655),
  );
  assert.equal(anyTime('06/Feb/2009:12:14:14.655', 'UTC'), Date.UTC(2009, 1, 6, 12, 14, 14, 655));
  // $time_iso8601 writes the offset with a colon.
  assert.equal(anyTime('2000-10-10T13:55:36-07:00', 'UTC'), Date.UTC(2000, 9, 10, 20, 55, 36));
  // ALB: microseconds, Z.
  assert.equal(anyTime('2018-07-02T22:23:00.186641Z', 'UTC'), Date.UTC(2018, 6, 2, 22, 23, 0, 186));
  // $msec: epoch seconds with milliseconds; 1700000000.123 s = 1700000000123 ms.
  assert.equal(anyTime('1700000000.123', 'UTC'), 1700000000123);
  assert.equal(anyTime('1700000000123', 'UTC'), 1700000000123);
  assert.ok(Number.isNaN(anyTime('31/Feb/2009:12:14:14 +0000', 'UTC')));
  assert.ok(Number.isNaN(anyTime('March 7', 'UTC')));
});

test('nginx combined with $request_time $upstream_response_time', () => {
  const f = lineFormat('nginx', {});
  const line =
    '203.0.113.7 - - [10/Jun/2025:12:00:01 +0000] "POST /api/v1/transactions?x=1 HTTP/1.1" 201 512 "-" "curl/8.5.0" 0.250 0.200';
  const { ok, rec } = parse(f, line);
  assert.ok(ok, rec.problem);
  assert.equal(rec.method, 'POST');
  assert.equal(rec.path, '/api/v1/transactions');
  assert.equal(rec.status, 201);
  // Logged at 12:00:01.000 after 0.250 s: it arrived at 12:00:00.750.
  assert.equal(rec.timeMs, Date.UTC(2025, 5, 10, 12, 0, 0, 750));
  // $upstream_response_time 0.200 s = 200 ms, the source closest to the SLI of the two.
  assert.equal(rec.latencyMs, 200);
  assert.match(f.latencySources[rec.source]!, /upstream_response_time/);
});

test('nginx: nginx answered itself (upstream "-"), several upstreams, 499, plain combined', () => {
  const f = lineFormat('nginx', {});
  const self = parse(
    f,
    '::1 - - [10/Jun/2025:12:00:01 +0000] "GET /api/v1/transactions/7 HTTP/1.1" 502 150 "-" "-" 0.004 -',
  );
  assert.equal(self.rec.status, 502);
  assert.equal(self.rec.latencyMs, 4);
  assert.match(f.latencySources[self.rec.source]!, /request_time/);
  // Two upstreams tried: 0.010 + 0.020 s = 30 ms.
  const two = parse(
    f,
    '::1 - - [10/Jun/2025:12:00:01 +0000] "GET /a HTTP/1.1" 200 1 "-" "-" 0.050 0.010, 0.020',
  );
  assert.ok(Math.abs(two.rec.latencyMs - 30) < 1e-9);
  const gone = parse(f, '::1 - - [10/Jun/2025:12:00:01 +0000] "GET /a HTTP/1.1" 499 0 "-" "-" 0.050 -');
  assert.equal(gone.rec.status, 0);
  assert.equal(gone.rec.clientAborted, true);
  const plain = parse(
    f,
    '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"',
  );
  assert.ok(plain.ok, plain.rec.problem);
  assert.equal(plain.rec.timeMs, Date.UTC(2000, 9, 10, 20, 55, 36));
  assert.equal(plain.rec.source, -1);
  const broken = parse(f, '127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /x HTTP/1.0" abc 1 "-" "-"');
  assert.equal(broken.ok, false);
  assert.match(broken.rec.problem, /\$status/);
});

test('nginx --nginx-format: a named log_format, upstream_header_time first, JSON templates', () => {
  const f = nginxFormat(
    '$msec|$request_method|$request_uri|$status|$request_time|$upstream_response_time|$upstream_header_time',
    'UTC',
  );
  const { ok, rec } = parse(f, '1749556801.500|GET|/api/v1/transactions/9?p=1|200|0.300|0.250|0.120');
  assert.ok(ok, rec.problem);
  // 1749556801.500 s minus 0.300 s; header time 0.120 s = 120 ms wins over 250 ms.
  assert.equal(rec.timeMs, 1749556801200);
  assert.equal(rec.latencyMs, 120);
  assert.equal(rec.path, '/api/v1/transactions/9');
  assert.throws(() => nginxFormat('$remote_addr $status', 'UTC'), /no \$time_local/);
  const j = nginxFormat(
    '{"ts":"$time_iso8601","req":"$request","code":"$status","up":"$upstream_response_time"}',
    'UTC',
  );
  const r = parse(
    j,
    '{"ts":"2025-06-10T14:00:00+02:00","req":"POST /api/v1/transactions HTTP/2.0","code":"500","up":"0.075"}',
  );
  assert.ok(r.ok, r.rec.problem);
  assert.equal(r.rec.timeMs, Date.UTC(2025, 5, 10, 12, 0, 0));
  assert.equal(r.rec.status, 500);
  assert.equal(r.rec.latencyMs, 75);
  const k = parse(
    lineFormat('nginx', { nginxFormat: 'json' }),
    '{"time_local":"10/Jun/2025:12:00:00 +0000","request_method":"GET","uri":"/x","status":"204"}',
  );
  assert.ok(k.ok, k.rec.problem);
  assert.equal(k.rec.status, 204);
});

test('Envoy default format and JSON', () => {
  const f = lineFormat('envoy', {});
  const line =
    '[2016-04-15T20:17:00.310Z] "POST /api/v1/transactions HTTP/2" 200 - 1380 1011 140 130 "10.0.35.28" "nsq2http" "cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2" "locations" "tcp://10.0.2.1:80"';
  const { ok, rec } = parse(f, line);
  assert.ok(ok, rec.problem);
  assert.equal(rec.timeMs, Date.UTC(2016, 3, 15, 20, 17, 0, 310));
  assert.equal(rec.status, 200);
  // x-envoy-upstream-service-time 130 ms, not DURATION 140.
  assert.equal(rec.latencyMs, 130);
  const dc = parse(f, '[2016-04-15T20:17:00.310Z] "GET /a HTTP/1.1" 0 DC 0 0 5 - "-" "-" "-" "-" "-"');
  assert.equal(dc.rec.clientAborted, true);
  assert.equal(dc.rec.latencyMs, 5);
  assert.match(f.latencySources[dc.rec.source]!, /DURATION/);
  const uf = parse(
    f,
    '[2016-04-15T20:17:00.310+02:00] "GET /a HTTP/1.1" 503 UF 0 91 2 - "-" "-" "-" "-" "-"',
  );
  assert.equal(uf.rec.timeMs, Date.UTC(2016, 3, 15, 18, 17, 0, 310));
  assert.equal(uf.rec.error, 'refused');
  const j = parse(
    f,
    '{"start_time":"2016-04-15T20:17:00.310Z","method":"GET","path":"/a?b","response_code":404,"response_flags":"-","duration":7,"upstream_service_time":"6"}',
  );
  assert.ok(j.ok, j.rec.problem);
  assert.equal(j.rec.status, 404);
  assert.equal(j.rec.latencyMs, 6);
});

test('HAProxy HTTP log format, with and without the syslog prefix', () => {
  const f = lineFormat('haproxy', { logTimeZone: 'UTC' });
  // The manual's example (8.2.3): Tr = 69 ms, Ta = 109 ms.
  const line =
    'Feb  6 12:14:14 localhost haproxy[14389]: 10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 {1wt.eu} {} "GET /index.html HTTP/1.1"';
  const { ok, rec } = parse(f, line);
  assert.ok(ok, rec.problem);
  assert.equal(rec.timeMs, Date.UTC(2009, 1, 6, 12, 14, 14, 655));
  assert.equal(rec.latencyMs, 69);
  assert.equal(rec.path, '/index.html');
  const self = parse(
    f,
    '10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in be/<NOSRV> 0/0/-1/-1/3002 503 212 - - SC-- 1/1/0/0/3 0/0 "POST /api/v1/transactions HTTP/1.1"',
  );
  assert.ok(self.ok, self.rec.problem);
  assert.equal(self.rec.status, 503);
  assert.equal(self.rec.latencyMs, 3002);
  const gone = parse(
    f,
    '10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in be/s1 5/0/0/-1/+20 -1 0 - - CD-- 1/1/0/0/0 0/0 "GET /a HTTP/1.1"',
  );
  assert.equal(gone.rec.clientAborted, true);
});

test('ALB access log entries', () => {
  const f = lineFormat('alb', {});
  const line =
    'http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/api/v1/transactions/5?x=y HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "-" "-" 0 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-"';
  const { ok, rec } = parse(f, line);
  assert.ok(ok, rec.problem);
  // request_creation_time, the arrival, not `time`.
  assert.equal(rec.timeMs, Date.UTC(2018, 6, 2, 22, 22, 48, 364));
  assert.equal(rec.path, '/api/v1/transactions/5');
  // target_processing_time 0.001 s = 1 ms.
  assert.equal(rec.latencyMs, 1);
  const gone = parse(f, line.replace(' 0.000 0.001 0.000 200 200 ', ' 0.000 -1 -1 460 - '));
  assert.equal(gone.rec.clientAborted, true);
  assert.equal(gone.rec.source, -1);
  assert.equal(parse(f, 'http 2018-07-02T22:23:00Z "GET').ok, false);
});

test('jsonl with --field mappings, and auto detection of every format', () => {
  const f = lineFormat('jsonl', {
    fields: new Map([
      ['time', 'ts'],
      ['request', 'http.req'],
      ['status', 'http.code'],
      ['latency_s', 'dur'],
    ]),
  });
  const { ok, rec } = parse(f, '{"ts":1749556800,"http":{"req":"GET /a HTTP/1.1","code":200},"dur":0.042}');
  assert.ok(ok, rec.problem);
  assert.equal(rec.timeMs, 1749556800000);
  assert.equal(rec.latencyMs, 42);
  assert.equal(detectFormat('{"time":"2025-06-10T12:00:00Z","method":"GET"}', {}), 'sloprobe');
  assert.equal(detectFormat('{"start_time":"x","response_code":200}', {}), 'envoy');
  assert.equal(detectFormat('{"time_iso8601":"x"}', {}), 'nginx');
  assert.equal(detectFormat('[2016-04-15T20:17:00.310Z] "GET / HTTP/1.1" 200', {}), 'envoy');
  assert.equal(detectFormat('http 2018-07-02T22:23:00.186641Z app/x', {}), 'alb');
  assert.equal(detectFormat('10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in', {}), 'haproxy');
  assert.equal(detectFormat('1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 1', {}), 'nginx');
  assert.equal(detectFormat('hello world', {}), undefined);
});
