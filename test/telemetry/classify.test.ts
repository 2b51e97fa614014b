import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify, sliLatencyNs } from '../../src/telemetry/classify.js';
import type { UpstreamErrorReason } from '../../src/telemetry/observation.js';

// docs/sla-definitions.md#availability-occurrences: "This is calculated by dividing the number of requests processed correctly
// (responses having status code being 2xx, 3xx and 4xx) by the total number of requests
// during the time window." ... "SR means total number of requests responded with 2xx, 3xx
// and 4xx during a Measurement Period." "R means total number of requests performed".

describe('classify: "responses having status code being 2xx, 3xx and 4xx" are processed correctly', () => {
  for (const status of [200, 201, 204, 299, 301, 302, 304, 399, 400, 401, 404, 409, 422, 429, 499]) {
    it(`${status} is good`, () => {
      assert.equal(classify(status, null, false), 'good');
    });
  }
});

describe('classify: anything else among "the total number of requests" is not in SR', () => {
  for (const status of [500, 501, 502, 503, 504, 599]) {
    it(`an upstream ${status} is bad`, () => {
      assert.equal(classify(status, null, false), 'bad');
    });
  }

  const failures: Array<[number, UpstreamErrorReason]> = [
    [502, 'refused'],
    [502, 'reset'],
    [502, 'unreachable'],
    [504, 'timeout_connect'],
    [504, 'timeout_headers'],
    [502, 'tls'],
    [502, 'protocol'],
    [502, 'other'],
  ];
  for (const [status, reason] of failures) {
    it(`the sidecar's own ${status} (${reason}) is bad`, () => {
      assert.equal(classify(status, reason, false), 'bad');
    });
  }

  it('a request the sidecar never answered, with the client still there, is bad', () => {
    assert.equal(classify(0, null, false), 'bad');
    assert.equal(classify(0, 'reset', false), 'bad');
  });

  it('an exchange that ended after an interim 1xx only is bad (1xx is not 2xx, 3xx or 4xx)', () => {
    assert.equal(classify(100, null, false), 'bad');
    assert.equal(classify(101, null, false), 'bad');
  });

  it('a status that is not an HTTP status is not a response in SR', () => {
    assert.equal(classify(1000, null, false), 'bad');
    assert.equal(classify(-1, null, false), 'bad');
    assert.equal(classify(200.5, null, false), 'bad');
    assert.equal(classify(Number.NaN, null, false), 'bad');
  });

  it('a 2xx whose body the upstream then broke off was not "processed correctly"', () => {
    assert.equal(classify(200, 'timeout_body', false), 'bad');
    assert.equal(classify(200, 'reset', false), 'bad');
  });
});

describe('classify: a request the client abandoned before any response is excluded', () => {
  it('nothing sent, client gone: excluded', () => {
    assert.equal(classify(0, null, true), 'excluded');
  });

  it('nothing sent, client gone, upstream cancelled in consequence: still excluded', () => {
    assert.equal(classify(0, 'other', true), 'excluded');
    assert.equal(classify(0, 'timeout_headers', true), 'excluded');
  });

  it('only an interim 100 Continue sent, then the client left: excluded', () => {
    assert.equal(classify(100, null, true), 'excluded');
  });

  it('the client left after a 5xx header was sent: the request was answered 5xx, bad', () => {
    assert.equal(classify(503, null, true), 'bad');
    assert.equal(classify(504, 'timeout_headers', true), 'bad');
  });

  it('the client left after a 2xx/3xx/4xx header: "requests responded with 2xx, 3xx and 4xx", good', () => {
    assert.equal(classify(200, null, true), 'good');
    assert.equal(classify(302, null, true), 'good');
    assert.equal(classify(404, null, true), 'good');
    // Its own abort made us cancel the upstream; that is not a service failure.
    assert.equal(classify(200, 'reset', true), 'good');
  });
});

describe('sliLatencyNs: latency "is measured on all requests at the 99 percentile"', () => {
  it('uses the upstream header time when there is one', () => {
    assert.equal(sliLatencyNs(150e6, 160e6, 0), 150e6);
  });

  it('counts a request the sidecar answered itself until that answer (a 30 s timeout is slow)', () => {
    assert.equal(sliLatencyNs(-1, 30_000e6, 1), 30_000e6);
  });

  it('leaves an excluded request out entirely', () => {
    assert.equal(sliLatencyNs(150e6, 160e6, 2), -1);
    assert.equal(sliLatencyNs(-1, 160e6, 2), -1);
  });
});
