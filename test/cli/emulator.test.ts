import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/dispatch.js';
import { EXIT } from '../../cli/lib/exitCodes.js';
import { startAzurite, type AzuriteInstance } from '../../devkit/azurite.js';
import { cli, emptyCwd } from './support.js';

describe('emulator', () => {
  let azurite: AzuriteInstance;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(() => azurite.stop());

  it('--help prints the emulator’s own options under this command', async () => {
    const run = await cli(['emulator', '--help'], {});
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toContain('Usage: mediamagic-autosubmit emulator [options]');
    expect(run.stdout).toContain('--start-azurite');
  });

  it('a bad flag value is a usage error (2) with the launcher’s message', async () => {
    const run = await cli(['emulator', '--port', 'eighty'], {});
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toContain('--port: expected a non-negative integer, got "eighty"');
  });

  it('runs the emulator until aborted (Ctrl-C), then stops it and exits 0', async () => {
    let stdout = '';
    const controller = new AbortController();
    const running = runCli(['emulator', '--port', '0', '--storage', azurite.connectionString], {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: () => true },
      env: {},
      cwd: emptyCwd(),
      signal: controller.signal,
    });
    await expect.poll(() => stdout, { timeout: 15_000 }).toContain('MediaMagic emulator listening at');
    const url = /listening at (\S+)/.exec(stdout)?.[1] ?? '';
    expect((await fetch(`${url}/_emulator/stats`)).status).toBe(200);

    controller.abort();

    expect(await running).toBe(EXIT.ok);
    await expect(fetch(`${url}/_emulator/stats`)).rejects.toThrow();
  });

  it('MM_EMULATOR_* variables from the environment are honoured, as with npm run emulator', async () => {
    const run = await cli(['emulator'], { MM_EMULATOR_PORT: 'x' });
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toContain('--port');
  });
});
