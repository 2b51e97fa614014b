/**
 * `sloprobe openslo` then `sloprobe import openslo --config`: the config that comes back
 * resolves to the same SLOs as the one that went out (every field of every SLO, generated and
 * explicit), and OpenSLO documents that do not map are skipped with their reason.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadConfigFile, parseConfig } from '../../src/config/load.js';
import { opensloCommand } from '../../src/openslo/export-command.js';
import { importOpensloCommand } from '../../src/openslo/import-command.js';
import { configDir, repoRoot } from '../helpers/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'sloprobe-openslo-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } },
  };
}

async function exportTo(config: string, file: string): Promise<void> {
  const c = capture();
  assert.equal(await opensloCommand(['--config', config, '-o', file], c.io), 0, c.err.join(''));
}

const CONFIGS = [
  join(configDir, 'klarna.yaml'),
  join(configDir, 'curlec.yaml'),
  join(configDir, 'paywithmybank.yaml'),
  join(repoRoot, 'test', 'fixtures', 'openslo', 'every-slo.yaml'),
];

test('export -> import into the same config -> the same resolved SLOs', async () => {
  for (const config of CONFIGS) {
    const file = join(dir, 'out.openslo.yaml');
    await exportTo(config, file);
    const c = capture();
    assert.equal(await importOpensloCommand([file, '--config', config], c.io), 0, c.err.join(''));
    const before = loadConfigFile(config);
    const back = parseConfig(c.out.join(''), 'round-trip');
    assert.deepEqual(back.slos, before.slos, config);
    // Only the generated SLOs are skipped, each for that reason.
    const generated = before.slos.filter((s) => s.generated).length;
    const skippedLines = c.err
      .join('')
      .split('\n')
      .filter((l) => l.includes(': skipped '));
    assert.equal(skippedLines.length, generated, config);
    for (const l of skippedLines) assert.match(l, /generated from the route map/);
  }
});

test('the round trip also holds through a config whose slos: were removed', async () => {
  // every-slo.yaml without its slos: section gets all four explicit SLOs back.
  const config = join(repoRoot, 'test', 'fixtures', 'openslo', 'every-slo.yaml');
  const file = join(dir, 'every.openslo.yaml');
  await exportTo(config, file);
  const before = loadConfigFile(config);
  const text = (await import('node:fs')).readFileSync(config, 'utf8');
  const bare = join(dir, 'bare.yaml');
  writeFileSync(bare, text.slice(0, text.indexOf('\nslos:')));
  assert.equal(loadConfigFile(bare).slos.filter((s) => !s.generated).length, 0);
  const c = capture();
  assert.equal(await importOpensloCommand([file, '--config', bare], c.io), 0, c.err.join(''));
  assert.deepEqual(parseConfig(c.out.join(''), 'bare + imported').slos, before.slos);
});

test('documents that do not map are skipped, each with its reason; the rest imports', async () => {
  const file = join(dir, 'foreign.yaml');
  const sli = (name: string, spec: string) =>
    `---\napiVersion: openslo/v1\nkind: SLI\nmetadata: { name: ${name} }\nspec:\n${spec}\n`;
  const slo = (name: string, extra: string) =>
    `---\napiVersion: openslo/v1\nkind: SLO\nmetadata: { name: ${name} }\nspec:\n  service: api\n${extra}\n`;
  const prom = (q: string) => `{ metricSource: { type: Prometheus, spec: { query: '${q}' } } }`;
  writeFileSync(
    file,
    [
      sli(
        'datadog',
        `  ratioMetric:\n    counter: true\n    good: { metricSource: { type: Datadog, spec: { query: "sum:hits{*}" } } }\n    total: { metricSource: { type: Datadog, spec: { query: "sum:hits{*}" } } }`,
      ),
      sli(
        'ours',
        `  ratioMetric:\n    counter: true\n    bad: ${prom('sum(sloprobe_requests_total{category="payments",outcome="bad"})')}\n    total: ${prom('sum(sloprobe_requests_total{category="payments",outcome=~"good|bad"})')}`,
      ),
      slo(
        'on-datadog',
        '  indicatorRef: datadog\n  budgetingMethod: Occurrences\n  objectives: [{ target: 0.99 }]',
      ),
      slo(
        'ratio-slices',
        '  indicatorRef: ours\n  budgetingMethod: RatioTimeslices\n  objectives: [{ target: 0.99, timeSliceWindow: 1m }]',
      ),
      slo(
        'composite',
        '  budgetingMethod: Occurrences\n  objectives: [{ target: 0.99, indicatorRef: ours }]',
      ),
      slo(
        'dangling',
        '  indicatorRef: nowhere\n  budgetingMethod: Occurrences\n  objectives: [{ target: 0.99 }]',
      ),
      // Hand-written against sloprobe's metrics, targetPercent, no annotations: imports.
      slo(
        'payments-availability-hand',
        '  indicatorRef: ours\n  budgetingMethod: Occurrences\n  objectives: [{ targetPercent: 99.9 }]\n  timeWindow: [{ duration: 4w, isRolling: true }]',
      ),
    ].join(''),
  );
  const c = capture();
  assert.equal(await importOpensloCommand([file], c.io), 0, c.err.join(''));
  const err = c.err.join('');
  assert.match(
    err,
    /document 3 \(SLO on-datadog\): its queries are not sum\(\.\.\.\) selectors of sloprobe metrics/,
  );
  assert.match(
    err,
    /document 4 \(SLO ratio-slices\): budgetingMethod "RatioTimeslices" has no sloprobe equivalent/,
  );
  assert.match(err, /document 5 \(SLO composite\): no indicator or indicatorRef/);
  assert.match(err, /document 6 \(SLO dangling\): indicatorRef "nowhere" names no SLI in the file/);
  assert.match(err, /1 SLOs imported, 4 skipped/);
  // targetPercent 99.9 is target 0.999; 4w is 28 days. The queries do not leave probe
  // series (synthetic="true") out, so the SLO counts them: include_synthetic true.
  assert.equal(
    c.out.join(''),
    [
      'slos:',
      '  - name: payments-availability-hand',
      '    sli: availability',
      '    method: occurrences',
      '    objective: 0.999',
      '    over:',
      '      category: payments',
      '    include_synthetic: true',
      '    period: 28d',
      '',
    ].join('\n'),
  );
});

test('a file that is not YAML, or not OpenSLO, exits 2 naming where', async () => {
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'apiVersion: openslo/v1\nkind: SLO\nmetadata: { name: x\n');
  await assert.rejects(
    importOpensloCommand([bad], capture().io),
    (err: { exitCode: number; message: string }) => {
      assert.equal(err.exitCode, 2);
      assert.match(err.message, /bad\.yaml:\d+:\d+: not valid YAML/);
      return true;
    },
  );
  writeFileSync(bad, 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n');
  await assert.rejects(importOpensloCommand([bad], capture().io), /document 1 is not an OpenSLO v1 object/);
  const c = capture();
  assert.equal(await importOpensloCommand([], c.io), 2);
  assert.match(c.err.join(''), /give one OpenSLO file/);
});

test('a calendar SLO whose months are cut in another zone than the config is skipped, saying both', async () => {
  // every-slo.yaml cuts months in Europe/Stockholm; paywithmybank.yaml in UTC.
  const file = join(dir, 'stockholm.openslo.yaml');
  await exportTo(join(repoRoot, 'test', 'fixtures', 'openslo', 'every-slo.yaml'), file);
  const c = capture();
  assert.equal(
    await importOpensloCommand([file, '--config', join(configDir, 'paywithmybank.yaml')], c.io),
    2,
  );
  const err = c.err.join('');
  assert.match(
    err,
    /\(SLO critical-uptime\): its calendar months are in Europe\/Stockholm, the config's in UTC/,
  );
  // The rolling ones map, but their routes are not paywithmybank's: refused as a config would be.
  assert.match(err, /unknown route "hpp-create-session"/);
  assert.match(err, /the imported SLOs do not fit this config/);
});

test('include_synthetic: the queries select synthetic!="true" only without it, and it comes back', async () => {
  // The top-level default is true, so the SLO that says false must say it in the import too.
  const config = join(dir, 'synthetic.yaml');
  writeFileSync(
    config,
    [
      'upstream: http://127.0.0.1:9000',
      'include_synthetic: true',
      'classes:',
      '  critical: { availability: 99.5% }',
      'categories:',
      '  payments: { class: critical }',
      'routes:',
      '  - { name: pay, method: POST, path: /pay, category: payments, latency: { p99: 200ms } }',
      'slos:',
      '  - { name: with-probes, sli: availability, over: { route: pay } }',
      '  - { name: merchant-only, sli: availability, over: { route: pay }, include_synthetic: false }',
      '  - { name: merchant-latency, sli: latency, over: { route: pay }, include_synthetic: false }',
      '',
    ].join('\n'),
  );
  const file = join(dir, 'synthetic.openslo.yaml');
  await exportTo(config, file);
  const text = readFileSync(file, 'utf8');
  assert.ok(text.includes('sum(sloprobe_requests_total{route="pay",outcome="bad"})'), text);
  assert.ok(text.includes('sum(sloprobe_requests_total{route="pay",synthetic!="true",outcome="bad"})'), text);
  assert.ok(
    text.includes('sum(sloprobe_request_sli_latency_seconds_count{route="pay",synthetic!="true"})'),
    text,
  );
  const c = capture();
  assert.equal(await importOpensloCommand([file, '--config', config], c.io), 0, c.err.join(''));
  const back = parseConfig(c.out.join(''), 'round-trip');
  const flags = (slos: readonly { name: string; includeSynthetic: boolean }[]) =>
    Object.fromEntries(slos.map((s) => [s.name, s.includeSynthetic]));
  assert.deepEqual(flags(back.slos), flags(loadConfigFile(config).slos));
  assert.equal(flags(back.slos)['merchant-only'], false);
  assert.equal(flags(back.slos)['with-probes'], true);
  assert.deepEqual(back.slos, loadConfigFile(config).slos);
});
