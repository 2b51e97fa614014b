/**
 * How the bench states a CPU ratio: the ratio of the two peers' medians over the rounds,
 * with the range of the rounds' own ratios beside it. Figures are made up, worked by hand.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PeerId } from '../../bench/peers.js';
import { type PeerOutcome, ratiosByRound } from '../../bench/report.js';
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

test('paired ratios: round by round, skipping rounds where either peer has no figure', () => {
  // 60/50 = 1.2, round 2 unmeasured for the floor, 90/60 = 1.5
  assert.deepEqual(ratiosByRound([60, 70, 90], [50, Number.NaN, 60]), [1.2, 1.5]);
});

test('the verdict is the ratio of medians; the note adds the range of the rounds', () => {
  // sloprobe 40, 60, 80 µs (median 60); the floor 36, 50, 70 (median 50): 60 / 50 = 1.20,
  // over the 1.15 goal. Rounds: 40/36 = 1.11, 60/50 = 1.20, 80/70 = 1.14.
  const outcomes = [outcome('sloprobe', [40, 60, 80]), outcome('lean-floor', [36, 50, 70])];
  const v = cpuRatio('smallest GET', outcomes, 'sloprobe', 'lean-floor', 1.15);
  assert.equal(v.value, '1.20');
  assert.equal(v.result, 'MISS');
  assert.equal(v.note, '60.0 vs 50.0 µs/req; rounds 1.11–1.20');
});

test('a round without a figure does not shift the others: medians of what was measured', () => {
  // sloprobe 50, NaN, 70 (median 60); the floor 40, 45, 50 (median 45): 60 / 45 = 1.33.
  // Rounds paired: 50/40 = 1.25 and 70/50 = 1.40.
  const outcomes = [outcome('sloprobe', [50, Number.NaN, 70]), outcome('lean-floor', [40, 45, 50])];
  const v = cpuRatio('smallest GET', outcomes, 'sloprobe', 'lean-floor', 1.15);
  assert.equal(v.value, '1.33');
  assert.equal(v.note, '60.0 vs 45.0 µs/req; rounds 1.25–1.40');
});

test('a strict goal fails at equality, and no CPU figure gives n/a', () => {
  const even = [outcome('sloprobe', [50, 50, 50]), outcome('caddy', [50, 50, 50])];
  assert.equal(cpuRatio('vs Caddy', even, 'sloprobe', 'caddy', 1, true).result, 'MISS');
  const none = [outcome('sloprobe', [50]), outcome('caddy', [Number.NaN])];
  assert.equal(cpuRatio('vs Caddy', none, 'sloprobe', 'caddy', 1, true).result, 'n/a');
});
