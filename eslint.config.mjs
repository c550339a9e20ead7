// @ts-check
import js from '@eslint/js';
import { globSync } from 'node:fs';
import path from 'node:path';
import tseslint from 'typescript-eslint';

/**
 * Which way imports may point. Each key is a folder; its files may import only from `may` (folders or
 * single files, by repository path), minus anything under `not`. The deepest matching folder's entry
 * applies, tests (`*.test.ts`) are exempt, and bench/ and test/ have no entry: they may import anything.
 *
 * - functions/ are thin adapters over shared/. shared/ never reaches outside itself.
 * - shared/app/ is the composition root: it imports all of shared/, and nothing in shared/ imports it.
 * - shared/resilience/ is generic (clock, logger); shared/mediamagic/ is the API client built on it.
 * - shared/telemetry/ (span and metric names, the tracer and meter) stands alone over @opentelemetry/api, so
 *   any layer may record through it; it learns about resilience only through its own small interfaces.
 * - the storage-side folders (ledger, storage, validation, events, ingest) sit below the use cases:
 *   shared/webhooks/ applies one event, shared/pipeline/ drives records and may replay a webhook event
 *   (reconcileOrphans), never the other way round.
 * - shared/poison/ drains the trigger's poison queue: it drives blobs through shared/pipeline/ and keeps its
 *   records with the storage-side folders, and reaches neither the API client nor the webhooks directly.
 * - shared/sweep/ (the reconciliation sweep) sits on top of shared/pipeline/: it lists the source container
 *   and drives what no event announced through the pipeline's own entry point, and
 *   runs the poison drain; neither the pipeline nor the poison drain calls it.
 * - emulator/ stands alone: it shares only the clock and the API's rate buckets (the contract) with the
 *   app, plus the dev kit. devkit/ imports nothing of ours. The dev host (scripts/) and the CLI may use the
 *   app's shared code, the emulator and the dev kit, but not each other, bench/ or test/.
 */
export const LAYERS = {
  functions: { may: ['functions', 'shared'] },
  shared: { may: ['shared'], not: ['shared/app'] },
  'shared/app': { may: ['shared'] },
  'shared/resilience': {
    may: ['shared/resilience', 'shared/clock.ts', 'shared/logger.ts'],
  },
  'shared/mediamagic': {
    may: [
      'shared/mediamagic',
      'shared/resilience',
      'shared/telemetry',
      'shared/clock.ts',
      'shared/logger.ts',
    ],
  },
  'shared/telemetry': { may: ['shared/telemetry'] },
  'shared/ledger': {
    may: ['shared'],
    not: ['shared/pipeline', 'shared/webhooks', 'shared/sweep', 'shared/poison', 'shared/app'],
  },
  'shared/storage': {
    may: ['shared'],
    not: ['shared/pipeline', 'shared/webhooks', 'shared/sweep', 'shared/poison', 'shared/app'],
  },
  'shared/validation': {
    may: ['shared'],
    not: ['shared/pipeline', 'shared/webhooks', 'shared/sweep', 'shared/poison', 'shared/app'],
  },
  'shared/events': {
    may: ['shared'],
    not: ['shared/pipeline', 'shared/webhooks', 'shared/sweep', 'shared/poison', 'shared/app'],
  },
  'shared/ingest': {
    may: ['shared'],
    not: ['shared/pipeline', 'shared/webhooks', 'shared/sweep', 'shared/poison', 'shared/app'],
  },
  'shared/webhooks': {
    may: ['shared'],
    not: ['shared/pipeline', 'shared/sweep', 'shared/poison', 'shared/app'],
  },
  'shared/pipeline': { may: ['shared'], not: ['shared/sweep', 'shared/poison', 'shared/app'] },
  'shared/poison': {
    may: [
      'shared/poison',
      'shared/pipeline',
      'shared/events',
      'shared/ledger',
      'shared/storage',
      'shared/config',
      'shared/clock.ts',
      'shared/logger.ts',
    ],
  },
  'shared/sweep': {
    may: [
      'shared/sweep',
      'shared/poison',
      'shared/pipeline',
      'shared/ledger',
      'shared/storage',
      'shared/config',
      'shared/clock.ts',
      'shared/logger.ts',
    ],
  },
  emulator: { may: ['emulator', 'shared/clock.ts', 'shared/mediamagic/buckets.ts', 'devkit'] },
  devkit: { may: ['devkit'] },
  scripts: { may: ['scripts', 'shared', 'emulator', 'devkit'] },
  cli: { may: ['cli', 'shared', 'emulator', 'devkit'] },
};

/**
 * The ESLint blocks that enforce `layers` under `root`: one per folder holding .ts files, since import
 * specifiers are relative to the importing file. `no-restricted-imports` covers imports, type imports and
 * re-exports; `no-restricted-syntax` covers dynamic `import()`, which the app uses to defer loading.
 *
 * @param {Record<string, { may: string[], not?: string[] }>} layers
 * @param {string} root
 */
export function layeringBlocks(layers, root) {
  const folders = new Set(globSync(`{${Object.keys(layers).join(',')}}/**/*.ts`, { cwd: root }).map(dirOf));
  return [...folders].sort().flatMap((folder) => {
    const owner = Object.keys(layers)
      .filter((key) => folder === key || folder.startsWith(`${key}/`))
      .sort((a, b) => b.length - a.length)[0];
    if (!owner) return [];
    const { may, not = [] } = layers[owner];
    const outside = `^(?!${may.map((target) => reaching(folder, target)).join('|')})\\.`;
    const patterns = [
      {
        regex: outside,
        message: `${owner}/ may import only ${may.join(', ')} (LAYERS in eslint.config.mjs).`,
      },
      ...(not.length > 0
        ? [
            {
              regex: `^(?:${not.map((t) => reaching(folder, t)).join('|')})`,
              message: `${owner}/ must not import ${not.join(', ')} (LAYERS in eslint.config.mjs).`,
            },
          ]
        : []),
    ];
    return {
      files: [`${folder}/*.ts`],
      ignores: ['**/*.test.ts'],
      rules: {
        'no-restricted-imports': [
          'error',
          { patterns: patterns.map((p) => ({ ...p, caseSensitive: true })) },
        ],
        'no-restricted-syntax': [
          'error',
          ...patterns.map((p) => ({
            selector: `ImportExpression[source.value=/${p.regex.replaceAll('/', '\\/')}/]`,
            message: p.message,
          })),
        ],
      },
    };
  });
}

/** A path's folder, with forward slashes. */
function dirOf(file) {
  return path.posix.dirname(file.split(path.sep).join('/'));
}

/**
 * A regular expression (source, unanchored at the end) matching the relative specifiers by which a file in
 * `folder` reaches `target`: a file (written with its compiled `.js` name), or anything under a folder.
 */
function reaching(folder, target) {
  const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (target.endsWith('.ts')) {
    const relative = path.posix.relative(folder, target.replace(/\.ts$/, '.js'));
    return `${escape(relative.startsWith('.') ? relative : `./${relative}`)}$`;
  }
  if (folder === target || folder.startsWith(`${target}/`)) {
    // Inside the target: ./ or up to as many ../ as the folder is deep below it, then no further ../.
    const depth = folder.split('/').length - target.split('/').length;
    const ups = depth === 0 ? '\\.' : `(?:\\.|\\.\\.(?:/\\.\\.){0,${depth - 1}})`;
    return `${ups}/(?!\\.\\./)`;
  }
  const relative = path.posix.relative(folder, target);
  return `${escape(relative.startsWith('.') ? relative : `./${relative}`)}/(?!\\.\\./)`;
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tools/**', 'coverage/**', '.azurite/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // The product's promise is "nothing is lost": an un-awaited promise is a lost error.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
    },
  },
  ...layeringBlocks(LAYERS, import.meta.dirname),
  {
    files: ['**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
