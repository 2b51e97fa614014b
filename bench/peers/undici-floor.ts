/**
 * The floor of sloprobe's own design: node:http in front, an undici Pool behind, the same
 * raw undici handler methods, and nothing else (no routing, no recording, no checks, no
 * X-Forwarded-*, no request id). It does only what any correct proxy must: drop the
 * hop-by-hop headers of RFC 9110 7.6.1 and stream both bodies with backpressure. What the
 * sidecar costs above this peer is what sloprobe adds; what this peer costs is Node and
 * undici. Usage: node undici-floor.js UPSTREAM_URL PORT
 */

import http from 'node:http';
import { Pool } from 'undici';

const [target, portArg] = process.argv.slice(2);
const port = Number(portArg);
if (!target || !Number.isInteger(port) || port <= 0) {
  process.stderr.write('usage: undici-floor.js UPSTREAM_URL PORT\n');
  process.exit(2);
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function forwardable(raw: readonly (string | Buffer)[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = String(raw[i]);
    if (!HOP_BY_HOP.has(name.toLowerCase())) out.push(name, String(raw[i + 1]));
  }
  return out;
}

const pool = new Pool(target, { connections: 128 });

const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  let resume: (() => void) | null = null;
  res.on('drain', () => resume?.());
  const hasBody =
    req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
  pool.dispatch(
    {
      path: req.url ?? '/',
      method: req.method ?? 'GET',
      headers: forwardable(req.rawHeaders),
      body: hasBody ? req : null,
    },
    // The raw handler methods undici 7 calls directly, as sloprobe's Exchange uses them.
    {
      onConnect() {},
      onHeaders(status: number, raw: Buffer[], r: () => void) {
        if (status < 200) return true;
        resume = r;
        res.writeHead(status, forwardable(raw));
        return true;
      },
      onData(chunk: Buffer) {
        return res.write(chunk);
      },
      onComplete() {
        res.end();
      },
      onError() {
        if (res.headersSent) res.destroy();
        else res.writeHead(502).end();
      },
    } as never,
  );
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  void pool.destroy();
});
