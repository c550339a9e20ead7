import { describe, expect, it } from 'vitest';
import { buildBlobCreatedEvent, encodeQueueMessage } from './buildBlobCreatedEvent.js';
import { encodeHandOffMessage, readHandOffMessage } from './handOffMessage.js';

const KEY = 'a'.repeat(64);
const raw = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64');

describe('hand-off queue messages', () => {
  it('round-trips as base64 text, as the decoded JSON the host passes, and as bytes', () => {
    const text = encodeHandOffMessage({ key: KEY, generation: 3 });
    const expected = { kind: 'hand-off', handOff: { key: KEY, generation: 3 } };
    expect(readHandOffMessage(text)).toEqual(expected);
    expect(readHandOffMessage(JSON.parse(Buffer.from(text, 'base64').toString('utf8')))).toEqual(expected);
    expect(readHandOffMessage(Buffer.from(text, 'utf8'))).toEqual(expected);
  });

  it('leaves BlobCreated events and undecodable messages to the event parser', () => {
    const event = buildBlobCreatedEvent({
      container: 'incoming',
      blobName: 'clip.mp4',
      blobEndpoint: 'http://127.0.0.1:10000/devstoreaccount1',
    });
    expect(readHandOffMessage(encodeQueueMessage(event))).toEqual({ kind: 'not-a-hand-off' });
    expect(readHandOffMessage('not base64 at all!')).toEqual({ kind: 'not-a-hand-off' });
    expect(readHandOffMessage(undefined)).toEqual({ kind: 'not-a-hand-off' });
    expect(readHandOffMessage([1, 2])).toEqual({ kind: 'not-a-hand-off' });
  });

  it.each([
    [{ key: 'abc', generation: 1 }, 'mediamagicHandOff.key must be a ledger key (64 hex digits)'],
    [{ key: KEY, generation: 0 }, 'mediamagicHandOff.generation'],
    [{ key: KEY, generation: 1.5 }, 'mediamagicHandOff.generation'],
    [{ key: KEY }, 'mediamagicHandOff.generation'],
    ['x', 'mediamagicHandOff'],
  ])('names what is wrong with a malformed one: %j', (body, names) => {
    const reading = readHandOffMessage(raw({ mediamagicHandOff: body }));
    expect(reading.kind).toBe('malformed');
    expect(reading.kind === 'malformed' && reading.reason).toContain(`hand-off message: ${names}`);
  });
});
