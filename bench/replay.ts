/**
 * Replay throughput: access-log lines per second through `replayLogs` (read, split, parse,
 * route, classify, book), and through the whole `sloprobe replay` work (plus building the
 * monthly report). The first target was >= 500k lines/s.
 *
 *   npx tsc -p . && node dist/bench/replay.js [--lines N] [--config FILE] [--gzip] [--runs N]
 *                                              [--threads N] [--input sloprobe|nginx|envoy]
 *                                              [--file PATH]
 *
 * `--file PATH` replays PATH when it exists, else writes the log there and keeps it: back to
 * back A/B runs of two builds then read the same bytes, and a 10M-line log is written once.
 * `--threads 1` is the single-threaded replay; more parse on worker threads (parallel.ts;
 * default: the CPUs, at most 4, as the CLI). `--input nginx|envoy` writes the same
 * requests as nginx `combined` + timings or Envoy's default format. The target is
 * >= 1,000,000 lines/s for sloprobe's format on 2 cores, nginx and Envoy within 2x of it, on
 * a 10M-line file: `--lines 10000000 --runs 3`, on a quiet machine.
 *
 * The log is generated once into a temp file in the shape of the sidecar's own access log
 * (~280 bytes a line): every route of the config in turn, a fresh id in every path
 * parameter (ids never repeat, so only static routes are served from the route cache),
 * 2% 500s, 0.1% status 0, 1% unmatched paths, 1.3 s between lines so that 2M lines cover a
 * month and the report is a whole month's. Three runs, the median printed; no assertion.
 *
 * Each run also prints lines per CPU-second of the whole process (process.cpuUsage counts
 * the worker threads too): it moves less than wall time when other jobs share the machine.
 *
 * Measured, all on Node 20.20, a 2-core AMD EPYC dev box shared with other jobs:
 * - An earlier build, load ~2 (2M lines, one thread): replay 530-546k lines/s, replay +
 *   report 425-444k lines/s; gzip input (1M lines) 469k.
 * - That build (80068d6) against this one's predecessor, back to back, 500k lines, one
 *   thread, load ~3: 151-191k against 180-213k lines per CPU-second. No regression in
 *   the code: the same old build is as slow on today's machine, whose load moved the figure.
 * - This build against its predecessor (e47b71a), two A/B pairs back to back, 2M lines,
 *   --threads 2, load ~2.6: replay 307k and 327k against 226k and 238k lines/s (1.36x,
 *   1.37x); 160k and 170k against 153k and 155k lines per CPU-second. The same build,
 *   2M lines, --threads 2: nginx 301k lines/s, Envoy 364k (both within 2x of sloprobe's
 *   format). Per part, CPU time on the bench log under load 20+: booking 550 -> 380 ns a
 *   line (minute rows closed without subarray views), a worker's parse + route + classify
 *   3.6-5.0 -> 2.7-3.6 µs (bytes instead of text). The largest gain was the block split:
 *   a chunk's carried line went out as a block of its own, every other block, so one of
 *   two workers got every big block. 1M lines/s is not reached: ~330k on this machine.
 * - The logged-route shortcut (src/replay/logged-route.ts), the learned key order
 *   (parse-bytes.ts) and the path string built only for a lookup, against the build before
 *   them, back to back on one 10M-line log (drive script on replayLogs, --threads 2, load
 *   5-8): 197k against 136k lines/s (1.45x), 231k against 183k lines per CPU-second
 *   (1.27x). callgrind (instructions a line, both workers and the main thread, 200k minus
 *   100k lines): 23.1k against 19.1k (-17%); the two workers 18.4k against 16.5k, the
 *   main thread 2.8k against 1.8k, V8's compiler thread the rest. Where a worker's time went before:
 *   the byte scanner ~45%, the route lookup (find-my-way, path string, dot and empty checks)
 *   ~25%; the shortcut serves 27 of klarna's 31 routes (not the prefix routes themselves),
 *   a lookup is left only for prefix routes and unmatched paths.
 * - The build before (f3f7c1f), the bench itself, one run each, load 7-12 (two other sessions' test runs):
 *   10M lines 123k lines/s, 217k lines per CPU-second (+ report of 5 months: 69k lines/s);
 *   2M lines: sloprobe 100k lines/s / 191k per CPU-second, nginx 38k / 112k, Envoy 68k /
 *   133k: by CPU-second nginx and Envoy are within 2x of sloprobe's format (1.7x, 1.4x),
 *   by wall time under that load nginx was not (2.6x). 1M lines/s is not reached: at 217k
 *   lines per CPU-second, 2 cores give at most ~430k on this machine.
 * - This build against main's before it (f3f7c1f), Node 20.20 on a 2-core Xeon VM shared
 *   with other sessions, the bench back to back (A B A B, --runs 2 each), load 3.4-5.6:
 *   - 10M sidecar lines (one --file): 460k, 1,050k, 1,199k, 1,012k lines/s against 248k,
 *     886k, 886k, 851k (medians 1.03M against 868k, 1.19x: the build before already used
 *     1.9 cores when it got them); 625k-705k against 452k-469k lines per CPU-second (1.45x);
 *     peak RSS of the whole bench (replay + report) 1.0 GB against 1.9 GB.
 *   - 2M lines: sloprobe 1.05M lines/s, 546k per CPU-second (median of 3); nginx 798k and
 *     424k; Envoy 484k and 385k (its three runs 763k, 481k, 484k). nginx and Envoy are
 *     within 2x of sloprobe's format by CPU (1.29x, 1.42x); by wall time nginx is (1.32x),
 *     Envoy's median is not (2.17x; its best run 1.38x). --threads 1: 810k lines/s and 662k
 *     per CPU-second against 406k and 391k (1.70x by CPU).
 *   - Under load 11-14 (earlier in the same session): the bench 352k and 367k lines/s against
 *     254k and 308k; both builds at once on one pinned core (taskset -c 1, a script on
 *     replayLogs, --threads 2): 527k and 570k against 420k and 410k lines per CPU-second.
 *   What made it, each step measured in its commit: blocks move to the workers in the buffer
 *   the file was read into and back (no copy and no 1 MiB allocation a block on the main
 *   thread: ~15% of its profile and most of its garbage collection; 1.20x by CPU); the byte
 *   scanner finds each line's end as it parses (one indexOf a line less), reads byte classes
 *   from a table, the sidecar's times at once and the path's query in the same pass, and the
 *   logged-route proof compares static segments in place (a worker's per-line work 0.86x);
 *   the single-threaded replay reads bytes as the workers do (1.45x at --threads 1); nginx's
 *   time in the minute of the line before is read from its seconds (nginx 1.27x); closed
 *   route-minutes keep only their non-zero buckets (peak RSS 0.62x).
 *   Where a line's CPU goes now (~1.5 µs at 10M lines; profiles of 2M lines at --threads 2,
 *   and CPU time of the parts alone on one core): a worker ~0.95 µs (the scanner ~0.52, the
 *   logged-route proof ~0.18; classifying, columns and the full lookup for prefix routes and
 *   unmatched paths the rest); the main thread ~0.5 µs (a packed row per active route-minute:
 *   this log has 1.3 rows for every 2 lines; the line that counts into the route's HDR
 *   array, ~0.1, 65% of booking's profile ticks; the file's copy out of the page cache ~0.08;
 *   messages). Each run prints the threads' busy time: at 10M the workers are busy ~90% of
 *   the wall time, the main thread ~55%: the workers are the side that waits less.
 *   Memory: the rows, not the lines, grew with the file (bounded by routes x minutes the log
 *   covers): replay alone (replayLogs, no report) peaked at 222 MB for 2M lines and 539 MB
 *   for 10M, 5 months of 31 routes at one line every 1.3 s (the build before: 988 MB for 10M;
 *   this branch with dense rows: 287 and 878 MB).
 * - Rows spilled to temporary files past 64 MiB, by segment of 5.7 days, and read back a
 *   segment at a time (src/replay/spill.ts), and latency histograms of ranges left behind
 *   compacted (hdr-ranges.ts), against the build before (a3b0617), both at once on one
 *   pinned core (taskset -c 1), load 3-9: `sloprobe replay --format json` peaks at 372 and
 *   373 MB against 687 and 686 MB for 10M lines over 5 months (0.54x), 283 MB against 334 MB
 *   for 2M lines over one month; `--into-store` of the 2M lines 414 MB against 3.47 GB (a
 *   dense 172 KB histogram per route-hour; the stores written are identical), of the 10M
 *   lines 760 MB. This bench, --threads 2, two A/B pairs: peak RSS 436 and 437 MB against
 *   989 MB; replay 15.49 CPU-s against 15.26 (medians of four runs, 1.5% more), 336k and 247k
 *   lines/s against 342k and 231k; its report of 5 months 14.6-30.0 s against 13.6-24.6 s
 *   (medians 20.7 and 23.4 s: noise). Reports are byte-identical (generated_at aside).
 * - Not built: booking in the workers (the open-minute de-duplication and the late-line
 *   rule need the lines in file order across blocks: per-worker partial minutes would have
 *   to be merged with that order kept). With `--into-store`, the compacted hourly histograms
 *   and the payment-method minutes still grow with the span (~90 MB a month for 31 routes):
 *   they would have to go into the store as their hours close.
 */
import {
  closeSync,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdtempSync,
  openSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';
import { loadConfigFile } from '../src/config/load.js';
import type { ResolvedRoute } from '../src/config/types.js';
import { mulberry32 } from '../src/demo/random.js';
import { lineFormat } from '../src/replay/formats/index.js';
import { replayLogs, reportTimeZone } from '../src/replay/replay.js';
import { monthsOverlapping, replayReports } from '../src/replay/report.js';

const here = fileURLToPath(new URL('.', import.meta.url));
// Compiled to dist/bench/ (the config stays in the source tree), or run from the repo root.
const defaultConfig =
  [join(here, '..', '..', 'config', 'klarna.yaml'), join(process.cwd(), 'config', 'klarna.yaml')].find((p) =>
    existsSync(p),
  ) ?? 'config/klarna.yaml';
const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '2000000' },
    config: { type: 'string', default: defaultConfig },
    gzip: { type: 'boolean', default: false },
    runs: { type: 'string', default: '3' },
    threads: { type: 'string', default: String(Math.min(4, availableParallelism())) },
    input: { type: 'string', default: 'sloprobe' },
    // Reuse (or write once and keep) the log, for back-to-back A/B runs and profiling.
    file: { type: 'string' },
  },
});
const LINES = Number(values.lines);
const RUNS = Number(values.runs);
const SPACING_MS = 1300;
const THREADS = Number(values.threads);
const INPUT = values.input as 'sloprobe' | 'nginx' | 'envoy';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function clf(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

function pathFor(r: ResolvedRoute, n: number): string {
  let p = r.path.replace(/\{[^}]+\}/g, () => `${(n * 2654435761) % 4294967296}`.padStart(10, '0'));
  if (p.endsWith('/*')) p = `${p.slice(0, -1)}item-${n}`;
  return p;
}

/** Writes the log to `file` in slices (the whole of it is longer than a JS string may be). */
function generate(routes: readonly ResolvedRoute[], file: string): void {
  const rng = mulberry32(42);
  const start = Date.UTC(2025, 2, 1);
  const fd = openSync(file, 'w');
  let out: string[] = [];
  for (let n = 0; n < LINES; n++) {
    if (out.length === 10_000) {
      writeSync(fd, `${out.join('\n')}\n`);
      out = [];
    }
    const r = routes[n % routes.length]!;
    const method = r.anyMethod ? 'GET' : r.methods[0]!;
    const unmatched = rng() < 0.01;
    const path = unmatched ? `/nowhere/${n}` : pathFor(r, n);
    const x = rng();
    const status = x < 0.001 ? 0 : x < 0.021 ? 500 : x < 0.05 ? 404 : 200;
    const latency = status === 0 ? 'null' : (5 + rng() * 400).toFixed(3);
    const ms = start + n * SPACING_MS + Math.floor(rng() * 1000);
    const t = new Date(ms).toISOString();
    const id = `${Math.floor(rng() * 0xffffffff).toString(16)}-${n.toString(16)}`;
    const secs = status === 0 ? '-' : (Number(latency) / 1000).toFixed(3);
    if (INPUT === 'nginx') {
      out.push(
        `10.0.${n & 255}.7 - - [${clf(ms)}] "${method} ${path} HTTP/1.1" ${status === 0 ? 499 : status} 512 "-" "bench/1.0" ${secs === '-' ? '0.001' : secs} ${secs}`,
      );
      continue;
    }
    if (INPUT === 'envoy') {
      out.push(
        `[${t}] "${method} ${path} HTTP/1.1" ${status} ${status === 0 ? 'DC' : '-'} 0 512 ${status === 0 ? 1 : Math.round(Number(latency))} ${status === 0 ? '-' : Math.round(Number(latency))} "10.0.0.1" "bench/1.0" "${id}" "api" "10.0.2.1:80"`,
      );
      continue;
    }
    out.push(
      `{"level":30,"time":"${t}","method":"${method}","path":"${path}","route":"${unmatched ? 'unmatched' : r.name}","category":"${r.category}","status":${status},"outcome":"${status >= 500 || status === 0 ? 'bad' : 'good'}","latency_ms":${latency},"duration_ms":${latency},"request_id":"${id}"}`,
    );
  }
  writeSync(fd, `${out.join('\n')}\n`);
  closeSync(fd);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const cfg = loadConfigFile(values.config);
const dir = mkdtempSync(join(tmpdir(), 'sloprobe-bench-replay-'));
try {
  let file = values.file ?? join(dir, 'access.log');
  const reused = values.file !== undefined && existsSync(file);
  if (!reused) generate(cfg.routes, file);
  if (values.gzip) {
    await pipeline(createReadStream(file), createGzip(), createWriteStream(`${file}.gz`));
    file = `${file}.gz`;
  }
  const bytes = statSync(file).size;
  console.log(
    `# replay: ${reused ? file : `${LINES.toLocaleString('en-US')} lines`}, ${(bytes / 1e6).toFixed(0)} MB${values.gzip ? ' gzip' : ''}, ${cfg.routes.length} routes (${values.config})`,
  );
  console.log(
    `# node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, input ${INPUT}, threads ${THREADS}`,
  );
  const replayRates: number[] = [];
  const fullRates: number[] = [];
  const cpuRates: number[] = [];
  for (let run = 1; run <= RUNS; run++) {
    const t0 = performance.now();
    // The whole process, worker threads included (getrusage RUSAGE_SELF): CPU seconds per
    // line move much less than wall time when other jobs share the machine.
    const c0 = process.cpuUsage();
    const elu0 = performance.eventLoopUtilization();
    const result = await replayLogs(cfg, [file], {
      parallel: { threads: THREADS, input: INPUT, formatOptions: {} },
      format: lineFormat(INPUT, {}),
    });
    const t1 = performance.now();
    const c1 = process.cpuUsage(c0);
    const mainBusyS = performance.eventLoopUtilization(elu0).active / 1000;
    const cpuS = (c1.user + c1.system) / 1e6;
    const s = result.stats;
    const months = monthsOverlapping(s.firstMs, s.lastMs + 1, reportTimeZone(cfg));
    replayReports(cfg, result, months, Date.now());
    const t2 = performance.now();
    replayRates.push(s.lines / ((t1 - t0) / 1000));
    fullRates.push(s.lines / ((t2 - t0) / 1000));
    cpuRates.push(s.lines / cpuS);
    console.log(
      `run ${run}: replay ${((t1 - t0) / 1000).toFixed(2)} s (${cpuS.toFixed(2)} CPU-s), + report of ${months.length} month(s) ${((t2 - t1) / 1000).toFixed(2)} s, ${s.replayed.toLocaleString('en-US')} replayed, ${s.malformed} malformed`,
    );
    // Which side waits: the main thread's booking, or the parse workers.
    const workers = (result.workerBusyMs ?? []).map((ms) => `${(ms / 1000).toFixed(2)} s`).join(', ');
    console.log(
      `  busy (event loop not idle, preempted time included): main ${mainBusyS.toFixed(2)} s${workers === '' ? '' : `, workers ${workers}`}`,
    );
  }
  console.log(
    `replay lines/s (median of ${RUNS}): ${Math.round(median(replayRates)).toLocaleString('en-US')}`,
  );
  console.log(
    `replay lines per CPU-second (median of ${RUNS}): ${Math.round(median(cpuRates)).toLocaleString('en-US')}`,
  );
  console.log(
    `replay + report lines/s (median of ${RUNS}): ${Math.round(median(fullRates)).toLocaleString('en-US')}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
