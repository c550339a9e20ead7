/**
 * `upload <file…>`: puts local files into the source container with the Content-Type their extension
 * stands for on MediaMagic's allowlist, streamed from disk. Each file is checked first by the same rules
 * the pipeline applies (type, size, name, first bytes), so a file the pipeline would reject is refused
 * here, with the reason, and never uploaded; the other files still go.
 */
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ContainerClient } from '@azure/storage-blob';
import {
  acceptedExtensions,
  extensionOf,
  mimeTypesForExtension,
  type AllowedMime,
} from '../shared/validation/mediaTypes.js';
import { formatBytes, SNIFF_BYTES, validateBlob } from '../shared/validation/validateBlob.js';
import { silentLogger } from '../shared/logger.js';
import { normalisePrefix, parseOrUsage, usageError } from './lib/args.js';
import { withAppDeps } from './lib/app.js';
import { EXIT } from './lib/exitCodes.js';
import type { Command } from './lib/io.js';
import type { Output } from './lib/output.js';
import { runCommand } from './lib/runCommand.js';
import { loadCliConfig } from './lib/settings.js';

/** `upload --help`. */
export const UPLOAD_USAGE = `Usage: mediamagic-autosubmit upload <file…> [--prefix <folder/>] [--json]

Uploads local files into the source container (SOURCE_CONTAINER), each with the Content-Type of its
extension, streamed from disk. The pipeline then submits each new blob to MediaMagic.

  --prefix <p>   prepended to each file name to make the blob name, e.g. videos/ (default: none)
  --json         print the result as JSON (see docs/cli.md)
  --help         show this help

Accepted extensions: ${acceptedExtensions()
  .map((e) => `.${e}`)
  .join(' ')}
A file with another extension, an empty file, a file over MediaMagic's size cap for its type, or one whose
bytes do not match its extension is refused with the reason and not uploaded; the other files still are.

Exit codes: 0 all uploaded · 2 usage · 3 configuration · 7 one or more files refused or failed (listed)`;

/** One uploaded file. */
export interface UploadedFile {
  readonly file: string;
  readonly blob: string;
  readonly contentType: AllowedMime;
  readonly size: number;
  readonly etag: string;
}

/** One file that was not uploaded, and why. */
export interface FailedFile {
  readonly file: string;
  /** The blob name it would have had, when one could be formed. */
  readonly blob: string | null;
  /** `not-found`, `not-a-file`, `unsupported-type`, `duplicate-name`, a validation kind, or `upload-failed`. */
  readonly reason: string;
  readonly error: string;
}

/** `upload --json`. */
export interface UploadReport {
  readonly container: string;
  readonly uploaded: UploadedFile[];
  readonly failed: FailedFile[];
}

/** Runs `upload`. */
export const runUpload: Command = (args, io) =>
  runCommand(io, args, async (output) => {
    const { values, positionals } = parseOrUsage('upload', () =>
      parseArgs({
        args: [...args],
        allowPositionals: true,
        options: {
          prefix: { type: 'string' },
          json: { type: 'boolean', default: false },
          help: { type: 'boolean', default: false },
        },
      }),
    );
    if (values.help) {
      output.out(UPLOAD_USAGE);
      return EXIT.ok;
    }
    if (positionals.length === 0) throw usageError('upload', 'name at least one file to upload');
    const prefix = normalisePrefix(values.prefix);
    const config = loadCliConfig(io, output);

    const report = await withAppDeps(config, silentLogger, async (deps) => {
      await deps.sourceContainer.createIfNotExists();
      return uploadAll(deps.sourceContainer, positionals, prefix, io.cwd);
    });

    if (values.json) output.json(report);
    else printReport(output, report);
    return report.failed.length === 0 ? EXIT.ok : EXIT.partial;
  });

/** Uploads each file in turn (each upload is itself parallel in blocks); one failure never stops the rest. */
async function uploadAll(
  container: ContainerClient,
  files: readonly string[],
  prefix: string,
  cwd: string,
): Promise<UploadReport> {
  const uploaded: UploadedFile[] = [];
  const failed: FailedFile[] = [];
  const names = new Set<string>();
  for (const file of files) {
    const checked = await checkFile(file, prefix, cwd);
    if (!checked.ok) {
      failed.push(checked.failure);
      continue;
    }
    if (names.has(checked.blob)) {
      failed.push({
        file,
        blob: checked.blob,
        reason: 'duplicate-name',
        error: `${file} would overwrite ${checked.blob}, uploaded from another file in this command; rename one of them`,
      });
      continue;
    }
    names.add(checked.blob);
    try {
      const response = await container.getBlockBlobClient(checked.blob).uploadFile(checked.path, {
        blobHTTPHeaders: { blobContentType: checked.contentType },
      });
      uploaded.push({
        file,
        blob: checked.blob,
        contentType: checked.contentType,
        size: checked.size,
        etag: response.etag ?? '',
      });
    } catch (error) {
      failed.push({
        file,
        blob: checked.blob,
        reason: 'upload-failed',
        error: `${file}: upload failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
      });
    }
  }
  return { container: container.containerName, uploaded, failed };
}

type Checked =
  | {
      readonly ok: true;
      readonly path: string;
      readonly blob: string;
      readonly contentType: AllowedMime;
      readonly size: number;
    }
  | { readonly ok: false; readonly failure: FailedFile };

/** Everything that can be known about a file before uploading it: exists, type, and the pipeline's checks. */
async function checkFile(file: string, prefix: string, cwd: string): Promise<Checked> {
  const fullPath = path.resolve(cwd, file);
  const fail = (reason: string, error: string, blob: string | null = null): Checked => ({
    ok: false,
    failure: { file, blob, reason, error },
  });
  const info = await stat(fullPath).catch(() => undefined);
  if (!info) return fail('not-found', `${file}: no such file (looked at ${fullPath})`);
  if (!info.isFile()) return fail('not-a-file', `${file} is not a file; name the files to upload`);

  const blob = `${prefix}${path.basename(fullPath)}`;
  const extension = extensionOf(blob);
  const [contentType] = mimeTypesForExtension(extension ?? '');
  if (contentType === undefined) {
    const accepted = acceptedExtensions()
      .map((e) => `.${e}`)
      .join(', ');
    const what = extension === undefined ? 'has no file extension' : `has the extension .${extension}`;
    return fail(
      'unsupported-type',
      `${file} ${what}, which is not a type MediaMagic accepts; accepted extensions: ${accepted}`,
      blob,
    );
  }
  const validation = validateBlob({
    name: blob,
    contentType,
    contentLength: info.size,
    firstBytes: await readHead(fullPath),
  });
  if (!validation.ok)
    return fail(validation.rejection.kind, `${file}: ${validation.rejection.message}`, blob);
  return { ok: true, path: fullPath, blob, contentType, size: info.size };
}

async function readHead(fullPath: string): Promise<Uint8Array> {
  const handle = await open(fullPath, 'r');
  try {
    const buffer = new Uint8Array(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function printReport(output: Output, report: UploadReport): void {
  for (const u of report.uploaded) {
    output.out(`uploaded ${u.blob}  (${u.contentType}, ${formatBytes(u.size)}) from ${u.file}`);
  }
  for (const f of report.failed) {
    output.err(`${f.reason === 'upload-failed' ? 'failed ' : 'refused'}  ${f.error}`);
  }
  const total = report.uploaded.length + report.failed.length;
  output.err(
    `${report.uploaded.length} of ${total} file${total === 1 ? '' : 's'} uploaded to container ${report.container}.`,
  );
  if (report.uploaded.length > 0) {
    output.err(
      'Next: the pipeline submits each new blob (BlobCreated via Event Grid in Azure, the local event bridge ' +
        'under `npm start`). Follow one with `mediamagic-autosubmit status --blob <name>`.',
    );
  }
}
