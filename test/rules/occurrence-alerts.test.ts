/**
 * `promtool test rules` on the generated rules of an occurrences SLO: objective 99%, 30-day
 * period, `min_requests: 10`. The page factor for 30 days is 2% x 720 h / 1 h = 14.4, so a
 * pair pages above an error ratio of 14.4 x (1 - 0.99) = 0.144
 * (docs/sla-definitions.md#burn-rate-alerts).
 *
 * Input series start at 0 at t = 0 and are sampled every minute, and every evaluation falls
 * on a sample, so increase() has nothing to extrapolate: the counts below are exact.
 *
 * promtool evaluates the rule groups of one timestamp in no fixed order, so an alert may read
 * the recording rules of the minute before: each case keeps its counts unchanged over the
 * last two evaluations (traffic stops two minutes before the alert is checked).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requireTool } from '../helpers/tools.js';
import { annotationsOf, config, labelText, promtoolTest, requests } from './promtool-harness.js';

const CFG = config(`upstream: http://127.0.0.1:9
alerting: { min_requests: 10 }
classes:
  transaction-critical: { availability: 99% }
categories:
  payment-request: { class: transaction-critical }
routes:
  - { name: create-payment, method: POST, path: /v1/payments, category: payment-request }
`);

const SLO = 'payment-request-availability';
const ID = {
  job: 'payments',
  sloth_id: `sloprobe-${SLO}`,
  sloth_service: 'sloprobe',
  sloth_slo: SLO,
  category: 'payment-request',
  class: 'transaction-critical',
  route: 'create-payment',
};
const ROUTE = { route: 'create-payment', category: 'payment-request', class: 'transaction-critical' };
const good = (instance: string, values: string) =>
  requests({ instance, code: '201', outcome: 'good', ...ROUTE }, values);
const bad = (instance: string, values: string) =>
  requests({ instance, code: '503', outcome: 'bad', ...ROUTE }, values);
const abandoned = (instance: string, values: string) =>
  requests({ instance, code: '0', outcome: 'excluded', ...ROUTE }, values);

function alert(severity: 'page' | 'ticket') {
  return {
    exp_labels: { ...ID, severity, sloth_severity: severity },
    exp_annotations: annotationsOf(CFG, SLO, 'SloprobeErrorBudgetBurn', severity),
  };
}

function run(t: import('node:test').TestContext, tests: unknown[]): void {
  const promtool = requireTool(t, 'promtool', 'apt-get install prometheus');
  if (!promtool) return;
  const r = promtoolTest(promtool, CFG, tests);
  assert.equal(r.status, 0, r.output);
}

test('two replicas at a 20x burn: the fleet ratio, burn and budget, and both severities fire', (t) => {
  run(t, [
    {
      interval: '1m',
      // Per minute and replica: 80 good, 20 bad, and 5 abandoned that count nowhere.
      // Fleet: 40 bad / 200 valid = 0.2, burn 0.2 / 0.01 = 20 > 14.4 (page) and > 3 (ticket).
      input_series: [
        good('a:9464', '0+80x70'),
        good('b:9464', '0+80x70'),
        bad('a:9464', '0+20x70'),
        bad('b:9464', '0+20x70'),
        abandoned('a:9464', '0+5x70'),
        abandoned('b:9464', '0+5x70'),
      ],
      promql_expr_test: [
        {
          // 60 minutes x 200 valid requests = 12,000 (the abandoned 600 are not in it).
          expr: 'sloprobe:sli_requests:increase1h',
          eval_time: '60m',
          exp_samples: [
            {
              labels: `sloprobe:sli_requests:increase1h${labelText({ ...ID, sloth_window: '1h' })}`,
              value: 12000,
            },
          ],
        },
        {
          expr: 'slo:sli_error:ratio_rate30d',
          eval_time: '60m',
          exp_samples: [
            { labels: `slo:sli_error:ratio_rate30d${labelText({ ...ID, sloth_window: '30d' })}`, value: 0.2 },
          ],
        },
        {
          // Budget remaining: 1 - 0.2 / 0.01 = -19 (overspent 20 times); burn 20.
          expr: 'round(slo:period_error_budget_remaining:ratio * 1000)',
          eval_time: '60m',
          exp_samples: [{ labels: labelText({ ...ID, sloth_window: '30d' }), value: -19000 }],
        },
        {
          expr: 'round(slo:current_burn_rate:ratio * 1000)',
          eval_time: '60m',
          exp_samples: [{ labels: labelText({ ...ID, sloth_window: '5m' }), value: 20000 }],
        },
        {
          expr: 'slo:time_period:days',
          eval_time: '60m',
          exp_samples: [
            {
              labels: `slo:time_period:days${labelText({ sloth_id: ID.sloth_id, sloth_service: 'sloprobe', sloth_slo: SLO, category: ID.category, class: ID.class, route: ID.route })}`,
              value: 30,
            },
          ],
        },
      ],
      alert_rule_test: [
        {
          eval_time: '60m',
          alertname: 'SloprobeErrorBudgetBurn',
          exp_alerts: [alert('page'), alert('ticket')],
        },
      ],
    },
  ]);
});

test('the period ratio is weighted by traffic, not a mean of short windows', (t) => {
  run(t, [
    {
      interval: '1m',
      // Minutes 1-30: 1,000 good a minute; minutes 31-60: 10 bad a minute, nothing else.
      // Period: 300 bad / (30,000 + 300) = 0.00990099..., so round(x * 1e6) = 9901. The mean
      // of the twelve 5-minute ratios would be 0.5 (six of 0, six of 1).
      // No alert: the 5m window is all errors, but the 1h window (0.0099) is under 0.144,
      // the 6h (0.0099) under 0.06 and the 1d under 0.03.
      input_series: [good('a:9464', '0+1000x30 30000x30'), bad('a:9464', '0x30 10+10x29')],
      promql_expr_test: [
        {
          expr: 'round(slo:sli_error:ratio_rate30d * 1000000)',
          eval_time: '60m',
          exp_samples: [{ labels: labelText({ ...ID, sloth_window: '30d' }), value: 9901 }],
        },
        {
          expr: 'slo:sli_error:ratio_rate5m',
          eval_time: '60m',
          exp_samples: [
            { labels: `slo:sli_error:ratio_rate5m${labelText({ ...ID, sloth_window: '5m' })}`, value: 1 },
          ],
        },
      ],
      alert_rule_test: [{ eval_time: '60m', alertname: 'SloprobeErrorBudgetBurn', exp_alerts: [] }],
    },
  ]);
});

test('low traffic: 2 bad in 25 does not page (Wilson), 30 bad in 120 does, 9 of 9 is under min_requests', (t) => {
  run(t, [
    {
      interval: '1m',
      // Minutes 56-58 only: 23 good and 2 bad. The ratio 2/25 = 0.08 is above the page-slow
      // (0.06) and both ticket thresholds (0.03) in every window, with 25 >= min_requests 10,
      // but the Wilson lower bound of 2/25 is
      // (0.08 + 1.9208/25 - 1.96 sqrt(0.08 x 0.92 / 25 + 0.9604 / 625)) / (1 + 3.8416/25)
      // = (0.156832 - 0.131197) / 1.153664 = 0.02222: under 0.144, 0.06 and 0.03, so no page and
      // no quick ticket; above the slow ticket's 1 x 0.01 = 0.01 (3d and 6h), which fires.
      input_series: [good('a:9464', '0x55 8 16 23 23 23'), bad('a:9464', '0x56 1 2 2 2')],
      promql_expr_test: [
        {
          expr: 'round(sloprobe:sli_error:ratio_wilson95_lower_rate1h * 10000)',
          eval_time: '60m',
          exp_samples: [{ labels: labelText({ ...ID, sloth_window: '1h' }), value: 222 }],
        },
      ],
      alert_rule_test: [
        { eval_time: '60m', alertname: 'SloprobeErrorBudgetBurn', exp_alerts: [alert('ticket')] },
      ],
    },
    {
      interval: '1m',
      // Ten times the traffic, same ratio: 90 good and 30 bad in minutes 56-58. Wilson of
      // 30/120 = (0.25 + 0.016007 - 1.96 x 0.040357) / 1.032013 = 0.18110 > 0.144: page,
      // and > 0.03 over 1d and 2h: ticket.
      input_series: [good('a:9464', '0x55 30 60 90 90 90'), bad('a:9464', '0x55 10 20 30 30 30')],
      promql_expr_test: [
        {
          expr: 'round(sloprobe:sli_error:ratio_wilson95_lower_rate1h * 10000)',
          eval_time: '60m',
          exp_samples: [{ labels: labelText({ ...ID, sloth_window: '1h' }), value: 1811 }],
        },
      ],
      alert_rule_test: [
        {
          eval_time: '60m',
          alertname: 'SloprobeErrorBudgetBurn',
          exp_alerts: [alert('page'), alert('ticket')],
        },
      ],
    },
    {
      interval: '1m',
      // 9 requests, all bad: ratio 1 and Wilson 0.7008, but 9 < min_requests 10.
      input_series: [bad('a:9464', '0x55 3 6 9 9 9')],
      alert_rule_test: [{ eval_time: '60m', alertname: 'SloprobeErrorBudgetBurn', exp_alerts: [] }],
    },
  ]);
});
