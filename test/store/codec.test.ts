import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mulberry32 } from '../../src/demo/random.js';
import { decodeCounts, encodeCounts } from '../../src/store/codec.js';

test('counts survive encode/decode, from 0 to beyond 2^32', () => {
  const rng = mulberry32(7);
  for (let n = 0; n < 500; n++) {
    const len = Math.floor(rng() * 40);
    const values = Array.from({ length: len }, () => {
      const r = rng();
      if (r < 0.4) return 0;
      if (r < 0.8) return Math.floor(rng() * 1000);
      return Math.floor(rng() * 2 ** 45);
    });
    assert.deepEqual(decodeCounts(encodeCounts(values)), values);
  }
});

test('a zero takes one character and small counts stay small', () => {
  assert.equal(encodeCounts([0, 0, 0]).length, 3);
  assert.equal(encodeCounts([31]).length, 1);
  assert.equal(encodeCounts([1023]).length, 2);
});

test('negative, fractional or non-finite counts are stored as their floor or 0, never as garbage', () => {
  assert.deepEqual(decodeCounts(encodeCounts([-5, 2.7, Number.NaN, Number.POSITIVE_INFINITY])), [0, 2, 0, 0]);
});

test('text that is not in the alphabet decodes to undefined', () => {
  assert.equal(decodeCounts('[1,2]'), undefined);
  assert.deepEqual(decodeCounts(''), []);
});
