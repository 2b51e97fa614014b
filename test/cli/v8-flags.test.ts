import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runV8Flags } from '../../src/cli/v8-flags.js';

test('run compiles WebAssembly with Liftoff only, unless node was given a Liftoff or wasm flag', () => {
  assert.deepEqual(runV8Flags([]), ['--liftoff-only']);
  // The image's NODE_OPTIONS do not reach execArgv; a heap flag on the command line changes nothing.
  assert.deepEqual(runV8Flags(['--max-semi-space-size=2']), ['--liftoff-only']);
  assert.deepEqual(runV8Flags(['--liftoff']), []);
  assert.deepEqual(runV8Flags(['--no-wasm-loop-unrolling', '--max-semi-space-size=2']), []);
});
