/**
 * `kill -9` of a process with pending mail: after a restart on the same store no message is
 * lost, each keeps its Message-ID, and a message the SMTP server accepted is not sent again.
 * Real processes, a real SMTP server on loopback; every step waits on a message or a line of
 * output, never on time.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startSmtp } from './smtp.js';

const child = fileURLToPath(new URL('./mail-child.js', import.meta.url));

function start(dir: string, port: number, mode: string) {
  const proc = spawn(process.execPath, [child, dir, String(port), mode], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
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

test('kill -9 with pending mail, restart: nothing lost, same Message-IDs, nothing accepted sent again', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sloprobe-mail-crash-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // Attempts 1-2 answered 451; the process is killed while attempt 3 waits for its answer;
  // from attempt 4 on the server accepts.
  const smtp = await startSmtp({ rejectFirst: 2, hangAt: 3 });
  t.after(() => smtp.close());

  const first = start(dir, smtp.port, 'enqueue');
  t.after(() => kill9(first.proc));
  const [, a, b, c] = (await first.line(/enqueued (\S+) (\S+) (\S+)\n/)) as unknown as string[];
  assert.ok(a && b && c);
  await smtp.waitForAttempts(3);
  await kill9(first.proc);
  assert.equal(smtp.received.length, 0);

  const second = start(dir, smtp.port, 'resume');
  t.after(() => kill9(second.proc));
  assert.equal((await second.line(/pending (\d+)\n/))[1], '3', 'all three messages survived the kill');
  await smtp.waitFor(3);
  await second.line(/"event":"payment\.downtime\.resolved"[^\n]*"msg":"email delivered"/);
  await kill9(second.proc);

  const third = start(dir, smtp.port, 'resume');
  t.after(() => kill9(third.proc));
  assert.equal((await third.line(/pending (\d+)\n/))[1], '0', 'every accepted message is marked delivered');
  await kill9(third.proc);

  assert.deepEqual(
    smtp.received.map((m) => [m.messageId, m.subject]),
    [
      [`<${a}@example.com>`, '[sloprobe] card downtime started (high)'],
      [`<${b}@example.com>`, '[sloprobe] card downtime updated (high)'],
      [`<${c}@example.com>`, '[sloprobe] card downtime resolved'],
    ],
  );
  // 451, 451, killed while waiting, accepted after the restart: the same id each time.
  assert.deepEqual(
    smtp.attempts.map((m) => m.messageId),
    [a, a, a, a, b, c].map((id) => `<${id}@example.com>`),
  );
});
