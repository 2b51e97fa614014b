/**
 * The upstream of the soak and crash scripts: node:http in its own process that answers 200
 * with a small JSON body, 500 when the request carries `x-bench-fail: 1` (the client decides
 * which requests fail, so it knows how many errors to expect), and for `x-bench-slow: 1`
 * sends its headers and a first chunk at once and the rest 2 s later, so a client can abort
 * mid-download after seeing the headers (it then knows the sidecar had the request).
 * Usage: node endurance-upstream.js PORT
 */

import http from 'node:http';
import { UPSTREAM_BODY } from '../nginx.js';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write('usage: endurance-upstream.js PORT\n');
  process.exit(2);
}

const BODY = Buffer.from(UPSTREAM_BODY);
const OK = ['content-type', 'application/json', 'content-length', String(BODY.length)];
const FAIL_BODY = Buffer.from('{"error":"bench-injected"}\n');
const FAIL = ['content-type', 'application/json', 'content-length', String(FAIL_BODY.length)];
const SLOW_TAIL_MS = 2000;

function onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
  req.resume();
  if (req.headers['x-bench-fail'] === '1') {
    res.writeHead(500, FAIL);
    res.end(FAIL_BODY);
    return;
  }
  if (req.headers['x-bench-slow'] === '1') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"slow":');
    const t = setTimeout(() => res.end('true}\n'), SLOW_TAIL_MS);
    res.once('close', () => clearTimeout(t));
    return;
  }
  res.writeHead(200, OK);
  res.end(BODY);
}

const server = http.createServer({ keepAliveTimeout: 60_000 }, onRequest);
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
