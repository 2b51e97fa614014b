/**
 * The shipped configs: every one passes `sloprobe check`, and each says what the SLA pages say
 * (docs/sla-definitions.md).
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { checkCommand } from '../../src/cli/check.js';
import { loadConfigFile } from '../../src/config/load.js';
import type { ResolvedConfig, ResolvedRoute } from '../../src/config/types.js';
import { RouteTable } from '../../src/routing/route-table.js';
import { configDir } from '../helpers/paths.js';

function capture() {
  const io = { out: '', err: '' };
  return {
    io,
    streams: {
      stdout: { write: (s: string) => (io.out += s) },
      stderr: { write: (s: string) => (io.err += s) },
    },
  };
}

const shipped = readdirSync(configDir).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'));

describe('every shipped config', () => {
  test('the three the README names are there', () => {
    for (const f of ['klarna.yaml', 'paywithmybank.yaml', 'curlec.yaml']) assert.ok(shipped.includes(f), f);
  });

  for (const file of shipped) {
    test(`${file} passes sloprobe check`, async () => {
      const path = join(configDir, file);
      const { io, streams } = capture();
      assert.equal(await checkCommand(['--config', path], streams), 0, io.err);
      assert.equal(io.err, '');
      for (const r of loadConfigFile(path).routes)
        assert.ok(io.out.includes(r.name), `${r.name} missing from the table`);
    });
  }
});

/** The route that carries `method` on `path`, as written in the config. */
function routeFor(config: ResolvedConfig, method: string, path: string): ResolvedRoute {
  const found = config.routes.find(
    (r) => r.path === path && (method === '*' ? r.anyMethod : r.anyMethod || r.methods.includes(method)),
  );
  assert.ok(found, `no route for ${method} ${path}`);
  return found;
}

describe('config/klarna.yaml', () => {
  const config = loadConfigFile(join(configDir, 'klarna.yaml'));
  const kebab = (name: string) => name.toLowerCase().replace(/ /g, '-');

  test('has the 13 SLO categories (docs/sla-definitions.md#slo-categories), each with a route', () => {
    // Klarna service level, "SLO Categories": "The Categories supported are:"
    const seed = [
      'Account Onboarding',
      'Account Operations',
      'Customer Token Charge',
      'Disputes',
      'Identity',
      'Read-Only Identity',
      'Personalized Message Placements',
      'Messaging Placements',
      'Payment Confirmation',
      'Payment Request',
      'Payment Transaction General',
      'Read-only Payment Transaction',
      'Settlements',
    ].map(kebab);
    assert.deepEqual([...config.categories.keys()].sort(), [...seed].sort());
    for (const name of seed)
      assert.ok(
        config.routes.some((r) => r.category === name),
        `no route in ${name}`,
      );
    assert.equal(
      config.categories.get('payment-confirmation')!.description,
      'Operations that allow the completion of a Payment Request.',
    );
    assert.equal(
      config.categories.get('customer-token-charge')!.description,
      'Operations that process payments for tokenized customers, including recurring and on-demand transactions.',
    );
  });

  test('has the 3 service classes, each 99% "by default"', () => {
    // docs/sla-definitions.md#service-classes: "Transaction Critical Services 99% / Transaction Non-critical Services 99% / Additional Services 99%"
    assert.deepEqual(
      [...config.classes.values()].map((c) => [c.name, c.availability]),
      [
        ['transaction-critical', 0.99],
        ['transaction-non-critical', 0.99],
        ['additional', 0.99],
      ],
    );
  });

  test('carries the p99 latency table (docs/sla-definitions.md#latency-objectives)', () => {
    // Kustom service level, "Latency p99" column, one row per operation.
    const table: [string, string, number][] = [
      ['POST', '/customer-token/v1/tokens', 5000],
      ['POST', '/hpp/v1/sessions', 200],
      ['GET', '/ordermanagement/*', 800], // "Read operations /ordermanagement (GET)"
      ['POST', '/ordermanagement/*', 1000], // "Other operations /ordermanagement"
      ['PATCH', '/ordermanagement/*', 1000],
      ['DELETE', '/ordermanagement/*', 1000],
      ['GET', '/settlements/v1/*', 6000], // "Read operations /settlements/v1 (GET)"
      ['*', '/disputes/v2/*', 4000], // "All operations /disputes/v2"
      ['POST', '/merchantcard/v3/settlements', 1000],
    ];
    for (const [method, path, ms] of table) {
      assert.deepEqual(
        routeFor(config, method, path).latency,
        { percentile: 0.99, thresholdMs: ms },
        `${method} ${path}`,
      );
    }
  });

  test('the route map yields an availability SLO per category and a latency SLO per latency objective', () => {
    const availability = config.slos.filter((s) => s.sli === 'availability' && s.generated);
    assert.equal(availability.length, 13);
    const withLatency = config.routes.filter((r) => r.latency).map((r) => `${r.name}-latency`);
    assert.deepEqual(
      config.slos.filter((s) => s.sli === 'latency').map((s) => s.name),
      withLatency,
    );
    assert.equal(config.maintenancePolicy, 'klarna');
    assert.equal(config.upstream, 'http://127.0.0.1:9000');
    assert.deepEqual([config.listen.port, config.admin.port], [8080, 9464]);
  });
});

describe('config/paywithmybank.yaml', () => {
  const config = loadConfigFile(join(configDir, 'paywithmybank.yaml'));

  test('Transaction Services at 99.5% of a calendar month, in minutes (docs/sla-definitions.md#monthly-uptime)', () => {
    // "The Transaction Services will be available 99.5% of the time during a given calendar month."
    assert.equal(config.period.kind, 'calendar-month');
    const uptime = config.slos.find((s) => s.method === 'timeslices');
    assert.ok(uptime);
    assert.equal(uptime.objective, 0.995);
    assert.equal(uptime.sli, 'availability');
    // Per minute; "HTTP Status 500"; "greater than five percent (5%)"; "ten (10) or more
    // consecutive minutes"; "repeated identical API requests will not count".
    assert.deepEqual(uptime.timeslices, {
      sliceMs: 60_000,
      errorStatuses: [500],
      threshold: 0.05,
      minConsecutive: 10,
      distinct: true,
    });
    for (const name of uptime.routes)
      assert.equal(config.routes.find((r) => r.name === name)!.availability, 0.995);
    assert.ok(
      config.routes.some((r) => !uptime.routes.includes(r.name)),
      'a route outside the Transaction Services',
    );
    assert.equal(config.maintenancePolicy, 'paywithmybank');
  });
});

describe('config/curlec.yaml', () => {
  const config = loadConfigFile(join(configDir, 'curlec.yaml'));

  test('has the downtime routes (docs/sla-definitions.md#downtime-entity), and GET /v1/payments/downtimes beats GET /v1/payments/{id}', () => {
    const list = routeFor(config, 'GET', '/v1/payments/downtimes');
    const one = routeFor(config, 'GET', '/v1/payments/downtimes/{id}');
    const payment = routeFor(config, 'GET', '/v1/payments/{id}');
    const table = new RouteTable(config.routes);
    assert.equal(table.lookup('GET', '/v1/payments/downtimes'), list.index);
    assert.equal(table.lookup('GET', '/v1/payments/downtimes/down_F1234'), one.index);
    assert.equal(table.lookup('GET', '/v1/payments/pay_29QQoUBi66xm2f'), payment.index);
    for (const [method, path] of [
      ['POST', '/v1/payments'],
      ['POST', '/v1/payments/{id}/capture'],
      ['POST', '/v1/orders'],
    ] as const) {
      routeFor(config, method, path);
    }
  });
});
