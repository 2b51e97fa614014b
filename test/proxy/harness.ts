/**
 * Loopback fixtures for the proxy tests: a real upstream http.Server, the ProxyServer in
 * front of it, a collecting sink, and clients (node:http and raw sockets). Everything
 * listens on 127.0.0.1 port 0 and is closed by the test that opened it.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { TestContext } from 'node:test';
import type { Timeouts } from '../../src/config/types.js';
import type { ProxyOptions } from '../../src/proxy/options.js';
import { ProxyServer } from '../../src/proxy/server.js';
import { copyObservation, type Observation, type ObservationSink } from '../../src/telemetry/observation.js';

/** A copy of one Observation's fields, taken when the sink was called. */
export type Observed = { -readonly [K in keyof Observation]: Observation[K] };

/** Keeps a copy of every observation; lets a test await the n-th one. */
export class CollectingSink implements ObservationSink {
  readonly seen: Observed[] = [];
  private waiters: Array<{ n: number; resolve: () => void }> = [];

  observe(o: Observation): void {
    this.seen.push(copyObservation(o) as Observed);
    this.waiters = this.waiters.filter((w) => {
      if (this.seen.length < w.n) return true;
      w.resolve();
      return false;
    });
  }

  /** Resolves once `n` observations have arrived. */
  count(n: number): Promise<void> {
    if (this.seen.length >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  /** Resolves with the `n`-th observation (1-based). */
  async nth(n: number): Promise<Observed> {
    await this.count(n);
    return this.seen[n - 1]!;
  }
}

/** Route indexes the fake route table hands out. */
export const ROUTE_PAYMENTS = 0;
export const ROUTE_SLOW = 1;
export const ROUTE_UNMATCHED = 2;

/** A stand-in for RouteTable.lookup that records its calls. */
export function fakeRoutes(): { lookup: (method: string, path: string) => number; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    lookup(method: string, path: string): number {
      calls.push(`${method} ${path}`);
      if (path.startsWith('/v1/payments')) return ROUTE_PAYMENTS;
      if (path.startsWith('/slow')) return ROUTE_SLOW;
      return ROUTE_UNMATCHED;
    },
  };
}

export const TIMEOUTS: Timeouts = { connectMs: 2_000, headersMs: 10_000, bodyMs: 10_000, idleMs: 5_000 };

export interface Upstream {
  readonly server: http.Server;
  readonly port: number;
  readonly url: string;
  /** Requests that reached the upstream, in order. */
  readonly requests: http.IncomingMessage[];
  /** TCP connections the upstream accepted. */
  connections: number;
  close(): Promise<void>;
}

export async function startUpstream(
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void,
): Promise<Upstream> {
  const server = http.createServer();
  const requests: http.IncomingMessage[] = [];
  const up = {
    server,
    port: 0,
    url: '',
    requests,
    connections: 0,
    close: async (): Promise<void> => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  server.on('connection', () => {
    up.connections++;
  });
  server.on('request', (req, res) => {
    requests.push(req);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  up.port = (server.address() as net.AddressInfo).port;
  up.url = `http://127.0.0.1:${up.port}`;
  return up;
}

/**
 * An upstream that reads each request and holds its response (in `held`, in arrival order)
 * until the test answers it; `arrived` resolves when the first request is held.
 */
export async function startHoldingUpstream(): Promise<
  Upstream & { held: http.ServerResponse[]; arrived: Promise<void> }
> {
  const held: http.ServerResponse[] = [];
  let first!: () => void;
  const arrived = new Promise<void>((resolve) => {
    first = resolve;
  });
  const up = await startUpstream((req, res) => {
    req.resume();
    req.on('end', () => {
      held.push(res);
      first();
    });
  });
  return Object.assign(up, { held, arrived });
}

/** An upstream that reads each body, then answers 201 `{}`, or 500 `{}` for the next `failNext` requests. */
export async function startFlakyUpstream(): Promise<Upstream & { failNext: number }> {
  let flaky: (Upstream & { failNext: number }) | undefined;
  const up = await startUpstream((req, res) => {
    req.resume();
    req.on('end', () => {
      if (flaky !== undefined && flaky.failNext > 0) {
        flaky.failNext--;
        res.writeHead(500).end('{}');
      } else res.writeHead(201).end('{}');
    });
  });
  flaky = Object.assign(up, { failNext: 0 });
  return flaky;
}

export interface Proxy {
  readonly proxy: ProxyServer;
  readonly port: number;
  readonly sink: CollectingSink;
  readonly routes: ReturnType<typeof fakeRoutes>;
  close(): Promise<void>;
}

export async function startProxy(upstream: string, overrides: Partial<ProxyOptions> = {}): Promise<Proxy> {
  const sink = new CollectingSink();
  const routes = fakeRoutes();
  const proxy = new ProxyServer({
    upstream,
    timeouts: TIMEOUTS,
    lookup: routes.lookup,
    routeTimeoutMs: () => undefined,
    sink,
    connections: 8,
    ...overrides,
  });
  const addr = await proxy.listen('127.0.0.1', 0);
  const close = async (): Promise<void> => {
    await proxy.close(1_000);
    // Every test closes its proxy: check there, once for all, that no request was
    // observed twice ("the sink is called exactly once per request").
    const ids = sink.seen.map((o) => o.requestId);
    assert.equal(new Set(ids).size, ids.length, `an observation per request, never two: ${ids.join(' ')}`);
  };
  return { proxy, port: addr.port, sink, routes, close };
}

/** Upstream echo handler: answers with what it received, as JSON. */
export function echo(req: http.IncomingMessage, res: http.ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.stringify({
      method: req.method,
      url: req.url,
      rawHeaders: req.rawHeaders,
      body: Buffer.concat(chunks).toString('utf8'),
    });
    res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'echo' });
    res.end(body);
  });
}

export interface Echoed {
  method: string;
  url: string;
  rawHeaders: string[];
  body: string;
}

/** All values of a header (case-insensitive) in a raw header list. */
export function headerValues(raw: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) out.push(raw[i + 1]!);
  return out;
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
}

/** One request through node:http, without connection reuse unless an agent is given. */
export function send(
  port: number,
  opts: {
    method?: string;
    path?: string;
    headers?: http.OutgoingHttpHeaders;
    body?: string | Buffer;
    agent?: http.Agent;
  },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: opts.method ?? 'GET',
        path: opts.path ?? '/',
        headers: opts.headers,
        agent: opts.agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            rawHeaders: res.rawHeaders,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Writes raw bytes on a fresh connection and returns everything read until the peer closes. */
export function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes, 'latin1'));
    let out = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      out += d;
    });
    socket.on('close', () => resolve(out));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET') resolve(out);
      else reject(err);
    });
  });
}

/** Parses the status line and headers of a raw HTTP/1.1 response. */
export function parseRaw(text: string): { status: number; headers: Map<string, string>; body: string } {
  const end = text.indexOf('\r\n\r\n');
  const head = end === -1 ? text : text.slice(0, end);
  const lines = head.split('\r\n');
  const status = Number(lines[0]?.split(' ')[1] ?? 0);
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).toLowerCase(), line.slice(i + 1).trim());
  }
  let body = end === -1 ? '' : text.slice(end + 4);
  if (headers.get('transfer-encoding') === 'chunked') body = dechunk(body);
  return { status, headers, body };
}

export interface FramedResponse {
  status: number;
  headers: Map<string, string>;
  body: string;
}

/**
 * Splits raw bytes into the HTTP/1.1 responses they hold, framed as a client frames them:
 * by Content-Length, chunked coding, or (neither) up to the end. `rest` is what follows
 * the last complete response; non-empty when the bytes end inside one.
 */
export function framedResponses(text: string): { responses: FramedResponse[]; rest: string } {
  const responses: FramedResponse[] = [];
  let at = 0;
  while (at < text.length) {
    const end = text.indexOf('\r\n\r\n', at);
    if (end === -1) break;
    const lines = text.slice(at, end).split('\r\n');
    const status = Number(lines[0]?.split(' ')[1] ?? 0);
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const i = line.indexOf(':');
      if (i > 0) headers.set(line.slice(0, i).toLowerCase(), line.slice(i + 1).trim());
    }
    const start = end + 4;
    const length = headers.get('content-length');
    let next: number;
    let body: string;
    if (headers.get('transfer-encoding') === 'chunked') {
      const last = text.indexOf('\r\n0\r\n\r\n', start - 2);
      if (last === -1) break;
      next = last + 7;
      body = dechunk(text.slice(start, next));
    } else if (length !== undefined) {
      next = start + Number(length);
      if (next > text.length) break;
      body = text.slice(start, next);
    } else {
      next = text.length;
      body = text.slice(start);
    }
    responses.push({ status, headers, body });
    at = next;
  }
  return { responses, rest: text.slice(at) };
}

function dechunk(text: string): string {
  let out = '';
  let i = 0;
  for (;;) {
    const eol = text.indexOf('\r\n', i);
    if (eol === -1) return out;
    const size = Number.parseInt(text.slice(i, eol), 16);
    if (!(size > 0)) return out;
    out += text.slice(eol + 2, eol + 2 + size);
    i = eol + 2 + size + 2;
  }
}

/** A port on 127.0.0.1 with nothing listening (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** An upstream and the proxy in front of it, both closed when the test ends. */
export async function startPair(
  t: Pick<TestContext, 'after'>,
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void,
  overrides: Partial<ProxyOptions> = {},
): Promise<{ up: Upstream; px: Proxy }> {
  const up = await startUpstream(handler);
  const px = await startProxy(up.url, overrides);
  t.after(async () => {
    await px.close();
    await up.close();
  });
  return { up, px };
}

/**
 * A bare TCP upstream that records every byte it receives and answers each request head
 * with `200 {}`: it does not parse framing, so nothing the proxy sends can hide in it.
 */
export interface RawUpstream {
  readonly url: string;
  /** Everything received, all connections concatenated, latin1. */
  received(): string;
  connections: number;
  close(): Promise<void>;
}

export async function startRawUpstream(): Promise<RawUpstream> {
  const chunks: string[] = [];
  const sockets = new Set<net.Socket>();
  const up = {
    url: '',
    connections: 0,
    received: () => chunks.join(''),
    close: async (): Promise<void> => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = net.createServer((socket) => {
    up.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.on('data', (d: Buffer) => {
      const text = d.toString('latin1');
      chunks.push(text);
      const heads = text.split('\r\n\r\n').length - 1;
      for (let i = 0; i < heads; i++) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  up.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return up;
}
