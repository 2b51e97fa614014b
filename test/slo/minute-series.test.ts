import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
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

test('a series that never sees a value holds no cells; the first value allocates them and clear frees them', () => {
  // A month of minutes: 44,640 = 1,395 blocks of 32. Empty: no cells, no blocks, no tree.
  const s = new MinuteSeries(44_640);
  assert.equal(s.bytes, 0);
  s.set(100, 0);
  assert.equal(s.bytes, 0, 'a zero is what an empty series already holds');
  assert.equal(s.sum(0, 44_639), 0);
  assert.equal(s.get(100), 0);
  assert.equal(s.blockSum(100), 0);
  s.add(100, 3);
  s.add(131, 4);
  // 44,640 one-byte cells + 1,395 float64 blocks + 1,396 float64 tree nodes.
  assert.equal(s.bytes, 44_640 + 1_395 * 8 + 1_396 * 8);
  assert.equal(s.sum(0, 44_639), 7);
  assert.equal(s.sum(101, 131), 4);
  s.clear();
  assert.equal(s.bytes, 0);
  assert.equal(s.sum(0, 44_639), 0);
});
