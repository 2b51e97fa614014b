/**
 * `promtool test rules` on a timeslice SLO (docs/sla-definitions.md#downtime-minute,
 * #downtime-period): a minute is Downtime when HTTP 500 / requests > 5%; a Downtime Period is
 * ten or more consecutive Downtime minutes; nine are intermittent and do not count.
 *
 * Traffic: 100 good requests a minute throughout; a run of minutes with 10 HTTP 500s each,
 * so each such minute has 10 / (100 + 10) = 0.0909 > 0.05. Evaluations every minute from
 * t = 0 (1970-01, a 31-day January for `days_in_month()`).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requireTool } from '../helpers/tools.js';
import { annotationsOf, config, labelText, promtoolTest, requests } from './promtool-harness.js';

const CFG = config(`upstream: http://127.0.0.1:9
period: calendar-month
time_zone: UTC
alerting: { min_requests: 10 }
classes:
  transaction-services: { availability: 99.5% }
categories:
  transactions: { class: transaction-services }
routes:
  - { name: transaction-create, method: POST, path: /api/v1/transactions, category: transactions }
slos:
  - name: uptime
    sli: availability
    method: timeslices
    objective: 99.5%
    over: { class: transaction-services }
`);

const ID = {
  job: 'payments',
  sloth_id: 'sloprobe-uptime',
  sloth_service: 'sloprobe',
  sloth_slo: 'uptime',
  category: 'transactions',
  class: 'transaction-services',
  route: 'transaction-create',
};
const ROUTE = { route: 'transaction-create', category: 'transactions', class: 'transaction-services' };
const good = requests({ instance: 'a:9464', code: '201', outcome: 'good', ...ROUTE }, '0+100x120');
const errors = (values: string) =>
  requests({ instance: 'b:9464', code: '500', outcome: 'bad', ...ROUTE }, values);

function run(t: import('node:test').TestContext, tests: unknown[]): void {
  const promtool = requireTool(t, 'promtool', 'apt-get install prometheus');
  if (!promtool) return;
  const r = promtoolTest(promtool, CFG, tests);
  assert.equal(r.status, 0, r.output);
}

const downtimeAlert = {
  exp_labels: { ...ID, sloth_window: undefined, severity: 'page', sloth_severity: 'page' },
  exp_annotations: annotationsOf(CFG, 'uptime', 'SloprobeDowntimePeriod', 'page'),
};
delete (downtimeAlert.exp_labels as Record<string, unknown>).sloth_window;

test('ten consecutive Downtime minutes form a Downtime Period: the alert fires once the tenth is judged', (t) => {
  run(t, [
    {
      interval: '1m',
      // 500s at t = 71..80 (ten minutes), on another replica than the good traffic.
      input_series: [good, errors('0x70 10+10x9 100x40')],
      promql_expr_test: [
        {
          // 10 / 110 = 0.0909..., x 1000 rounded = 91.
          expr: 'round(sloprobe:timeslice_error:ratio_rate1m * 1000)',
          eval_time: '75m',
          exp_samples: [{ labels: labelText({ ...ID, sloth_window: '1m' }), value: 91 }],
        },
        {
          expr: 'sloprobe:timeslice_downtime_minute:bool',
          eval_time: '75m',
          exp_samples: [
            {
              labels: `sloprobe:timeslice_downtime_minute:bool${labelText({ ...ID, sloth_window: '1m' })}`,
              value: 1,
            },
          ],
        },
        {
          // The period ratio: member minutes / evaluated minutes. Member at t = 80..89 (each
          // judges the minute nine before it), evaluations at t = 1..120: 10 / 120 = 0.083333.
          expr: 'round(slo:sli_error:ratio_rate30d{sloth_slo="uptime"} * 1000000)',
          eval_time: '120m',
          exp_samples: [{ labels: labelText({ ...ID, sloth_window: '30d' }), value: 83333 }],
        },
        {
          // A calendar month's length in days, for January 1970: 31.
          expr: 'max(slo:time_period:days{sloth_slo="uptime"})',
          eval_time: '120m',
          exp_samples: [{ labels: '{}', value: 31 }],
        },
        {
          // Page for a 31-day month: 2% x 744 h / 1 h = 14.88, x 0.005 = 0.0744. At t = 85 the
          // 5m window is all member minutes (1) and the 1h window holds 6 of 61 (0.098).
          expr: 'count(ALERTS{alertname="SloprobeErrorBudgetBurn",sloth_slo="uptime",severity="page",alertstate="firing"})',
          eval_time: '85m',
          exp_samples: [{ labels: '{}', value: 1 }],
        },
      ],
      alert_rule_test: [
        // The tenth Downtime minute is judged at t = 80; the alert group, evaluated apart from
        // the recording group, sees it by t = 81. It resolves nine minutes after the run.
        { eval_time: '79m', alertname: 'SloprobeDowntimePeriod', exp_alerts: [] },
        { eval_time: '81m', alertname: 'SloprobeDowntimePeriod', exp_alerts: [downtimeAlert] },
        { eval_time: '95m', alertname: 'SloprobeDowntimePeriod', exp_alerts: [] },
      ],
    },
  ]);
});

test('nine consecutive Downtime minutes are intermittent: no Downtime Period, no alert, no budget spent', (t) => {
  run(t, [
    {
      interval: '1m',
      // 500s at t = 71..79 only.
      input_series: [good, errors('0x70 10+10x8 90x41')],
      promql_expr_test: [
        {
          expr: 'slo:sli_error:ratio_rate30d{sloth_slo="uptime"}',
          eval_time: '120m',
          exp_samples: [
            { labels: `slo:sli_error:ratio_rate30d${labelText({ ...ID, sloth_window: '30d' })}`, value: 0 },
          ],
        },
        {
          expr: 'count(ALERTS{sloth_slo="uptime"})',
          eval_time: '85m',
          exp_samples: [],
        },
      ],
      alert_rule_test: [
        { eval_time: '80m', alertname: 'SloprobeDowntimePeriod', exp_alerts: [] },
        { eval_time: '81m', alertname: 'SloprobeDowntimePeriod', exp_alerts: [] },
      ],
    },
  ]);
});
