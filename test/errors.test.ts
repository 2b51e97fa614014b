/**
 * STYLE.md: "a test lists every code". Error codes are part of the interface: callers
 * branch on them, so a renamed code is a breaking change this test makes visible.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, ConfigErrors, ErrorCodes, StoreError, UsageError } from '../src/errors.js';

test('every error code, stable and prefixed SLOPROBE_ERR_', () => {
  assert.deepEqual(Object.values(ErrorCodes).sort(), [
    'SLOPROBE_ERR_CONFIG',
    'SLOPROBE_ERR_CONFIG_READ',
    'SLOPROBE_ERR_DOWNTIME_INPUT',
    'SLOPROBE_ERR_IMPORT_INPUT',
    'SLOPROBE_ERR_LISTEN',
    'SLOPROBE_ERR_PROMETHEUS',
    'SLOPROBE_ERR_REPLAY_INPUT',
    'SLOPROBE_ERR_STORE',
    'SLOPROBE_ERR_UNHEALTHY',
    'SLOPROBE_ERR_UPSTREAM',
    'SLOPROBE_ERR_USAGE',
  ]);
});

test('bad input exits 2, runtime failures 1', () => {
  assert.equal(new UsageError('x').exitCode, 2);
  assert.equal(new ConfigErrors([new ConfigError('bad', 'a.b')]).exitCode, 2);
  assert.equal(new StoreError('x').exitCode, 1);
});

test('a config error names file:line:column, then the key, then the problem', () => {
  const e = new ConfigError('"200" is not a duration (try "200ms")', 'routes[3].latency.p99', {
    file: 'config/klarna.yaml',
    line: 14,
    column: 7,
  });
  assert.equal(
    e.message,
    'config/klarna.yaml:14:7: routes[3].latency.p99: "200" is not a duration (try "200ms")',
  );
});
