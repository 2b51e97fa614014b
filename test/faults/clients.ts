/**
 * Misbehaving clients of the fault suite, each a real socket: one that gives up halfway
 * through its upload or its download, one that sends its headers a byte at a time, one
 * that never reads its response, and a keep-alive load. Each returns what it saw.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { Sidecar } from '../../src/sidecar.js';
import type { FaultUpstream } from './fault-upstream.js';
import { FAULT_PATH, fetchOnce, type Seen, until } from './harness.js';

/** What a client action gets: where the sidecar listens and the upstream behind it. */
export interface CaseRun {
  readonly port: number;
  readonly up: FaultUpstream;
  readonly sidecar: Sidecar;
}

const GONE: Seen = { status: -1, complete: false, body: '', error: 'aborted by the client' };

function closed(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) resolve();
    else socket.once('close', () => resolve());
  });
}

/** Sends a GET and leaves once the upstream has it, before any answer. */
export async function abortBeforeHeaders(run: CaseRun): Promise<Seen[]> {
  const req = http.get({ host: '127.0.0.1', port: run.port, path: FAULT_PATH, agent: false });
  req.on('error', () => {});
  await until('the upstream received the request', () => run.up.requests === 1);
  req.destroy();
  if (req.socket !== null) await closed(req.socket);
  return [GONE];
}

/** Announces 1 MB, sends 64 KiB, and leaves once the upstream has the request head. */
export async function abortMidUpload(run: CaseRun): Promise<Seen[]> {
  const req = http.request({
    host: '127.0.0.1',
    port: run.port,
    method: 'POST',
    path: FAULT_PATH,
    agent: false,
    headers: { 'content-length': 1_000_000 },
  });
  req.on('error', () => {});
  req.write(Buffer.alloc(64 * 1024, 0x61));
  await until('the upstream received the request head', () => run.up.requests === 1);
  req.destroy();
  if (req.socket !== null) await closed(req.socket);
  return [GONE];
}

/** Reads the status and the first body bytes of a long download, then leaves. */
export async function abortMidDownload(run: CaseRun): Promise<Seen[]> {
  const status = await new Promise<number>((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: run.port, path: FAULT_PATH, agent: false }, (res) => {
      res.once('data', () => {
        res.destroy();
        resolve(res.statusCode ?? 0);
      });
    });
    req.on('error', reject);
  });
  assert.equal(status, 200, 'the download had begun');
  return [GONE];
}

/**
 * Sends a request head one byte every `everyMs` and collects whatever comes back until the
 * sidecar closes the connection. Every byte resets an idle timer, so only a deadline on
 * the headers as a whole can end this before the head is complete.
 */
export function slowloris(everyMs: number): (run: CaseRun) => Promise<Seen[]> {
  return async (run) => {
    const head = `GET ${FAULT_PATH} HTTP/1.1\r\nHost: sidecar\r\nX-Padding: ${'p'.repeat(4096)}\r\n\r\n`;
    const socket = net.connect(run.port, '127.0.0.1');
    let received = '';
    let sent = 0;
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      received += d;
    });
    socket.on('error', () => {});
    const timer = setInterval(() => {
      if (sent < head.length && socket.writable) socket.write(head[sent++]!);
    }, everyMs);
    await closed(socket);
    clearInterval(timer);
    assert.ok(sent < head.length, `cut before the head was complete (${sent} of ${head.length} bytes sent)`);
    const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(received)?.[1] ?? -1);
    return [{ status, complete: true, body: received.slice(received.indexOf('\r\n\r\n') + 4), error: '' }];
  };
}

/** Connects and sends nothing at all: a connection must not be held forever for free. */
export async function silentConnection(run: CaseRun): Promise<Seen[]> {
  const socket = net.connect(run.port, '127.0.0.1');
  let received = '';
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => {
    received += d;
  });
  socket.on('error', () => {});
  await closed(socket);
  assert.equal(received, '', 'there was no request to answer');
  return [GONE];
}

const MiB = 1024 * 1024;

/**
 * Asks for a `bodyMiB` download and never reads a byte of it. The sidecar must stop
 * reading the upstream once its client-side buffer is full: the upstream gets to write
 * what the socket buffers along the way hold, not the body. Bound, worked from this
 * machine's limits (net.ipv4.tcp_wmem max 4 MiB, tcp_rmem max 32 MiB): the upstream's send
 * buffer 4 + the sidecar's receive buffer 32 + the sidecar's send buffer 4 + the client's
 * receive buffer 32 = 72 MiB, plus the sidecar's own stream buffers (one 64 KiB chunk over
 * a 16 KiB high-water mark): under 80 MiB whatever the kernel's autotuning does. The body
 * is 200 MiB, so a sidecar that buffered it would fail both bounds.
 */
export function neverReads(bodyMiB: number): (run: CaseRun) => Promise<Seen[]> {
  return async (run) => {
    global.gc?.();
    const rssBefore = process.memoryUsage.rss();
    const socket = net.connect(run.port, '127.0.0.1');
    socket.on('error', () => {});
    socket.write(`GET ${FAULT_PATH} HTTP/1.1\r\nHost: sidecar\r\n\r\n`);
    socket.pause();
    await until('the upstream began writing', () => run.up.flushed > 0);
    // The upstream stops when every buffer on the way is full; wait until it has been
    // stopped for ten polls in a row (or wrote everything, which the bound then fails).
    let last = -1;
    let still = 0;
    await until('the upstream stopped writing', () => {
      const now = run.up.flushed;
      still = now === last && run.up.blocked ? still + 1 : 0;
      last = now;
      return still >= 10 || now >= bodyMiB * MiB;
    });
    const rssGrowth = process.memoryUsage.rss() - rssBefore;
    const flushed = run.up.flushed;
    console.log(
      `# never-reading client: upstream wrote ${(flushed / MiB).toFixed(1)} MiB of ${bodyMiB} MiB; RSS grew ${(rssGrowth / MiB).toFixed(1)} MiB`,
    );
    assert.ok(flushed < 80 * MiB, `the upstream wrote ${flushed} bytes: the sidecar kept reading`);
    assert.ok(rssGrowth < 64 * MiB, `RSS grew by ${rssGrowth} bytes while the client read nothing`);
    socket.destroy();
    await closed(socket);
    return [GONE];
  };
}

/**
 * `total` requests, `concurrency` at a time, over kept-alive client connections; every
 * `postEvery`-th is a POST with a body, the others GETs. Returns one Seen per request, with
 * `body` holding the method for the case's own check.
 */
export function keepAliveLoad(total: number, concurrency: number, postEvery: number) {
  return async (run: CaseRun): Promise<Seen[]> => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
    const seen: Seen[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < total) {
        const i = next++;
        const post = i % postEvery === 0;
        const s = await fetchOnce(
          run.port,
          post ? { method: 'POST', body: '{"amount":100}', agent } : { agent },
        );
        seen.push({ ...s, body: post ? 'POST' : 'GET' });
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    agent.destroy();
    return seen;
  };
}
