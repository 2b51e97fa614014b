/**
 * `kill -9` of a process with pending deliveries (docs/sla-definitions.md#downtime-webhooks):
 * after a restart on the same store no event is lost, the same event ids are used, and an
 * event the receiver acknowledged is not sent again. Real processes, a real receiver, real
 * sockets; every step waits on a request or a line of output, never on time.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startReceiver } from './receiver.js';

const child = fileURLToPath(new URL('./outbox-child.js', import.meta.url));

function start(dir: string, url: string, mode: string) {
  const proc = spawn(process.execPath, [child, dir, url, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const waiters: Array<{ re: RegExp; resolve: (m: RegExpMatchArray) => void }> = [];
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    for (let i = waiters.length - 1; i >= 0; i--) {
      const m = out.match(waiters[i]!.re);
      if (m) waiters.splice(i, 1)[0]!.resolve(m);
    }
  });
  const line = (re: RegExp) =>
    new Promise<RegExpMatchArray>((resolve) => {
      const m = out.match(re);
      if (m) resolve(m);
      else waiters.push({ re, resolve });
    });
  return { proc, line };
}

async function kill9(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = once(proc, 'exit');
  proc.kill('SIGKILL');
  await exited;
}

test('kill -9 with pending deliveries, restart: nothing lost, same ids, nothing acknowledged sent again', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sloprobe-outbox-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // Attempts 1-5 fail (500); the process is killed while attempt 4 waits for its answer;
  // from attempt 6 on the receiver says 200.
  const rx = await startReceiver((i) => (i === 4 ? 'hang' : { status: i <= 5 ? 500 : 200 }));
  t.after(() => rx.close());

  const first = start(dir, rx.url, 'enqueue');
  t.after(() => kill9(first.proc));
  const [, a, b, c] = (await first.line(/enqueued (\S+) (\S+) (\S+)\n/)) as unknown as string[];
  assert.ok(a && b && c);
  await rx.waitFor(4);
  await kill9(first.proc);
  rx.hung[0]?.destroy();

  const second = start(dir, rx.url, 'resume');
  t.after(() => kill9(second.proc));
  assert.equal((await second.line(/pending (\d+)\n/))[1], '3', 'all three events survived the kill');
  // 5 (fails), 6 started OK, 7 updated, 8 resolved; killed once the last one is marked
  // (killed earlier, the last one would be sent again: at-least-once, same id).
  await second.line(/"event":"payment\.downtime\.resolved"[^\n]*"msg":"webhook delivered"/);
  await kill9(second.proc);

  const third = start(dir, rx.url, 'resume');
  t.after(() => kill9(third.proc));
  assert.equal((await third.line(/pending (\d+)\n/))[1], '0', 'every acknowledged event is marked delivered');
  await kill9(third.proc);

  const got = rx.received.map((r) => [r.headers['x-razorpay-event-id'], JSON.parse(r.body).event]);
  assert.deepEqual(got, [
    [a, 'payment.downtime.started'],
    [a, 'payment.downtime.started'],
    [a, 'payment.downtime.started'],
    [a, 'payment.downtime.started'], // killed while this one waited
    [a, 'payment.downtime.started'], // after the restart: same id
    [a, 'payment.downtime.started'], // 200
    [b, 'payment.downtime.updated'],
    [c, 'payment.downtime.resolved'],
  ]);
});
