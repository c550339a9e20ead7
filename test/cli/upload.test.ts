import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../cli/lib/exitCodes.js';
import type { UploadReport } from '../../cli/upload.js';
import { sampleMedia } from '../support/media.js';
import { useStack } from '../support/stack.js';
import { cli } from './support.js';

describe('upload', () => {
  const stack = useStack();
  let dir = '';

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'mm-cli-upload-'));
    writeFileSync(path.join(dir, 'clip.mp4'), sampleMedia('video/mp4', 300_000));
    writeFileSync(path.join(dir, 'cover.PNG'), sampleMedia('image/png', 2048));
    writeFileSync(path.join(dir, 'notes.txt'), sampleMedia('text/plain', 100));
    writeFileSync(path.join(dir, 'slides.key'), sampleMedia('application/pdf', 100));
    writeFileSync(path.join(dir, 'fake.png'), sampleMedia('text/plain', 100));
    writeFileSync(path.join(dir, 'empty.pdf'), new Uint8Array(0));
  });

  const blob = (name: string) => stack.current.deps.sourceContainer.getBlobClient(name);

  it('uploads files with the Content-Type of their extension, under the prefix, and prints the blob names', async () => {
    const run = await cli(['upload', 'clip.mp4', 'cover.PNG', '--prefix', 'cli/'], stack.current.env, {
      cwd: dir,
    });

    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toContain('uploaded cli/clip.mp4');
    expect(run.stdout).toContain('uploaded cli/cover.PNG');
    const props = await blob('cli/clip.mp4').getProperties();
    expect(props.contentType).toBe('video/mp4');
    expect(props.contentLength).toBe(300_000);
    expect((await blob('cli/cover.PNG').getProperties()).contentType).toBe('image/png');
    expect(run.stderr).toContain('2 of 2 files uploaded');
    expect(run.stderr).toContain('status --blob');
  });

  it('--json reports every file with its blob, type, size and ETag', async () => {
    const run = await cli(
      ['upload', path.join(dir, 'notes.txt'), '--prefix', '/json/', '--json'],
      stack.current.env,
    );

    expect(run.code).toBe(EXIT.ok);
    const report = run.json<UploadReport>();
    expect(report).toEqual({
      container: 'uploads',
      uploaded: [
        {
          file: path.join(dir, 'notes.txt'),
          blob: 'json/notes.txt',
          contentType: 'text/plain',
          size: 100,
          etag: (await blob('json/notes.txt').getProperties()).etag,
        },
      ],
      failed: [],
    });
  });

  it('refuses files the pipeline would reject — naming the file and the reason — and still uploads the rest (exit 7)', async () => {
    const run = await cli(
      [
        'upload',
        'slides.key',
        'fake.png',
        'empty.pdf',
        'missing.mp4',
        'notes.txt',
        '--prefix',
        'mixed/',
        '--json',
      ],
      stack.current.env,
      { cwd: dir },
    );

    expect(run.code).toBe(EXIT.partial);
    const report = run.json<UploadReport>();
    expect(report.uploaded.map((u) => u.blob)).toEqual(['mixed/notes.txt']);
    const failed = Object.fromEntries(report.failed.map((f) => [f.file, f]));
    expect(failed['slides.key']).toMatchObject({ reason: 'unsupported-type', blob: 'mixed/slides.key' });
    expect(failed['slides.key']?.error).toContain('slides.key has the extension .key');
    expect(failed['slides.key']?.error).toContain('.mp4, .m4v, .mov');
    expect(failed['fake.png']).toMatchObject({ reason: 'content-mismatch' });
    expect(failed['empty.pdf']).toMatchObject({ reason: 'empty' });
    expect(failed['missing.mp4']).toMatchObject({ reason: 'not-found', blob: null });
    for (const name of ['slides.key', 'fake.png', 'empty.pdf', 'missing.mp4']) {
      expect(await blob(`mixed/${name}`).exists(), name).toBe(false);
    }
  });

  it('in text mode prints each refusal on stderr', async () => {
    const run = await cli(['upload', 'slides.key'], stack.current.env, { cwd: dir });
    expect(run.code).toBe(EXIT.partial);
    expect(run.stderr).toMatch(
      /refused\s+slides\.key has the extension \.key, which is not a type MediaMagic accepts; accepted extensions: \.mp4/,
    );
    expect(run.stderr).toContain('0 of 1 file uploaded');
  });

  it('two files that would get the same blob name: the second is refused', async () => {
    const other = mkdtempSync(path.join(tmpdir(), 'mm-cli-upload-'));
    writeFileSync(path.join(other, 'clip.mp4'), sampleMedia('video/mp4', 1000));
    const run = await cli(['upload', 'clip.mp4', path.join(other, 'clip.mp4'), '--json'], stack.current.env, {
      cwd: dir,
    });
    expect(run.code).toBe(EXIT.partial);
    expect(run.json<UploadReport>().failed).toEqual([expect.objectContaining({ reason: 'duplicate-name' })]);
  });

  it('bad configuration → 3 naming the setting; nothing uploaded', async () => {
    const env = { ...stack.current.env, SOURCE_CONTAINER: 'No_Such!' };
    const run = await cli(['upload', 'notes.txt', '--prefix', 'badconfig/'], env, { cwd: dir });
    expect(run.code).toBe(EXIT.config);
    expect(run.stderr).toContain('SOURCE_CONTAINER must be a valid container name');
    expect(await blob('badconfig/notes.txt').exists()).toBe(false);
  });
});
