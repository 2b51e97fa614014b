/**
 * The design: "A restart restores every window and the period budget: restarting the sidecar
 * must not reset an SLO." The engine of a sidecar that ran through the data and the engine
 * of one restarted from the store (the last period + 3 days of rollups) must agree.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { mulberry32 } from '../../src/demo/random.js';
import { SloEngine } from '../../src/slo/engine.js';
import { maxPeriodMinutes } from '../../src/slo/period.js';
import { Store } from '../../src/store/store.js';
import { latencyBucketBounds } from '../../src/telemetry/buckets.js';
import type { MinuteRollup } from '../../src/telemetry/rollup.js';
import { CONFIG_YAML } from '../replay/generate-log.js';
import { captureLog, DAY_MS, MINUTE_MS, storeConfig, tempDir } from './fixtures.js';

const START = Date.UTC(2025, 4, 20);

/** 40 days of two routes, with a 30-minute outage of 500s 2 days before `now` and a slow hour. */
function traffic(bucketCount: number, days: number): MinuteRollup[] {
  const rng = mulberry32(7);
  const rows: MinuteRollup[] = [];
  const first = START / MINUTE_MS;
  const outage = first + (days - 2) * 1440;
  for (let m = first; m < first + days * 1440; m++) {
    for (const route of ['transaction-create', 'transaction-read']) {
      const total = 20 + Math.floor(rng() * 20);
      const bad = m >= outage && m < outage + 30 ? Math.floor(total / 4) : rng() < 0.01 ? 1 : 0;
      const buckets = new Array<number>(bucketCount).fill(0);
      const slow = route === 'transaction-create' && m % 600 < 60 ? 3 : 0;
      buckets[3] = total - slow;
      buckets[bucketCount - 1] = slow;
      rows.push({
        minute: m,
        route,
        total,
        good: total - bad,
        bad,
        excluded: 0,
        slow,
        errors: bad,
        distinct: total,
        buckets,
      });
    }
  }
  return rows;
}

for (const period of ['calendar-month', '30d']) {
  test(`a store reopened after a restart gives the engine the same windows and budget (period ${period})`, (t) => {
    const cfg = parseConfig(CONFIG_YAML.replace('period: calendar-month', `period: ${period}`), '<test>');
    const bounds = latencyBucketBounds(cfg.routes);
    const days = 40;
    const rows = traffic(bounds.length + 1, days);
    const now = START + days * DAY_MS - 1;

    const live = new SloEngine(cfg, { bucketBoundsSeconds: bounds });
    const dir = tempDir(t);
    const store = Store.open(storeConfig(dir), captureLog().log);
    // As the sidecar does: the recorder's rollups go to the engine and the store together.
    for (let i = 0; i < rows.length; i += 240) {
      const batch = rows.slice(i, i + 240);
      live.ingest(batch);
      store.writeRollups(batch);
    }
    store.compact(now);
    store.close();
    const before = live.evaluate(now);

    const reopened = Store.open(storeConfig(dir), captureLog().log);
    const longest = Math.max(...cfg.slos.map((s) => maxPeriodMinutes(s.period)));
    const nowMinute = Math.floor(now / MINUTE_MS);
    const restored = new SloEngine(cfg, { bucketBoundsSeconds: bounds });
    restored.ingest(reopened.readRollups(nowMinute - longest - 3 * 1440, nowMinute + 1));
    reopened.close();
    const after = restored.evaluate(now);

    assert.equal(after.length, before.length);
    for (let i = 0; i < before.length; i++) {
      const b = before[i]!;
      const a = after[i]!;
      assert.equal(a.name, b.name);
      assert.equal(a.budgetRemaining, b.budgetRemaining, `${b.name} budget`);
      assert.deepEqual(a.windows, b.windows, `${b.name} windows`);
      assert.deepEqual(a.timeslices, b.timeslices, `${b.name} timeslices`);
      assert.deepEqual(a.flags, b.flags, `${b.name} flags`);
    }
    // Not a vacuous comparison: the outage burned budget.
    assert.ok(before.some((s) => s.budgetRemaining < 1));
  });
}
