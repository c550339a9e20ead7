import { describe, expect, it } from 'vitest';
import { parseHostRoles, roleOf } from '../../scripts/devHost/hostRoles.js';

describe('dev host --only', () => {
  it('drives every trigger when absent, as a single dev host always has', () => {
    const parsed = parseHostRoles(undefined);
    expect(parsed.ok && [...parsed.roles]).toEqual(['queue', 'timers', 'http']);
  });

  it('takes a comma-separated list of roles, and maps each trigger type to its role', () => {
    const parsed = parseHostRoles('queue, http');
    expect(parsed.ok && [...parsed.roles]).toEqual(['queue', 'http']);
    expect(['queueTrigger', 'timerTrigger', 'httpTrigger', 'blobTrigger'].map(roleOf)).toEqual([
      'queue',
      'timers',
      'http',
      undefined,
    ]);
  });

  it('refuses a role it does not know, naming it', () => {
    expect(parseHostRoles('queue,timer')).toEqual({
      ok: false,
      error: { kind: 'unknown-role', value: 'timer' },
    });
    expect(parseHostRoles('')).toEqual({ ok: false, error: { kind: 'unknown-role', value: '' } });
  });
});
