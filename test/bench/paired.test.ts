/**
 * The peers measured together (bench/paired.ts): which pairs a user can ask for, and how a
 * CPU target is judged once they were. Figures are made up, worked by hand.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_PAIRS, halfConnections, type PairedOutcome, parsePairs } from '../../bench/paired.js';
import type { PeerId } from '../../bench/peers.js';
import type { PeerOutcome } from '../../bench/report.js';
import { cpuRatio } from '../../bench/verdicts.js';

function outcome(id: PeerId, cpu: number[]): PeerOutcome {
  return {
    id,
    unavailable: undefined,
    runs: cpu.map(() => ({ rps: 1000, p50Ms: 1, p99Ms: 2, errors: 0, cpuBusy: [50, 50] }) as never),
    idle: undefined,
    memory: [],
    cpuUsPerReq: cpu,
    peerCorePct: [],
    otherCpuPct: cpu.map(() => 0),
  };
}

function together(num: PeerId, den: PeerId, numUs: number[], denUs: number[]): PairedOutcome {
  return { num, den, unavailable: undefined, numUs, denUs, otherCpuPct: numUs.map(() => 0) };
}

test('pairs: the default set, "none", and a list of num/den', () => {
  assert.deepEqual(parsePairs(''), DEFAULT_PAIRS);
  assert.deepEqual(parsePairs('none'), []);
  assert.deepEqual(parsePairs('sloprobe/nginx, lean-floor/undici-floor'), [
    { num: 'sloprobe', den: 'nginx' },
    { num: 'lean-floor', den: 'undici-floor' },
  ]);
});

test('pairs: an unknown peer, a peer with itself, direct or three names are refused by name', () => {
  for (const bad of [
    'sloprobe/envoy',
    'caddy/caddy',
    'direct/sloprobe',
    'sloprobe/caddy/nginx',
    'sloprobe',
  ]) {
    assert.throws(
      () => parsePairs(bad),
      (err: Error) => err.message.includes(`"${bad}"`),
      bad,
    );
  }
});

test('two peers on one core share the connections: half each, never zero', () => {
  assert.equal(halfConnections(50), 25);
  assert.equal(halfConnections(5), 3); // 2.5 rounds to 3
  assert.equal(halfConnections(1), 1);
});

test('measured together, the verdict is the median of the rounds; the turns figure goes in the note', () => {
  // In turn: sloprobe 40, 60, 80 (median 60), the floor 36, 50, 70 (median 50): 1.20,
  // rounds 40/36 = 1.11, 60/50 = 1.20, 80/70 = 1.14.
  // Together: 55/50 = 1.10, 66/60 = 1.10, 72/60 = 1.20: median 1.10, within 1.15.
  const inTurn = [outcome('sloprobe', [40, 60, 80]), outcome('lean-floor', [36, 50, 70])];
  const pair = together('sloprobe', 'lean-floor', [55, 66, 72], [50, 60, 60]);
  const v = cpuRatio('smallest GET', inTurn, 'sloprobe', 'lean-floor', 1.15, false, pair);
  assert.equal(v.value, '1.10');
  assert.equal(v.result, 'PASS');
  assert.equal(v.note, 'together rounds 1.10–1.20; in turn 1.20 (60.0 vs 50.0 µs/req, rounds 1.11–1.20)');
});

test('a pair without a usable round leaves the verdict to the rounds taken in turn', () => {
  // Together gave no figure (NaN): in turn 60 / 50 = 1.20 decides, as without a pair.
  const inTurn = [outcome('sloprobe', [60]), outcome('lean-floor', [50])];
  const pair = together('sloprobe', 'lean-floor', [Number.NaN], [50]);
  const v = cpuRatio('smallest GET', inTurn, 'sloprobe', 'lean-floor', 1.15, false, pair);
  assert.equal(v.value, '1.20');
  assert.equal(v.note, '60.0 vs 50.0 µs/req');
});
