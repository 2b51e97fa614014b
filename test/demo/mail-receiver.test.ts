/**
 * What the demo's mail receiver prints of a message: its subject, RFC 2047 encoded words
 * decoded (nodemailer encodes a subject that is not plain ASCII), folded lines joined.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeWords, subjectOfHeaders } from '../../src/demo/mail-receiver.js';

test('the subject of a header block: folded, encoded, or absent', () => {
  const head =
    'From: a@b.example\r\nSubject: [sloprobe] card\r\n downtime started\r\nTo: c@d.example\r\n\r\nSubject: not a header\r\n';
  assert.equal(subjectOfHeaders(head), '[sloprobe] card downtime started');
  assert.equal(subjectOfHeaders('From: a@b.example\r\n\r\nbody'), '');
  // "é" is C3 A9 in UTF-8; "ü" is C3 BC, base64 of "ü ok" is w7wgb2s=.
  assert.equal(decodeWords('=?UTF-8?Q?caf=C3=A9_down?='), 'café down');
  assert.equal(decodeWords('=?utf-8?B?w7wgb2s=?='), 'ü ok');
  // Adjacent encoded words join without the space between them (RFC 2047 6.2).
  assert.equal(decodeWords('=?UTF-8?Q?a?= =?UTF-8?Q?b?='), 'ab');
});
