import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fanout } from '../../src/log/fanout.js';
import type { Observation, ObservationSink } from '../../src/telemetry/observation.js';
import { obs } from '../telemetry/fixtures.js';

class Collect implements ObservationSink {
  readonly seen: Observation[] = [];
  observe(o: Observation): void {
    this.seen.push(o);
  }
}

describe('fanout', () => {
  it('hands each observation to every sink, in order', () => {
    const a = new Collect();
    const b = new Collect();
    const sink = fanout([a, b]);
    const o = obs();
    sink.observe(o);
    assert.deepEqual(a.seen, [o]);
    assert.deepEqual(b.seen, [o]);
  });

  it('keeps going when a sink breaks its no-throw contract', () => {
    const b = new Collect();
    const sink = fanout([
      {
        observe() {
          throw new Error('broken sink');
        },
      },
      b,
    ]);
    assert.doesNotThrow(() => sink.observe(obs()));
    assert.equal(b.seen.length, 1);
  });

  it('returns the sink itself for one, and a no-op for none', () => {
    const a = new Collect();
    assert.equal(fanout([a]), a);
    assert.doesNotThrow(() => fanout([]).observe(obs()));
  });
});
