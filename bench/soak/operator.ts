/**
 * The soak's operator: the one case the app hands to a person — a submission whose creation response was
 * lost and whose every webhook was dropped, so nothing can tell the app its id. The record goes `stuck`
 * ("creation never confirmed"); the operator finds the submission in MediaMagic's dashboard by the blob path
 * (here: the emulator's own records) and runs the real, built CLI: `mediamagic-autosubmit link <blob> <id>`.
 *
 * Every link is checked against the emulator's evidence: it must have been needed (the creation response
 * was lost AND no delivery about the submission reached the app). A link the app should have managed alone
 * — say, one whose webhook did arrive — is a violation, not a rescue.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { EmulatorHandle } from '../../emulator/server.js';
import type { BlobLedger } from '../../shared/ledger/blobLedger.js';

/** The reason `reconcileUnconfirmed` gives when it hands a record to a person. */
const NEVER_CONFIRMED = 'creation never confirmed';

/** Where the built CLI is, the settings it runs with, and every file handled so far (by blob name). */
export interface SoakOperator {
  readonly appRoot: string;
  readonly env: Record<string, string>;
  readonly links: Map<string, OperatorLink>;
}

/** One file the operator linked (or tried to). */
export interface OperatorLink {
  readonly name: string;
  readonly submissionId?: string;
  /** The CLI's exit code (0 linked); undefined when there was nothing to link it to. */
  readonly exitCode?: number;
  /** Whether the evidence says the app could not have known the id; `why` says what the evidence was. */
  readonly needed: boolean;
  readonly why: string;
}

/** Acts on every record stuck for want of its submission id that was not handled yet (keyed by blob name). */
export async function actAsOperator(
  ledger: BlobLedger,
  emulator: EmulatorHandle,
  operator: SoakOperator,
): Promise<void> {
  const handled = operator.links;
  for (const key of await ledger.findByState('stuck', 500)) {
    const record = (await ledger.get(key))?.record;
    if (!record || record.state !== 'stuck' || record.submissionId || handled.has(record.source.name))
      continue;
    if (record.history.at(-1)?.reason !== NEVER_CONFIRMED) continue;
    const name = record.source.name;
    // The dashboard: MediaMagic's submissions, searched by the blob path `status --blob` prints.
    const submission = emulator.controls.processing
      .submissions()
      .find((s) => s.assets.some((a) => a.blobPath === record.blobPath));
    if (!submission) {
      handled.set(name, {
        name,
        needed: false,
        why: `MediaMagic has no submission for ${record.blobPath ?? '?'}`,
      });
      continue;
    }
    const exitCode = await runLink(operator, name, submission.submissionId);
    handled.set(name, {
      name,
      submissionId: submission.submissionId,
      exitCode,
      ...evidence(emulator, submission.submissionId),
    });
  }
}

/** Why the app could (not) have learned the submission id by itself. */
function evidence(emulator: EmulatorHandle, submissionId: string): { needed: boolean; why: string } {
  if (!emulator.stats().lostCreations.includes(submissionId))
    return { needed: false, why: 'its creation response was not lost' };
  const deliveries = emulator.controls.webhooks.deliveries().filter((d) => d.body.includes(submissionId));
  const reached = deliveries.filter((d) => d.attempts.some((a) => a.responseStatus !== 0));
  if (reached.length > 0)
    return {
      needed: false,
      why: `${reached.length} of ${deliveries.length} webhook deliveries about it reached the app`,
    };
  return {
    needed: true,
    why: `creation response lost; ${deliveries.length} webhook deliveries, all ${deliveries.map((d) => d.state).join('/') || 'absent'}`,
  };
}

/** Runs the built CLI as an operator would; resolves to its exit code. */
function runLink(
  cli: { readonly appRoot: string; readonly env: Record<string, string> },
  name: string,
  submissionId: string,
): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [path.join(cli.appRoot, 'dist/cli/main.js'), 'link', name, submissionId],
      {
        // An empty folder: no stray local.settings.json; the settings come from the environment.
        cwd: mkdtempSync(path.join(tmpdir(), 'mm-soak-operator-')),
        env: { PATH: process.env.PATH ?? '', ...cli.env },
        stdio: 'ignore',
      },
    );
    child.once('error', () => resolve(-1));
    child.once('exit', (code) => resolve(code ?? -1));
  });
}
