import assert from 'node:assert/strict';
import { METHODS } from 'node:http';
import { describe, test } from 'node:test';
import { UNCLASSIFIED, UNMATCHED_ROUTE } from '../../src/config/types.js';
import { ConfigErrors } from '../../src/errors.js';
import { MAX_PARAM_LENGTH, RouteTable } from '../../src/routing/route-table.js';
import { type Row, route, routeOf, table } from './routes.js';

describe('static segments win over parameters', () => {
  // README, Configuration: "Static segments win over parameters (`GET /v1/payments/downtimes` beats
  // `GET /v1/payments/{id}`)" — whichever comes first in the file.
  const orders: readonly (readonly Row[])[] = [
    [
      ['payment', 'GET', '/v1/payments/{id}'],
      ['downtimes', 'GET', '/v1/payments/downtimes'],
    ],
    [
      ['downtimes', 'GET', '/v1/payments/downtimes'],
      ['payment', 'GET', '/v1/payments/{id}'],
    ],
  ];
  for (const rows of orders) {
    test(`with ${rows[0]![0]} first`, () => {
      const t = table(rows);
      assert.equal(routeOf(t, 'GET', '/v1/payments/downtimes'), 'downtimes');
      assert.equal(routeOf(t, 'GET', '/v1/payments/pay_29xk1'), 'payment');
      // A value that merely starts like the static segment is still a parameter.
      assert.equal(routeOf(t, 'GET', '/v1/payments/downtimesX'), 'payment');
    });
  }

  test('a static segment deeper down does not stop a parameter above it from matching', () => {
    const t = table([
      ['downtime', 'GET', '/v1/payments/downtimes/{id}'],
      ['refunds', 'GET', '/v1/payments/{id}/refunds'],
    ]);
    assert.equal(routeOf(t, 'GET', '/v1/payments/downtimes/dt_1'), 'downtime');
    // "downtimes" is also a valid payment id when what follows is /refunds.
    assert.equal(routeOf(t, 'GET', '/v1/payments/downtimes/refunds'), 'downtime');
    assert.equal(routeOf(t, 'GET', '/v1/payments/pay_1/refunds'), 'refunds');
  });
});

describe('templates with different parameter names at the same position', () => {
  // Templates with different parameter names at the same position must load (real OpenAPI
  // maps have them; README, Configuration).
  const rows: Row[] = [
    ['order', 'GET', '/orders/{order_id}'],
    ['captures', 'POST', '/orders/{id}/captures'],
    ['capture', 'GET', '/orders/{oid}/captures/{capture_id}'],
    ['capture-by-order', 'GET', '/orders/{id}/captures/{orderCaptureId}/refunds'],
  ];

  test('load and each route matches its own requests', () => {
    const t = table(rows);
    assert.equal(routeOf(t, 'GET', '/orders/o-1'), 'order');
    assert.equal(routeOf(t, 'POST', '/orders/o-1/captures'), 'captures');
    assert.equal(routeOf(t, 'GET', '/orders/o-1/captures/c-9'), 'capture');
    assert.equal(routeOf(t, 'GET', '/orders/o-1/captures/c-9/refunds'), 'capture-by-order');
    assert.equal(routeOf(t, 'GET', '/orders/o-1/captures'), UNMATCHED_ROUTE);
  });

  test('the paths as written are kept for display', () => {
    const t = table(rows);
    assert.deepEqual(
      t.routes.slice(0, rows.length).map((r) => r.path),
      rows.map((r) => r[2]),
    );
  });

  test('two templates that differ only by parameter names are one path: refused', () => {
    assert.throws(
      () =>
        table([
          ['a', 'GET', '/orders/{order_id}'],
          ['b', 'GET', '/orders/{id}'],
        ]),
      (err: unknown) => {
        assert.ok(err instanceof ConfigErrors);
        assert.equal(err.errors.length, 1);
        assert.equal(err.errors[0]!.keyPath, 'routes[1].path');
        assert.match(err.message, /already routed by "a"/);
        return true;
      },
    );
  });

  test('the same template under different methods is not a conflict', () => {
    const t = table([
      ['get', 'GET', '/orders/{order_id}'],
      ['patch', 'PATCH', '/orders/{id}'],
    ]);
    assert.equal(routeOf(t, 'GET', '/orders/1'), 'get');
    assert.equal(routeOf(t, 'PATCH', '/orders/1'), 'patch');
  });
});

describe('prefixes', () => {
  // README, Configuration: "prefix /ordermanagement/*" and "a more specific template beats a prefix".
  const rows: Row[] = [
    ['om', 'GET', '/ordermanagement/*'],
    ['om-order', 'GET', '/ordermanagement/v1/orders/{order_id}'],
    ['om-order-lines', 'GET', '/ordermanagement/v1/orders/{order_id}/lines'],
  ];

  test('a prefix matches the bare path and everything under it', () => {
    const t = table(rows);
    for (const path of [
      '/ordermanagement',
      '/ordermanagement/',
      '/ordermanagement/v1',
      '/ordermanagement/a/b/c',
    ]) {
      assert.equal(routeOf(t, 'GET', path), 'om', path);
    }
  });

  test('a prefix does not match a longer segment that merely starts the same', () => {
    const t = table(rows);
    assert.equal(routeOf(t, 'GET', '/ordermanagementv2'), UNMATCHED_ROUTE);
    assert.equal(routeOf(t, 'GET', '/order'), UNMATCHED_ROUTE);
  });

  test('a template under the prefix wins; the prefix takes what the template does not', () => {
    const t = table(rows);
    assert.equal(routeOf(t, 'GET', '/ordermanagement/v1/orders/o-1'), 'om-order');
    assert.equal(routeOf(t, 'GET', '/ordermanagement/v1/orders/o-1/lines'), 'om-order-lines');
    // Deeper than any template: back to the prefix, not unmatched.
    assert.equal(routeOf(t, 'GET', '/ordermanagement/v1/orders/o-1/lines/2'), 'om');
    assert.equal(routeOf(t, 'GET', '/ordermanagement/v1/orders/o-1/captures'), 'om');
  });

  test('a route written for the bare path beats the prefix there, whatever the methods', () => {
    const sameMethod = table([
      ['om', 'GET', '/ordermanagement/*'],
      ['om-root', 'GET', '/ordermanagement'],
    ]);
    assert.equal(routeOf(sameMethod, 'GET', '/ordermanagement'), 'om-root');
    assert.equal(routeOf(sameMethod, 'GET', '/ordermanagement/x'), 'om');
    // The path decides before the method does.
    const anyRoot = table([
      ['om', 'GET', '/ordermanagement/*'],
      ['om-root', '*', '/ordermanagement'],
    ]);
    assert.equal(routeOf(anyRoot, 'GET', '/ordermanagement'), 'om-root');
    assert.equal(routeOf(anyRoot, 'GET', '/ordermanagement/'), 'om');

    const t = table([
      ['om', '*', '/ordermanagement/*'],
      ['om-root', 'GET', '/ordermanagement'],
    ]);
    assert.equal(routeOf(t, 'GET', '/ordermanagement'), 'om-root');
    assert.equal(routeOf(t, 'POST', '/ordermanagement'), 'om');
    assert.equal(routeOf(t, 'GET', '/ordermanagement/x'), 'om');
  });

  test('nested prefixes: the longer one wins under it', () => {
    const t = table([
      ['v1', '*', '/v1/*'],
      ['v1-payments', '*', '/v1/payments/*'],
      ['catch-all', '*', '/*'],
    ]);
    assert.equal(routeOf(t, 'GET', '/v1/payments/p/refunds'), 'v1-payments');
    assert.equal(routeOf(t, 'GET', '/v1/payments'), 'v1-payments');
    assert.equal(routeOf(t, 'GET', '/v1/refunds'), 'v1');
    assert.equal(routeOf(t, 'GET', '/v2'), 'catch-all');
    assert.equal(routeOf(t, 'GET', '/'), 'catch-all');
  });

  test('a prefix may hold a parameter', () => {
    const t = table([['account', '*', '/v1/accounts/{account}/*']]);
    assert.equal(routeOf(t, 'GET', '/v1/accounts/acct_1'), 'account');
    assert.equal(routeOf(t, 'POST', '/v1/accounts/acct_1/persons/p_1'), 'account');
    assert.equal(routeOf(t, 'GET', '/v1/accounts'), UNMATCHED_ROUTE);
  });
});

describe('methods', () => {
  test('"*" matches every method, including ones find-my-way does not know', () => {
    const t = table([['any', '*', '/v1/things']]);
    for (const method of [...METHODS, 'FROBNICATE', 'X-CUSTOM']) {
      assert.equal(routeOf(t, method, '/v1/things'), 'any', method);
    }
  });

  test('a route naming the method beats a "*" route on the same path (docs/sla-definitions.md#latency-objectives /ordermanagement)', () => {
    // Kustom p99 table: "Read operations order-management-api_/ordermanagement (GET) | 800ms" and
    // "Other operations order-management-api_/ordermanagement | 1000ms".
    const t = table([
      ['om-read', 'GET', '/ordermanagement/*'],
      ['om-other', '*', '/ordermanagement/*'],
    ]);
    assert.equal(routeOf(t, 'GET', '/ordermanagement/v1/orders/1'), 'om-read');
    for (const method of ['POST', 'PATCH', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PROPFIND', 'FROBNICATE']) {
      assert.equal(routeOf(t, method, '/ordermanagement/v1/orders/1'), 'om-other', method);
    }
  });

  test('a more specific path beats a route naming the method', () => {
    const t = table([
      ['get-any-thing', 'GET', '/v1/things/{id}'],
      ['special', '*', '/v1/things/special'],
    ]);
    assert.equal(routeOf(t, 'GET', '/v1/things/special'), 'special');
    assert.equal(routeOf(t, 'GET', '/v1/things/other'), 'get-any-thing');
  });

  test('a list of methods; others are unmatched; HEAD is not GET', () => {
    const t = table([['read', ['GET', 'OPTIONS'], '/v1/things']]);
    assert.equal(routeOf(t, 'GET', '/v1/things'), 'read');
    assert.equal(routeOf(t, 'OPTIONS', '/v1/things'), 'read');
    assert.equal(routeOf(t, 'POST', '/v1/things'), UNMATCHED_ROUTE);
    assert.equal(routeOf(t, 'HEAD', '/v1/things'), UNMATCHED_ROUTE);
  });

  test('method names are case-sensitive (RFC 9110 9.1): "get" is not GET', () => {
    const t = table([
      ['read', 'GET', '/v1/things'],
      ['other', '*', '/v1/*'],
    ]);
    assert.equal(routeOf(t, 'get', '/v1/things'), 'other');
    assert.equal(routeOf(table([['read', 'GET', '/v1/things']]), 'get', '/v1/things'), UNMATCHED_ROUTE);
  });

  test('a method find-my-way has no tree for can still be routed by name', () => {
    const t = table([
      ['brew', 'BREW', '/pot/{id}'],
      ['pot-other', '*', '/pot/*'],
    ]);
    assert.equal(routeOf(t, 'BREW', '/pot/1'), 'brew');
    assert.equal(routeOf(t, 'WHEN', '/pot/1'), 'pot-other');
    assert.equal(routeOf(t, 'GET', '/pot/1'), 'pot-other');
  });
});

describe('unmatched', () => {
  test('is the route after the configured ones, with no objective', () => {
    const t = table([['a', 'GET', '/a']]);
    assert.equal(t.unmatchedIndex, 1);
    assert.equal(t.routes.length, 2);
    const u = t.routes[t.unmatchedIndex]!;
    assert.equal(u.index, 1);
    assert.equal(u.name, UNMATCHED_ROUTE);
    // README, Configuration: "Unmatched traffic is the single route `unmatched` (category `unclassified`)".
    assert.equal(u.category, UNCLASSIFIED);
    assert.equal(u.class, UNCLASSIFIED);
    assert.equal(u.anyMethod, true);
    assert.deepEqual(u.methods, []);
    assert.equal(u.latency, undefined);
    assert.ok(Number.isNaN(u.availability), 'no availability objective');
    assert.ok(Object.isFrozen(t.routes) && Object.isFrozen(u));
  });

  test('an empty table sends everything to unmatched', () => {
    const t = new RouteTable([]);
    assert.equal(t.unmatchedIndex, 0);
    assert.equal(t.lookup('GET', '/'), 0);
  });

  test('unknown paths and methods', () => {
    const t = table([['a', 'GET', '/v1/a']]);
    assert.equal(routeOf(t, 'GET', '/v1/b'), UNMATCHED_ROUTE);
    assert.equal(routeOf(t, 'POST', '/v1/a'), UNMATCHED_ROUTE);
    assert.equal(routeOf(t, 'PROPFIND', '/v1/a'), UNMATCHED_ROUTE);
    assert.equal(routeOf(t, 'NOT A METHOD', '/v1/a'), UNMATCHED_ROUTE);
    assert.equal(routeOf(t, '', '/v1/a'), UNMATCHED_ROUTE);
  });

  test('anything but an origin-form path is unmatched', () => {
    const t = table([
      ['a', 'GET', '/v1/a'],
      ['all', '*', '/*'],
    ]);
    for (const target of ['http://api.example/v1/a', '*', '', 'v1/a', 'api.example:443']) {
      assert.equal(routeOf(t, 'GET', target), UNMATCHED_ROUTE, target);
    }
  });
});

describe('path matching', () => {
  const rows: Row[] = [
    ['payments', 'GET', '/v1/payments'],
    ['payment', 'GET', '/v1/payments/{id}'],
    ['refunds', 'GET', '/v1/payments/{id}/refunds'],
  ];

  test('paths are case-sensitive (RFC 3986 6.2.2.1)', () => {
    const t = table(rows);
    assert.equal(routeOf(t, 'GET', '/V1/payments'), UNMATCHED_ROUTE);
    assert.equal(routeOf(t, 'GET', '/v1/Payments/p'), UNMATCHED_ROUTE);
    // Parameter values keep their case and still match.
    assert.equal(routeOf(t, 'GET', '/v1/payments/PAY_ABC'), 'payment');
  });

  test('a trailing slash is significant and never fills a parameter', () => {
    const t = table(rows);
    assert.equal(routeOf(t, 'GET', '/v1/payments/'), UNMATCHED_ROUTE);
    assert.equal(routeOf(t, 'GET', '/v1/payments/p/refunds/'), UNMATCHED_ROUTE);
    const slashed = table([['slashed', 'GET', '/v1/payments/']]);
    assert.equal(routeOf(slashed, 'GET', '/v1/payments/'), 'slashed');
    assert.equal(routeOf(slashed, 'GET', '/v1/payments'), UNMATCHED_ROUTE);
  });

  test('an empty segment never fills a parameter; it falls to the enclosing prefix', () => {
    const t = table(rows);
    assert.equal(routeOf(t, 'GET', '/v1/payments//refunds'), UNMATCHED_ROUTE);
    assert.equal(routeOf(t, 'GET', '/v1//payments'), UNMATCHED_ROUTE);
    assert.equal(routeOf(t, 'GET', '//v1/payments'), UNMATCHED_ROUTE);
    const withPrefix = table([...rows, ['v1', '*', '/v1/*']]);
    assert.equal(routeOf(withPrefix, 'GET', '/v1/payments/'), 'v1');
    assert.equal(routeOf(withPrefix, 'GET', '/v1/payments//refunds'), 'v1');
    assert.equal(routeOf(withPrefix, 'GET', '/v1//payments'), 'v1');
  });

  test('dot segments are unmatched, even under a prefix', () => {
    const t = table([...rows, ['v1', '*', '/v1/*']]);
    for (const path of [
      '/v1/payments/..',
      '/v1/payments/.',
      '/v1/./payments',
      '/v1/../admin',
      '/v1/%2e%2e/admin',
      '/v1/%2E./admin',
      '/v1/payments/%2e',
    ]) {
      assert.equal(routeOf(t, 'GET', path), UNMATCHED_ROUTE, path);
    }
    // Dots inside a segment are ordinary characters.
    assert.equal(routeOf(t, 'GET', '/v1/payments/pay.1'), 'payment');
    assert.equal(routeOf(t, 'GET', '/v1/payments/...'), 'payment');
  });

  test('percent-encoding: decoded before matching; an encoded "/" stays inside its segment', () => {
    const t = table(rows);
    // RFC 3986 2.3: percent-encoded unreserved characters are equivalent to the characters.
    assert.equal(routeOf(t, 'GET', '/v1/pay%6Dents'), 'payments');
    assert.equal(routeOf(t, 'GET', '/%76%31/payments/p%41y/refunds'), 'refunds');
    assert.equal(routeOf(t, 'GET', '/v1/payments/a%2Fb'), 'payment');
    assert.equal(routeOf(t, 'GET', '/v1/payments/a%2Fb/refunds'), 'refunds');
    assert.equal(routeOf(t, 'GET', '/v1/payments/caf%C3%A9'), 'payment');
  });

  test('malformed percent-encoding is unmatched, not an exception', () => {
    const t = table([...rows, ['all', '*', '/*']]);
    for (const path of ['/v1/payments/%zz', '/v1/payments/%', '/v1/payments/%E0%A4%A', '/v1/pay%ments']) {
      assert.doesNotThrow(() => t.lookup('GET', path));
      assert.equal(routeOf(t, 'GET', path), UNMATCHED_ROUTE, path);
    }
  });

  test('a template written with percent-escapes matches the decoded request', () => {
    const t = table([['cafe', 'GET', '/menu/caf%C3%A9/{item}']]);
    assert.equal(routeOf(t, 'GET', '/menu/caf%C3%A9/latte'), 'cafe');
    assert.equal(routeOf(t, 'GET', '/menu/caf%c3%a9/latte'), 'cafe');
  });

  test("a long id still matches: no silent unmatched at find-my-way's default of 100 characters", () => {
    const t = table(rows);
    for (const length of [101, 500, 1000]) {
      assert.equal(
        routeOf(t, 'GET', `/v1/payments/${'k'.repeat(length)}`),
        'payment',
        `${length} characters`,
      );
    }
    assert.equal(t.overlongSegments, 0);
  });

  test(`a parameter up to ${MAX_PARAM_LENGTH} characters matches; a longer one is counted`, () => {
    const t = table(rows);
    const long = 'x'.repeat(MAX_PARAM_LENGTH);
    assert.equal(routeOf(t, 'GET', `/v1/payments/${long}/refunds`), 'refunds');
    assert.equal(t.overlongSegments, 0);
    assert.equal(routeOf(t, 'GET', `/v1/payments/${long}y/refunds`), UNMATCHED_ROUTE);
    assert.equal(t.overlongSegments, 1);
    // A prefix still takes it: only a request nothing else matches is counted.
    const withPrefix = table([...rows, ['v1', '*', '/v1/*']]);
    assert.equal(routeOf(withPrefix, 'GET', `/v1/payments/${long}y`), 'v1');
    assert.equal(withPrefix.overlongSegments, 0);
  });

  test('very long paths', () => {
    const t = table([...rows, ['v1', '*', '/v1/*']]);
    const deep = `/v1/payments/p${'/seg'.repeat(20_000)}`;
    assert.equal(routeOf(t, 'GET', deep), 'v1');
    assert.equal(routeOf(t, 'GET', `/${'a'.repeat(200_000)}`), UNMATCHED_ROUTE);
  });

  test('a parameter sharing its segment with literal text', () => {
    const t = table([
      ['pdf', 'GET', '/files/{name}.pdf'],
      ['file', 'GET', '/files/{name}'],
      ['cancel', 'POST', '/v1/operations/{name}:cancel'],
      ['account', 'GET', '/v1/acct_{id}'],
      ['other', 'GET', '/v1/{id}'],
    ]);
    assert.equal(routeOf(t, 'GET', '/files/report.pdf'), 'pdf');
    assert.equal(routeOf(t, 'GET', '/files/report.csv'), 'file');
    assert.equal(routeOf(t, 'GET', '/files/.pdf'), 'file');
    assert.equal(routeOf(t, 'POST', '/v1/operations/op-1:cancel'), 'cancel');
    assert.equal(routeOf(t, 'POST', '/v1/operations/op-1'), UNMATCHED_ROUTE);
    assert.equal(routeOf(t, 'GET', '/v1/acct_123'), 'account');
    // `acct_` alone is not an account with an empty id.
    assert.equal(routeOf(t, 'GET', '/v1/acct_'), 'other');
  });
});

describe('invalid route tables', () => {
  function problems(rows: readonly Row[]): string[] {
    try {
      table(rows);
    } catch (err) {
      assert.ok(err instanceof ConfigErrors, String(err));
      return err.errors.map((e) => `${e.keyPath}: ${e.problem}`);
    }
    assert.fail('the table was accepted');
  }

  test('every problem is reported at once, with its key path', () => {
    const found = problems([
      ['ok', 'GET', '/ok'],
      ['star-inside', 'GET', '/a/*/b'],
      ['unclosed', 'GET', '/a/{id'],
      ['relative', 'GET', 'a/b'],
      ['two-params', 'GET', '/a/{x}{y}'],
      ['bad-escape', 'GET', '/a/%2Fb'],
      ['query', 'GET', '/a?b=1'],
      ['space', 'GET', '/a b'],
      [UNMATCHED_ROUTE, 'GET', '/u'],
      ['no-method', [], '/n'],
      ['bad-method', 'GE T', '/m'],
    ]);
    assert.deepEqual(
      found.map((p) => p.slice(0, p.indexOf(':'))),
      [
        'routes[1].path',
        'routes[2].path',
        'routes[3].path',
        'routes[4].path',
        'routes[5].path',
        'routes[6].path',
        'routes[7].path',
        'routes[8].name',
        'routes[9].method',
        'routes[10].method',
      ],
    );
  });

  test('two "*" routes, or two routes naming the same method, on one path', () => {
    assert.equal(
      problems([
        ['a', '*', '/x/*'],
        ['b', '*', '/x/*'],
      ]).length,
      1,
    );
    assert.equal(
      problems([
        ['a', ['GET', 'POST'], '/x'],
        ['b', ['PUT', 'POST'], '/x'],
      ]).length,
      1,
    );
  });

  test('an index that does not match the position', () => {
    assert.throws(() => new RouteTable([route(1, ['a', 'GET', '/a'])]), ConfigErrors);
  });
});
