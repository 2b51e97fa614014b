/**
 * `sloprobe openslo` output against the OpenSLO v1 specification (github.com/OpenSLO/OpenSLO,
 * README.md, "Specification"). The project ships no JSON schema for v1, so every required
 * field and enumeration is encoded here from the spec's text, quoted next to each check; none
 * is taken from src/openslo.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { opensloCommand } from '../../src/openslo/export-command.js';
import { configDir, repoRoot } from '../helpers/paths.js';

type Json = Record<string, unknown>;
const everySlo = join(repoRoot, 'test', 'fixtures', 'openslo', 'every-slo.yaml');

async function exportDocs(config: string): Promise<Json[]> {
  const out: string[] = [];
  const err: string[] = [];
  const io = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } };
  assert.equal(await opensloCommand(['--config', config], io), 0, err.join(''));
  return parseAllDocuments(out.join('')).map((d) => {
    assert.deepEqual(d.errors, []);
    return d.toJS() as Json;
  });
}

// "kind string - required, one of: DataSource, SLO, SLI, AlertPolicy, AlertCondition,
// AlertNotificationTarget, Service"
const KINDS = [
  'DataSource',
  'SLO',
  'SLI',
  'AlertPolicy',
  'AlertCondition',
  'AlertNotificationTarget',
  'Service',
];
// metadata.name: "up to 63 characters in length, contain lowercase alphanumeric characters or
// `-`, start with an alphanumeric character, end with an alphanumeric character"
const RFC1123 = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
// annotations: "key have two segments: an optional prefix and name, separated by a slash";
// name "at most 63 characters beginning and ending with an alphanumeric character [a-z0-9A-Z]
// with dashes -, underscores _, dots . and alphanumerics between"; prefix "a DNS subdomain: a
// series of DNS labels separated by dots, at most 253 characters"
const ANNOTATION_NAME = /^[a-zA-Z0-9]([a-zA-Z0-9_.-]{0,61}[a-zA-Z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;
// duration-shorthand: "a positive integer number followed by a case-sensitive single-character
// postfix", one of m h d w M Q Y
const SHORTHAND = /^[1-9][0-9]*[mhdwMQY]$/;
// calendar.startTime: "date with time in 24h format, format without time zone" (2020-01-21 12:30:00)
const START_TIME = /^\d{4}-\d{2}-\d{2} ([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/;
// budgetingMethod "enum(Occurrences | Timeslices | RatioTimeslices), required field"
const BUDGETING = ['Occurrences', 'Timeslices', 'RatioTimeslices'];
// "op enum( lte | gte | lt | gt )"
const OPS = ['lte', 'gte', 'lt', 'gt'];

function obj(v: unknown, what: string): Json {
  assert.ok(v !== null && typeof v === 'object' && !Array.isArray(v), `${what} must be an object`);
  return v as Json;
}

function description(spec: Json, what: string): void {
  // "description string optional field, contains at most 1050 characters"
  if (spec.description !== undefined) {
    assert.equal(typeof spec.description, 'string', what);
    assert.ok((spec.description as string).length <= 1050, `${what}: description over 1050 characters`);
  }
}

function checkMetricSource(part: unknown, names: Map<string, Set<string>>, what: string): void {
  const source = obj(obj(part, what).metricSource, `${what}.metricSource`);
  // "The required spec key will be used to pass extraneous data to the data source."
  obj(source.spec, `${what}.metricSource.spec`);
  if (source.metricSourceRef === undefined) {
    // "Field type can't be omitted because the reference to an existing DataSource is not specified."
    assert.equal(typeof source.type, 'string', `${what}: type without metricSourceRef`);
  } else {
    assert.ok(names.get('DataSource')?.has(source.metricSourceRef as string), `${what}: unknown DataSource`);
  }
}

/** Every rule of the spec's Notes sections, on one document stream. */
function conforms(docs: Json[]): void {
  const names = new Map<string, Set<string>>();
  for (const d of docs) {
    // General Schema: apiVersion openslo/v1, kind, metadata.name required, spec.
    assert.equal(d.apiVersion, 'openslo/v1');
    assert.ok(KINDS.includes(d.kind as string), `kind ${String(d.kind)}`);
    const meta = obj(d.metadata, 'metadata');
    assert.match(meta.name as string, RFC1123, `metadata.name of ${String(d.kind)}`);
    const set = names.get(d.kind as string) ?? new Set<string>();
    assert.ok(!set.has(meta.name as string), `two ${String(d.kind)} named ${String(meta.name)}`);
    set.add(meta.name as string);
    names.set(d.kind as string, set);
    for (const [key, value] of Object.entries((meta.annotations as Json | undefined) ?? {})) {
      // "annotations: map[string]string"
      assert.equal(typeof value, 'string', `annotation ${key}`);
      const parts = key.split('/');
      assert.ok(parts.length <= 2, key);
      const name = parts.pop()!;
      assert.match(name, ANNOTATION_NAME, key);
      if (parts.length === 1) {
        assert.match(parts[0]!, DNS_SUBDOMAIN, key);
        assert.ok(parts[0]!.length <= 253);
        // "the openslo.com/ is reserved for OpenSLO usage"
        assert.notEqual(parts[0], 'openslo.com', key);
      }
    }
    obj(d.spec, `spec of ${String(d.kind)}`);
  }

  for (const d of docs) {
    const spec = d.spec as Json;
    const what = `${String(d.kind)} ${String((d.metadata as Json).name)}`;
    description(spec, what);
    switch (d.kind) {
      case 'DataSource':
        // "type: string # predefined type e.g. Prometheus"; connectionDetails: valid YAML.
        assert.equal(typeof spec.type, 'string', what);
        obj(spec.connectionDetails, `${what}.connectionDetails`);
        break;
      case 'Service':
        break;
      case 'AlertNotificationTarget':
        // "target string, describes the target of the notification" - "target: # required"
        assert.equal(typeof spec.target, 'string', what);
        break;
      case 'AlertCondition': {
        // "severity string, required field"; "condition, required field"
        assert.equal(typeof spec.severity, 'string', what);
        const c = obj(spec.condition, `${what}.condition`);
        // "kind enum(burnrate) ... defaults to burnrate"
        assert.ok(c.kind === undefined || c.kind === 'burnrate', what);
        // "If the kind is burnrate the following fields are required": op, threshold, lookbackWindow
        assert.ok(OPS.includes(c.op as string), `${what}: op`);
        assert.equal(typeof c.threshold, 'number', `${what}: threshold`);
        assert.match(c.lookbackWindow as string, SHORTHAND, `${what}: lookbackWindow`);
        if (c.alertAfter !== undefined)
          assert.match(c.alertAfter as string, SHORTHAND, `${what}: alertAfter`);
        break;
      }
      case 'AlertPolicy': {
        for (const key of ['alertWhenNoData', 'alertWhenResolved', 'alertWhenBreaching']) {
          // "boolean, true, false"
          if (spec[key] !== undefined) assert.equal(typeof spec[key], 'boolean', `${what}: ${key}`);
        }
        // "conditions[] ... an array, (max of one condition), required field"
        assert.ok(Array.isArray(spec.conditions) && spec.conditions.length === 1, `${what}: conditions`);
        const cond = obj(spec.conditions[0], `${what}.conditions[0]`);
        if (cond.kind === undefined)
          assert.ok(names.get('AlertCondition')?.has(cond.conditionRef as string), what);
        // "notificationTargets[] Alert Notification Target, required field"
        assert.ok(Array.isArray(spec.notificationTargets) && spec.notificationTargets.length > 0, what);
        for (const t of spec.notificationTargets as Json[]) {
          if (t.kind === undefined)
            assert.ok(names.get('AlertNotificationTarget')?.has(t.targetRef as string), what);
        }
        break;
      }
      case 'SLI': {
        // "Either ratioMetric or thresholdMetric must be used."
        assert.ok((spec.ratioMetric === undefined) !== (spec.thresholdMetric === undefined), what);
        if (spec.thresholdMetric !== undefined) checkMetricSource(spec.thresholdMetric, names, what);
        if (spec.ratioMetric !== undefined) {
          const r = obj(spec.ratioMetric, `${what}.ratioMetric`);
          // "counter enum(true | false)"
          assert.equal(typeof r.counter, 'boolean', `${what}: counter`);
          if (r.raw !== undefined) {
            // "rawType enum(success | failure), required when using raw"
            assert.ok(['success', 'failure'].includes(r.rawType as string), what);
            assert.ok(r.good === undefined && r.bad === undefined && r.total === undefined, what);
            checkMetricSource(r.raw, names, `${what}.raw`);
          } else {
            // "If bad is defined then good must not be set"; total "either this or raw must be used"
            assert.ok((r.good === undefined) !== (r.bad === undefined), `${what}: good xor bad`);
            checkMetricSource(r.good ?? r.bad, names, `${what}.${r.good ? 'good' : 'bad'}`);
            checkMetricSource(r.total, names, `${what}.total`);
          }
        }
        break;
      }
      case 'SLO': {
        // "One of indicator or indicatorRef must be given."
        assert.ok((spec.indicator === undefined) !== (spec.indicatorRef === undefined), what);
        if (spec.indicatorRef !== undefined)
          assert.ok(names.get('SLI')?.has(spec.indicatorRef as string), what);
        if (spec.service !== undefined) assert.ok(names.get('Service')?.has(spec.service as string), what);
        assert.ok(BUDGETING.includes(spec.budgetingMethod as string), `${what}: budgetingMethod`);
        if (spec.timeWindow !== undefined) {
          // "TimeWindow is a list but accepting only exactly one item"
          assert.ok(Array.isArray(spec.timeWindow) && spec.timeWindow.length === 1, `${what}: timeWindow`);
          const w = obj(spec.timeWindow[0], `${what}.timeWindow[0]`);
          assert.match(w.duration as string, SHORTHAND, `${what}: duration`);
          if (w.calendar === undefined) assert.equal(w.isRolling, true, what);
          else {
            const cal = obj(w.calendar, `${what}.calendar`);
            assert.match(cal.startTime as string, START_TIME, `${what}: startTime`);
            // "name as in IANA Time Zone Database": Intl knows every IANA name.
            assert.doesNotThrow(
              () => new Intl.DateTimeFormat('en', { timeZone: cal.timeZone as string }),
              what,
            );
            assert.notEqual(w.isRolling, true, what);
          }
        }
        // "objectives[] Threshold, required field"
        assert.ok(Array.isArray(spec.objectives) && spec.objectives.length > 0, `${what}: objectives`);
        for (const o of spec.objectives as Json[]) {
          // "Either target or targetPercent must be used."; target [0.0, 1.0), targetPercent [0.0, 100)
          assert.ok((o.target === undefined) !== (o.targetPercent === undefined), `${what}: target`);
          if (o.target !== undefined) assert.ok((o.target as number) >= 0 && (o.target as number) < 1, what);
          if (o.targetPercent !== undefined) {
            assert.ok((o.targetPercent as number) >= 0 && (o.targetPercent as number) < 100, what);
          }
          if (o.op !== undefined) assert.ok(OPS.includes(o.op as string), what);
          if (spec.budgetingMethod === 'Timeslices') {
            // "timeSliceTarget numeric (0.0, 1.0], required only when budgetingMethod is set to TimeSlices"
            const t = o.timeSliceTarget as number;
            assert.ok(typeof t === 'number' && t > 0 && t <= 1, `${what}: timeSliceTarget`);
          }
          if (spec.budgetingMethod === 'Timeslices' || spec.budgetingMethod === 'RatioTimeslices') {
            // "timeSliceWindow (numeric | duration-shorthand), required only when ... TimeSlices or RatioTimeslices"
            const w = o.timeSliceWindow;
            assert.ok(typeof w === 'number' || SHORTHAND.test(w as string), `${what}: timeSliceWindow`);
          }
        }
        for (const p of (spec.alertPolicies as Json[] | undefined) ?? []) {
          // "can refer to an Alert Policies object, in which case ... alertPolicyRef"
          if (p.kind === undefined)
            assert.ok(names.get('AlertPolicy')?.has(p.alertPolicyRef as string), what);
        }
        break;
      }
    }
  }
}

test('every shipped config exports to documents that follow the OpenSLO v1 spec', async () => {
  for (const file of ['klarna.yaml', 'curlec.yaml', 'paywithmybank.yaml']) {
    const docs = await exportDocs(join(configDir, file));
    conforms(docs);
    assert.ok(
      docs.some((d) => d.kind === 'SLO'),
      file,
    );
  }
});

test('every SLO shape exports with the values worked out by hand', async () => {
  const docs = await exportDocs(everySlo);
  conforms(docs);
  const find = (kind: string, name: string) =>
    docs.find((d) => d.kind === kind && (d.metadata as Json).name === name)?.spec as Json;
  const query = (sli: Json, part: string) =>
    (((sli.ratioMetric as Json)[part] as Json).metricSource as { spec: { query: string } }).spec.query;

  // 2 category + 3 route latency SLOs generated, 4 explicit; each an SLI and an SLO.
  assert.equal(docs.filter((d) => d.kind === 'SLO').length, 9);
  assert.equal(docs.filter((d) => d.kind === 'SLI').length, 9);

  // Availability over a category, occurrences: bad = outcome bad, total = good + bad
  // (docs/sla-definitions.md#availability-occurrences); 99.5% of transaction-critical. No
  // SLO of the fixture includes probes, so every query leaves synthetic="true" series out.
  const avail = find('SLI', 'payment-request-availability');
  assert.equal(
    query(avail, 'bad'),
    'sum(sloprobe_requests_total{category="payment-request",synthetic!="true",outcome="bad"})',
  );
  assert.equal(
    query(avail, 'total'),
    'sum(sloprobe_requests_total{category="payment-request",synthetic!="true",outcome=~"good|bad"})',
  );
  const availSlo = find('SLO', 'payment-request-availability');
  assert.equal(availSlo.budgetingMethod, 'Occurrences');
  assert.deepEqual(availSlo.timeWindow, [{ duration: '30d', isRolling: true }]);
  assert.equal((availSlo.objectives as Json[])[0]!.target, 0.995);

  // Latency over a route: good = the 200 ms bucket (le="0.2"), total = the histogram's count.
  const lat = find('SLI', 'hpp-create-session-latency');
  assert.equal(
    query(lat, 'good'),
    'sum(sloprobe_request_sli_latency_seconds_bucket{route="hpp-create-session",synthetic!="true",le="0.2"})',
  );
  assert.equal(
    query(lat, 'total'),
    'sum(sloprobe_request_sli_latency_seconds_count{route="hpp-create-session",synthetic!="true"})',
  );

  // A category latency SLO over a rolling 7d: the window is 7d.
  assert.deepEqual(find('SLO', 'payment-request-latency-1s').timeWindow, [
    { duration: '7d', isRolling: true },
  ]);

  // Timeslices: slice 5m; a slice is Downtime above 2.5%, so good at a success ratio of
  // 1 - 0.025 = 0.975 or more; calendar month in the config's zone.
  const ts = find('SLO', 'critical-uptime');
  assert.equal(ts.budgetingMethod, 'Timeslices');
  assert.deepEqual(ts.objectives, [
    { displayName: '99.5% availability', target: 0.995, timeSliceTarget: 0.975, timeSliceWindow: '5m' },
  ]);
  assert.deepEqual(ts.timeWindow, [
    {
      duration: '1M',
      calendar: { startTime: '2020-01-01 00:00:00', timeZone: 'Europe/Stockholm' },
      isRolling: false,
    },
  ]);
  assert.equal(
    query(find('SLI', 'critical-uptime'), 'bad'),
    'sum(sloprobe_requests_total{class="transaction-critical",synthetic!="true",code=~"500|503"})',
  );
  // `over: all` is every configured route, never `unmatched`.
  assert.equal(
    query(find('SLI', 'everything'), 'bad'),
    'sum(sloprobe_requests_total{route!="unmatched",synthetic!="true",outcome="bad"})',
  );

  // Burn factors, docs/sla-definitions.md#burn-rate-alerts: budget% x period / (100 x long window).
  // 30d = 43200 min: page-quick 2 x 43200 / (100 x 60) = 14.4; page-slow 5 x 43200 / (100 x 360) = 6;
  // ticket-quick 10 x 43200 / (100 x 1440) = 3; ticket-slow 10 x 43200 / (100 x 4320) = 1.
  // 7d = 10080 min: 2 x 10080 / 6000 = 3.36; 5 x 10080 / 36000 = 1.4; 10 x 10080 / 144000 = 0.7;
  // 10 x 10080 / 432000 = 0.233333333333 (12 decimals).
  const cond = (name: string) => find('AlertCondition', name).condition as Json;
  assert.deepEqual(cond('page-quick-30d'), {
    kind: 'burnrate',
    op: 'gt',
    threshold: 14.4,
    lookbackWindow: '1h',
  });
  assert.equal(cond('page-slow-30d').threshold, 6);
  assert.equal(cond('page-slow-30d').lookbackWindow, '6h');
  assert.equal(cond('ticket-quick-30d').threshold, 3);
  assert.equal(cond('ticket-slow-30d').threshold, 1);
  assert.equal(cond('ticket-slow-30d').lookbackWindow, '3d');
  assert.equal(cond('page-quick-7d').threshold, 3.36);
  assert.equal(cond('page-slow-7d').threshold, 1.4);
  assert.equal(cond('ticket-quick-7d').threshold, 0.7);
  assert.equal(cond('ticket-slow-7d').threshold, 0.233333333333);
  assert.equal(find('AlertCondition', 'page-quick-30d').severity, 'page');
  assert.equal(find('AlertCondition', 'ticket-slow-30d').severity, 'ticket');
  assert.deepEqual(
    (find('SLO', 'payment-request-latency-1s').alertPolicies as Json[]).map((p) => p.alertPolicyRef),
    ['page-quick-7d', 'page-slow-7d', 'ticket-quick-7d', 'ticket-slow-7d'],
  );
});

test('a name OpenSLO cannot carry (upper case, dots, underscores) maps to RFC 1123 and is kept in an annotation', async () => {
  const docs = await exportDocs(everySlo);
  const names = docs.filter((d) => d.kind === 'SLO').map((d) => (d.metadata as Json).name);
  // Route Orders.Capture_v2's latency SLO: lower case, '.' and '_' written '-'.
  assert.ok(names.includes('orders-capture-v2-latency'), String(names));
  const annotated = docs
    .filter((d) => d.kind === 'SLO')
    .map((d) => ((d.metadata as Json).annotations as Json)['sloprobe/name']);
  assert.deepEqual(annotated, [
    'payment-request-availability',
    'settlements-availability',
    'hpp-create-session-latency',
    'settlements-read-latency',
    'Orders.Capture_v2-latency',
    'sessions-fast-p95',
    'payment-request-latency-1s',
    'critical-uptime',
    'everything',
  ]);
});
