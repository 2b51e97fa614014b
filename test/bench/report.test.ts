/**
 * The bench judges CPU targets on paired rounds: each round measures every peer back to
 * back, so the ratio of one round's figures does not carry the VM's drift between rounds.
 * Figures below are made up and worked by hand.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PeerId } from '../../bench/peers.js';
import { cpuRatio, type PeerOutcome, pairedRatios } from '../../bench/report.js';

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
  assert.deepEqual(pairedRatios([60, 70, 90], [50, Number.NaN, 60]), [1.2, 1.5]);
});

test('a drifting machine: the per-round median decides, not the ratio of medians', () => {
  // The machine slows down from round to round. sloprobe: 40, 60, 80 µs (median 60);
  // the floor, measured just before it in each round: 36, 50, 70 (median 50).
  // Ratio of medians: 60 / 50 = 1.20. Per round: 40/36 = 1.111, 60/50 = 1.2, 80/70 = 1.143;
  // their median is 1.143, under the 1.15 goal.
  const outcomes = [outcome('sloprobe', [40, 60, 80]), outcome('lean-floor', [36, 50, 70])];
  const v = cpuRatio('smallest GET', outcomes, 'sloprobe', 'lean-floor', 1.15);
  assert.equal(v.value, '1.14');
  assert.equal(v.result, 'PASS');
  assert.match(v.note, /60\.0 vs 50\.0 µs\/req \(ratio of medians 1\.20, rounds 1\.11–1\.20\)/);
});

test('a strict goal fails at equality, and no CPU figure gives n/a', () => {
  const even = [outcome('sloprobe', [50, 50, 50]), outcome('caddy', [50, 50, 50])];
  assert.equal(cpuRatio('vs Caddy', even, 'sloprobe', 'caddy', 1, true).result, 'MISS');
  const none = [outcome('sloprobe', [50]), outcome('caddy', [Number.NaN])];
  assert.equal(cpuRatio('vs Caddy', none, 'sloprobe', 'caddy', 1, true).result, 'n/a');
});
