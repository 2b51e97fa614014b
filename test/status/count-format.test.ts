import assert from 'node:assert/strict';
import { test } from 'node:test';

test('loading the sidecar and its renderers creates no Intl object; the first count does', async () => {
  // This file runs in its own process: count the formatters created from here on.
  let created = 0;
  const original = Intl.NumberFormat;
  Intl.NumberFormat = new Proxy(original, {
    construct(target, args) {
      created++;
      return Reflect.construct(target, args);
    },
  });
  try {
    await import('../../src/sidecar.js');
    await import('../../src/status/page.js');
    await import('../../src/status/report-html.js');
    const { formatCount } = await import('../../src/slo/count-format.js');
    assert.equal(created, 0, 'a module creates an Intl formatter when it loads');
    assert.equal(formatCount(1234567), '1,234,567');
    assert.equal(formatCount(42), '42');
    assert.equal(created, 1);
  } finally {
    Intl.NumberFormat = original;
  }
});
