/**
 * Micro-benchmark of the per-request recording path: `Recorder.observe` with and without
 * the HDR latency windows, the access-log line, and a scrape. Prints figures, asserts
 * nothing (timings belong here, not in tests).
 *
 *   npx tsc -p . && node dist/bench/recorder.js [observations=2000000]
 */
import { openSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import * as hdr from 'hdr-histogram-js';
import pino from 'pino';
import type { ResolvedRoute } from '../src/config/types.js';
import { createAccessLog } from '../src/log/access-log.js';
import { clampMicros, HDR_COUNTS_LENGTH, hdrIndex } from '../src/telemetry/hdr-layout.js';
import { MetricsEndpoint } from '../src/telemetry/metrics.js';
import type { Observation } from '../src/telemetry/observation.js';
import { Recorder } from '../src/telemetry/recorder.js';

const N = Number(process.argv[2] ?? 2_000_000);

// The provider's published p99 latency table as routes (docs/sla-definitions.md#latency-objectives), plus unmatched.
const table: Array<[string, string, number | undefined]> = [
  ['hpp-create-session', 'payment-request', 200],
  ['ordermanagement-read', 'read-only-payment-transaction', 800],
  ['ordermanagement-other', 'payment-transaction-general', 1000],
  ['settlements-read', 'settlements', 6000],
  ['disputes', 'disputes', 4000],
  ['merchantcard-settlement', 'settlements', 1000],
  ['customer-token-charge', 'customer-token-charge', 5000],
  ['unmatched', 'unclassified', undefined],
];
const routes: ResolvedRoute[] = table.map(([name, category, p99], index) => ({
  index,
  name,
  methods: [],
  anyMethod: true,
  path: `/${name}`,
  category,
  class: 'transaction-critical',
  latency: p99 === undefined ? undefined : { percentile: 0.99, thresholdMs: p99 },
  availability: 0.99,
  timeoutMs: undefined,
}));

// A pool of observations reused round-robin, like the proxy's per-request state objects.
const start = Date.now();
const pool: Observation[] = [];
let seed = 12345;
const rnd = (): number => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
for (let i = 0; i < 4096; i++) {
  const status = rnd() < 0.02 ? 503 : rnd() < 0.1 ? 404 : 200;
  const sliNs = Math.round((1 + rnd() * rnd() * 400) * 1e6);
  pool.push({
    routeIndex: i % routes.length,
    method: i % 3 === 0 ? 'GET' : 'POST',
    path: '/hpp/v1/sessions',
    status,
    errorReason: null,
    clientAborted: false,
    startMs: start + Math.floor(i / 64),
    sliNs,
    durationNs: sliNs + 200_000,
    requestId: `req-${i}`,
    digest: null,
  });
}

/** ns per call of `fn` over one timed run. */
function measure(n: number, fn: (i: number) => void): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  return Number(process.hrtime.bigint() - t0) / n;
}

/** Runs the variants alternately, `rounds` times each, and prints each one's median. */
function compare(variants: Array<[string, (i: number) => void]>, n: number, rounds = 5): number[] {
  for (const [, fn] of variants) measure(Math.min(n, 200_000), fn); // warm-up
  const samples = variants.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (let v = 0; v < variants.length; v++) samples[v]!.push(measure(n, variants[v]![1]));
  }
  return variants.map(([label], v) => {
    const sorted = samples[v]!.sort((x, y) => x - y);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    console.log(
      `${label.padEnd(44)} ${median.toFixed(1).padStart(8)} ns/op ${Math.round(1e9 / median)
        .toLocaleString('en')
        .padStart(14)} ops/s`,
    );
    return median;
  });
}

console.log(
  `node ${process.version}, ${cpus()[0]?.model ?? 'unknown cpu'} x${cpus().length}, ${Math.round(totalmem() / 2 ** 30)} GiB`,
);
console.log(
  `${N.toLocaleString('en')} observations per run, median of 5 alternating runs, ${routes.length} routes\n`,
);

const mask = pool.length - 1;
const withHdr = new Recorder(routes);
const withoutHdr = new Recorder(routes, { latencyWindows: false });
const [a, b] = compare(
  [
    ['Recorder.observe (HDR windows on)', (i) => withHdr.observe(pool[i & mask]!)],
    ['Recorder.observe (HDR windows off)', (i) => withoutHdr.observe(pool[i & mask]!)],
  ],
  N,
);
console.log(`  HDR windows: ${(a! - b!).toFixed(1)} ns per request, on/off ${(a! / b!).toFixed(2)}\n`);

// Why the HDR arrays are indexed directly rather than through the library per request.
const lib = hdr.build({
  lowestDiscernibleValue: 1,
  highestTrackableValue: 600_000_000,
  numberOfSignificantValueDigits: 3,
});
const counts = new Uint32Array(HDR_COUNTS_LENGTH);
const [c, d] = compare(
  [
    ['hdr-histogram-js recordValue', (i) => lib.recordValue(clampMicros(pool[i & mask]!.sliNs))],
    [
      'same layout, clz32 index into Uint32Array',
      (i) => {
        counts[hdrIndex(clampMicros(pool[i & mask]!.sliNs))]!++;
      },
    ],
  ],
  N,
);
console.log(`  library / direct: ${(c! / d!).toFixed(1)}x\n`);

// Access log: formatting + batching into a sonic-boom on /dev/null, against pino's logger.
const lines = Math.min(N, 500_000);
async function timeAsync(label: string, fn: (i: number) => void): Promise<void> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < lines; i++) {
    fn(i);
    // Yield like a server does between requests, so batches are handed over.
    if ((i & 63) === 63) await new Promise<void>((r) => setImmediate(r));
  }
  const ns = Number(process.hrtime.bigint() - t0);
  console.log(
    `${label.padEnd(44)} ${(ns / lines).toFixed(1).padStart(8)} ns/line (event-loop turns included)`,
  );
}
const log = createAccessLog({ kind: 'file', path: '/dev/null' }, routes);
await timeAsync('access log line (sidecar)', (i) => log.observe(pool[i & mask]!));
await log.close();
const dest = pino.destination({ fd: openSync('/dev/null', 'a'), sync: false });
const logger = pino({ base: null, formatters: { level: () => ({}) } }, dest);
await timeAsync('pino logger.info with the same fields', (i) => {
  const o = pool[i & mask]!;
  logger.info({
    method: o.method,
    path: o.path,
    route: routes[o.routeIndex]!.name,
    category: routes[o.routeIndex]!.category,
    status: o.status,
    outcome: 'good',
    latency_ms: Math.round(o.sliNs / 1000) / 1000,
    duration_ms: Math.round(o.durationNs / 1000) / 1000,
    request_id: o.requestId,
  });
});
await timeAsync('empty loop (event-loop turns only)', () => {});
dest.end();

// Scrape: render everything recorded above.
const endpoint = new MetricsEndpoint({ recorder: withHdr, processMetrics: false });
const t0 = process.hrtime.bigint();
const text = await endpoint.render();
const t1 = process.hrtime.bigint();
await endpoint.render();
const t2 = process.hrtime.bigint();
console.log(
  `\nscrape: ${text.length.toLocaleString('en')} bytes, first ${(Number(t1 - t0) / 1e6).toFixed(2)} ms (quantiles computed), ` +
    `second ${(Number(t2 - t1) / 1e6).toFixed(2)} ms (cached)`,
);
