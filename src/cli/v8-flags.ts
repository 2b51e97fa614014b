/**
 * V8 flags `run` sets on itself. They cannot go in the image's NODE_OPTIONS (Node accepts only
 * a few V8 flags there), and set from here they apply however the sidecar is started.
 *
 * `--liftoff-only`: undici parses responses with llhttp compiled to WebAssembly. Once the
 * parser is hot, V8 recompiles it with TurboFan, whose compile of llhttp's state machine
 * allocates ~35 MiB for a moment (V8's peak_malloced_memory 42.9 MiB) and leaves several MiB
 * in malloc's arenas. Liftoff, V8's baseline wasm compiler, alone: an undici client after
 * 3,000 requests peaks at 67 instead of 102.6 MiB RSS (5 runs each); the sidecar's peak
 * under wrk -c50 fell 113.9 -> 83.4 MiB with CPU per request 0.98x (median of 7 side-by-side
 * rounds on one core, 0.88-1.04); an undici client alone, small or 64 KiB chunked responses,
 * showed no difference beyond its noise (bench/RESULTS.md). The parser is a small part of a
 * request's cost: the headers of one response per request.
 *
 * Measured on Node 20. On Node 24 (the Docker image's) the flag set here does not take effect
 * (RSS after the first requests 95.5-95.8 MiB with it, 89-90 with `--liftoff-only` on node's
 * command line, three starts each), and there the command-line flag costs 13% CPU per request
 * (63.5 vs 56.0 µs, 6 of 6 rounds side by side, bench/RESULTS.md): Node 24's TurboFan'd
 * llhttp is worth its memory, so the image does not pass it.
 * Any Liftoff or wasm flag given to node (e.g. `node --liftoff dist/src/cli/main.js run`)
 * leaves V8's defaults alone.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** The flags to set given node's own flags (`process.execArgv`). */
export function runV8Flags(execArgv: readonly string[]): string[] {
  return execArgv.some((a) => /liftoff|wasm/.test(a)) ? [] : ['--liftoff-only'];
}

/** Must run before undici compiles its parser (its first upstream connection). */
export function applyRunV8Flags(execArgv: readonly string[] = process.execArgv): void {
  for (const flag of runV8Flags(execArgv)) setFlagsFromString(flag);
}

/**
 * Gives back what starting up left behind, once, before the first request: loading the
 * modules, compiling the config schema, opening the store and building the SLO engine
 * allocate fast enough that V8 grows its young generation to the maximum, and nothing
 * shrinks it while the sidecar sits idle until V8's memory reducer gets round to it some
 * 20 s later. A "last resort" collection (the one V8 runs before giving up with an
 * out-of-memory error) compacts the heap and shrinks the young generation at once.
 *
 * Measured on Node 24.18, the image's (`sloprobe run` with config/klarna.yaml, RSS 12 s
 * after start, bench/RESULTS.md): 84.2 -> 79.3 / 78.9 MiB with the image's 2 MiB
 * semi-spaces, 96.6 -> 78.5 MiB with V8's default; the collection took 94 ms in the one
 * start it was timed in, before "sloprobe is running" is logged. Node 20's V8 (11.3) ignores the `flavor` option and runs an ordinary
 * full collection (~1 ms, nothing shrinks); its memory reducer does the same ~20 s later.
 *
 * The `gc` function comes from a context created while `--expose-gc` is set; the flag is
 * cleared again, so no other context gets one and the main context never had it.
 */
export function releaseStartupMemory(): void {
  setFlagsFromString('--expose-gc');
  try {
    const gc = runInNewContext('gc') as (options: object) => void;
    gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}
