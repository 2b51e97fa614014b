/**
 * `promtool test rules` on the per-payment-method fleet rules (src/rules/method-rules.ts):
 * availability per method summed across replicas from `sloprobe_payment_method_requests_total`,
 * abandoned requests on neither side (docs/sla-definitions.md#availability-occurrences,
 * docs/sla-definitions.md#abandoned-requests), no ratio without traffic
 * (docs/sla-definitions.md#no-traffic).
 *
 * Input series start at 0 at t = 0 and are sampled every minute; every evaluation falls on
 * a sample, so increase() has nothing to extrapolate and the counts below are exact.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requireTool } from '../helpers/tools.js';
import { config, labelText, promtoolTest } from './promtool-harness.js';

const CFG = config(`upstream: http://127.0.0.1:9
classes:
  transaction-critical: { availability: 99% }
categories:
  payment-request:
    class: transaction-critical
    payment_method: { header: x-payment-method, values: [card, upi] }
routes:
  - { name: create-payment, method: POST, path: /v1/payments, category: payment-request }
  - name: visa-payment
    method: POST
    path: /v1/visa/payments
    category: payment-request
    payment_method: card
    instrument: { network: VISA }
`);

function series(labels: Record<string, string>, values: string): { series: string; values: string } {
  return {
    series: `sloprobe_payment_method_requests_total${labelText({ job: 'payments', ...labels })}`,
    values,
  };
}

test('two unequal replicas: per-method ratio weighted by traffic, budget remaining, no ratio without traffic', (t) => {
  const promtool = requireTool(t, 'promtool', 'apt-get install prometheus');
  if (!promtool) return;
  const card = { payment_method: 'card' };
  const visa = { payment_method: 'card', instrument: 'network=VISA' };
  const upi = { payment_method: 'upi' };
  const r = promtoolTest(promtool, CFG, [
    {
      interval: '1m',
      // card per minute: replica a 49 good, 1 bad, 5 abandoned; replica b 150 good.
      // Fleet: 1 bad / 200 valid = 0.005 a minute. The mean of the replicas' own ratios
      // would be (1/50 + 0/150) / 2 = 0.01: the rules must not average.
      // Over 10 minutes: 10 bad / 2,000 valid = 0.005; budget 1 - 0.99 = 0.01;
      // remaining 1 - 0.005 / 0.01 = 0.5. Over 5m: 5 / 1,000 = 0.005.
      // card/network=VISA: replica a 10 good a minute, nothing bad: ratio 0, remaining 1.
      // upi: replica b, only abandoned requests: 0 valid, so no ratio and no remaining.
      input_series: [
        series({ instance: 'a:9464', ...card, outcome: 'good' }, '0+49x10'),
        series({ instance: 'a:9464', ...card, outcome: 'bad' }, '0+1x10'),
        series({ instance: 'a:9464', ...card, outcome: 'excluded' }, '0+5x10'),
        series({ instance: 'b:9464', ...card, outcome: 'good' }, '0+150x10'),
        series({ instance: 'b:9464', ...card, outcome: 'bad' }, '0x10'),
        series({ instance: 'a:9464', ...visa, outcome: 'good' }, '0+10x10'),
        series({ instance: 'a:9464', ...visa, outcome: 'bad' }, '0x10'),
        series({ instance: 'b:9464', ...upi, outcome: 'good' }, '0x10'),
        series({ instance: 'b:9464', ...upi, outcome: 'bad' }, '0x10'),
        series({ instance: 'b:9464', ...upi, outcome: 'excluded' }, '0+3x10'),
      ],
      promql_expr_test: [
        {
          // 5 minutes x 200 valid; the 25 abandoned are not in it. upi: 0 valid requests.
          expr: 'sloprobe:payment_method_requests:increase5m',
          eval_time: '10m',
          exp_samples: [
            {
              labels: `sloprobe:payment_method_requests:increase5m${labelText({ job: 'payments', ...card })}`,
              value: 1000,
            },
            {
              labels: `sloprobe:payment_method_requests:increase5m${labelText({ job: 'payments', ...visa })}`,
              value: 50,
            },
            {
              labels: `sloprobe:payment_method_requests:increase5m${labelText({ job: 'payments', ...upi })}`,
              value: 0,
            },
          ],
        },
        {
          expr: 'round(sloprobe:payment_method_error:ratio_rate5m * 1e6)',
          eval_time: '10m',
          exp_samples: [
            { labels: labelText({ job: 'payments', ...card }), value: 5000 },
            { labels: labelText({ job: 'payments', ...visa }), value: 0 },
          ],
        },
        {
          expr: 'round(sloprobe:payment_method_error:ratio_rate30d * 1e6)',
          eval_time: '10m',
          exp_samples: [
            { labels: labelText({ job: 'payments', ...card }), value: 5000 },
            { labels: labelText({ job: 'payments', ...visa }), value: 0 },
          ],
        },
        {
          expr: 'round(sloprobe:payment_method_period_error_budget_remaining:ratio * 1000)',
          eval_time: '10m',
          exp_samples: [
            { labels: labelText({ job: 'payments', ...card }), value: 500 },
            { labels: labelText({ job: 'payments', ...visa }), value: 1000 },
          ],
        },
        {
          // One objective per series: card, card/network=VISA, upi and `other` (values outside the list).
          expr: 'count(sloprobe:payment_method_objective:ratio == 0.99)',
          eval_time: '10m',
          exp_samples: [{ labels: '{}', value: 4 }],
        },
      ],
    },
  ]);
  assert.equal(r.status, 0, r.output);
});
