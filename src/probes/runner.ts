/**
 * Probes for quiet routes (docs/sla-definitions.md#no-traffic: a period without traffic is
 * left out of availability, so a route nobody calls tells nothing). Each probe is a real
 * request sent to the sidecar's own proxy listener over loopback, carrying the marker of
 * proxy/synthetic.ts: it takes the path every client request takes (route table, headers
 * timeout, header rewriting, the one retry, the upstream pool), so a probe that works says
 * that a client request would have worked. An in-process shortcut would have needed a
 * second exchange implementation and could pass while the listener is broken.
 *
 * Schedule, per probe: one chain of timers, the next one armed only when the current
 * request is over, so a probe never overlaps itself; a start is never less than `interval`
 * after the previous start by the injectable clock (a timer that fires early is re-armed
 * for the rest); nothing starts once `stop()` was called (the sidecar is draining).
 */
import type { ProbeDefinition } from '../config/types.js';
import type { AppLog } from '../log/app-log.js';
// undici's request alone (its package entry, which puts it on Pool's prototype, is not loaded).
import { request } from '../notify/webhook-channel.js';
import { maskPans } from '../privacy/pan.js';
import { Pool } from '../proxy/pool.js';
import { SYNTHETIC_HEADER, syntheticToken } from '../proxy/synthetic.js';
import type { ProbeResult, ProbeResults } from './results.js';

/** Timers as the runner uses them; tests pass their own to fire probes by hand. */
export interface ProbeTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const REAL_TIMERS: ProbeTimers = {
  set(fn, ms) {
    // unref: a probe schedule alone never keeps the process up.
    return setTimeout(fn, ms).unref();
  },
  clear(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

export interface ProbeRunnerOptions {
  readonly probes: readonly ProbeDefinition[];
  /** The proxy listener as bound (port 0 resolved). */
  readonly listen: { readonly host: string; readonly port: number };
  /** The listener serves HTTPS (`listen.tls`). */
  readonly tls?: boolean;
  readonly results: ProbeResults;
  readonly log: AppLog;
  /** Epoch ms. Default Date.now. */
  readonly now?: () => number;
  readonly timers?: ProbeTimers;
  /** Delay before each probe's first start. Default 0. */
  readonly firstDelayMs?: number;
  /**
   * The schedule this one replaces (a reload): a probe with the same route, method and path
   * keeps its last start, and nothing starts before the old runner's requests are over, so
   * a reload makes a probe neither faster than its interval nor overlap itself.
   */
  readonly previous?: ProbeRunner;
}

interface ProbeState {
  readonly probe: ProbeDefinition;
  readonly headers: string[];
  lastStartMs: number;
  timer: unknown;
  running: Promise<void> | null;
  state: ProbeResult | null;
}

function probeKey(p: ProbeDefinition): string {
  return `${p.route} ${p.method} ${p.path}`;
}

/** Where to reach a listener bound to `host` from this process. */
export function loopbackOrigin(host: string, port: number): string {
  if (host === '0.0.0.0' || host === '') return `http://127.0.0.1:${port}`;
  if (host === '::') return `http://[::1]:${port}`;
  return host.includes(':') ? `http://[${host}]:${port}` : `http://${host}:${port}`;
}

export class ProbeRunner {
  private readonly states: ProbeState[];
  private readonly pool: Pool;
  private readonly now: () => number;
  private readonly timers: ProbeTimers;
  private stopped = false;
  /** Stopped for a reload rather than a shutdown: a request in flight still counts. */
  private retired = false;

  constructor(private readonly options: ProbeRunnerOptions) {
    this.now = options.now ?? Date.now;
    this.timers = options.timers ?? REAL_TIMERS;
    // A few connections: probes are few, and each probe has at most one request in flight.
    const origin = loopbackOrigin(options.listen.host, options.listen.port);
    this.pool =
      options.tls === true
        ? // The socket this process bound itself, over loopback: its certificate names the
          // service, not 127.0.0.1, and there is nobody else to authenticate.
          new Pool(origin.replace('http:', 'https:'), {
            connections: 4,
            connect: { rejectUnauthorized: false },
          })
        : new Pool(origin, { connections: 4 });
    this.states = options.probes.map((probe) => ({
      probe,
      headers: [...probe.headers, SYNTHETIC_HEADER, syntheticToken()],
      lastStartMs: Number.NEGATIVE_INFINITY,
      timer: null,
      running: null,
      state: null,
    }));
  }

  start(): this {
    const previous = this.options.previous;
    if (previous === undefined) {
      for (const s of this.states) this.arm(s, this.options.firstDelayMs ?? 0);
      return this;
    }
    const starts = previous.lastStarts();
    for (const s of this.states) s.lastStartMs = starts.get(probeKey(s.probe)) ?? s.lastStartMs;
    void previous.idle().then(() => {
      for (const s of this.states) this.arm(s, this.options.firstDelayMs ?? 0);
    });
    return this;
  }

  /** When each probe last started, by route, method and path. */
  lastStarts(): Map<string, number> {
    return new Map(this.states.map((s) => [probeKey(s.probe), s.lastStartMs]));
  }

  /** Probes currently waiting on their request (tests, shutdown). */
  get inflight(): number {
    return this.states.filter((s) => s.running !== null).length;
  }

  private arm(s: ProbeState, ms: number): void {
    if (this.stopped) return;
    s.timer = this.timers.set(() => this.fire(s), Math.max(0, ms));
  }

  private fire(s: ProbeState): void {
    s.timer = null;
    if (this.stopped || s.running !== null) return;
    const wait = s.lastStartMs + s.probe.intervalMs - this.now();
    // Early timer (or a clock step back): never faster than the interval.
    if (wait > 0) {
      this.arm(s, wait);
      return;
    }
    s.lastStartMs = this.now();
    s.running = this.send(s).finally(() => {
      s.running = null;
      this.arm(s, s.lastStartMs + s.probe.intervalMs - this.now());
    });
  }

  private async send(s: ProbeState): Promise<void> {
    const p = s.probe;
    let status = 0;
    let failure = '';
    try {
      const res = await request.call(this.pool, {
        path: p.path,
        method: p.method as 'GET',
        headers: s.headers,
        body: p.body ?? null,
      });
      status = res.statusCode;
      await res.body.dump();
    } catch (err) {
      failure = (err as { code?: string }).code ?? 'error';
    }
    // Cut by the shutdown: the sidecar is going away, not the route.
    if (this.stopped && !this.retired) return;
    const result: ProbeResult = status === p.expectStatus ? 'good' : 'bad';
    this.options.results.count(p.route, result);
    if (result !== s.state) this.logChange(s, result, status, failure);
    s.state = result;
  }

  /** One line per state change, not per probe: a probe failing every 10 s is one warning. */
  private logChange(s: ProbeState, result: ProbeResult, status: number, failure: string): void {
    const p = s.probe;
    // The path without its query and with card numbers masked, as the access log writes it;
    // headers and body are never logged.
    const q = p.path.indexOf('?');
    const fields = {
      event: 'probe_state',
      route: p.route,
      method: p.method,
      path: maskPans(q < 0 ? p.path : p.path.slice(0, q)),
      status,
      expect_status: p.expectStatus,
      ...(failure === '' ? {} : { error: failure }),
      result,
    };
    if (result === 'bad') this.options.log.warn(fields, `probe of route ${p.route} failing`);
    else
      this.options.log.info(
        fields,
        `probe of route ${p.route} ${s.state === null ? 'working' : 'recovered'}`,
      );
  }

  /** No probe starts after this (the sidecar is draining); requests in flight finish through the drain. */
  stop(): void {
    this.stopped = true;
    for (const s of this.states) {
      if (s.timer !== null) this.timers.clear(s.timer);
      s.timer = null;
    }
  }

  /** Replaced by a reload: no probe starts here any more, the one in flight still counts. */
  retire(): void {
    this.retired = true;
    this.stop();
  }

  /** Resolves once no probe request is in flight (tests fire a timer, then await this). */
  async idle(): Promise<void> {
    await Promise.all(this.states.map((s) => s.running));
  }

  /** Stops, waits for requests in flight (the proxy's drain bounds them), closes the pool. */
  async close(): Promise<void> {
    this.stop();
    await Promise.all(this.states.map((s) => s.running));
    await this.pool.close();
  }
}
