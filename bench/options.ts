/**
 * Command-line flags and BENCH_* environment variables for `npm run bench`.
 * Flags win over the environment; `--quick` only changes what was not set explicitly.
 */

import { type Pair, parsePairs } from './paired.js';

export type LoadTool = 'auto' | 'wrk' | 'autocannon';
export type UpstreamKind = 'auto' | 'nginx' | 'node';

export interface BenchOptions {
  /** Seconds of measured load per peer per round. */
  readonly duration: number;
  /** Seconds of unmeasured load per peer before the first round (JIT, pools, caches). */
  readonly warmup: number;
  readonly connections: number;
  readonly rounds: number;
  readonly load: LoadTool;
  readonly upstream: UpstreamKind;
  /** Pin the load side and the proxy under test to different cores with taskset. */
  readonly pin: boolean;
  /** Peer ids to run; empty means all. */
  readonly peers: readonly string[];
  /** Path to the compiled sloprobe CLI; empty means look next to this build, then dist/. */
  readonly sidecar: string;
  /**
   * Node flags for the sidecar peers; undefined means the ones the Docker image sets in
   * NODE_OPTIONS, so the bench measures the sidecar as it is shipped.
   */
  readonly nodeFlags: string | undefined;
  readonly config: string;
  /** Write the raw results as JSON here when set. */
  readonly json: string;
  /** Seconds to wait for an idle machine before starting; 0 starts at once. */
  readonly waitIdle: number;
  /** Loads to run, in order: the config's request mix and/or its smallest GET. */
  readonly mixes: readonly string[];
  /** Requests/s of the fixed-rate latency phase; 0 skips it. */
  readonly rate: number;
  /** Peers measured together on the peer core after each load's rounds (paired.ts). */
  readonly pairs: readonly Pair[];
  readonly help: boolean;
}

export const USAGE = `Usage: npm run bench -- [options]     (or node dist/bench/run.js [options])

  --duration S      measured seconds per peer per round   (BENCH_DURATION, default 4)
  --warmup S        unmeasured seconds per peer first     (BENCH_WARMUP, default 3)
  --connections N   concurrent keep-alive connections     (BENCH_CONNECTIONS, default 50)
  --rounds N        rounds, peer order rotated each round (BENCH_ROUNDS, default 5)
  --quick           1 round of 2 s after 1 s warm-up      (BENCH_QUICK=1)
  --load TOOL       wrk | autocannon | auto               (BENCH_LOAD, default auto: wrk if on PATH)
  --upstream KIND   nginx | node | auto                   (BENCH_UPSTREAM, default auto: nginx if on PATH)
  --no-pin          do not pin processes to cores         (BENCH_PIN=0)
  --peers LIST      comma-separated subset of: direct, sloprobe, sloprobe-nolog,
                    sloprobe-norec, lean-floor, undici-floor, http-proxy, nginx,
                    haproxy, caddy
                                                          (BENCH_PEERS)
  --mix LIST        loads, comma-separated: klarna (the config's request mix), small (its
                    smallest GET alone)                   (BENCH_MIX, default klarna,small)
  --sidecar PATH    compiled sloprobe CLI (main.js)       (BENCH_SIDECAR)
  --node-flags F    Node flags for the sidecar peers         (BENCH_NODE_FLAGS, default: the
                    Docker image's NODE_OPTIONS; "" for none)
  --config FILE     route map for the sidecar             (BENCH_CONFIG, default config/klarna.yaml)
  --json FILE       also write the raw results as JSON    (BENCH_JSON)
  --wait-idle S     first wait up to S s for idle cores   (BENCH_WAIT_IDLE, default 0)
  --rate N          then latency at a fixed N req/s, same rounds and duration
                    (BENCH_RATE, default 2000; 0 skips that phase)
  --pairs LIST      peers measured together on the peer core after each load's rounds,
                    as num/den, comma-separated; "none" skips that phase
                    (BENCH_PAIRS, default sloprobe/lean-floor,sloprobe/caddy,
                    sloprobe/sloprobe-nolog,sloprobe-nolog/sloprobe-norec)
`;

interface Raw {
  [key: string]: string | boolean | undefined;
}

const KNOWN = new Set([
  'duration',
  'warmup',
  'connections',
  'rounds',
  'quick',
  'load',
  'upstream',
  'no-pin',
  'peers',
  'mix',
  'sidecar',
  'node-flags',
  'config',
  'json',
  'wait-idle',
  'rate',
  'pairs',
  'help',
]);

function readArgs(argv: readonly string[]): Raw {
  const out: Raw = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) throw new Error(`unexpected argument "${arg}" (see --help)`);
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    if (!KNOWN.has(name)) throw new Error(`unknown option --${name} (see --help)`);
    if (name === 'quick' || name === 'help' || name === 'no-pin') {
      out[name] = true;
      continue;
    }
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new Error(`--${name} needs a value`);
    out[name] = value;
  }
  return out;
}

function positive(name: string, value: string | boolean | undefined, fallback: number): number {
  if (value === undefined || typeof value === 'boolean') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got "${value}"`);
  return n;
}

function nonNegative(name: string, value: string | boolean | undefined): number {
  if (value === undefined || typeof value === 'boolean') return 0;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number ≥ 0, got "${value}"`);
  return n;
}

function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T {
  const v = value ?? allowed[0];
  if (!allowed.includes(v as T))
    throw new Error(`--${name} must be one of ${allowed.join(', ')}, got "${v}"`);
  return v as T;
}

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  const args = readArgs(argv);
  const pick = (flag: string, envName: string): string | boolean | undefined => args[flag] ?? env[envName];
  const quickRaw = pick('quick', 'BENCH_QUICK');
  const quick = quickRaw === true || (typeof quickRaw === 'string' && quickRaw !== '0' && quickRaw !== '');
  const pinEnv = env.BENCH_PIN;
  const text = (flag: string, envName: string): string => {
    const v = pick(flag, envName);
    return typeof v === 'string' ? v : '';
  };
  const peers = text('peers', 'BENCH_PEERS')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const mixes = (text('mix', 'BENCH_MIX') || 'klarna,small')
    .split(',')
    .map((m) => m.trim())
    .filter((m) => m !== '');
  for (const m of mixes) {
    if (m !== 'klarna' && m !== 'small') throw new Error(`--mix: unknown load "${m}" (klarna, small)`);
  }
  return {
    mixes,
    duration: positive('duration', pick('duration', 'BENCH_DURATION'), quick ? 2 : 4),
    warmup: positive('warmup', pick('warmup', 'BENCH_WARMUP'), quick ? 1 : 3),
    connections: Math.round(positive('connections', pick('connections', 'BENCH_CONNECTIONS'), 50)),
    rounds: Math.round(positive('rounds', pick('rounds', 'BENCH_ROUNDS'), quick ? 1 : 5)),
    load: oneOf<LoadTool>('load', text('load', 'BENCH_LOAD') || undefined, ['auto', 'wrk', 'autocannon']),
    upstream: oneOf<UpstreamKind>('upstream', text('upstream', 'BENCH_UPSTREAM') || undefined, [
      'auto',
      'nginx',
      'node',
    ]),
    pin: args['no-pin'] !== true && pinEnv !== '0' && pinEnv !== 'false',
    peers,
    sidecar: text('sidecar', 'BENCH_SIDECAR'),
    nodeFlags: ((v) => (typeof v === 'string' ? v : undefined))(pick('node-flags', 'BENCH_NODE_FLAGS')),
    config: text('config', 'BENCH_CONFIG') || 'config/klarna.yaml',
    json: text('json', 'BENCH_JSON'),
    waitIdle: nonNegative('wait-idle', pick('wait-idle', 'BENCH_WAIT_IDLE')),
    rate: Math.round(nonNegative('rate', pick('rate', 'BENCH_RATE') ?? '2000')),
    pairs: parsePairs(text('pairs', 'BENCH_PAIRS')),
    help: args.help === true,
  };
}
