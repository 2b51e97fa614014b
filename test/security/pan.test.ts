/**
 * The PAN mask (src/privacy/pan.ts) on numbers worked by hand. Luhn, from the rightmost digit
 * leftwards: positions 1, 3, 5... count as they are; positions 2, 4, 6... are doubled, minus 9
 * when the double exceeds 9; valid when the total is a multiple of 10.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AccessLogFormatter } from '../../src/log/access-log.js';
import { hasLongDigitRun, luhnValid, maskPans } from '../../src/privacy/pan.js';
import { obs, seedRoutes } from '../telemetry/fixtures.js';

// 4111 1111 1111 1111 (Visa test card). Odd positions: the check digit 1 and seven more 1s = 8.
// Even positions: seven 1s doubled = 14, and the leading 4 doubled = 8: 22. 8 + 22 = 30: valid.
const VISA = '4111111111111111';
// 5555 5555 5555 4444 (Mastercard test card). Odd positions: 4, 4 (positions 1, 3) and six 5s
// (5..15) = 8 + 30 = 38. Even: 4, 4 doubled = 16, six 5s doubled (10 -> 1) = 6: 22. 60: valid.
const MASTERCARD = '5555555555554444';
// 3782 822463 10005 (Amex, 15 digits). From the right: 5 0 0 0 1 3 6 4 2 2 8 2 8 7 3.
// Odd positions: 5+0+1+6+2+8+8+3 = 33. Even, doubled: 0,0,6,8,4,4,14-9=5 = 27. 60: valid.
const AMEX = '378282246310005';
// 4222 2222 22222 (Visa, 13 digits). Odd positions: six 2s and the 4 at position 13 = 16.
// Even: six 2s doubled = 24. 40: valid.
const VISA13 = '4222222222222';
// 6011 1111 1111 1117 (Discover). From the right: 7, thirteen 1s (positions 2-14), 0, 6.
// Odd positions: 7 + six 1s (3..13) + 0 (15) = 13. Even: seven 1s doubled (2..14) = 14 and
// 6 doubled (16) = 12 - 9 = 3: 17. 30: valid.
const DISCOVER = '6011111111111117';
// 4 then 17 zeros then X (19 digits): only X (position 1) and 4 (position 19, odd) count,
// so X + 4 must be 10: X = 6.
const LONG19 = '4000000000000000006';
// 1234 5678 1234 5678. Odd positions: 8,6,4,2 twice = 40. Even, doubled: 7->5, 5->1, 3->6,
// 1->2, twice = 28. 68: not valid, so an order number like this one must stay as it is.
const NOT_LUHN = '1234567812345678';
// VISA with its last digit changed to 2: odd positions total 9 instead of 8, so 31: invalid.
const VISA_OFF_BY_ONE = '4111111111111112';

describe('Luhn', () => {
  it('accepts the test card numbers worked above and refuses the others', () => {
    for (const pan of [VISA, MASTERCARD, AMEX, DISCOVER, VISA13, LONG19])
      assert.equal(luhnValid(pan), true, pan);
    for (const n of [NOT_LUHN, VISA_OFF_BY_ONE]) assert.equal(luhnValid(n), false, n);
  });

  it('skips the separators of a grouped number', () => {
    assert.equal(luhnValid('4111-1111-1111-1111'), true);
    assert.equal(luhnValid('5555%205555%205555%204444'), true);
    assert.equal(luhnValid('4111 1111 1111 1112'), false);
  });
});

describe('maskPans', () => {
  it('keeps the last four digits of a card number in a path segment', () => {
    assert.equal(maskPans(`/v1/cards/${VISA}/tokens`), '/v1/cards/************1111/tokens');
    assert.equal(maskPans(`/a/${AMEX}`), '/a/***********0005');
    assert.equal(maskPans(VISA13), '*********2222');
    assert.equal(maskPans(LONG19), '***************0006');
  });

  it('masks card numbers written in groups, keeping the separators', () => {
    assert.equal(maskPans('/c/4111-1111-1111-1111'), '/c/****-****-****-1111');
    assert.equal(maskPans('pan 5555 5555 5555 4444.'), 'pan **** **** **** 4444.');
    assert.equal(maskPans('/c/5555%205555%205555%204444/x'), '/c/****%20****%20****%204444/x');
  });

  it('masks every card number of a value, in segments and query values alike', () => {
    assert.equal(
      maskPans(`/c/${VISA}?card=${MASTERCARD}&n=${NOT_LUHN}`),
      `/c/************1111?card=************4444&n=${NOT_LUHN}`,
    );
  });

  it('finds a card number behind a group that is not one (a year and a dash)', () => {
    // 2026-4111111111111111 is 20 digits as one grouped run: too long. Its group 4111... alone is VISA.
    assert.equal(maskPans(`/o/2026-${VISA}`), '/o/2026-************1111');
    // The `20` of a leading %20 is an encoded space, not digits of the number.
    assert.equal(maskPans(`/x/%20${VISA}`), '/x/%20************1111');
  });

  it('leaves what is no card number: non-Luhn, too short, too long, separated twice', () => {
    for (const s of [
      `/orders/${NOT_LUHN}`,
      `/o/${VISA_OFF_BY_ONE}`,
      '/o/411111111111', // 12 digits
      `/o/${VISA}1111`, // 20 digits, one run: an id, not a card
      '/o/4111--1111--1111--1111', // two separators in a row end a run: four 4-digit runs
      '/ordermanagement/v1/orders/7d3f1c2a-9b1e-4c55-8a77-0f3c2b1d9e44',
      '',
    ])
      assert.equal(maskPans(s), s);
  });

  it('the pre-check is false without a 13-digit run and true with one', () => {
    assert.equal(hasLongDigitRun('/hpp/v1/sessions'), false);
    assert.equal(hasLongDigitRun('c0ffee00-1a2b-4c3d-9e8f-0123456789ab'), false);
    assert.equal(hasLongDigitRun('/o/411111111111'), false);
    assert.equal(hasLongDigitRun(`/o/${NOT_LUHN}`), true);
    assert.equal(hasLongDigitRun('/c/4111 1111 1111 1'), true);
  });

  it('masks random valid card numbers of every length wherever they sit', () => {
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let t = 0; t < 500; t++) {
      const len = 13 + rnd(7);
      const body = Array.from({ length: len - 1 }, () => rnd(10));
      // The check digit: the digits left of it are doubled from its neighbour on.
      let sum = 0;
      for (let i = body.length - 1, dbl = true; i >= 0; i--, dbl = !dbl) {
        const d = dbl ? body[i]! * 2 : body[i]!;
        sum += d > 9 ? d - 9 : d;
      }
      const pan = body.join('') + String((10 - (sum % 10)) % 10);
      const out = maskPans(`/p/${pan}/x?y=1`);
      assert.equal(out, `/p/${'*'.repeat(len - 4)}${pan.slice(-4)}/x?y=1`, pan);
    }
  });
});

describe('access log', () => {
  it('masks a card number in the path and in the request id', () => {
    const f = new AccessLogFormatter(seedRoutes());
    const line = JSON.parse(
      f.format({ ...obs({ requestId: `req-${MASTERCARD}` }), path: `/v1/cards/${VISA}` }),
    ) as Record<string, unknown>;
    assert.equal(line.path, '/v1/cards/************1111');
    assert.equal(line.request_id, 'req-************4444');
  });
});
