/**
 * The fixed upstream when nginx is not installed: answers every path with the same small
 * JSON body. Runs in its own process so it never shares an event loop with a peer or the
 * load generator. Usage: node upstream.js PORT
 */

import http from 'node:http';
import { UPSTREAM_BODY } from '../nginx.js';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write('usage: upstream.js PORT\n');
  process.exit(2);
}

// Built once: the upstream must cost as little as possible per request.
const BODY = Buffer.from(UPSTREAM_BODY);
const HEADERS = ['content-type', 'application/json', 'content-length', String(BODY.length)];

function onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
  // Request bodies are discarded, but read, so the connection stays reusable.
  req.resume();
  res.writeHead(200, HEADERS);
  res.end(BODY);
}

const server = http.createServer({ keepAliveTimeout: 60_000 }, onRequest);
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
