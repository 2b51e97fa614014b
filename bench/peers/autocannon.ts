/**
 * The load generator when wrk is not installed: autocannon in a process of its own, so it
 * never shares an event loop with what it measures. Prints the same BENCH_JSON line as the
 * wrk script. Usage: node autocannon.js '{"url":…,"seconds":…,"connections":…,"requests":[…]}'
 */

import { createRequire } from 'node:module';

interface Spec {
  url: string;
  seconds: number;
  connections: number;
  requests: { method: string; path: string; body?: string }[];
}

interface Result {
  requests: { total: number };
  duration: number;
  latency: { p50: number; p90: number; p99: number; max: number };
  errors: number;
  non2xx: number;
}

type Autocannon = (opts: Record<string, unknown>) => Promise<Result>;

// autocannon ships no type declarations.
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const spec = JSON.parse(process.argv[2] ?? '{}') as Spec;
const result = await autocannon({
  url: spec.url,
  connections: spec.connections,
  duration: spec.seconds,
  requests: spec.requests.map((r) => ({
    method: r.method,
    path: r.path,
    ...(r.body === undefined || r.body === null
      ? {}
      : { body: r.body, headers: { 'content-type': 'application/json' } }),
  })),
});
const us = (ms: number): number => Math.round(ms * 1000);
process.stdout.write(
  `BENCH_JSON ${JSON.stringify({
    requests: result.requests.total,
    duration_us: Math.round(result.duration * 1e6),
    p50_us: us(result.latency.p50),
    p90_us: us(result.latency.p90),
    p99_us: us(result.latency.p99),
    max_us: us(result.latency.max),
    connect: 0,
    read: result.errors,
    write: 0,
    status: result.non2xx,
    // autocannon's `errors` already includes timeouts.
    timeout: 0,
  })}\n`,
);
