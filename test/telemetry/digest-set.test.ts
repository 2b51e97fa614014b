import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { DigestSet, digestKey } from '../../src/telemetry/digest-set.js';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

// docs/sla-definitions.md#repeated-requests: "API Requests without distinct parameters, e.g. repeated identical API requests,
// will not count towards the API Error Rate."
describe('DigestSet', () => {
  it('counts repeated identical requests once', () => {
    const set = new DigestSet(16);
    const a = digestKey(sha('POST /v1/payments {"amount":10}'));
    const b = digestKey(sha('POST /v1/payments {"amount":11}'));
    assert.equal(set.add(a), true);
    assert.equal(set.add(a), false);
    assert.equal(set.add(b), true);
    assert.equal(set.add(a), false);
    assert.equal(set.size, 2);
  });

  it('keeps exact counts for many distinct digests through growth, and empties on clear', () => {
    const set = new DigestSet(16);
    for (let i = 0; i < 20_000; i++) set.add(digestKey(sha(`request ${i}`)));
    for (let i = 0; i < 20_000; i += 3) assert.equal(set.add(digestKey(sha(`request ${i}`))), false);
    assert.equal(set.size, 20_000);
    set.clear();
    assert.equal(set.size, 0);
    assert.equal(set.add(digestKey(sha('request 1'))), true);
  });
});

describe('digestKey', () => {
  it('reads the first 52 bits of a hex digest, whatever its case', () => {
    assert.equal(digestKey('0000000000001ffff'), 2);
    assert.equal(digestKey('ABCDEF0123456789'), digestKey('abcdef0123456789'));
  });

  it('hashes digests that are not hex, and tells different ones apart', () => {
    assert.notEqual(digestKey('not-a-hex-digest-1'), digestKey('not-a-hex-digest-2'));
    assert.equal(digestKey('short'), digestKey('short'));
    assert.ok(digestKey('') > 0);
  });
});
