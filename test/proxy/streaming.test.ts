/**
 * "Request and response bodies stream in both directions with backpressure (a 100 MB
 * upload or download passes through in constant memory)". The receiving end of each
 * transfer is deliberately slower than the sending end, so the proxy's backpressure path
 * (undici pausing on the client, the client's 'drain' resuming it) carries every chunk.
 * This checks what arrives: every byte, and the exchange recorded once as answered. The
 * memory held meanwhile depends on the machine and its load, so it is measured by
 * `bench/streaming-memory.ts` (figures, no assertion), not asserted here.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { startPair } from './harness.js';

const TOTAL = 100 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 0x61);

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

test('a 100 MB upload streams through to a slower upstream, every byte', async (t) => {
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
  await upload(TOTAL);
  assert.equal(received, TOTAL, 'every byte arrived');
  const o = await px.sink.nth(1);
  assert.equal(o.status, 200);
  assert.ok(o.sliNs >= 0);
});

test('a 100 MB download streams through to a slower client, every byte', async (t) => {
  const { px } = await startPair(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': TOTAL });
    source(TOTAL).pipe(res);
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
  await download('/v1/files/big');
  assert.equal(received, TOTAL, 'every byte arrived');
  const o = await px.sink.nth(1);
  assert.equal(o.status, 200);
  assert.equal(o.errorReason, null);
});
