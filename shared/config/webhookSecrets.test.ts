import { describe, expect, it } from 'vitest';
import { load, problemsWith } from '../../test/support/configEnv.js';

describe('loadConfig — webhook secrets', () => {
  const A = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const B = 'whsec_c2Vjb25kLXNlY3JldA==';

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
});
