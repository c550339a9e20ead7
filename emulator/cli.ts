/**
 * `npm run emulator`: starts the MediaMagic sandbox emulator (optionally with its own Azurite), prints
 * its URL and keys, and shuts everything down cleanly on SIGINT/SIGTERM.
 */
import { launch, parseCli, USAGE } from './launcher.js';

async function main(): Promise<void> {
  let config;
  try {
    config = parseCli(process.argv.slice(2), process.env);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    console.error(USAGE);
    process.exitCode = 2;
    return;
  }
  if (config.help) {
    console.log(USAGE);
    return;
  }
  const running = await launch(config);
  const { emulator, azurite } = running;
  console.log(`MediaMagic emulator listening at ${emulator.url}`);
  console.log(`  sandbox key:  ${emulator.sandboxKey ?? '(none configured)'}`);
  console.log(`  live key:     ${emulator.liveKey ?? '(none configured)'}`);
  console.log(`  workspace id: ${emulator.workspaceId ?? '(none)'}`);
  console.log(
    `  storage:      ${azurite ? `Azurite started at ${azurite.blobEndpoint}` : 'as configured (--storage)'}`,
  );
  console.log(`  stats:        ${emulator.url}/_emulator/stats`);

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping the emulator`);
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('emulator: failed to stop cleanly', error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error('emulator: failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
