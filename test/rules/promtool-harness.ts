/**
 * Runs `promtool test rules` on generated rules: the rules of a config are written next to a
 * unit-test file built from `tests`, and promtool evaluates them on the input series. The
 * expected values in the callers are worked out by hand; promtool only does the arithmetic.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { parseConfig } from '../../src/config/load.js';
import type { ResolvedConfig } from '../../src/config/types.js';
import { renderRules, ruleGroups } from '../../src/rules/generate.js';
import type { AlertingRule } from '../../src/rules/names.js';

export interface PromtoolResult {
  readonly status: number | null;
  readonly output: string;
}

export function config(yaml: string, name = 'fleet-test.yaml'): ResolvedConfig {
  return parseConfig(yaml, name);
}

export function rulesFor(cfg: ResolvedConfig): string {
  return renderRules(cfg, 'prometheus', { version: 'test' });
}

/** The annotations promtool must see on an alert of `slo` (the text itself is not under test). */
export function annotationsOf(
  cfg: ResolvedConfig,
  slo: string,
  alert: string,
  severity: string,
): Record<string, string> {
  for (const g of ruleGroups(cfg, { version: 'test' })) {
    for (const r of g.rules) {
      const a = r as AlertingRule;
      if (a.alert === alert && a.labels.sloth_slo === slo && a.labels.severity === severity)
        return a.annotations;
    }
  }
  throw new Error(`no ${alert} ${severity} rule for ${slo}`);
}

export function promtoolTest(promtool: string, cfg: ResolvedConfig, tests: unknown[]): PromtoolResult {
  const dir = mkdtempSync(join(tmpdir(), 'sloprobe-promtool-'));
  writeFileSync(join(dir, 'rules.yaml'), rulesFor(cfg));
  writeFileSync(
    join(dir, 'test.yaml'),
    stringify({ rule_files: ['rules.yaml'], evaluation_interval: '1m', tests }, { lineWidth: 0 }),
  );
  const r = spawnSync(promtool, ['test', 'rules', 'test.yaml'], { cwd: dir, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** A `sloprobe_requests_total` input series of one replica. */
export function requests(
  labels: { instance: string; route: string; code: string; outcome: string; category: string; class: string },
  values: string,
): { series: string; values: string } {
  const l = { job: 'payments', method: 'POST', ...labels };
  const text = Object.entries(l)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  return { series: `sloprobe_requests_total{${text}}`, values };
}

/** `{a="b",...}` for exp_samples / exp_labels written out. */
export function labelText(labels: Record<string, string>): string {
  return `{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')}}`;
}
