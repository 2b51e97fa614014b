import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as turn } from 'node:timers/promises';
import { SlicedJob } from '../../src/slo/sliced.js';

/** A job of `n` steps that logs each step into `log`. */
function* steps(name: string, n: number, log: string[]): Generator<void, void, void> {
  for (let i = 0; i < n; i++) {
    log.push(`${name}${i}`);
    yield;
  }
}

describe('sliced periodic work', () => {
  it('runs a job in slices with the event loop served in between', async () => {
    const log: string[] = [];
    // A slice budget of 0 ms: one step per slice, so the interleaving is exact.
    const job = new SlicedJob(() => assert.fail('no step throws'), 0);
    job.start(steps('a', 3, log));
    assert.equal(log.length, 0, 'nothing runs inside start()');
    setImmediate(() => log.push('request'));
    while (job.running) await turn();
    // The callback queued after start ran between the job's first and second slices.
    assert.deepEqual(log, ['a0', 'request', 'a1', 'a2']);
  });

  it('finishes what is left at once when asked (a direct tick, shutdown)', () => {
    const log: string[] = [];
    const job = new SlicedJob(() => assert.fail('no step throws'), 0);
    job.start(steps('a', 4, log));
    job.finish();
    assert.deepEqual(log, ['a0', 'a1', 'a2', 'a3']);
    assert.equal(job.running, false);
  });

  it('finishes the job under way before starting the next one, so their steps never mix', async () => {
    const log: string[] = [];
    const job = new SlicedJob(() => assert.fail('no step throws'), 0);
    job.start(steps('a', 3, log));
    await turn();
    job.start(steps('b', 2, log));
    while (job.running) await turn();
    assert.deepEqual(log, ['a0', 'a1', 'a2', 'b0', 'b1']);
  });

  it('reports a step that throws once, drops the rest of that job and runs the next', async () => {
    const errors: unknown[] = [];
    const log: string[] = [];
    const job = new SlicedJob((err) => errors.push(err), 0);
    job.start(
      (function* () {
        log.push('x0');
        yield;
        throw new Error('store locked');
      })(),
    );
    while (job.running) await turn();
    job.start(steps('b', 1, log));
    while (job.running) await turn();
    assert.deepEqual(log, ['x0', 'b0']);
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]), /store locked/);
  });
});
