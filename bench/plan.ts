/**
 * Decisions taken once before a run: where the repo is, which cores each side gets,
 * which load generator drives the peers and which peers run.
 */

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { autocannonDriver, type LoadDriver, wrkDriver } from './load.js';
import { type Machine, which } from './machine.js';
import type { BenchOptions } from './options.js';
import { PEER_IDS, type PeerId } from './peers.js';
import type { Supervisor } from './procs.js';
import type { RequestMix } from './request-mix.js';

/** The repository root: from the compiled bench upwards, else from the working directory. */
export function findRoot(here: string): string {
  for (const start of [here, process.cwd()]) {
    let dir = start;
    for (let i = 0; i < 6; i++) {
      const pkg = join(dir, 'package.json');
      if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'sloprobe')
        return dir;
      dir = dirname(dir);
    }
  }
  return process.cwd();
}

export interface CpuPlan {
  readonly load: string | undefined;
  readonly upstream: string | undefined;
  readonly proxy: string | undefined;
  readonly description: string;
}

/**
 * On a small machine the load generator, the upstream and the peer compete for the same
 * cores, and the scheduler's choices become noise. Pinning gives every peer the same
 * single core (nginx runs one worker; Node's main thread, GC helpers and libuv pool share
 * that core too, as in a sidecar with a 1-CPU limit) and keeps the load side off it.
 */
export function planCpus(opts: BenchOptions, m: Machine): CpuPlan {
  if (!opts.pin)
    return { load: undefined, upstream: undefined, proxy: undefined, description: 'not pinned (--no-pin)' };
  if (!m.taskset)
    return { load: undefined, upstream: undefined, proxy: undefined, description: 'not pinned (no taskset)' };
  if (m.cores >= 4) {
    return {
      load: '0',
      upstream: '1',
      proxy: '2',
      description: 'load generator on core 0, upstream on core 1, peer on core 2',
    };
  }
  if (m.cores >= 2) {
    return {
      load: '0',
      upstream: '0',
      proxy: '1',
      description: 'load generator and upstream share core 0; the peer under test has core 1 to itself',
    };
  }
  return { load: undefined, upstream: undefined, proxy: undefined, description: 'not pinned (one core)' };
}

export function pickDriver(
  opts: BenchOptions,
  sup: Supervisor,
  mix: RequestMix,
  tmpDir: string,
  here: string,
): LoadDriver {
  const wrk = opts.load === 'autocannon' ? undefined : which('wrk');
  if (wrk) return wrkDriver(sup, wrk, mix, tmpDir);
  if (opts.load === 'wrk') console.log('wrk: not on PATH, using autocannon instead');
  return autocannonDriver(sup, join(here, 'peers', 'autocannon.js'), mix);
}

export function selectedPeers(opts: BenchOptions): PeerId[] {
  if (opts.peers.length === 0) return [...PEER_IDS];
  for (const p of opts.peers) {
    if (!(PEER_IDS as readonly string[]).includes(p))
      throw new Error(`unknown peer "${p}" (one of ${PEER_IDS.join(', ')})`);
  }
  return PEER_IDS.filter((p) => opts.peers.includes(p));
}
