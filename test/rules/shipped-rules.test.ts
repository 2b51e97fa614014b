/**
 * Every shipped config's rules pass `promtool check rules` (syntax, PromQL, duplicate-rule
 * lint), in both output formats, and the CLI refuses bad flags with exit 2.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { configDir } from '../helpers/paths.js';
import { runCli } from '../helpers/spawn.js';
import { requireTool } from '../helpers/tools.js';

const shipped = readdirSync(configDir).filter((f) => f.endsWith('.yaml'));

for (const file of shipped) {
  test(`promtool check rules accepts the rules of config/${file}`, async (t) => {
    const promtool = requireTool(t, 'promtool', 'apt-get install prometheus');
    if (!promtool) return;
    const r = await runCli(['rules', '--config', join(configDir, file), '--selector', '{job="payments"}']);
    assert.equal(r.code, 0, r.stderr);
    const dir = mkdtempSync(join(tmpdir(), 'sloprobe-rules-'));
    writeFileSync(join(dir, 'rules.yaml'), r.stdout);
    const check = spawnSync(promtool, ['check', 'rules', join(dir, 'rules.yaml')], { encoding: 'utf8' });
    assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
    assert.match(check.stdout, /SUCCESS: \d+ rules found/);

    // The operator resource carries the same groups under spec.
    const op = await runCli(['rules', '--config', join(configDir, file), '--format', 'prometheus-operator']);
    assert.equal(op.code, 0, op.stderr);
    const resource = parse(op.stdout) as { kind: string; spec: { groups: unknown[] } };
    assert.equal(resource.kind, 'PrometheusRule');
    writeFileSync(join(dir, 'op.yaml'), `${JSON.stringify({ groups: resource.spec.groups })}\n`);
    const opCheck = spawnSync(promtool, ['check', 'rules', join(dir, 'op.yaml')], { encoding: 'utf8' });
    assert.equal(opCheck.status, 0, `${opCheck.stdout}${opCheck.stderr}`);
  });
}

test('every window of every SLO is recorded under Sloth names with the sloth_* labels', async () => {
  const r = await runCli(['rules', '--config', join(configDir, 'klarna.yaml'), '--service', 'checkout']);
  assert.equal(r.code, 0, r.stderr);
  const doc = parse(r.stdout) as {
    groups: Array<{ name: string; rules: Array<{ record?: string; labels?: Record<string, string> }> }>;
  };
  const ratio = doc.groups
    .flatMap((g) => g.rules)
    .filter(
      (x) => x.record === 'slo:sli_error:ratio_rate1h' && x.labels?.sloth_slo === 'disputes-availability',
    );
  assert.equal(ratio.length, 1);
  assert.deepEqual(ratio[0]!.labels, {
    sloth_id: 'checkout-disputes-availability',
    sloth_service: 'checkout',
    sloth_slo: 'disputes-availability',
    sloth_window: '1h',
    category: 'disputes',
    class: 'transaction-non-critical',
    route: 'disputes',
  });
  const records = new Set(doc.groups.flatMap((g) => g.rules).map((x) => x.record));
  for (const name of [
    'slo:sli_error:ratio_rate5m',
    'slo:sli_error:ratio_rate30m',
    'slo:sli_error:ratio_rate2h',
    'slo:sli_error:ratio_rate6h',
    'slo:sli_error:ratio_rate1d',
    'slo:sli_error:ratio_rate3d',
    'slo:sli_error:ratio_rate30d',
    'slo:objective:ratio',
    'slo:error_budget:ratio',
    'slo:time_period:days',
    'slo:current_burn_rate:ratio',
    'slo:period_burn_rate:ratio',
    'slo:period_error_budget_remaining:ratio',
    'sloth_slo_info',
  ]) {
    assert.ok(records.has(name), `${name} is recorded`);
  }
});

test('bad flags exit 2 with a message that says what to write', async () => {
  const cfg = join(configDir, 'klarna.yaml');
  const bad = await runCli(['rules', '--config', cfg, '--selector', '{job=payments}']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /is not a label matcher \(write \{job="payments"\}/);
  const format = await runCli(['rules', '--config', cfg, '--format', 'sloth']);
  assert.equal(format.code, 2);
  assert.match(format.stderr, /--format must be prometheus or prometheus-operator/);
  const missing = await runCli(['rules']);
  assert.equal(missing.code, 2);
});
