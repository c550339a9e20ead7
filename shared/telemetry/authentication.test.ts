import { describe, expect, it } from 'vitest';
import { telemetryAuthentication } from './authentication.js';

describe('telemetryAuthentication', () => {
  it('absent or blank: the connection string alone', () => {
    expect(telemetryAuthentication(undefined)).toEqual({ kind: 'key' });
    expect(telemetryAuthentication('  ')).toEqual({ kind: 'key' });
  });

  it("infra's form: Entra auth with the app's user-assigned identity", () => {
    expect(telemetryAuthentication('ClientId=1111-2222;Authorization=AAD')).toEqual({
      kind: 'aad',
      clientId: '1111-2222',
    });
    expect(telemetryAuthentication('authorization=aad')).toEqual({ kind: 'aad' });
  });

  it('anything else is refused, naming the setting and not echoing the value', () => {
    for (const bad of ['Authorization=Key', 'ClientId', 'ClientId=a=b;Authorization=AAD']) {
      const read = telemetryAuthentication(bad);
      expect(read.kind).toBe('invalid');
      if (read.kind === 'invalid') {
        expect(read.problem).toContain('APPLICATIONINSIGHTS_AUTHENTICATION_STRING');
        expect(read.problem).not.toContain(bad);
      }
    }
  });
});
