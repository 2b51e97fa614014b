import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { runV8Flags } from '../../src/cli/v8-flags.js';

test('run compiles WebAssembly with Liftoff only, unless node was given a Liftoff or wasm flag', () => {
  assert.deepEqual(runV8Flags([]), ['--liftoff-only']);
  // The image's NODE_OPTIONS do not reach execArgv; a heap flag on the command line changes nothing.
  assert.deepEqual(runV8Flags(['--max-semi-space-size=2']), ['--liftoff-only']);
  assert.deepEqual(runV8Flags(['--liftoff']), []);
  assert.deepEqual(runV8Flags(['--no-wasm-loop-unrolling', '--max-semi-space-size=2']), []);
});

test('the startup collection shrinks a young generation grown to its maximum (V8 13 and later), and leaves no gc behind', () => {
  // A child of its own: the test runner's heap is not ours to measure. It grows the young
  // generation to V8's default maximum (16 MiB per semi-space, 32 in all on 64-bit
  // machines) by keeping young objects alive across scavenges, then releases them.
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    import { runInNewContext } from 'node:vm';
    import { releaseStartupMemory } from ${JSON.stringify(new URL('../../src/cli/v8-flags.js', import.meta.url).href)};
    const newSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
    let keep = [];
    for (let i = 0; i < 2e6; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 2e5) keep = []; }
    keep = null;
    const before = newSpace();
    releaseStartupMemory();
    const after = newSpace();
    console.log(JSON.stringify({ before, after, v8: process.versions.v8, gcHere: typeof globalThis.gc, gcElsewhere: runInNewContext('typeof gc') }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as {
    before: number;
    after: number;
    v8: string;
    gcHere: string;
    gcElsewhere: string;
  };
  const MiB = 1024 * 1024;
  assert.ok(out.before >= 16 * MiB, `the young generation grew to ${out.before / MiB} MiB only`);
  if (Number(out.v8.split('.')[0]) >= 13) {
    assert.ok(out.after <= 2 * MiB, `young generation ${out.after / MiB} MiB after the collection`);
  } else {
    // V8 11 (Node 20) runs an ordinary full collection: nothing shrinks, nothing breaks.
    assert.ok(out.after <= out.before);
  }
  assert.equal(out.gcHere, 'undefined');
  assert.equal(out.gcElsewhere, 'undefined');
});
