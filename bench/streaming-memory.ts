/**
 * Memory held while a 100 MB upload and a 100 MB download stream through the proxy, each
 * to a receiver slower than its sender, so that a proxy that buffered instead of applying
 * backpressure would hold most of the 100 MB. Two figures per direction, as peak growth
 * over a baseline taken after a warm-up transfer (one-time allocations: JIT, parsers):
 *
 * - live Buffer memory after a full GC: data held, the sharp figure (a buffering proxy
 *   holds 70-100 MB here; this one about 1-15);
 * - process RSS: the whole process, coarse, because the allocator keeps freed memory.
 *
 *   npx tsc -p . && node dist/bench/streaming-memory.js
 *
 * Figures only, no assertion: memory depends on the machine, its load and the allocator,
 * so it belongs here and not in a test (test/proxy/streaming.test.ts checks the bytes).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ProxyServer } from '../src/proxy/server.js';

const TOTAL = 100 * 1024 * 1024;
const WARM_UP = 32 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 0x61);

// A full GC before each sample makes `arrayBuffers` count live buffers only. The flag is
// set at run time so that the script runs with a plain `node`.
v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Yields the same 64 KiB chunk until `total` bytes: the source itself allocates nothing. */
function source(total: number): Readable {
  let sent = 0;
  return new Readable({
    highWaterMark: CHUNK.length,
    read() {
      if (sent >= total) {
        this.push(null);
        return;
      }
      sent += CHUNK.length;
      this.push(CHUNK);
    },
  });
}

/** Counts bytes, completing each write one macrotask later: slower than loopback. */
function slowSink(): Writable {
  return new Writable({
    highWaterMark: CHUNK.length,
    write(_chunk: Buffer, _enc, done) {
      setImmediate(done);
    },
  });
}

interface Growth {
  rss: number;
  live: number;
}

async function peakGrowth(work: () => Promise<void>): Promise<Growth> {
  gc();
  const baseRss = process.memoryUsage.rss();
  const baseLive = process.memoryUsage().arrayBuffers;
  let rss = baseRss;
  let live = baseLive;
  const sample = (): void => {
    gc();
    const m = process.memoryUsage();
    if (m.rss > rss) rss = m.rss;
    if (m.arrayBuffers > live) live = m.arrayBuffers;
  };
  const sampler = setInterval(sample, 20);
  try {
    await work();
  } finally {
    clearInterval(sampler);
  }
  sample();
  return { rss: rss - baseRss, live: live - baseLive };
}

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

function upload(port: number, total: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'PUT',
        path: '/v1/files/big',
        agent: false,
        headers: { 'content-length': total },
      },
      (res) => {
        res.resume();
        res.on('end', resolve);
      },
    );
    req.on('error', reject);
    source(total).pipe(req);
  });
}

function download(port: number, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        pipeline(res, slowSink()).then(resolve, reject);
      })
      .on('error', reject);
  });
}

const mb = (n: number): string => `${(n / 1048576).toFixed(1)} MB`;

async function main(): Promise<void> {
  const upstream = http.createServer((req, res) => {
    if (req.method === 'PUT') {
      pipeline(req, slowSink()).then(
        () => res.end('stored'),
        () => res.destroy(),
      );
      return;
    }
    const total = req.url === '/warm-up' ? WARM_UP : TOTAL;
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': total });
    source(total).pipe(res);
  });
  const upstreamPort = await listen(upstream);
  const proxy = new ProxyServer({
    upstream: `http://127.0.0.1:${upstreamPort}`,
    timeouts: { connectMs: 2_000, headersMs: 30_000, bodyMs: 30_000, idleMs: 5_000 },
    lookup: () => 0,
    routeTimeoutMs: () => undefined,
    sink: { observe() {} },
  });
  const { port } = await proxy.listen('127.0.0.1', 0);
  try {
    await upload(port, WARM_UP);
    const up = await peakGrowth(() => upload(port, TOTAL));
    await download(port, '/warm-up');
    const down = await peakGrowth(() => download(port, '/v1/files/big'));
    console.log(`| ${mb(TOTAL)} through the proxy | live buffers, peak growth | RSS, peak growth |`);
    console.log('| --- | --- | --- |');
    console.log(`| upload (slow upstream) | ${mb(up.live)} | ${mb(up.rss)} |`);
    console.log(`| download (slow client) | ${mb(down.live)} | ${mb(down.rss)} |`);
  } finally {
    await proxy.close(1_000);
    upstream.closeAllConnections();
    upstream.close();
  }
}

await main();
