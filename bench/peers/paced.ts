/**
 * The fixed-rate client: sends the request mix at `rate` requests per second on an open-loop
 * schedule (request i is due at start + i / rate, whether or not earlier ones answered) and
 * measures each latency from the moment the request was due, not from when it could be
 * sent, so a stall in the peer shows in full instead of slowing the client down (no
 * coordinated omission). Latencies go into an HDR histogram in microseconds: sub-millisecond
 * differences between proxies are the point of this phase. Prints the BENCH_JSON line the
 * other load generators print. The first second runs at the same rate unrecorded: a fresh
 * client process (cold JIT, no connections yet) would otherwise measure itself. Usage:
 * node paced.js '{"url":…,"seconds":…,"rate":…,"connections":…,"requests":[…]}'
 */

import { performance } from 'node:perf_hooks';
import * as hdr from 'hdr-histogram-js';
import { Pool } from 'undici';

interface Spec {
  url: string;
  seconds: number;
  rate: number;
  connections: number;
  requests: { method: string; path: string; body?: string | null }[];
}

const spec = JSON.parse(process.argv[2] ?? '{}') as Spec;
if (!(spec.rate > 0) || !(spec.seconds > 0) || !Array.isArray(spec.requests) || spec.requests.length === 0) {
  process.stderr.write('usage: paced.js \'{"url","seconds","rate","connections","requests"}\'\n');
  process.exit(2);
}

const pool = new Pool(spec.url, { connections: spec.connections });
const latencyUs = hdr.build({
  lowestDiscernibleValue: 1,
  highestTrackableValue: 60_000_000,
  numberOfSignificantValueDigits: 3,
});
/**
 * How late the client itself sent each request after its due time (timer granularity, its
 * own event loop): when this is of the order of the latencies measured, the client, not the
 * peer, is what the figures show. Reported beside them.
 */
const lagUs = hdr.build({
  lowestDiscernibleValue: 1,
  highestTrackableValue: 60_000_000,
  numberOfSignificantValueDigits: 3,
});
const WARMUP_SECONDS = 1;
const warm = Math.round(spec.rate * WARMUP_SECONDS);
const total = warm + Math.max(1, Math.round(spec.rate * spec.seconds));
const intervalMs = 1000 / spec.rate;
const JSON_HEADERS = { 'content-type': 'application/json' };
let sent = 0;
let done = 0;
let errors = 0;
let startMs = 0;
let finish: () => void = () => {};
const finished = new Promise<void>((resolve) => {
  finish = resolve;
});

async function fire(i: number): Promise<void> {
  const due = startMs + i * intervalMs;
  const r = spec.requests[i % spec.requests.length]!;
  const hasBody = r.body !== undefined && r.body !== null;
  let ok = true;
  if (i >= warm) lagUs.recordValue(Math.max(1, Math.round((performance.now() - due) * 1000)));
  try {
    const res = await pool.request({
      method: r.method,
      path: r.path,
      ...(hasBody ? { body: r.body, headers: JSON_HEADERS } : {}),
    });
    await res.body.dump();
    ok = res.statusCode < 400;
  } catch {
    ok = false;
  }
  if (i >= warm) {
    latencyUs.recordValue(Math.max(1, Math.round((performance.now() - due) * 1000)));
    if (!ok) errors++;
  }
  if (++done === total) finish();
}

function tick(): void {
  const now = performance.now();
  while (sent < total && startMs + sent * intervalMs <= now) void fire(sent++);
  if (sent < total) setTimeout(tick, 1);
}

// A short lead so that the first due time is not already in the past.
startMs = performance.now() + 20;
setTimeout(tick, 20);
await finished;
const elapsedMs = performance.now() - (startMs + warm * intervalMs);
await pool.close();
process.stdout.write(
  `BENCH_JSON ${JSON.stringify({
    requests: done - warm,
    duration_us: Math.round(elapsedMs * 1000),
    p50_us: latencyUs.getValueAtPercentile(50),
    p90_us: latencyUs.getValueAtPercentile(90),
    p99_us: latencyUs.getValueAtPercentile(99),
    max_us: latencyUs.maxValue,
    lag_p50_us: lagUs.getValueAtPercentile(50),
    lag_p99_us: lagUs.getValueAtPercentile(99),
    connect: 0,
    read: 0,
    write: 0,
    status: errors,
    timeout: 0,
  })}\n`,
);
