/**
 * Plausible Klarna-like JSON bodies for the demo: what the mock upstream answers and what the
 * traffic generator sends. Amounts are integers in minor units, as in Klarna's APIs; every
 * URL points at the reserved `.example` domain.
 */

import { pick, type Rng, randomInt, randomUuid } from './random.js';

type Kind =
  | 'hpp-session'
  | 'payment-session'
  | 'payment-request'
  | 'payment-transaction'
  | 'order-placement'
  | 'token'
  | 'order'
  | 'capture'
  | 'refund'
  | 'card-settlement'
  | 'settlement'
  | 'dispute'
  | 'placement'
  | 'account'
  | 'generic';

/** Decided from the concrete path, so a prefix route such as `/ordermanagement/*` still gets the right shape. */
function kindOf(method: string, pathname: string): Kind {
  const p = pathname.toLowerCase();
  if (p.includes('/captures')) return 'capture';
  if (p.includes('/refunds')) return 'refund';
  if (p.includes('merchantcard')) return 'card-settlement';
  if (p.includes('settlement') || p.includes('payout')) return 'settlement';
  if (p.includes('dispute')) return 'dispute';
  if (p.includes('session')) return p.startsWith('/hpp/') ? 'hpp-session' : 'payment-session';
  if (p.includes('/payment/requests')) return 'payment-request';
  if (p.includes('/payment/transactions') || p.endsWith('/confirm')) return 'payment-transaction';
  // "Place order on token" is a POST to the tokens API; other calls there manage the token.
  if (p.includes('customer-token')) return method === 'POST' ? 'order-placement' : 'token';
  if (p.includes('/authorizations/') && p.endsWith('/order')) return 'order-placement';
  if (p.includes('/orders')) return 'order';
  if (p.includes('placements')) return 'placement';
  if (p.includes('partner-accounts')) return 'account';
  return 'generic';
}

const CURRENCIES = ['EUR', 'SEK', 'USD', 'GBP'] as const;
const COUNTRIES = ['DE', 'SE', 'US', 'GB'] as const;
const ITEMS = ['Running shoes', 'Rain jacket', 'Coffee grinder', 'Desk lamp', 'Backpack'] as const;
const DISPUTE_REASONS = ['goods_not_received', 'faulty_goods', 'return', 'unauthorized_purchase'] as const;
const ORDER_STATUSES = ['AUTHORIZED', 'PART_CAPTURED', 'CAPTURED'] as const;
const DAY_MS = 86_400_000;

function isoIn(ms: number): string {
  return new Date(Date.now() + ms).toISOString();
}

function amount(rng: Rng): number {
  return randomInt(rng, 10, 2500) * 100;
}

function reference(rng: Rng): string {
  return `order-${randomInt(rng, 10000, 99999)}`;
}

/** One or two order lines whose totals add up, with 25% VAT included. */
function order(rng: Rng): object {
  const lines: object[] = [];
  let total = 0;
  const count = randomInt(rng, 1, 2);
  for (let i = 0; i < count; i++) {
    const quantity = randomInt(rng, 1, 3);
    const unitPrice = randomInt(rng, 5, 900) * 100 - 1;
    const lineTotal = quantity * unitPrice;
    lines.push({
      name: pick(rng, ITEMS),
      quantity,
      unit_price: unitPrice,
      tax_rate: 2500,
      total_amount: lineTotal,
      total_tax_amount: Math.round((lineTotal * 2500) / 12500),
    });
    total += lineTotal;
  }
  return {
    purchase_country: pick(rng, COUNTRIES),
    purchase_currency: pick(rng, CURRENCIES),
    locale: 'en-GB',
    order_amount: total,
    order_tax_amount: Math.round((total * 2500) / 12500),
    order_lines: lines,
    merchant_reference1: reference(rng),
  };
}

/** The status a successful call returns: creation with POST is 201, everything else 200. */
export function successStatus(method: string): number {
  return method === 'POST' ? 201 : 200;
}

/** The body of a successful response to `method pathname`. */
export function responseBody(method: string, pathname: string, rng: Rng): object {
  const id = randomUuid(rng);
  if (method === 'DELETE') return { id, status: 'CANCELLED' };
  switch (kindOf(method, pathname)) {
    case 'hpp-session':
      return {
        session_id: id,
        session_url: `https://api.klarna.example/hpp/v1/sessions/${id}`,
        redirect_url: `https://pay.klarna.example/hpp/${id}`,
        expires_at: isoIn(DAY_MS),
      };
    case 'payment-session':
      return {
        session_id: id,
        client_token: `demo.${randomUuid(rng)}`,
        payment_method_categories: [{ identifier: 'pay_later', name: 'Pay later' }],
      };
    case 'payment-request':
      return {
        payment_request_id: `krn:payment:eu1:request:${id}`,
        state: method === 'GET' ? 'IN_PROGRESS' : 'SUBMITTED',
        amount: amount(rng),
        currency: pick(rng, CURRENCIES),
        expires_at: isoIn(DAY_MS),
      };
    case 'payment-transaction':
      return {
        payment_transaction_id: `krn:payment:eu1:transaction:${id}`,
        state: 'AUTHORIZED',
        amount: amount(rng),
        currency: pick(rng, CURRENCIES),
      };
    case 'order-placement':
      return {
        order_id: id,
        fraud_status: 'ACCEPTED',
        redirect_url: `https://pay.klarna.example/confirm/${id}`,
      };
    case 'token':
      return {
        token_id: id,
        status: method === 'PATCH' ? 'CANCELLED' : 'ACTIVE',
        payment_method_type: 'INVOICE',
      };
    case 'order': {
      const total = amount(rng);
      const captured = pick(rng, [0, total]);
      return {
        order_id: id,
        status: captured === 0 ? 'AUTHORIZED' : pick(rng, ORDER_STATUSES),
        purchase_currency: pick(rng, CURRENCIES),
        order_amount: total,
        captured_amount: captured,
        refunded_amount: 0,
        remaining_authorized_amount: total - captured,
        merchant_reference1: reference(rng),
        created_at: isoIn(-randomInt(rng, 1, 20) * DAY_MS),
        expires_at: isoIn(28 * DAY_MS),
      };
    }
    case 'capture':
      return { capture_id: id, captured_amount: amount(rng), captured_at: isoIn(0) };
    case 'refund':
      return { refund_id: id, refunded_amount: randomInt(rng, 1, 500) * 100, refunded_at: isoIn(0) };
    case 'card-settlement':
      return {
        settlement_id: id,
        order_id: randomUuid(rng),
        created_at: isoIn(0),
        expires_at: isoIn(DAY_MS),
      };
    case 'settlement': {
      const sales = randomInt(rng, 1_000, 500_000) * 100;
      const fees = Math.round(sales * 0.029);
      return {
        payouts: [
          {
            payment_reference: `XISA${randomInt(rng, 100000, 999999)}`,
            payout_date: isoIn(-DAY_MS),
            currency_code: pick(rng, CURRENCIES),
            totals: { sale_amount: sales, fee_amount: fees, settlement_amount: sales - fees },
          },
        ],
        pagination: { count: 1, total: 1, offset: 0 },
      };
    }
    case 'dispute':
      return {
        dispute_id: id,
        order_id: randomUuid(rng),
        reason: pick(rng, DISPUTE_REASONS),
        status: method === 'GET' ? 'open' : 'responded',
        disputed_amount: randomInt(rng, 10, 900) * 100,
        opened_at: isoIn(-randomInt(rng, 1, 10) * DAY_MS),
      };
    case 'placement':
      return { placements: [{ placement_id: id, key: 'credit-promotion-badge', locale: 'en-GB' }] };
    case 'account':
      return { partner_account_id: `krn:partner:global:account:${id}`, state: 'ACTIVE' };
    case 'generic':
      return { id, status: 'OK' };
  }
}

/** A valid JSON body for a POST/PUT/PATCH to `pathname`, as the traffic generator sends it. */
export function requestBody(method: string, pathname: string, rng: Rng): object {
  switch (kindOf(method, pathname)) {
    case 'hpp-session':
    case 'payment-session':
    case 'order-placement':
    case 'order':
      return order(rng);
    case 'payment-request':
    case 'placement':
      return { amount: amount(rng), currency: pick(rng, CURRENCIES), locale: 'en-GB' };
    case 'capture':
      return { captured_amount: amount(rng), description: 'Shipped' };
    case 'refund':
      return { refunded_amount: randomInt(rng, 1, 500) * 100, description: 'Returned item' };
    case 'card-settlement':
      return { order_id: randomUuid(rng), promise_id: randomUuid(rng), key_id: randomUuid(rng) };
    case 'dispute':
      return { comment: 'Tracking number attached', tracking_number: `TRK${randomInt(rng, 100000, 999999)}` };
    case 'token':
      return { status: 'CANCELLED' };
    case 'account':
      return { business_name: 'Demo Shop AB', country: pick(rng, COUNTRIES) };
    case 'payment-transaction':
    case 'settlement':
    case 'generic':
      return { merchant_reference1: reference(rng) };
  }
}

/** Klarna's error shape: `{ error_code, error_messages, correlation_id }`. */
export function errorBody(code: string, message: string, rng: Rng): object {
  return { error_code: code, error_messages: [message], correlation_id: randomUuid(rng) };
}
