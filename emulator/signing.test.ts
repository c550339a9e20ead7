import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { generateSecret, sign, signedHeaders } from './signing.js';

describe('Standard Webhooks signing', () => {
  it('matches the standardwebhooks reference implementation for any id and body', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), fc.string({ maxLength: 500 }), (id, body) => {
        const secret = generateSecret();
        const timestamp = Math.floor(Date.now() / 1000);
        const reference = new Webhook(secret).sign(id, new Date(timestamp * 1000), body);
        expect(sign(secret, id, timestamp, body)).toBe(reference);
        const verified = new Webhook(secret).verify(
          JSON.stringify({ body }),
          signedHeaders(secret, id, timestamp, JSON.stringify({ body })),
        );
        expect(verified).toEqual({ body });
      }),
      { numRuns: 50 },
    );
  });

  it('produces secrets in the whsec_ format with 32 bytes of key', () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^whsec_/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect(generateSecret()).not.toBe(secret);
  });

  it('is rejected by the reference verifier when stale (older than its 5 minute tolerance)', () => {
    const secret = generateSecret();
    const stale = Math.floor(Date.now() / 1000) - 600;
    expect(() => new Webhook(secret).verify('{}', signedHeaders(secret, 'msg_1', stale, '{}'))).toThrow();
  });
});
