/**
 * The real sidecar (startSidecar: route table, recorder, /metrics) in front of a
 * FaultUpstream, and what the fault cases observe of it: its Prometheus counters, the
 * process's open TCP handles, plain node:http clients. Loopback only, port 0.
 */
import http from 'node:http';
import type { Sidecar } from '../../src/sidecar.js';
import { parseSamples, type Sample } from '../helpers/prom.js';
import { loopbackConfig, startLoopbackSidecar } from '../helpers/sidecar.js';

/** The one route every case's requests go to: `route="fault"` in the metrics. */
export const FAULT_PATH = '/fault';

export interface SidecarSettings {
  /** Merged over `{ connect: 1s, headers: 5s, body: 5s, idle: 5s }` (YAML flow values). */
  readonly timeouts?: Readonly<Record<string, string>>;
  /** The route's own `timeout` (overrides `timeouts.headers` for it). */
  readonly routeTimeout?: string;
}

export function configYaml(upstream: string, s: SidecarSettings = {}): string {
  const timeouts = { connect: '1s', headers: '5s', body: '5s', idle: '5s', ...s.timeouts };
  const flow = Object.entries(timeouts)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  const timeout = s.routeTimeout === undefined ? '' : `, timeout: ${s.routeTimeout}`;
  return `upstream: ${upstream}
timeouts: { ${flow} }
classes:
  transaction-critical: { availability: 99% }
categories:
  payment-request: { class: transaction-critical }
routes:
  - { name: fault, method: "*", path: ${FAULT_PATH}, category: payment-request${timeout} }
`;
}

export async function startFaultSidecar(upstream: string, s: SidecarSettings = {}): Promise<Sidecar> {
  return startLoopbackSidecar(loopbackConfig(configYaml(upstream, s), 'faults.yaml'));
}

/** GET /metrics on a connection of its own, resolved once that connection is closed. */
export function scrape(s: Sidecar): Promise<Sample[]> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port: s.adminAddress.port, path: '/metrics', agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => {
          // The handle count must not include this connection: wait for it to go.
          if (req.socket?.destroyed !== false) resolve(parseSamples(text));
          else req.socket.once('close', () => resolve(parseSamples(text)));
        });
      },
    );
    req.on('error', reject);
  });
}

/** TCP sockets open in this process: clients, the sidecar's both sides, the upstream's. */
export function tcpHandles(): number {
  let n = 0;
  for (const r of process.getActiveResourcesInfo()) if (r === 'TCPSocketWrap') n++;
  return n;
}

/** Polls `condition` every 20 ms until it holds; throws `what` after `ms`. */
export async function until(
  what: string | (() => string),
  condition: () => boolean | Promise<boolean>,
  ms = 10_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for: ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** What one client saw: a status (or -1: no response at all) and whether the body ended cleanly. */
export interface Seen {
  status: number;
  /** The response body arrived whole, as framed (false: the stream was cut). */
  complete: boolean;
  body: string;
  /** The client-side error code, '' when none. */
  error: string;
}

/** One request on a fresh connection (node:http, no agent), resolved when the exchange is over. */
export function fetchOnce(
  port: number,
  opts: { method?: string; path?: string; body?: string | Buffer; agent?: http.Agent } = {},
): Promise<Seen> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (seen: Seen): void => {
      if (settled) return;
      settled = true;
      resolve(seen);
    };
    const body = opts.body;
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: opts.method ?? 'GET',
        path: opts.path ?? FAULT_PATH,
        agent: opts.agent ?? false,
        headers: body === undefined ? {} : { 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        let error = '';
        res.setEncoding('latin1');
        res.on('data', (d: string) => {
          text += d;
        });
        res.on('error', (err: NodeJS.ErrnoException) => {
          error = err.code ?? err.message;
        });
        res.on('close', () =>
          settle({ status: res.statusCode ?? 0, complete: res.complete, body: text, error }),
        );
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) =>
      settle({ status: -1, complete: false, body: '', error: err.code ?? err.message }),
    );
    req.end(body);
  });
}
