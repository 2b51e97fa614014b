import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { decompressed, MAX_LINE_BYTES, readLines } from '../../src/replay/input.js';

async function lines(bytes: Buffer, chunkSize: number): Promise<{ lines: string[]; overlong: number }> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
  const out: string[] = [];
  let overlong = 0;
  await readLines(decompressed(Readable.from(chunks)), {
    block(text) {
      const parts = text.split('\n');
      if (parts[parts.length - 1] === '') parts.pop();
      out.push(...parts);
    },
    overlong() {
      overlong++;
      out.push('<overlong>');
    },
  });
  return { lines: out, overlong };
}

const TEXT = [
  '{"a":1}',
  '{"path":"/caf\u00e9/\u4e2d\u6587/\ud83d\ude00"}',
  '',
  '{"b":2}',
  'last line without newline',
];

test('lines come out whole wherever the chunks split them, multi-byte characters included', async () => {
  const bytes = Buffer.from(TEXT.join('\n'));
  for (const size of [1, 2, 3, 5, 7, 16, 64, 1 << 20]) {
    assert.deepEqual((await lines(bytes, size)).lines, TEXT, `chunks of ${size}`);
  }
});

test('gzip is recognised by its magic bytes, also split across chunks, and concatenated members are read', async () => {
  const text = `${TEXT.join('\n')}\n`;
  const gz = Buffer.concat([gzipSync(text.slice(0, 20)), gzipSync(text.slice(20))]);
  for (const size of [1, 3, 1000]) assert.deepEqual((await lines(gz, size)).lines, TEXT, `chunks of ${size}`);
  // A plain file that starts with 0x1f but not 0x8b is not gzip.
  assert.deepEqual((await lines(Buffer.from('\u001fx\n'), 1)).lines, ['\u001fx']);
  assert.deepEqual((await lines(Buffer.alloc(0), 1)).lines, []);
  assert.deepEqual((await lines(Buffer.from('x'), 1)).lines, ['x']);
});

test('a line longer than the limit is not held in memory: reported once and skipped, the lines around it kept', async () => {
  const long = 'x'.repeat(MAX_LINE_BYTES + 10);
  const bytes = Buffer.from(`first\n${long}\nafter\n${long}`);
  for (const size of [1000, 65_536]) {
    const got = await lines(bytes, size);
    assert.deepEqual(got.lines, ['first', '<overlong>', 'after', '<overlong>'], `chunks of ${size}`);
    assert.equal(got.overlong, 2);
  }
});

test('damaged gzip data is an error with a zlib code (replay reports it and keeps what it read)', async () => {
  const gz = gzipSync('{"a":1}\n'.repeat(1000));
  await assert.rejects(
    lines(gz.subarray(0, gz.length - 20), 64),
    (err: unknown) =>
      typeof (err as { code?: unknown }).code === 'string' && (err as { code: string }).code.startsWith('Z_'),
  );
});
