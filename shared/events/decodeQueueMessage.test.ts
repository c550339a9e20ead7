import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeQueueMessage } from './decodeQueueMessage.js';

const OBJECT = { id: 'e1', eventType: 'X', data: { n: 1 } };
const JSON_TEXT = JSON.stringify(OBJECT);
const BASE64 = Buffer.from(JSON_TEXT).toString('base64');

describe('decodeQueueMessage', () => {
  it.each([
    ['a parsed object', OBJECT, OBJECT],
    ['a parsed array', [OBJECT], [OBJECT]],
    ['a JSON string', JSON_TEXT, OBJECT],
    ['JSON with surrounding whitespace', `\n  ${JSON_TEXT}  \n`, OBJECT],
    ['base64 of JSON', BASE64, OBJECT],
    ['base64 with line breaks', BASE64.replace(/(.{20})/g, '$1\n'), OBJECT],
    ['a Buffer of JSON', Buffer.from(JSON_TEXT), OBJECT],
    ['a Uint8Array of JSON', new TextEncoder().encode(JSON_TEXT), OBJECT],
    ['a Buffer of base64', Buffer.from(BASE64), OBJECT],
    ['a JSON string holding JSON (double-encoded)', JSON.stringify(JSON_TEXT), OBJECT],
    ['a JSON string holding base64', JSON.stringify(BASE64), OBJECT],
    ['base64 of non-ASCII JSON', Buffer.from(JSON.stringify({ n: 'é🎬' })).toString('base64'), { n: 'é🎬' }],
  ])('decodes %s', (_label, message, expected) => {
    expect(decodeQueueMessage(message)).toEqual({ ok: true, value: expected });
  });

  it('passes a non-string value through for the caller to judge', () => {
    expect(decodeQueueMessage(42)).toEqual({ ok: true, value: 42 });
  });

  it('reads text as JSON before trying base64 ("null" and "1234" are valid base64 too)', () => {
    expect(decodeQueueMessage('null')).toEqual({ ok: true, value: null });
    expect(decodeQueueMessage('1234')).toEqual({ ok: true, value: 1234 });
    expect(decodeQueueMessage(Buffer.from('true'))).toEqual({ ok: true, value: true });
  });

  it.each([
    ['undefined', undefined, 'empty', 'the message is empty'],
    ['null', null, 'empty', 'the message is empty'],
    ['an empty string', '', 'empty', 'the message is empty'],
    ['whitespace', ' \n\t', 'empty', 'the message is empty'],
    ['empty bytes', new Uint8Array(), 'empty', 'the message is empty'],
    [
      'plain text',
      'hello world',
      'not-json',
      'the message is neither JSON nor base64 (starts with "hello world")',
    ],
    ['broken JSON', '{"id": ', 'not-json', 'the message is not valid JSON ('],
    ['a broken JSON array', '[1,', 'not-json', 'the message is not valid JSON ('],
    ['bad base64 padding', 'eyJpZCI6==', 'not-json', 'neither JSON nor base64'],
    [
      'base64 of binary',
      Buffer.from([0xff, 0xfe, 0x00, 0x81]).toString('base64'),
      'not-utf8',
      'the base64 message does not decode to UTF-8 text',
    ],
    [
      'base64 of plain text',
      Buffer.from('just words').toString('base64'),
      'not-json',
      'the base64 message decodes to text that is not JSON (starts with "just words")',
    ],
    [
      'bytes that are not UTF-8',
      Uint8Array.from([0x7b, 0xc3, 0x28]),
      'not-utf8',
      'the message bytes are not UTF-8 text',
    ],
    [
      'base64 of broken JSON',
      Buffer.from('{"a":').toString('base64'),
      'not-json',
      'the base64 message decodes to text that is not JSON (starts with "{\\"a\\":")',
    ],
  ])('rejects %s', (_label, message, code, reason) => {
    const result = decodeQueueMessage(message);
    expect(result).toMatchObject({ ok: false, code });
    if (!result.ok) expect(result.reason).toContain(reason);
  });

  it('shortens long previews', () => {
    const result = decodeQueueMessage(`not json ${'x'.repeat(200)}`);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason.length).toBeLessThan(120);
  });

  it('stops unwrapping nested JSON strings after two levels', () => {
    const thrice = JSON.stringify(JSON.stringify(JSON.stringify(JSON_TEXT)));
    const result = decodeQueueMessage(thrice);
    expect(result).toEqual({ ok: true, value: JSON_TEXT });
  });

  it('decodes any JSON value the same way whether plain, base64 or bytes', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        fc.pre(typeof value === 'object' && value !== null);
        const text = JSON.stringify(value);
        const expected = JSON.parse(text) as unknown;
        for (const message of [text, Buffer.from(text).toString('base64'), Buffer.from(text)]) {
          expect(decodeQueueMessage(message)).toEqual({ ok: true, value: expected });
        }
        expect(decodeQueueMessage(value)).toEqual({ ok: true, value });
      }),
    );
  });

  it('never throws, whatever arrives', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.anything(), fc.string({ unit: 'binary' }), fc.base64String(), fc.uint8Array()),
        (message) => {
          const result = decodeQueueMessage(message);
          if (!result.ok) expect(result.reason.length).toBeGreaterThan(0);
        },
      ),
    );
  });
});
