/**
 * "Request and response bodies stream in both directions with backpressure (a 100 MB
 * upload or download passes through in constant memory)" (issue 2). The receiving end of
 * each transfer is deliberately slower than the sending end, so a proxy that buffered
 * instead of applying backpressure would hold most of the 100 MB. Two measures: live
 * Buffer memory after a full GC (held data, the sharp one: a buffering proxy holds 70-100
 * MB here, this one under 15) and process RSS growth (the bound; coarse, because
 * the allocator keeps freed memory, hence the warm-up transfer before the baseline).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startPair } from './harness.js';

const TOTAL = 100 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 0x61);
/** A first, small transfer, so that one-time allocations (JIT, parsers) precede the baseline. */
const WARM_UP = 32 * 1024 * 1024;
/** Well under the 100 MB that a buffering proxy would hold. */
const MAX_LIVE = 32 * 1024 * 1024;
/** The bound on the process as a whole (malloc keeps freed memory, so RSS is coarse). */
const MAX_RSS_GROWTH = 60 * 1024 * 1024;

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

/** Counts bytes, completing each write one macrotask later: a consumer slower than loopback. */
function slowSink(): Writable & { bytes: number } {
  const sink = new Writable({
    highWaterMark: CHUNK.length,
    write(chunk: Buffer, _enc, done) {
      sink.bytes += chunk.length;
      setImmediate(done);
    },
  }) as Writable & { bytes: number };
  sink.bytes = 0;
  return sink;
}

// A full GC before each sample makes `arrayBuffers` count live buffers only, so what is
// measured is data held, not garbage awaiting collection. The flag is set at run time
// because the test runner starts this file without it.
v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

interface Growth {
  /** Peak process RSS above the baseline. */
  rss: number;
  /** Peak live ArrayBuffer memory (Buffers) above the baseline. */
  live: number;
}

/** Samples memory every few milliseconds while `work` runs; returns the peak growth. */
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

const mb = (n: number): string => `${(n / 1048576).toFixed(1)} MB`;

test('a 100 MB upload streams through in constant memory', async (t) => {
  let received = 0;
  const { px } = await startPair(t, (req, res) => {
    const sink = slowSink();
    pipeline(req, sink).then(
      () => {
        received = sink.bytes;
        res.end('stored');
      },
      () => res.destroy(),
    );
  });
  const upload = (total: number) =>
    new Promise<void>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: px.port,
          method: 'PUT',
          path: '/v1/files/big',
          agent: false,
          headers: { 'content-length': total },
        },
        (res) => {
          assert.equal(res.statusCode, 200);
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      source(total).pipe(req);
    });
  await upload(WARM_UP);
  const growth = await peakGrowth(() => upload(TOTAL));
  assert.equal(received, TOTAL, 'every byte arrived');
  assert.ok(growth.live < MAX_LIVE, `live buffers grew by ${mb(growth.live)}`);
  assert.ok(growth.rss < MAX_RSS_GROWTH, `RSS grew by ${mb(growth.rss)}`);
  const o = await px.sink.nth(2);
  assert.equal(o.status, 200);
  assert.ok(o.sliNs >= 0);
});

test('a 100 MB download streams through in constant memory', async (t) => {
  const { px } = await startPair(t, (req, res) => {
    const total = req.url === '/warm-up' ? WARM_UP : TOTAL;
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': total });
    source(total).pipe(res);
  });
  let received = 0;
  const download = (path: string) =>
    new Promise<void>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: px.port, path, agent: false }, (res) => {
        const sink = slowSink();
        pipeline(res, sink).then(() => {
          received = sink.bytes;
          resolve();
        }, reject);
      });
      req.on('error', reject);
    });
  await download('/warm-up');
  const growth = await peakGrowth(() => download('/v1/files/big'));
  assert.equal(received, TOTAL, 'every byte arrived');
  assert.ok(growth.live < MAX_LIVE, `live buffers grew by ${mb(growth.live)}`);
  assert.ok(growth.rss < MAX_RSS_GROWTH, `RSS grew by ${mb(growth.rss)}`);
  const o = await px.sink.nth(2);
  assert.equal(o.status, 200);
  assert.equal(o.errorReason, null);
});
