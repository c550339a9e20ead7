import { describe, expect, it } from 'vitest';
import { load, MINIMAL, problemsOf, problemsWith } from '../../test/support/configEnv.js';
import { MIN_WEBHOOK_SECRET_BYTES } from './webhookSecrets.js';

/** `whsec_` + base64 of `bytes` bytes (no padding stripped). */
const secretOf = (bytes: number, fill = 7): string => `whsec_${Buffer.alloc(bytes, fill).toString('base64')}`;

describe('loadConfig — webhook secrets', () => {
  const A = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const B = 'whsec_c2Vjb25kLXNlY3JldC1vZi0yNGJ5dGVz';

  it('splits on any whitespace and keeps each secret whole', () => {
    expect(load({ MEDIAMAGIC_WEBHOOK_SECRETS: `${A}  ${B}\n` }).webhookSecrets).toEqual([A, B]);
  });

  it('has no secrets when unset', () => {
    expect(load().webhookSecrets).toEqual([]);
  });

  it.each([
    ['whsec_', 'the secret'],
    ['MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'the secret'],
    ['whsec_not*base64', 'the secret'],
    ['whsec_abcde', 'the secret'],
    [`${A} whsec_bad! ${B} nope`, 'entry 2, 4 of 4'],
    [`${A},${B}`, 'the secret'],
  ])('rejects %j naming the entry, never its value', (value, which) => {
    const [problem] = problemsWith({ MEDIAMAGIC_WEBHOOK_SECRETS: value });
    expect(problem).toBe(`MEDIAMAGIC_WEBHOOK_SECRETS must be whsec_ followed by base64 (${which} is not)`);
  });

  it('requires 24 bytes of key, as Standard Webhooks secrets (24–64 bytes) and MediaMagic’s 32 have', () => {
    expect(MIN_WEBHOOK_SECRET_BYTES).toBe(24);
  });

  it.each([
    ['the minimum, padded', secretOf(24)],
    ['the minimum + 1, padded', secretOf(25)],
    ['the minimum + 1, unpadded', secretOf(25).replace(/=+$/, '')],
    ['MediaMagic’s 32 bytes', secretOf(32)],
    ['the Standard Webhooks maximum', secretOf(64)],
  ])('accepts a secret of %s', (_label, secret) => {
    expect(load({ MEDIAMAGIC_WEBHOOK_SECRETS: secret }).webhookSecrets).toEqual([secret]);
  });

  it.each([
    ['1 byte', secretOf(1), 'the secret'],
    ['one byte short', secretOf(23), 'the secret'],
    ['one byte short, unpadded', secretOf(23).replace(/=+$/, ''), 'the secret'],
    ['one short beside a good one', `${secretOf(32)} ${secretOf(16)}`, 'entry 2 of 2'],
  ])('refuses a secret of %s, naming the setting and never the secret', (_label, value, which) => {
    const error = problemsOf({ ...MINIMAL, MEDIAMAGIC_WEBHOOK_SECRETS: value });
    expect(error.problems).toEqual([
      `MEDIAMAGIC_WEBHOOK_SECRETS must each decode to at least 24 bytes, as Standard Webhooks secrets do (${which} is shorter)`,
    ]);
    for (const secret of value.split(' ')) {
      expect(error.message).not.toContain(secret.slice('whsec_'.length));
    }
  });

  it('names both problems when one entry is malformed and another too short', () => {
    expect(problemsWith({ MEDIAMAGIC_WEBHOOK_SECRETS: `nope ${secretOf(8)}` })).toEqual([
      'MEDIAMAGIC_WEBHOOK_SECRETS must be whsec_ followed by base64 (entry 1 of 2 is not); ' +
        'must each decode to at least 24 bytes, as Standard Webhooks secrets do (entry 2 of 2 is shorter)',
    ]);
  });
});
