/**
 * (b) azure.yaml parses and points azd at infra/main.bicep and at this project; main.parameters.json
 * matches main.bicep's params and never carries a secret itself.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { topLevel } from './bicep/declarations.js';
import { Infra } from './bicep/infra.js';
import { readInfraSources } from './bicep/sources.js';
import { stringLiteral } from './bicep/syntax.js';
import { parseSimpleYaml, yamlGet, yamlString } from './simpleYaml.js';

const root = process.cwd();
const azureYaml = parseSimpleYaml(fs.readFileSync(path.join(root, 'azure.yaml'), 'utf8'));
const infra = new Infra(readInfraSources(root));
const main = infra.file('infra/main.bicep');

describe('azure.yaml', () => {
  test('names the Bicep entry point, which is subscription-scoped', () => {
    expect(yamlGet(azureYaml, 'name')).toBe('mediamagic-autosubmit');
    expect(yamlGet(azureYaml, 'infra', 'provider')).toBe('bicep');
    const infraPath = yamlString(azureYaml, 'infra', 'path');
    const module = yamlString(azureYaml, 'infra', 'module');
    expect(fs.statSync(path.join(root, infraPath)).isDirectory()).toBe(true);
    expect(fs.existsSync(path.join(root, infraPath, `${module}.bicep`))).toBe(true);
    expect(fs.existsSync(path.join(root, infraPath, `${module}.parameters.json`))).toBe(true);
    const scope = topLevel(main, 'targetScope', 'targetScope')?.value.find((t) => t.kind === 'string');
    expect(stringLiteral(scope)).toBe('subscription');
  });

  test('has one service, the function app, whose project is this package', () => {
    const services = yamlGet(azureYaml, 'services');
    expect(typeof services === 'object' && Object.keys(services)).toEqual(['app']);
    expect(yamlGet(azureYaml, 'services', 'app', 'host')).toBe('function');
    expect(yamlGet(azureYaml, 'services', 'app', 'language')).toBe('ts');
    const project = path.join(root, yamlString(azureYaml, 'services', 'app', 'project'));
    const pkg = JSON.parse(fs.readFileSync(path.join(project, 'package.json'), 'utf8')) as {
      name: string;
      main: string;
    };
    expect(pkg.name).toBe('mediamagic-autosubmit');
    expect(pkg.main).toMatch(/^dist\//);
  });

  test("builds locally, consistently with .funcignore (azd's rule for remoteBuild)", () => {
    // azd refuses remoteBuild: false when .funcignore excludes node_modules, and true when it does not.
    const funcignore = fs.readFileSync(path.join(root, '.funcignore'), 'utf8').split(/\r?\n/);
    const excludesNodeModules = funcignore.some((l) => /^\/?node_modules\/?$/.test(l.trim()));
    expect(yamlGet(azureYaml, 'services', 'app', 'remoteBuild')).toBe(String(excludesNodeModules));
  });

  test('packages the staged folder the prepackage hook writes, under the ignored dist/', () => {
    const dist = yamlString(azureYaml, 'services', 'app', 'dist');
    expect(dist).toBe('dist/azure-package');
    expect(fs.readFileSync(path.join(root, '.gitignore'), 'utf8')).toMatch(/^dist\/?$/m);
    const script = fs.readFileSync(path.join(root, 'infra/scripts/stage-package.mjs'), 'utf8');
    expect(script).toContain("path.join(root, 'dist', 'azure-package')");
    for (const os of ['posix', 'windows']) {
      const run = yamlString(azureYaml, 'services', 'app', 'hooks', 'prepackage', os, 'run');
      const [command, scriptPath] = run.split(/\s+/);
      expect(command).toBe('node');
      expect(fs.existsSync(path.join(root, scriptPath ?? ''))).toBe(true);
    }
  });
});

describe('infra/main.parameters.json', () => {
  const file = JSON.parse(fs.readFileSync(path.join(root, 'infra/main.parameters.json'), 'utf8')) as {
    parameters: Record<string, { value: unknown }>;
  };
  const params = main.declarations.filter((d) => d.kind === 'param');

  test('maps only params main.bicep declares, and every param without a default', () => {
    const declared = params.map((p) => p.name);
    for (const name of Object.keys(file.parameters)) expect(declared).toContain(name);
    for (const param of params.filter((p) => p.value.length === 0))
      expect(Object.keys(file.parameters)).toContain(param.name);
  });

  test('takes @secure() params from the azd environment, never as literal values', () => {
    const secure = params.filter((p) => p.decorators.includes('secure'));
    expect(secure.map((p) => p.name)).toEqual(['mediamagicApiKey']);
    for (const param of secure) expect(file.parameters[param.name]?.value).toMatch(/^\$\{[A-Z_]+\}$/);
  });
});

describe('the azure.yaml reader', () => {
  test('reads nested keys, quotes and comments', () => {
    expect(parseSimpleYaml('a: 1 # note\nb:\n  c: \'x y\'\n  d:\n    e: "z"\nf: g\n')).toEqual({
      a: '1',
      b: { c: 'x y', d: { e: 'z' } },
      f: 'g',
    });
  });

  test.each([
    ['a list', 'a:\n  - b\n'],
    ['a flow map', 'a: {b: 1}\n'],
    ['a key without a value', 'a:\nb: c\n'],
    ['a duplicate key', 'a: 1\na: 2\n'],
    ['inconsistent indentation', 'a:\n    b: 1\n  c: 2\n'],
  ])('rejects %s', (_what, text) => {
    expect(() => parseSimpleYaml(text)).toThrow(/line \d+|has no value/);
  });
});
