/**
 * Payment methods on routes and categories, `downtime:` and the admin token: what loads,
 * and what is refused with file:line:column and what to do (positions computed from each
 * case's YAML text, never copied from the output).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { routeTableJson } from '../../src/config/route-table-json.js';
import { ConfigErrors } from '../../src/errors.js';
import { planMethods } from '../../src/payments/method-series.js';
import { RouteTable } from '../../src/routing/route-table.js';

const FILE = 'config/pay.yaml';
const HEAD = `upstream: http://127.0.0.1:9000
classes:
  critical: { availability: 99.5% }
categories:
  payments:
    class: critical
    payment_method: { header: X-Payment-Method, values: [card, fpx] }
`;

function at(text: string, needle: string): string {
  const index = text.indexOf(needle);
  assert.ok(index >= 0, `"${needle}" is not in the test YAML`);
  const before = text.slice(0, index);
  return `${before.split('\n').length}:${index - (before.lastIndexOf('\n') + 1) + 1}`;
}

function problems(text: string): string[] {
  try {
    parseConfig(text, FILE);
  } catch (err) {
    assert.ok(err instanceof ConfigErrors, String(err));
    assert.equal(err.exitCode, 2);
    return err.errors.map((e) => e.message);
  }
  assert.fail('expected the config to be refused');
}

describe('payment methods', () => {
  test('a category reads the method per request; a route overrides it with a static method and instrument', () => {
    const text = `${HEAD}routes:
  - { name: pay, method: POST, path: /v1/payments, category: payments }
  - name: visa
    method: POST
    path: /v1/cards
    category: payments
    payment_method: card
    instrument: { network: VISA, card_type: credit, issuer: { query: issuer, values: [HSBC, MAYB] } }
`;
    const c = parseConfig(text, FILE);
    const pay = c.routes.find((r) => r.name === 'pay')!;
    assert.deepEqual(pay.payment?.methodFrom, {
      source: 'header',
      name: 'x-payment-method',
      values: ['card', 'fpx'],
    });
    const visa = c.routes.find((r) => r.name === 'visa')!;
    assert.equal(visa.payment?.method, 'card');
    assert.deepEqual(visa.payment?.instrument, { network: 'VISA', card_type: 'credit' });
    assert.deepEqual(visa.payment?.instrumentFrom, {
      field: 'issuer',
      selector: { source: 'query', name: 'issuer', values: ['HSBC', 'MAYB'] },
    });
    // What `check --json` and GET /v1/routes show.
    assert.deepEqual(routeTableJson(c)[1]!.payment_method, {
      method: 'card',
      read_from: null,
      instrument: { network: 'VISA', card_type: 'credit' },
      instrument_read_from: { field: 'issuer', query: 'issuer', values: ['HSBC', 'MAYB'] },
    });
    // Series: pay -> card, fpx, other (3); visa -> HSBC, MAYB, other (3); unmatched -> none.
    const plan = planMethods(new RouteTable(c.routes).routes);
    assert.deepEqual(
      plan.series.map((s) => s.name),
      [
        'method:card',
        'method:fpx',
        'method:other',
        'method:card/card_type=credit,issuer=HSBC,network=VISA',
        'method:card/card_type=credit,issuer=MAYB,network=VISA',
        'method:card/card_type=credit,issuer=other,network=VISA',
      ],
    );
    assert.deepEqual([...plan.seriesOf[0]!], [0, 1, 2]);
    assert.deepEqual([...plan.seriesOf[1]!], [3, 4, 5]);
    assert.equal(plan.seriesOf[2]!.length, 0, 'unmatched has no method');
    // The strictest objective of the routes counted under a series: 99.5%.
    assert.equal(plan.series[0]!.availability, 0.995);
    // Defaults of downtime: (docs/sla-definitions.md#downtime-detection).
    assert.deepEqual(c.downtime, {
      startAfterMinutes: 3,
      quietMs: 300_000,
      highErrorRatio: 0.5,
      retentionMs: 30 * 86_400_000,
    });
  });

  test('"other" in a list, two values read per request, an instrument without a method: refused where they are', () => {
    const other = `${HEAD.replace('values: [card, fpx]', 'values: [card, other]')}routes: []\n`;
    const [m1] = problems(other);
    assert.ok(m1!.startsWith(`${FILE}:${at(other, 'other]')}: `), m1);
    assert.match(m1!, /"other" is what every value outside the list counts as; remove it/);

    const both = `${HEAD}routes:
  - name: pay
    method: POST
    path: /v1/payments
    category: payments
    instrument: { bank: { header: x-bank, values: [MB2U] } }
`;
    const [m2] = problems(both);
    assert.ok(m2!.startsWith(`${FILE}:${at(both, '{ header: x-bank')}: `), m2);
    assert.match(m2!, /read either the method or one instrument field, not both/);

    const noMethod = `upstream: http://127.0.0.1:9000
classes: { critical: { availability: 99% } }
categories: { payments: { class: critical } }
routes:
  - { name: pay, method: POST, path: /v1/p, category: payments, instrument: { network: VISA } }
`;
    const [m3] = problems(noMethod);
    assert.ok(m3!.startsWith(`${FILE}:${at(noMethod, 'instrument:')}: `), m3);
    assert.match(m3!, /add payment_method \(e\.g\. card\)/);
  });

  test('schema-level mistakes name the key and what a valid value is', () => {
    const bad = `${HEAD}routes:
  - { name: pay, method: POST, path: /v1/p, category: payments, payment_method: Credit Card }
`;
    const [m1] = problems(bad);
    assert.ok(m1!.startsWith(`${FILE}:${at(bad, 'Credit Card')}: `), m1);
    assert.match(m1!, /payment method of lower-case letters/);

    const typo = `${HEAD}routes:
  - { name: pay, method: POST, path: /v1/p, category: payments, payment_method: card, instrument: { netwrok: VISA } }
`;
    const [m2] = problems(typo);
    assert.match(m2!, /did you mean "network"/);

    const card = `${HEAD}routes:
  - { name: pay, method: POST, path: /v1/p, category: payments, payment_method: card, instrument: { card_type: gold } }
`;
    const [m3] = problems(card);
    assert.ok(m3!.startsWith(`${FILE}:${at(card, 'gold')}: `), m3);
    assert.match(m3!, /card_type is one of credit, debit, prepaid/);
  });
});

describe('downtime: and admin:', () => {
  test('downtime values and the long admin form load', () => {
    const c = parseConfig(
      `${HEAD}admin: { listen: 127.0.0.1:9465, token: a-token-of-16-chars }
downtime: { start_after: 2, quiet: 10m, high_error_ratio: 40%, retention: 7d }
routes: []
`,
      FILE,
    );
    assert.deepEqual(c.admin, { host: '127.0.0.1', port: 9465 });
    assert.equal(c.adminToken, 'a-token-of-16-chars');
    assert.deepEqual(c.downtime, {
      startAfterMinutes: 2,
      quietMs: 600_000,
      highErrorRatio: 0.4,
      retentionMs: 7 * 86_400_000,
    });
  });

  test('a short token, a zero quiet time, a bad listen in the long form: positioned', () => {
    const text = `${HEAD}admin: { listen: "nope", token: short }
downtime: { quiet: 0s, start_after: 0 }
routes: []
`;
    const all = problems(text).join('\n');
    assert.ok(all.includes(`${FILE}:${at(text, 'short')}: admin.token`), all);
    assert.ok(all.includes(`${FILE}:${at(text, '"nope"')}: admin.listen`), all);
    assert.ok(all.includes(`${FILE}:${at(text, '0s')}: downtime.quiet`), all);
    assert.ok(all.includes(`${FILE}:${at(text, '0 }')}: downtime.start_after`), all);
  });

  test('a window may name payment methods instead of routes; an instrument needs methods', () => {
    const win = (extra: string) => `${HEAD}routes: []
maintenance:
  windows:
    - id: w1
      start: 2026-03-01T02:00:00Z
      end: 2026-03-01T03:00:00Z
      announced_at: 2026-02-20T00:00:00Z
${extra}`;
    const c = parseConfig(win('      methods: [fpx]\n      instrument: { bank: MB2U }\n'), FILE);
    assert.deepEqual(c.maintenance[0]!.methods, ['fpx']);
    assert.deepEqual(c.maintenance[0]!.instrument, { bank: 'MB2U' });
    const text = win('      all: true\n      instrument: { bank: MB2U }\n');
    const [m] = problems(text);
    assert.ok(m!.startsWith(`${FILE}:${at(text, 'instrument:')}: `), m);
    assert.match(m!, /add methods: \[card\]/);
  });
});
