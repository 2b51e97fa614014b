/**
 * Resolution into the frozen ResolvedConfig: defaults, the route -> category -> class chain
 * (DESIGN.md: "A category may set its class; a route may override"), the SLOs that README says
 * come "from the route map, without extra configuration", explicit SLOs, CLI overrides.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyOverrides, parseConfig } from '../../src/config/load.js';
import type { ResolvedConfig, SloDefinition } from '../../src/config/types.js';
import { UsageError } from '../../src/errors.js';

const DAY = 86_400_000;

function load(text: string): ResolvedConfig {
  return parseConfig(text, 'test.yaml');
}

function slo(config: ResolvedConfig, name: string): SloDefinition {
  const found = config.slos.find((s) => s.name === name);
  assert.ok(found, `no SLO named ${name}: ${config.slos.map((s) => s.name).join(', ')}`);
  return found;
}

const MAP = `upstream: http://127.0.0.1:9000
classes:
  critical: { availability: 99% }
  non-critical: { availability: 99.5% }
categories:
  payment-request: { class: critical }
  captures: { class: critical, availability: 99.9% }
  unused: { class: non-critical }
routes:
  - { name: a, method: post, path: /a, category: payment-request, latency: { p99: 200ms } }
  - { name: b, method: GET, path: /b, category: payment-request, availability: 99.5% }
  - { name: c, method: [PUT, PATCH], path: "/c/{id}", category: captures, timeout: 5s }
  - { name: d, method: GET, path: /d, category: payment-request, class: non-critical }
  - { name: e, method: "*", path: /e/*, category: captures, class: non-critical, latency: { p99.9: 300ms } }
`;

describe('defaults', () => {
  test('a config with only an upstream gets the documented defaults', () => {
    const c = load('upstream: http://127.0.0.1:9000\n');
    assert.equal(c.upstream, 'http://127.0.0.1:9000');
    assert.equal(c.source, 'test.yaml');
    // README, Configuration: "listen: 0.0.0.0:8080", "admin: 0.0.0.0:9464",
    // "timeouts: { connect: 2s, headers: 30s, body: 60s, idle: 60s }   # defaults"
    assert.deepEqual(c.listen, { host: '0.0.0.0', port: 8080 });
    assert.deepEqual(c.admin, { host: '0.0.0.0', port: 9464 });
    assert.deepEqual(c.timeouts, {
      connectMs: 2000,
      headersMs: 30_000,
      bodyMs: 60_000,
      idleMs: 60_000,
      clientHeadersMs: 60_000,
    });
    assert.deepEqual(c.accessLog, { kind: 'stdout' });
    // README, Configuration: data dir "default ./.sloprobe-data"; minute rollups "at least 35 days", hourly "at least 400 days".
    assert.deepEqual(c.store, {
      dataDir: './.sloprobe-data',
      minuteRetentionMs: 35 * DAY,
      hourRetentionMs: 400 * DAY,
    });
    // README, Configuration: "period: 30d (rolling, default)"; "min_requests (default 10)".
    assert.deepEqual(c.period, { kind: 'rolling', ms: 30 * DAY });
    assert.equal(c.alerting.minRequests, 10);
    assert.equal(c.maintenancePolicy, 'none');
    assert.deepEqual([c.routes, c.slos, c.maintenance, c.fees], [[], [], [], undefined]);
  });

  test('a bare port in the file, as a YAML number or a string, listens on every interface', () => {
    const c = load('upstream: http://127.0.0.1:9000\nlisten: 21013\nadmin: "21014"\n');
    assert.deepEqual(c.listen, { host: '0.0.0.0', port: 21013 });
    assert.deepEqual(c.admin, { host: '0.0.0.0', port: 21014 });
  });

  test('settings written in the file', () => {
    const c = load(`upstream: https://api.example.com/
listen: "[::1]:8081"
admin: 127.0.0.1:0
timeouts: { connect: 500ms, headers: 10s }
access_log: /var/log/sloprobe.jsonl
data_dir: ":memory:"
period: calendar-month
time_zone: America/Los_Angeles
alerting: { min_requests: 50 }
retention: { minutes: 40d, hours: 500d }
fees: { monthly: 25000 }
`);
    assert.equal(c.upstream, 'https://api.example.com');
    assert.deepEqual(c.listen, { host: '::1', port: 8081 });
    assert.deepEqual(c.admin, { host: '127.0.0.1', port: 0 });
    assert.deepEqual(c.timeouts, {
      connectMs: 500,
      headersMs: 10_000,
      bodyMs: 60_000,
      idleMs: 60_000,
      clientHeadersMs: 60_000,
    });
    assert.deepEqual(c.accessLog, { kind: 'file', path: '/var/log/sloprobe.jsonl' });
    assert.deepEqual(c.period, { kind: 'calendar-month', timeZone: 'America/Los_Angeles' });
    assert.equal(c.alerting.minRequests, 50);
    assert.deepEqual(c.store, {
      dataDir: ':memory:',
      minuteRetentionMs: 40 * DAY,
      hourRetentionMs: 500 * DAY,
    });
    assert.deepEqual(c.fees, { monthly: 25000, currency: 'USD' });
    assert.deepEqual(load('upstream: http://a\naccess_log: "off"\n').accessLog, { kind: 'off' });
  });
});

describe('routes: route -> category -> class', () => {
  const c = load(MAP);
  const byName = new Map(c.routes.map((r) => [r.name, r]));

  test('a route takes its class from its category, unless it overrides it', () => {
    assert.equal(byName.get('a')!.class, 'critical');
    assert.equal(byName.get('d')!.class, 'non-critical');
    assert.equal(byName.get('e')!.class, 'non-critical');
  });

  test('availability: route override, else category override, else the class objective', () => {
    assert.equal(byName.get('a')!.availability, 0.99); // class critical
    assert.equal(byName.get('b')!.availability, 0.995); // its own
    assert.equal(byName.get('c')!.availability, 0.999); // category captures
    assert.equal(byName.get('d')!.availability, 0.995); // its own class, non-critical
    assert.equal(byName.get('e')!.availability, 0.999); // category override beats the class
    assert.equal(c.categories.get('captures')!.availability, 0.999);
    assert.equal(c.categories.get('payment-request')!.availability, 0.99);
  });

  test('methods, paths, latency objectives, timeouts and positions', () => {
    assert.deepEqual(
      c.routes.map((r) => [r.index, r.name, r.methods, r.anyMethod, r.path]),
      [
        [0, 'a', ['POST'], false, '/a'],
        [1, 'b', ['GET'], false, '/b'],
        [2, 'c', ['PUT', 'PATCH'], false, '/c/{id}'],
        [3, 'd', ['GET'], false, '/d'],
        [4, 'e', [], true, '/e/*'],
      ],
    );
    assert.deepEqual(byName.get('a')!.latency, { percentile: 0.99, thresholdMs: 200 });
    assert.deepEqual(byName.get('e')!.latency, { percentile: 0.999, thresholdMs: 300 });
    assert.equal(byName.get('b')!.latency, undefined);
    assert.equal(byName.get('c')!.timeoutMs, 5000);
    assert.equal(byName.get('a')!.timeoutMs, undefined);
  });
});

describe('SLOs from the route map', () => {
  const c = load(MAP);

  test('one availability SLO per category that has routes, over those routes', () => {
    const availability = c.slos.filter((s) => s.sli === 'availability');
    assert.deepEqual(
      availability.map((s) => [s.name, s.objective, s.routes]),
      [
        ['payment-request-availability', 0.99, ['a', 'b', 'd']],
        ['captures-availability', 0.999, ['c', 'e']],
      ],
    );
    for (const s of availability) {
      assert.equal(s.method, 'occurrences');
      assert.equal(s.generated, true);
      assert.deepEqual(s.scope, { kind: 'category', name: s.name.replace(/-availability$/, '') });
      assert.deepEqual(s.period, c.period);
    }
  });

  test('one latency SLO per route with a latency objective: p99 <= T is a 99% objective', () => {
    const latency = c.slos.filter((s) => s.sli === 'latency');
    assert.deepEqual(
      latency.map((s) => [s.name, s.objective, s.routes, s.latency]),
      [
        ['a-latency', 0.99, ['a'], { percentile: 0.99, thresholdMs: 200 }],
        ['e-latency', 0.999, ['e'], { percentile: 0.999, thresholdMs: 300 }],
      ],
    );
    assert.deepEqual(slo(c, 'a-latency').scope, { kind: 'route', name: 'a' });
  });
});

describe('explicit slos:', () => {
  const c = load(`${MAP}timeslices: { threshold: 10% }
slos:
  - { name: critical-uptime, sli: availability, method: timeslices, over: { class: critical }, timeslices: { min_consecutive: 5 } }
  - { name: everything, sli: availability, objective: 98%, over: all, period: 7d }
  - { name: captures-fast, sli: latency, over: { category: captures }, latency: { p95: 1s } }
  - { name: a-latency-strict, sli: latency, objective: 99.9%, over: { route: a } }
  - { name: non-critical-availability, sli: availability, over: { class: non-critical } }
`);

  test('a class scope covers the routes of that class, route overrides included', () => {
    assert.deepEqual(slo(c, 'critical-uptime').routes, ['a', 'b', 'c']);
    assert.deepEqual(slo(c, 'non-critical-availability').routes, ['d', 'e']);
    assert.equal(slo(c, 'non-critical-availability').objective, 0.995);
    assert.equal(slo(c, 'non-critical-availability').generated, false);
  });

  test('timeslices rules: the SLA defaults (docs/sla-definitions.md#downtime-period), then the file, then the SLO', () => {
    const s = slo(c, 'critical-uptime');
    assert.equal(s.method, 'timeslices');
    assert.equal(s.objective, 0.99);
    assert.deepEqual(s.timeslices, {
      sliceMs: 60_000,
      errorStatuses: [500],
      threshold: 0.1,
      minConsecutive: 5,
      distinct: true,
    });
    assert.equal(slo(c, 'everything').timeslices, undefined);
  });

  test('over all, with its own objective and period', () => {
    const s = slo(c, 'everything');
    assert.deepEqual(s.scope, { kind: 'all' });
    assert.deepEqual(s.routes, ['a', 'b', 'c', 'd', 'e']);
    assert.equal(s.objective, 0.98);
    assert.deepEqual(s.period, { kind: 'rolling', ms: 7 * DAY });
  });

  test('latency SLOs: the objective defaults to the percentile, the threshold to the route', () => {
    assert.deepEqual(
      [slo(c, 'captures-fast').objective, slo(c, 'captures-fast').latency, slo(c, 'captures-fast').routes],
      [0.95, { percentile: 0.95, thresholdMs: 1000 }, ['c', 'e']],
    );
    assert.deepEqual(
      [slo(c, 'a-latency-strict').objective, slo(c, 'a-latency-strict').latency],
      [0.999, { percentile: 0.99, thresholdMs: 200 }],
    );
  });

  test('generated SLOs come first, explicit ones after in file order', () => {
    assert.deepEqual(
      c.slos.map((s) => s.generated),
      [true, true, true, true, false, false, false, false, false],
    );
  });
});

describe('maintenance windows', () => {
  test('resolve to epoch milliseconds with their targets', () => {
    const c = load(`${MAP}maintenance:
  policy: klarna
  windows:
    - { id: w1, start: 2025-03-10T01:00:00Z, end: 2025-03-10T03:00:00Z, announced_at: 2025-03-01T09:00:00Z, all: true }
    - { id: w2, start: 2025-04-10T01:00:00+02:00, end: 2025-04-10T02:00:00+02:00, announced_at: 2025-04-01T00:00:00Z, routes: [a], categories: [captures] }
`);
    assert.equal(c.maintenancePolicy, 'klarna');
    assert.deepEqual(c.maintenance, [
      {
        id: 'w1',
        startMs: Date.UTC(2025, 2, 10, 1),
        endMs: Date.UTC(2025, 2, 10, 3),
        announcedAtMs: Date.UTC(2025, 2, 1, 9),
        all: true,
        routes: [],
        categories: [],
      },
      {
        id: 'w2',
        startMs: Date.UTC(2025, 3, 9, 23),
        endMs: Date.UTC(2025, 3, 10, 0),
        announcedAtMs: Date.UTC(2025, 3, 1),
        all: false,
        routes: ['a'],
        categories: ['captures'],
      },
    ]);
  });
});

describe('the resolved config is frozen', () => {
  const c = load(`${MAP}maintenance:
  windows: [{ id: w, start: 2025-03-10T01:00:00Z, end: 2025-03-10T03:00:00Z, announced_at: 2025-03-01T09:00:00Z, routes: [a] }]
`);

  test('objects and arrays all the way down', () => {
    const values: unknown[] = [
      c,
      c.listen,
      c.timeouts,
      c.routes,
      c.routes[0],
      c.routes[0]!.methods,
      c.routes[0]!.latency,
    ];
    values.push(
      c.slos,
      c.slos[0],
      c.slos[0]!.routes,
      c.slos[0]!.scope,
      c.maintenance[0],
      c.maintenance[0]!.routes,
    );
    values.push(c.categories.get('captures'), c.classes.get('critical'), c.store, c.alerting, c.period);
    for (const v of values) assert.ok(Object.isFrozen(v), `not frozen: ${JSON.stringify(v)}`);
    assert.throws(() => {
      (c.routes[0] as { availability: number }).availability = 0.5;
    }, TypeError);
    assert.throws(() => (c.routes as unknown as string[]).push('x'), TypeError);
  });

  test('classes and categories are Maps that refuse changes', () => {
    assert.ok(c.classes instanceof Map);
    assert.deepEqual([...c.categories.keys()], ['payment-request', 'captures', 'unused']);
    assert.throws(() => (c.classes as Map<string, unknown>).set('x', {}), TypeError);
    assert.throws(() => (c.categories as Map<string, unknown>).delete('captures'), TypeError);
    assert.throws(() => (c.categories as Map<string, unknown>).clear(), TypeError);
    assert.equal(c.categories.size, 3);
  });
});

describe('applyOverrides (flags and environment win over the file)', () => {
  const base = load(MAP);

  test('replaces the given settings and leaves the rest', () => {
    const c = applyOverrides(base, {
      upstream: 'https://upstream.internal:8443',
      listen: '127.0.0.1:0',
      admin: '127.0.0.1:0',
      dataDir: ':memory:',
      accessLog: 'off',
    });
    assert.equal(c.upstream, 'https://upstream.internal:8443');
    assert.deepEqual(c.listen, { host: '127.0.0.1', port: 0 });
    assert.deepEqual(c.admin, { host: '127.0.0.1', port: 0 });
    assert.equal(c.store.dataDir, ':memory:');
    assert.equal(c.store.minuteRetentionMs, base.store.minuteRetentionMs);
    assert.deepEqual(c.accessLog, { kind: 'off' });
    assert.equal(c.routes, base.routes);
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.store));
    assert.equal(base.upstream, 'http://127.0.0.1:9000');
    assert.equal(applyOverrides(base, {}).upstream, base.upstream);
  });

  test('a bare port, as --listen 21013 and --admin 21014, listens on every interface', () => {
    const c = applyOverrides(base, { listen: '21013', admin: '21014' });
    assert.deepEqual(c.listen, { host: '0.0.0.0', port: 21013 });
    assert.deepEqual(c.admin, { host: '0.0.0.0', port: 21014 });
  });

  test('a bad value is a UsageError (exit 2) naming the flag or variable', () => {
    assert.throws(
      () => applyOverrides(base, { listen: 'localhost' }),
      (err: unknown) =>
        err instanceof UsageError &&
        err.exitCode === 2 &&
        /^--listen: "localhost" has no port/.test(err.message),
    );
    assert.throws(() => applyOverrides(base, { upstream: 'ftp://x' }, { upstream: 'SLOPROBE_UPSTREAM' }), {
      message: /^SLOPROBE_UPSTREAM: "ftp:\/\/x": only http and https/,
    });
    assert.throws(() => applyOverrides(base, { admin: '0.0.0.0:8080' }), {
      message: /^--admin: the admin listener needs its own port/,
    });
    assert.throws(() => applyOverrides(base, { dataDir: ' ' }), { message: /^--data-dir: / });
  });
});
