import { ESLint, type Linter } from 'eslint';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import tseslint from 'typescript-eslint';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The import-direction rules in eslint.config.mjs (LAYERS), run on probe files that only exist in memory:
 * each must be refused or let through as the layering says. Only the layering blocks run, on an untyped
 * parse, so this takes seconds rather than a full typed lint.
 */
interface EslintConfigModule {
  readonly LAYERS: Record<string, { may: string[]; not?: string[] }>;
  layeringBlocks(layers: EslintConfigModule['LAYERS'], root: string): Linter.Config[];
}

const repo = process.cwd();
let eslint: ESLint;

beforeAll(async () => {
  const config = (await import(
    pathToFileURL(path.join(repo, 'eslint.config.mjs')).href
  )) as EslintConfigModule;
  eslint = new ESLint({
    cwd: repo,
    overrideConfigFile: true,
    overrideConfig: [
      { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } },
      ...config.layeringBlocks(config.LAYERS, repo),
    ],
  });
});

/** The layering messages ESLint reports for `source` as if it were the file `file`. */
async function problems(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path.join(repo, file) });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
}

describe('import layering (eslint.config.mjs)', () => {
  it.each([
    ['shared/webhooks/probe.ts', "import { buildAppDeps } from '../app/appDeps.js';"],
    ['shared/webhooks/probe.ts', "export type { AppDeps } from '../app/appDeps.js';"],
    ['shared/webhooks/probe.ts', "import { pollDue } from '../pipeline/pollDue.js';"],
    ['shared/probe.ts', "import type { AppDeps } from './app/appDeps.js';"],
    ['shared/ledger/probe.ts', "import { reconcileOrphans } from '../pipeline/reconcileOrphans.js';"],
    ['shared/resilience/probe.ts', "import { MediaMagicClient } from '../mediamagic/client.js';"],
    ['shared/mediamagic/probe.ts', "import { BlobLedger } from '../ledger/blobLedger.js';"],
    ['shared/storage/probe.ts', "import { startAzurite } from '../../devkit/azurite.js';"],
    ['functions/probe.ts', "import { startEmulator } from '../emulator/server.js';"],
    ['emulator/probe.ts', "import { loadConfig } from '../shared/config.js';"],
    ['emulator/routes/probe.ts', "import { startHttpHost } from '../../scripts/devHost/httpHost.js';"],
    ['devkit/probe.ts', "import { systemClock } from '../shared/clock.js';"],
    ['scripts/probe.ts', "import { runCli } from '../cli/main.js';"],
    ['cli/lib/probe.ts', "import { REPO_ROOT } from '../../bench/stack.js';"],
    ['shared/pipeline/probe.ts', "export const later = () => import('../app/appDeps.js');"],
    ['shared/pipeline/probe.ts', "import { runSweep } from '../sweep/sweepRun.js';"],
    ['shared/ledger/probe.ts', "import type { SweepCursor } from '../sweep/sweepCursor.js';"],
    ['shared/sweep/probe.ts', "import { applyWebhookEvent } from '../webhooks/applyWebhookEvent.js';"],
    ['shared/sweep/probe.ts', "import { buildAppDeps } from '../app/appDeps.js';"],
    ['shared/probe.ts', "export const later = () => import('../emulator/server.js');"],
    ['shared/poison/probe.ts', "import { buildAppDeps } from '../app/appDeps.js';"],
    ['shared/poison/probe.ts', "import { applyWebhookEvent } from '../webhooks/applyWebhookEvent.js';"],
    ['shared/poison/probe.ts', "import { MediaMagicClient } from '../mediamagic/client.js';"],
  ])('refuses %s: %s', async (file, source) => {
    expect(await problems(file, source)).toEqual([
      expect.stringMatching(/^no-restricted-(imports|syntax): .*LAYERS in eslint\.config\.mjs/),
    ]);
  });

  it.each([
    [
      'shared/webhooks/probe.ts',
      "import { isTerminal } from '../ledger/states.js';\nimport { x } from './webhookEvent.js';",
    ],
    ['shared/pipeline/probe.ts', "import { applyWebhookEvent } from '../webhooks/applyWebhookEvent.js';"],
    [
      'shared/poison/probe.ts',
      "import { processSourceBlob } from '../pipeline/processSourceBlob.js';\nimport { x } from './poisonRecord.js';",
    ],
    ['shared/app/probe.ts', "export const later = () => import('../pipeline/pollDue.js');"],
    [
      'shared/sweep/probe.ts',
      "import { processSourceBlob } from '../pipeline/processSourceBlob.js';\nimport { ledgerKey } from '../ledger/ledgerKey.js';\nimport type { Clock } from '../clock.js';",
    ],
    ['functions/probe.ts', "export const later = () => import('../shared/sweep/sweepRun.js');"],
    ['shared/probe.ts', "import { BUCKETS } from './mediamagic/buckets.js';"],
    [
      'shared/resilience/probe.ts',
      "import type { Clock } from '../clock.js';\nimport { x } from './backoff.js';",
    ],
    ['functions/probe.ts', "import { lazily } from '../shared/app/lazyAppDeps.js';"],
    [
      'emulator/routes/probe.ts',
      "import { x } from '../http.js';\nimport { y } from '../../shared/clock.js';",
    ],
    ['emulator/probe.ts', "import { startAzurite } from '../devkit/azurite.js';"],
    ['devkit/probe.ts', "import ts from 'typescript';\nimport { x } from './stopChild.js';"],
    ['scripts/devHost/probe.ts', "import { loadLikeWorker } from '../../devkit/loadLikeWorker.js';"],
    ['cli/probe.ts', "import { launch } from '../emulator/launcher.js';"],
    ['bench/probe.ts', "import { loadApp } from '../scripts/devHost/loadApp.js';"],
    ['shared/webhooks/probe.test.ts', "import { useAzurite } from '../../test/support/azurite.js';"],
  ])('lets through %s: %s', async (file, source) => {
    expect(await problems(file, source)).toEqual([]);
  });

  it('is part of the real configuration', async () => {
    const real = new ESLint({ cwd: repo });
    const config = (await real.calculateConfigForFile('shared/webhooks/receiveWebhookHandler.ts')) as {
      rules: Record<string, unknown>;
    };
    expect(config.rules['no-restricted-imports']).toBeDefined();
    expect(config.rules['no-restricted-syntax']).toBeDefined();
  });
});
