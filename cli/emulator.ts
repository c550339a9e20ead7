/**
 * `emulator [...]`: the MediaMagic sandbox emulator, exactly as `npm run emulator` runs it — the same flags
 * and MM_EMULATOR_* variables, parsed by the emulator's own launcher — so it is reachable from an installed
 * package too. Runs until Ctrl-C (the abort signal), then stops the emulator and any Azurite it started.
 */
import { launch, parseCli, USAGE } from '../emulator/launcher.js';
import { EXIT } from './lib/exitCodes.js';
import type { Command } from './lib/io.js';
import { runCommand } from './lib/runCommand.js';
import { usageError } from './lib/args.js';

/** `emulator --help`: the emulator's own usage, under this command's name. */
export const EMULATOR_USAGE = USAGE.replace(
  /^Usage: npm run emulator -- \[options\]/,
  'Usage: mediamagic-autosubmit emulator [options]   (same as npm run emulator -- [options])',
);

/** Runs `emulator`. */
export const runEmulator: Command = (args, io) =>
  runCommand(io, args, async (output) => {
    let config;
    try {
      config = parseCli(args, { ...io.env });
    } catch (error) {
      throw usageError('emulator', error instanceof Error ? error.message : String(error));
    }
    if (config.help) {
      output.out(EMULATOR_USAGE);
      return EXIT.ok;
    }
    const running = await launch(config);
    const { emulator, azurite } = running;
    output.out(
      `MediaMagic emulator listening at ${emulator.url}`,
      `  sandbox key:  ${emulator.sandboxKey ?? '(none configured)'}`,
      `  live key:     ${emulator.liveKey ?? '(none configured)'}`,
      `  workspace id: ${emulator.workspaceId ?? '(none)'}`,
      `  storage:      ${azurite ? `Azurite started at ${azurite.blobEndpoint}` : 'as configured (--storage)'}`,
      `  stats:        ${emulator.url}/_emulator/stats`,
      'Press Ctrl-C to stop.',
    );
    await aborted(io.signal);
    output.err('stopping the emulator');
    await running.stop();
    return EXIT.ok;
  });

/** Resolves when `signal` aborts (never, without one: the emulator then runs until the process dies). */
function aborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) resolve();
    else signal?.addEventListener('abort', () => resolve(), { once: true });
  });
}
