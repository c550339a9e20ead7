import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS, isInterruptible } from '../../cli/dispatch.js';
import { EXIT, EXIT_CODE_MEANINGS } from '../../cli/lib/exitCodes.js';
import { cli } from './support.js';

const GOOD_KEY = 'sk_test_cli_main_0123456789abcdef';
const STORAGE = 'UseDevelopmentStorage=true';

function dirWithSettings(values: unknown): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mm-cli-settings-'));
  writeFileSync(
    path.join(dir, 'local.settings.json'),
    JSON.stringify({ IsEncrypted: false, Values: values }),
  );
  return dir;
}

describe('global flags and dispatch', () => {
  it('--help lists every command and every exit code', async () => {
    const run = await cli(['--help'], {});
    expect(run.code).toBe(0);
    for (const name of Object.keys(COMMANDS)) expect(run.stdout).toContain(`  ${name}`);
    for (const { code, meaning } of EXIT_CODE_MEANINGS) expect(run.stdout).toContain(`${code}  ${meaning}`);
  });

  it('no command is a usage error that prints the usage', async () => {
    const run = await cli([], {});
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toContain('Usage: mediamagic-autosubmit <command>');
  });

  it('an unknown command or global flag is a usage error naming it', async () => {
    const unknown = await cli(['frobnicate'], {});
    expect(unknown.code).toBe(EXIT.usage);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    const flag = await cli(['--frobnicate'], {});
    expect(flag.code).toBe(EXIT.usage);
    expect(flag.stderr).toContain('unknown option "--frobnicate"');
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    const run = await cli(['--version'], {});
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(pkg.version);
  });

  it.each(Object.keys(COMMANDS))('%s --help works without any configuration', async (name) => {
    const run = await cli(name === 'webhooks' ? [name, '--help'] : [name, '--help'], {});
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Usage: mediamagic-autosubmit ${name}`);
    expect(await cli(['help', name], {})).toMatchObject({ code: 0 });
  });

  it.each([
    ['upload', '--bogus', 'a.mp4'],
    ['status', '--bogus'],
    ['backfill', '--bogus'],
    ['resubmit', 'a.mp4', '--bogus'],
    ['failures', '--bogus'],
    ['webhooks', 'list', '--bogus'],
    ['webhooks', 'create', '--url', 'https://example.com/hook', '--bogus'],
    ['webhooks', 'delete', 'id', '--bogus'],
    ['webhooks', 'deliveries', 'id', '--bogus'],
    ['emulator', '--bogus'],
  ])('%s … %s: an unknown flag is a usage error (2), before any setting is read', async (...args) => {
    const run = await cli(args, {});
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toMatch(/error: .*--bogus/);
    expect(run.stderr).toContain('--help');
  });

  it('bad argument values are usage errors that say what is expected', async () => {
    expect((await cli(['backfill', '--concurrency', '0'], {})).stderr).toContain(
      '--concurrency must be a whole number from 1 to 16',
    );
    expect((await cli(['backfill', '--concurrency', 'x'], {})).code).toBe(EXIT.usage);
    expect((await cli(['status', '--blob'], {})).code).toBe(EXIT.usage);
    expect((await cli(['resubmit'], {})).code).toBe(EXIT.usage);
    expect((await cli(['resubmit', 'a', 'b'], {})).code).toBe(EXIT.usage);
    expect((await cli(['upload'], {})).code).toBe(EXIT.usage);
    expect((await cli(['webhooks'], {})).code).toBe(EXIT.usage);
    expect((await cli(['webhooks', 'rename'], {})).stderr).toContain('unknown subcommand "rename"');
    expect((await cli(['webhooks', 'create'], {})).stderr).toContain('--url');
    expect((await cli(['webhooks', 'create', '--url', 'not a url'], {})).code).toBe(EXIT.usage);
    const events = await cli(
      ['webhooks', 'create', '--url', 'https://x.example/h', '--events', 'asset.created'],
      {},
    );
    expect(events.code).toBe(EXIT.usage);
    expect(events.stderr).toContain('unknown: asset.created');
    expect((await cli(['webhooks', 'deliveries', 'id', '--limit', '0'], {})).code).toBe(EXIT.usage);
    expect((await cli(['webhooks', 'delete'], {})).code).toBe(EXIT.usage);
  });

  it.each([
    [['resubmit', 'x/../clip.mp4'], '".." path segment'],
    [['resubmit', '../other/x'], '".." path segment'],
    [['resubmit', 'clip.mp4.'], 'ending in a dot'],
    [['link', 'videos\\clip.mp4', 'sub_1'], 'backslash'],
    [['link', 'x/./clip.mp4', 'sub_1'], '"." or ".." path segment'],
  ])(
    '%j: a name that would address another blob is refused, before any setting is read',
    async (args, words) => {
      const run = await cli(args, {});
      expect(run.code).toBe(EXIT.usage);
      expect(run.stderr).toContain('refused blob name');
      expect(run.stderr).toContain(words);
      expect(run.stderr).not.toMatch(/MEDIAMAGIC_API_KEY|AzureWebJobsStorage/);
    },
  );

  it('a usage error under --json still prints one JSON error document', async () => {
    const run = await cli(['status', '--json', '--bogus'], {});
    expect(run.code).toBe(EXIT.usage);
    expect(run.json()).toEqual({
      error: {
        exitCode: 2,
        message: "Unknown option '--bogus'",
        hint: expect.stringContaining('--help') as string,
      },
    });
  });
});

describe('configuration errors (exit 3)', () => {
  it.each([['status'], ['backfill'], ['resubmit', 'a.mp4'], ['upload', 'a.mp4'], ['webhooks', 'list']])(
    '%s names every missing setting',
    async (...args) => {
      const run = await cli(args, {});
      expect(run.code).toBe(EXIT.config);
      expect(run.stderr).toContain('MEDIAMAGIC_API_KEY is required');
      expect(run.stderr).toContain('AzureWebJobsStorage is required');
      expect(run.stderr).toContain('hint: fix the settings named above');
    },
  );

  it('names a bad setting without echoing its value, also as JSON', async () => {
    const badKey = 'pk_not_a_valid_key_1234567890';
    const run = await cli(['status', '--json'], {
      AzureWebJobsStorage: STORAGE,
      MEDIAMAGIC_API_KEY: badKey,
      POLL_CONCURRENCY: '500',
    });
    expect(run.code).toBe(EXIT.config);
    const { error } = run.json<{ error: { exitCode: number; problems: string[] } }>();
    expect(error.exitCode).toBe(3);
    expect(error.problems).toHaveLength(2);
    expect(error.problems.join('\n')).toMatch(/MEDIAMAGIC_API_KEY must start with sk_live_ or sk_test_/);
    expect(error.problems.join('\n')).toMatch(/POLL_CONCURRENCY/);
    expect(`${run.stdout}${run.stderr}`).not.toContain(badKey);
  });

  it('reads local.settings.json Values from the working directory; the environment wins', async () => {
    const cwd = dirWithSettings({
      AzureWebJobsStorage: STORAGE,
      MEDIAMAGIC_API_KEY: 'not-a-key',
      POLL_CONCURRENCY: '999',
      SOURCE_CONTAINER: 'Bad_Name',
    });
    const fromFile = await cli(['status'], {}, { cwd });
    expect(fromFile.code).toBe(EXIT.config);
    expect(fromFile.stderr).toContain('MEDIAMAGIC_API_KEY');
    expect(fromFile.stderr).toContain('POLL_CONCURRENCY');
    expect(fromFile.stderr).toContain('SOURCE_CONTAINER');
    expect(fromFile.stderr).toContain(path.join(cwd, 'local.settings.json'));

    // The environment overrides the key and the container; a blank variable does not hide the file's value.
    const env = { MEDIAMAGIC_API_KEY: GOOD_KEY, SOURCE_CONTAINER: 'uploads', POLL_CONCURRENCY: ' ' };
    const overridden = await cli(['status'], env, { cwd });
    expect(overridden.code).toBe(EXIT.config);
    expect(overridden.stderr).not.toContain('MEDIAMAGIC_API_KEY');
    expect(overridden.stderr).not.toContain('SOURCE_CONTAINER');
    expect(overridden.stderr).toContain('POLL_CONCURRENCY');
  });

  it('a malformed local.settings.json is a configuration error naming the file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mm-cli-settings-'));
    writeFileSync(path.join(dir, 'local.settings.json'), '{ "Values": { oops');
    const run = await cli(['status'], {}, { cwd: dir });
    expect(run.code).toBe(EXIT.config);
    expect(run.stderr).toContain('local.settings.json is not valid JSON');
  });
});

describe('docs/cli.md', () => {
  const doc = readFileSync('docs/cli.md', 'utf8');

  it('documents exactly the exit codes the CLI returns', () => {
    const section = doc.slice(
      doc.indexOf('<!-- cli:exit-codes:start -->'),
      doc.indexOf('<!-- cli:exit-codes:end -->'),
    );
    const documented = [...section.matchAll(/^\|\s*`(\d+)`\s*\|\s*(.+?)\s*\|$/gm)].map((m) => ({
      code: Number(m[1]),
      meaning: m[2],
    }));
    expect(documented).toEqual(EXIT_CODE_MEANINGS);
  });

  it('documents every command', () => {
    for (const name of Object.keys(COMMANDS)) expect(doc).toContain(`## \`${name}`);
  });
});

describe('Ctrl-C handling', () => {
  it('only backfill, emulator, status --watch and resubmit --all-failed stop cleanly on the abort signal; the rest are simply ended', () => {
    expect(Object.keys(COMMANDS).filter((name) => isInterruptible([name]))).toEqual(['backfill', 'emulator']);
    expect(isInterruptible(['status', '--watch'])).toBe(true);
    expect(isInterruptible(['resubmit', '--all-failed'])).toBe(true);
    expect(isInterruptible(['resubmit', 'videos/a.mp4'])).toBe(false);
    expect(isInterruptible(['nope'])).toBe(false);
    expect(isInterruptible([])).toBe(false);
  });
});
