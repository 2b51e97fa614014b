/**
 * The live SLO runtime across a restart (or a reload, which builds a new runtime and a new
 * recorder the same way). The design: "restarting the sidecar must not reset an SLO"; the
 * monthly report's p99 comes from the stored hourly HDR histograms, so the hour a restart
 * falls in must keep the requests recorded before it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import type { ResolvedConfig } from '../../src/config/types.js';
import { createAppLog } from '../../src/log/app-log.js';
import { SloRuntime } from '../../src/slo/runtime.js';
import { Store } from '../../src/store/store.js';
import { Recorder } from '../../src/telemetry/recorder.js';
import { HOUR_MS, MINUTE_MS } from '../../src/time.js';
import { CONFIG_YAML } from '../replay/generate-log.js';
import { storeConfig, tempDir } from '../store/fixtures.js';
import { obs } from '../telemetry/fixtures.js';

const HOUR_START = Date.UTC(2026, 2, 2, 10, 0, 0);

interface Life {
  readonly recorder: Recorder;
  readonly runtime: SloRuntime;
}

function startLife(config: ResolvedConfig, clock: { ms: number }): Life {
  const now = () => clock.ms;
  const recorder = new Recorder(config.routes, { now });
  const runtime = SloRuntime.start(config, {
    recorder,
    bounds: recorder.layout.boundsSeconds,
    log: createAppLog({ level: 'silent' }),
    now,
    tickMs: 3_600_000, // the test ticks by hand
  });
  return { recorder, runtime };
}

function storedHour(config: ResolvedConfig, route: string): number {
  const store = Store.openReadOnly(config.store.dataDir);
  const hourMinute = HOUR_START / MINUTE_MS;
  const counts = store.readLatencyHistograms(hourMinute, hourMinute + 60).get(route);
  store.close();
  let n = 0;
  for (const c of counts ?? []) n += c;
  return n;
}

test('a restart within an hour keeps the hour’s stored latency histogram whole', (t) => {
  const config: ResolvedConfig = {
    ...parseConfig(CONFIG_YAML, '<test>'),
    store: storeConfig(tempDir(t)),
  };
  const route = config.routes[0]!.name;
  const clock = { ms: HOUR_START + 5 * MINUTE_MS };

  const first = startLife(config, clock);
  for (let i = 0; i < 100; i++) first.recorder.observe(obs({ startMs: clock.ms, sliMs: 40 }));
  clock.ms += 30_000; // the 10 s latency slices are complete
  first.runtime.close();
  assert.equal(storedHour(config, route), 100, 'before the restart');

  clock.ms += 60_000; // restarted a minute later, same hour
  const second = startLife(config, clock);
  for (let i = 0; i < 50; i++) second.recorder.observe(obs({ startMs: clock.ms, sliMs: 80 }));
  clock.ms += 30_000;
  second.runtime.close();
  assert.equal(storedHour(config, route), 150, 'the 100 requests before the restart are still in the hour');

  // The next hour starts from nothing: the carried counts belong to the hour of the restart.
  clock.ms = HOUR_START + HOUR_MS + 5 * MINUTE_MS;
  const third = startLife(config, clock);
  for (let i = 0; i < 7; i++) third.recorder.observe(obs({ startMs: clock.ms, sliMs: 40 }));
  clock.ms += 30_000;
  third.runtime.close();
  assert.equal(storedHour(config, route), 150, 'the earlier hour is unchanged');
  const store = Store.openReadOnly(config.store.dataDir);
  const next = HOUR_START / MINUTE_MS + 60;
  let n = 0;
  for (const c of store.readLatencyHistograms(next, next + 60).get(route) ?? []) n += c;
  store.close();
  assert.equal(n, 7);
});
