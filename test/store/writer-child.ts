/**
 * Child process for durability.test.ts: writes rollups every 100 ms, like the live
 * recorder does every second, and prints the tick number after each write returns.
 * Does nothing when run without arguments (the test runner loads every file here).
 */
import { writeSync } from 'node:fs';
import { Store } from '../../src/store/store.js';
import { rollup, storeConfig } from './fixtures.js';

const dataDir = process.argv[2];
const baseMinute = Number(process.argv[3]);
if (dataDir !== undefined) {
  const store = Store.open(storeConfig(dataDir), () => {});
  let tick = 0;
  setInterval(() => {
    tick++;
    store.writeRollups([
      // A new minute per tick: every acknowledged one must survive.
      rollup(baseMinute + tick, 'orders', tick),
      // The minute in progress, re-sent with a growing count.
      rollup(baseMinute, 'in-progress', tick),
    ]);
    writeSync(1, `${tick}\n`);
  }, 100);
}
