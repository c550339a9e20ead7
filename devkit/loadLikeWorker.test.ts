import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { loadLikeWorker } from './loadLikeWorker.js';

/** An app root whose package.json `main` matches `files` (name → CommonJS source) under dist/functions/. */
function appWith(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'devkit-app-'));
  onTestFinished(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(path.join(root, 'dist/functions'), { recursive: true });
  writeFileSync(path.join(root, 'package.json'), JSON.stringify({ main: 'dist/functions/*.js' }));
  for (const [name, source] of Object.entries(files))
    writeFileSync(path.join(root, 'dist/functions', name), source);
  return root;
}

/** An entry file that registers `name` with a queue trigger and exports its handler under that name. */
const registering = (name: string): string => `
  const core = require('@azure/functions-core');
  exports.${name} = async () => '${name} ran';
  core.registerFunction(
    { name: '${name}', bindings: { trigger: { type: 'queueTrigger', direction: 'in', queueName: 'q' } } },
    exports.${name},
  );
`;

describe('loadLikeWorker', () => {
  it('requires every file package.json main matches, in sorted order, and collects registrations and exports', async () => {
    const loaded = loadLikeWorker(appWith({ 'b.js': registering('second'), 'a.js': registering('first') }));
    expect(loaded.main).toBe('dist/functions/*.js');
    expect(loaded.files).toEqual(['dist/functions/a.js', 'dist/functions/b.js']);
    expect(loaded.registrations.map((r) => r.metadata.name)).toEqual(['first', 'second']);
    expect(loaded.registrations[0]?.metadata.bindings.trigger).toMatchObject({ type: 'queueTrigger' });
    expect(await loaded.registrations[1]?.handler(undefined, undefined)).toBe('second ran');
    expect(loaded.exports.get('first')).toBe(loaded.registrations[0]?.handler);
    expect(loaded.errors).toEqual([]);
  });

  it('throws the first entry file error, or records each and goes on when asked to keep going', () => {
    const files = { 'a.js': "throw new Error('a is broken');", 'b.js': registering('fine') };
    expect(() => loadLikeWorker(appWith(files))).toThrow('a is broken');
    const loaded = loadLikeWorker(appWith(files), { keepGoing: true });
    expect(loaded.errors).toEqual([{ file: 'dist/functions/a.js', message: 'a is broken' }]);
    expect(loaded.registrations.map((r) => r.metadata.name)).toEqual(['fine']);
  });

  it('refuses an app that registers one function name twice, naming both entry files, as the worker does', () => {
    const files = { 'a.js': registering('twice'), 'b.js': registering('fine'), 'c.js': registering('twice') };
    expect(() => loadLikeWorker(appWith(files))).toThrow(
      /function "twice" is registered twice, first by dist\/functions\/a\.js and again by dist\/functions\/c\.js/,
    );
    const loaded = loadLikeWorker(appWith(files), { keepGoing: true });
    expect(loaded.registrations.map((r) => r.metadata.name)).toEqual(['twice', 'fine']);
    expect(loaded.errors).toEqual([
      {
        file: 'dist/functions/c.js',
        message: expect.stringContaining('"twice" is registered twice') as string,
      },
    ]);
  });

  it('finds nothing, without throwing, when main matches no file', () => {
    const loaded = loadLikeWorker(appWith({}));
    expect(loaded.files).toEqual([]);
    expect(loaded.registrations).toEqual([]);
  });
});
