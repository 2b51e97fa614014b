/**
 * The naive peer: a bare `http-proxy` with a keep-alive agent, doing what a hand-rolled
 * Node proxy does (forward, add X-Forwarded-*), and nothing else. Usage:
 * node http-proxy.js UPSTREAM_URL PORT
 */

import http from 'node:http';
import httpProxy from 'http-proxy';

const [target, portArg] = process.argv.slice(2);
const port = Number(portArg);
if (!target || !Number.isInteger(port) || port <= 0) {
  process.stderr.write('usage: http-proxy.js UPSTREAM_URL PORT\n');
  process.exit(2);
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });
const proxy = httpProxy.createProxyServer({ target, agent, xfwd: true });

proxy.on('error', (_err, _req, res) => {
  if (res instanceof http.ServerResponse && !res.headersSent) {
    res.writeHead(502, { 'content-type': 'application/json' });
    res.end('{"error":"bad gateway"}\n');
  } else {
    res.destroy();
  }
});

const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => proxy.web(req, res));
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  agent.destroy();
});
