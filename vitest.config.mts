import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{shared,functions,emulator,test,scripts,cli,devkit}/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration suites each start their own Azurite; two cores make more forks slower, not faster.
    maxWorkers: 2,
  },
});
