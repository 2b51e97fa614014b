import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CounterMap } from '../../src/telemetry/counter-map.js';
import { decodeRequestKey, methodId, requestKey, statusCode } from '../../src/telemetry/labels.js';

describe('CounterMap', () => {
  it('counts every key exactly, through several growths', () => {
    const m = new CounterMap(8);
    const expected = new Map<number, number>();
    let seed = 7;
    for (let i = 0; i < 50_000; i++) {
      seed = (seed * 48271) % 2147483647;
      const key = seed % 3000;
      m.increment(key);
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
    assert.equal(m.size, expected.size);
    for (const [k, v] of expected) assert.equal(m.get(k), v);
    assert.equal(m.get(99_999), 0);
  });

  it('iterates in ascending key order', () => {
    const m = new CounterMap();
    for (const k of [900, 3, 450, 3, 17]) m.increment(k);
    const seen: Array<[number, number]> = [];
    m.forEach((k, c) => {
      seen.push([k, c]);
    });
    assert.deepEqual(seen, [
      [3, 2],
      [17, 1],
      [450, 1],
      [900, 1],
    ]);
  });
});

describe('request keys', () => {
  it('round-trip (method, code, outcome) for every method id, status and outcome', () => {
    for (let method = 0; method < 10; method++) {
      for (const code of [0, 100, 200, 404, 500, 504, 999]) {
        for (let outcome = 0; outcome < 3; outcome++) {
          assert.deepEqual(decodeRequestKey(requestKey(method, code, outcome)), { method, code, outcome });
        }
      }
    }
  });

  it('fold methods outside the standard set into OTHER, so clients cannot mint label values', () => {
    assert.equal(methodId('GET'), 1);
    assert.equal(methodId('PATCH'), 6);
    assert.equal(methodId('PROPFIND'), 0);
    assert.equal(methodId('get'), 0);
    assert.equal(methodId('X'.repeat(100)), 0);
  });

  it('code label: the 3-digit status, 0 when nothing valid was sent', () => {
    assert.equal(statusCode(200), 200);
    assert.equal(statusCode(0), 0);
    assert.equal(statusCode(99), 0);
    assert.equal(statusCode(1000), 0);
    assert.equal(statusCode(Number.NaN), 0);
  });
});
