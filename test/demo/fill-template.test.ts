import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fillTemplate } from '../../src/demo/fill-template.js';
import { mulberry32 } from '../../src/demo/random.js';
import { ROUTES, templateMatches } from './routes.js';

const TEMPLATES = [
  ...ROUTES.map((r) => r.path),
  '/orders/{order_id}',
  '/v1/payments/{id}/refunds/{refund_id}',
  '/v1/payments/downtimes',
  '/*',
  '/checkout/v3/orders/{order_id}.json',
];

test('a filled template has no braces or "*" and is a path the template describes', () => {
  for (const template of TEMPLATES) {
    for (let seed = 1; seed <= 50; seed++) {
      const path = fillTemplate(template, mulberry32(seed));
      assert.doesNotMatch(path, /[{}*]/, `${template} -> ${path}`);
      assert.doesNotMatch(path, /\/\//, `${template} -> ${path} has an empty segment`);
      if (!template.includes('.json')) assert.ok(templateMatches(template, path), `${template} -> ${path}`);
    }
  }
});

test('a parameter becomes a URL-safe id and static text is kept', () => {
  const path = fillTemplate('/checkout/v3/orders/{order_id}.json', mulberry32(3));
  assert.match(path, /^\/checkout\/v3\/orders\/[A-Za-z0-9-]+\.json$/);
  const id = fillTemplate('/orders/{order_id}', mulberry32(3)).slice('/orders/'.length);
  assert.match(
    id,
    /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    'a UUID, as Klarna ids are',
  );
});

test('a prefix route gets a plausible API path behind it', () => {
  for (let seed = 1; seed <= 20; seed++) {
    assert.match(
      fillTemplate('/ordermanagement/*', mulberry32(seed)),
      /^\/ordermanagement\/v1\/orders\/[0-9a-f-]{36}/,
    );
    // The version already in the prefix is not repeated.
    assert.doesNotMatch(fillTemplate('/settlements/v1/*', mulberry32(seed)), /\/v1\/v1\//);
  }
});

test('the same seed gives the same path; different draws give different ids', () => {
  assert.equal(
    fillTemplate('/orders/{order_id}', mulberry32(9)),
    fillTemplate('/orders/{order_id}', mulberry32(9)),
  );
  const rng = mulberry32(9);
  const seen = new Set<string>();
  for (let i = 0; i < 100; i++) seen.add(fillTemplate('/orders/{order_id}', rng));
  assert.equal(seen.size, 100);
});
