import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mulberry32 } from '../../src/demo/random.js';
import { BLOCK_MINUTES, MinuteSeries } from '../../src/slo/minute-series.js';

const rng = mulberry32;

describe('MinuteSeries', () => {
  it('sums any range like a plain array would, across the ring wrap and after widening', () => {
    const capacity = BLOCK_MINUTES * 10;
    const s = new MinuteSeries(capacity);
    const base = 28_000_000; // an epoch minute in 2023, not block-aligned to the ring start
    const model = new Map<number, number>();
    const rand = rng(42);
    for (let step = 0; step < 3000; step++) {
      const m = base + Math.floor(rand() * capacity);
      // Mostly small values; now and then one that forces 16- and 32-bit cells.
      const r = rand();
      const v = r < 0.01 ? 5_000_000 : r < 0.05 ? 70_000 : r < 0.1 ? 300 : Math.floor(rand() * 200);
      if (rand() < 0.5) {
        s.set(m, v);
        model.set(m, v);
      } else {
        s.add(m, v);
        model.set(m, (model.get(m) ?? 0) + v);
      }
      if (step % 10 === 0) {
        const a = base + Math.floor(rand() * capacity);
        const b = Math.min(base + capacity - 1, a + Math.floor(rand() * capacity));
        let expected = 0;
        for (let x = a; x <= b; x++) expected += model.get(x) ?? 0;
        assert.equal(s.sum(a, b), expected, `sum(${a}, ${b}) at step ${step}`);
      }
    }
    for (const [m, v] of model) assert.equal(s.get(m), v);
  });

  it('an empty range sums to 0 and clear() forgets everything', () => {
    const s = new MinuteSeries(BLOCK_MINUTES * 2);
    s.set(100, 7);
    assert.equal(s.sum(101, 100), 0);
    assert.equal(s.sum(100, 100), 7);
    s.clear();
    assert.equal(s.sum(64, 127), 0);
  });

  it('refuses a capacity that is not whole blocks', () => {
    assert.throws(() => new MinuteSeries(BLOCK_MINUTES + 1), RangeError);
  });
});
