import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRouteTemplate, type RouteTemplate } from '../../src/routing/path-template.js';

function ok(path: string): RouteTemplate {
  const result = parseRouteTemplate(path);
  assert.ok(result.ok, result.ok ? '' : result.problem);
  return result.template;
}

function problem(path: unknown): string {
  const result = parseRouteTemplate(path);
  assert.ok(!result.ok, `${String(path)} was accepted`);
  return result.problem;
}

test('parameter names are kept for display but do not make a different route shape', () => {
  const a = ok('/orders/{order_id}/captures/{capture_id}');
  const b = ok('/orders/{id}/captures/{captureId}');
  assert.deepEqual(a.params, ['order_id', 'capture_id']);
  assert.deepEqual(b.params, ['id', 'captureId']);
  assert.equal(a.source, '/orders/{order_id}/captures/{capture_id}');
  assert.equal(a.shape, b.shape);
  assert.equal(a.pattern, b.pattern);
  assert.notEqual(
    ok('/orders/{id}').shape,
    ok('/orders/{id}/').shape,
    'a trailing slash is part of the path',
  );
  assert.notEqual(ok('/orders/{id}').shape, ok('/orders/{id}.pdf').shape);
});

test('prefixes: "/x/*" and the catch-all "/*"', () => {
  const om = ok('/ordermanagement/*');
  assert.equal(om.prefix, true);
  assert.notEqual(om.shape, ok('/ordermanagement').shape);
  assert.equal(ok('/*').prefix, true);
  assert.equal(ok('/ordermanagement').prefix, false);
  assert.equal(ok('/').prefix, false);
});

test('refusals say what to write instead', () => {
  assert.match(problem('/a/*/b'), /\/ordermanagement\/\*/);
  assert.match(problem('/a*'), /last segment/);
  assert.match(problem('orders'), /must start with "\/"/);
  assert.match(problem('/orders?x=1'), /query/);
  assert.match(problem('/orders//x'), /empty segment/);
  assert.match(problem('/orders/../x'), /dot segment/);
  assert.match(problem('/orders/{id'), /unclosed/);
  assert.match(problem('/orders/id}'), /unmatched/);
  assert.match(problem('/orders/{}'), /empty or nested/);
  assert.match(problem('/orders/{a}-{b}'), /one parameter per path segment/);
  assert.match(problem('/a%2Fb'), /percent-escape/);
  assert.match(problem('/a%zz'), /percent-escape/);
  assert.match(problem('/a b'), /not allowed/);
});

test('never throws, whatever it is given', () => {
  for (const value of [undefined, null, 42, {}, [], '', '/', '{', '}', '/{', '/%', '/%E0%A4%A', '/\u0000']) {
    assert.doesNotThrow(() => parseRouteTemplate(value));
  }
});
