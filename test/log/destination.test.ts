/**
 * The access log's destination (src/log/destination.ts): files are written from the main
 * thread at once; a pipe is written without ever blocking the proxy, what a stalled reader
 * cannot take waits up to the cap and whole batches past it are dropped and counted, and the
 * reader still gets whole lines in order.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAccessLog } from '../../src/log/access-log.js';
import { openFifo } from '../helpers/fifo.js';
import { obs, seedRoutes } from '../telemetry/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'sloprobe-destination-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function ids(text: string): number[] {
  if (text === '') return [];
  return text
    .trimEnd()
    .split('\n')
    .map((l) => Number((JSON.parse(l) as { request_id: string }).request_id.slice(1)));
}

describe('access log destination', () => {
  it('writes a file from the main thread: the lines are there as soon as the batch is flushed', async () => {
    const path = join(dir, 'direct.log');
    const log = createAccessLog({ kind: 'file', path }, seedRoutes());
    for (let i = 0; i < 3; i++) log.observe(obs({ requestId: `r${i}` }));
    log.flush();
    // No await in between: a write handed to a thread would not have landed yet.
    assert.deepEqual(ids(readFileSync(path, 'utf8')), [0, 1, 2]);
    await log.close();
  });

  it('never blocks on a pipe whose reader stalls, and counts what it had to drop', async (t) => {
    const fifo = openFifo(t, dir, 'stalled');
    if (fifo === undefined) return;
    // 256 KiB may wait besides the pipe's own 64 KiB; 20,000 lines are ~5 MB.
    const log = createAccessLog({ kind: 'file', path: fifo.path }, seedRoutes(), {
      maxBufferBytes: 256 * 1024,
    });
    const n = 20_000;
    // Written while nobody reads: had a write blocked, this loop would never end.
    for (let i = 0; i < n; i++) {
      log.observe(obs({ requestId: `r${i}` }));
      if (i % 100 === 99) log.flush();
    }
    log.flush();
    assert.ok(log.droppedLines > 0, 'a stalled reader makes the log drop batches');
    // The reader wakes up: what waited follows, retried by the destination's timer.
    let text = '';
    for (let idle = 0; idle < 10; ) {
      const got = fifo.readAvailable();
      text += got;
      idle = got === '' ? idle + 1 : 0;
      await sleep(20);
    }
    await log.close();
    text += fifo.readAvailable();
    const got = ids(text);
    assert.ok(got.length > 1000, `${got.length} lines reached the reader`);
    // Whole lines (each parsed above), in order, none twice.
    for (let i = 1; i < got.length; i++) assert.ok(got[i]! > got[i - 1]!, `line ${i} out of order`);
    assert.equal(got.length + log.droppedLines, n, 'every line is either delivered or counted as dropped');
  });

  it('reports a pipe whose reader went away once, and counts its lines as dropped', async (t) => {
    const fifo = openFifo(t, dir, 'gone');
    if (fifo === undefined) return;
    const errors: unknown[] = [];
    const log = createAccessLog({ kind: 'file', path: fifo.path }, seedRoutes(), {
      onError: (err) => errors.push(err),
    });
    fifo.close();
    for (let i = 0; i < 10; i++) {
      log.observe(obs({ requestId: `r${i}` }));
      log.flush();
    }
    await log.close();
    assert.equal(errors.length, 1);
    assert.equal((errors[0] as NodeJS.ErrnoException).code, 'EPIPE');
    assert.equal(log.droppedLines, 10);
  });
});
