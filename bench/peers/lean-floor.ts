/**
 * The lean floor: the least a correct proxy on node:http + undici can do per request, written
 * the way a careful hot path is (as undici writes its own): one handler object per request
 * from a class, module-level functions for every event, no per-request closures or listener
 * registrations beyond the one `drain` hook, hop-by-hop headers of RFC 9110 7.6.1 dropped,
 * both bodies streamed with backpressure. No routing, recording, X-Forwarded-* or request
 * id. What sloprobe costs above this peer is what sloprobe adds; what this peer costs is
 * Node and undici. Usage: node lean-floor.js UPSTREAM_URL PORT [COUNT_PORT]
 *
 * With COUNT_PORT, `GET /metrics` there answers `lean_floor_requests_total N` (requests
 * received), so that bench/connections.ts counts this peer's requests as it counts the
 * sidecar's. The increment is paid whether or not the port is given.
 */

import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { Pool } from 'undici';

const [target, portArg, countPortArg] = process.argv.slice(2);
const port = Number(portArg);
const countPort = countPortArg === undefined ? undefined : Number(countPortArg);
if (!target || !Number.isInteger(port) || port <= 0 || (countPort !== undefined && !(countPort > 0))) {
  process.stderr.write('usage: lean-floor.js UPSTREAM_URL PORT [COUNT_PORT]\n');
  process.exit(2);
}

/** Hop-by-hop names by length first: most header names are rejected on a length compare. */
function hopByHop(lower: string): boolean {
  switch (lower.length) {
    case 2:
      return lower === 'te';
    case 7:
      return lower === 'trailer' || lower === 'upgrade';
    case 10:
      return lower === 'connection' || lower === 'keep-alive';
    case 16:
      return lower === 'proxy-connection';
    case 17:
      return lower === 'transfer-encoding';
    default:
      return false;
  }
}

function forwardable(raw: readonly (string | Buffer)[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = String(raw[i]);
    if (!hopByHop(name.toLowerCase())) out.push(name, String(raw[i + 1]));
  }
  return out;
}

const kLean = Symbol('lean');
type Res = ServerResponse & { [kLean]?: Lean };

/** undici 7's raw handler methods, as sloprobe's Exchange uses them. */
class Lean {
  resume: (() => void) | null = null;
  constructor(readonly res: Res) {}
  onConnect(): void {}
  onHeaders(status: number, raw: Buffer[], resume: () => void): boolean {
    if (status < 200) return true;
    this.resume = resume;
    this.res.writeHead(status, forwardable(raw));
    return true;
  }
  onData(chunk: Buffer): boolean {
    return this.res.write(chunk);
  }
  onComplete(): void {
    this.res.end();
  }
  onError(): void {
    if (this.res.headersSent) this.res.destroy();
    else this.res.writeHead(502).end();
  }
}

function onDrain(this: Res): void {
  this[kLean]?.resume?.();
}

const pool = new Pool(target, { connections: 128 });
let received = 0;

function handle(req: IncomingMessage, res: Res): void {
  received++;
  const lean = new Lean(res);
  res[kLean] = lean;
  res.on('drain', onDrain);
  const hasBody =
    req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
  pool.dispatch(
    {
      path: req.url ?? '/',
      method: req.method ?? 'GET',
      headers: forwardable(req.rawHeaders),
      body: hasBody ? req : null,
    },
    lean as never,
  );
}

const server = http.createServer({ keepAliveTimeout: 60_000 }, handle);
server.listen(port, '127.0.0.1');
const counter =
  countPort === undefined
    ? undefined
    : http
        .createServer((_req, res) => {
          res.end(`lean_floor_requests_total ${received}\n`);
        })
        .listen(countPort, '127.0.0.1');
process.on('SIGTERM', () => {
  counter?.close();
  server.close(() => process.exit(0));
  void pool.destroy();
});
