/**
 * `promtool test rules` on a latency SLO: "p99 <= 200 ms" is an objective of 99% of requests
 * at or under 0.2 s (docs/sla-definitions.md#latency-p99), read off the `le="0.2"` bucket
 * that the sidecar always exports exactly. Slow = `_count` - that bucket.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requireTool } from '../helpers/tools.js';
import { annotationsOf, config, labelText, promtoolTest } from './promtool-harness.js';

const CFG = config(`upstream: http://127.0.0.1:9
classes:
  transaction-critical: { availability: 99% }
categories:
  payment-request: { class: transaction-critical }
routes:
  - { name: hpp-session, method: POST, path: /hpp/v1/sessions, category: payment-request, latency: { p99: 200ms } }
`);

const ID = {
  job: 'payments',
  sloth_id: 'sloprobe-hpp-session-latency',
  sloth_service: 'sloprobe',
  sloth_slo: 'hpp-session-latency',
  category: 'payment-request',
  class: 'transaction-critical',
  route: 'hpp-session',
};

function histogram(instance: string, le: string, values: string) {
  const labels = `job="payments",instance="${instance}",route="hpp-session",category="payment-request",class="transaction-critical"`;
  return le === 'count'
    ? { series: `sloprobe_request_sli_latency_seconds_count{${labels}}`, values }
    : { series: `sloprobe_request_sli_latency_seconds_bucket{${labels},le="${le}"}`, values };
}

test('latency SLI: slow = count - the le="0.2" bucket, summed over replicas', (t) => {
  const promtool = requireTool(t, 'promtool', 'apt-get install prometheus');
  if (!promtool) return;
  const r = promtoolTest(promtool, CFG, [
    {
      interval: '1m',
      // Per minute: replica a 100 requests, 97 at or under 0.2 s (and 90 under 0.1 s);
      // replica b 50 requests, 49 under 0.2 s. Slow: 3 + 1 = 4 of 150 a minute.
      // Over 1h: 240 / 9,000 = 0.026667, x 1e6 rounded = 26667; burn 2.67 (budget 0.01).
      input_series: [
        histogram('a', '0.1', '0+90x60'),
        histogram('a', '0.2', '0+97x60'),
        histogram('a', '+Inf', '0+100x60'),
        histogram('a', 'count', '0+100x60'),
        histogram('b', '0.1', '0+40x60'),
        histogram('b', '0.2', '0+49x60'),
        histogram('b', '+Inf', '0+50x60'),
        histogram('b', 'count', '0+50x60'),
      ],
      promql_expr_test: [
        {
          expr: 'sloprobe:sli_errors:increase1h',
          eval_time: '60m',
          exp_samples: [
            {
              labels: `sloprobe:sli_errors:increase1h${labelText({ ...ID, sloth_window: '1h' })}`,
              value: 240,
            },
          ],
        },
        {
          expr: 'round(slo:sli_error:ratio_rate1h * 1000000)',
          eval_time: '60m',
          exp_samples: [{ labels: labelText({ ...ID, sloth_window: '1h' }), value: 26667 }],
        },
        {
          expr: 'sloprobe:slo_latency_objective:seconds',
          eval_time: '60m',
          exp_samples: [
            {
              labels: `sloprobe:slo_latency_objective:seconds${labelText({ sloth_id: ID.sloth_id, sloth_service: 'sloprobe', sloth_slo: ID.sloth_slo, category: ID.category, class: ID.class, route: ID.route })}`,
              value: 0.2,
            },
          ],
        },
      ],
      // Burn 2.67: under every page factor (14.4, 6) and the quick ticket's 3 (1d and 2h);
      // above the slow ticket's 1 (3d and 6h, both 0.026667 here, with 9,000 requests a
      // Wilson bound of ~0.0236 > 0.01), so only the ticket fires.
      alert_rule_test: [
        {
          eval_time: '60m',
          alertname: 'SloprobeErrorBudgetBurn',
          exp_alerts: [
            {
              exp_labels: { ...ID, severity: 'ticket', sloth_severity: 'ticket' },
              exp_annotations: annotations('ticket'),
            },
          ],
        },
      ],
    },
  ]);
  assert.equal(r.status, 0, r.output);
});

function annotations(severity: string): Record<string, string> {
  return annotationsOf(CFG, 'hpp-session-latency', 'SloprobeErrorBudgetBurn', severity);
}
