import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Store } from '../../src/store/store.js';
import { captureLog, MARCH_1, MINUTE_MS, storeConfig, tempDir } from './fixtures.js';

const M0 = MARCH_1 / MINUTE_MS;
const child = fileURLToPath(new URL('./writer-child.js', import.meta.url));

test('kill -9 loses nothing that writeRollups had returned from', async (t) => {
  const dir = tempDir(t);
  const proc = spawn(process.execPath, [child, dir, String(M0)], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => proc.kill('SIGKILL'));
  let acknowledged = 0;
  let buffered = '';
  const exited = once(proc, 'exit');
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const l of lines) acknowledged = Math.max(acknowledged, Number(l));
    // Kill in the middle of the stream of writes, not after it stopped.
    if (acknowledged >= 8) proc.kill('SIGKILL');
  });
  const [code, signal] = await exited;
  assert.equal(code, null);
  assert.equal(signal, 'SIGKILL');

  const { log, lines } = captureLog();
  const store = Store.open(storeConfig(dir), log);
  const rows = store.readRollups(M0, M0 + 1000);
  store.close();
  assert.deepEqual(lines, [], 'a killed writer leaves a healthy store');
  const orders = rows.filter((r) => r.route === 'orders').map((r) => r.minute - M0);
  for (let tick = 1; tick <= acknowledged; tick++) assert.ok(orders.includes(tick), `tick ${tick} survived`);
  const inProgress = rows.find((r) => r.route === 'in-progress');
  assert.ok(
    inProgress && inProgress.total >= acknowledged,
    'the re-sent minute is at least as recent as the last acknowledged write',
  );
});
