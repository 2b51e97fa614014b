/**
 * An open-loop client for the soak and crash scripts, in the harness's own process: request
 * i is due at start + i / rate whether or not earlier ones answered (a slow sidecar cannot
 * slow the client down and hide requests), and it counts exactly what it sent and what came
 * back, which is what the sidecar's counters and store are compared with.
 *
 * Every `failEvery`-th request asks the upstream for a 500 and every `abortEvery`-th asks for
 * a slow body and is aborted by the client as soon as the response headers arrive: the
 * headers prove the sidecar had the request, so it must be counted once (an abort before
 * that point could go either way and would make the comparison a guess).
 */

import { performance } from 'node:perf_hooks';
import * as hdr from 'hdr-histogram-js';
import { Pool } from 'undici';
import type { BenchRequest } from './request-mix.js';

export interface OpenLoopSpec {
  readonly port: number;
  readonly rate: number;
  readonly connections: number;
  readonly requests: readonly BenchRequest[];
  /** 1 in N asks the upstream for a 500 (0: none). */
  readonly failEvery: number;
  /** 1 in N is aborted by the client mid-download (0: none). */
  readonly abortEvery: number;
}

const FAIL_HEADERS = { 'x-bench-fail': '1' };
const SLOW_HEADERS = { 'x-bench-slow': '1' };
const JSON_HEADERS = { 'content-type': 'application/json' };
const JSON_FAIL_HEADERS = { ...JSON_HEADERS, ...FAIL_HEADERS };

export class OpenLoop {
  /** Requests handed to the client. */
  started = 0;
  /** Requests whose response headers arrived (any status, aborted ones included). */
  answered = 0;
  /** Of those, aborted by us after the headers. */
  aborted = 0;
  /** Status >= 500 answers. */
  status5xx = 0;
  /** Requests that failed before any response header (connection refused, reset...). */
  errors = 0;
  inflight = 0;
  readonly latencyUs = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 120_000_000,
    numberOfSignificantValueDigits: 3,
  });
  /** The same for the 5xx answers alone (they also count in latencyUs). */
  readonly latency5xxUs = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 120_000_000,
    numberOfSignificantValueDigits: 3,
  });
  /** When each of the last answers arrived (performance.now ms), for "answered in the last X ms". */
  private readonly answerTimes: number[] = [];
  private readonly keepTimes: boolean;
  private pool: Pool;
  private readonly spec: OpenLoopSpec;
  private running = false;
  private baseMs = 0;
  private baseIndex = 0;
  private timer: NodeJS.Timeout | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(spec: OpenLoopSpec, keepTimes = false) {
    this.spec = spec;
    this.keepTimes = keepTimes;
    this.pool = this.newPool();
  }

  private newPool(): Pool {
    return new Pool(`http://127.0.0.1:${this.spec.port}`, {
      connections: this.spec.connections,
      // One request per connection at a time: a request behind a slow one on a pipelined
      // socket would wait for it, and an abort would take the requests queued behind it.
      pipelining: 1,
    });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.baseMs = performance.now();
    this.baseIndex = this.started;
    this.tick();
  }

  /** Stops sending new requests; in-flight ones go on. */
  pause(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Resolves when nothing is in flight, or after `timeoutMs`. */
  async settled(timeoutMs: number): Promise<boolean> {
    if (this.inflight === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const ok = await Promise.race([
      new Promise<boolean>((r) => this.idleWaiters.push(() => r(true))),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    return ok;
  }

  /** After the sidecar was killed: a fresh pool, so no request waits on a dead socket. */
  async reconnect(): Promise<void> {
    const old = this.pool;
    this.pool = this.newPool();
    await old.destroy().catch(() => {});
  }

  async close(): Promise<void> {
    this.pause();
    await this.pool.close().catch(() => {});
  }

  /** Answers received in the `ms` before `atMs` (performance.now); needs keepTimes. */
  answeredWithin(atMs: number, ms: number): number {
    let n = 0;
    for (let i = this.answerTimes.length - 1; i >= 0; i--) {
      const t = this.answerTimes[i]!;
      if (t > atMs) continue;
      if (t < atMs - ms) break;
      n++;
    }
    return n;
  }

  private tick(): void {
    if (!this.running) return;
    const now = performance.now();
    const intervalMs = 1000 / this.spec.rate;
    while (this.baseMs + (this.started - this.baseIndex) * intervalMs <= now) {
      const i = this.started++;
      void this.fire(i, this.baseMs + (i - this.baseIndex) * intervalMs);
    }
    this.timer = setTimeout(() => this.tick(), 1);
  }

  private kind(i: number): 'fail' | 'abort' | 'plain' {
    const { failEvery, abortEvery } = this.spec;
    // Offsets apart so that one request is never both.
    if (failEvery > 0 && i % failEvery === Math.floor(failEvery / 3)) return 'fail';
    if (abortEvery > 0 && i % abortEvery === Math.floor((2 * abortEvery) / 3)) return 'abort';
    return 'plain';
  }

  private async fire(i: number, dueMs: number): Promise<void> {
    const r = this.spec.requests[i % this.spec.requests.length]!;
    const kind = this.kind(i);
    const hasBody = r.body !== undefined;
    const headers =
      kind === 'abort'
        ? SLOW_HEADERS
        : kind === 'fail'
          ? hasBody
            ? JSON_FAIL_HEADERS
            : FAIL_HEADERS
          : hasBody
            ? JSON_HEADERS
            : undefined;
    const ac = kind === 'abort' ? new AbortController() : undefined;
    this.inflight++;
    let gotHeaders = false;
    try {
      const res = await this.pool.request({
        method: kind === 'abort' ? 'GET' : r.method,
        path: r.path,
        ...(headers ? { headers } : {}),
        ...(hasBody && kind !== 'abort' ? { body: r.body } : {}),
        ...(ac ? { signal: ac.signal } : {}),
      });
      gotHeaders = true;
      this.answered++;
      if (this.keepTimes) this.answerTimes.push(performance.now());
      if (res.statusCode >= 500) this.status5xx++;
      if (ac) {
        this.aborted++;
        ac.abort();
        await res.body.dump().catch(() => {});
      } else {
        await res.body.dump();
        const us = Math.max(1, Math.round((performance.now() - dueMs) * 1000));
        this.latencyUs.recordValue(us);
        if (res.statusCode >= 500) this.latency5xxUs.recordValue(us);
      }
    } catch {
      if (!gotHeaders) this.errors++;
    } finally {
      if (--this.inflight === 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
      }
    }
  }
}
