import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadApp } from '../../scripts/devHost/loadApp.js';

const roots: string[] = [];
afterAll(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

/** A built app whose entry files each register the named queue-triggered functions. */
function appRegistering(files: Record<string, readonly string[]>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'mm-loadapp-'));
  roots.push(root);
  mkdirSync(path.join(root, 'dist/functions'), { recursive: true });
  writeFileSync(path.join(root, 'package.json'), JSON.stringify({ main: 'dist/functions/*.js' }));
  for (const [file, names] of Object.entries(files)) {
    const registrations = names.map(
      (name) =>
        `core.registerFunction({ name: '${name}', bindings: { t: { type: 'queueTrigger', direction: 'in', queueName: 'q' } } }, async () => undefined);`,
    );
    writeFileSync(
      path.join(root, 'dist/functions', file),
      `const core = require('@azure/functions-core');\n${registrations.join('\n')}\n`,
    );
  }
  return root;
}

describe('the dev host loads the app as the worker does', () => {
  it('loads every registration of a well-formed app', () => {
    const { functions } = loadApp(appRegistering({ 'a.js': ['one'], 'b.js': ['two'] }));
    expect(functions.map((f) => [f.name, f.trigger.type])).toEqual([
      ['one', 'queueTrigger'],
      ['two', 'queueTrigger'],
    ]);
  });

  it('refuses to start an app that registers a function name twice (a stale compiled file, say)', () => {
    const root = appRegistering({ 'submit.js': ['submit'], 'submitRenamed.js': ['submit'] });
    expect(() => loadApp(root)).toThrow(
      'function "submit" is registered twice, first by dist/functions/submit.js and again by dist/functions/submitRenamed.js',
    );
  });
});
