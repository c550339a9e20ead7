/**
 * The soak's operator: the one case the app hands to a person — a submission whose creation response was
 * lost and whose every webhook was dropped, so nothing can tell the app its id. The record goes `stuck`
 * ("creation never confirmed"); the operator finds the submission in MediaMagic's dashboard by the blob path
 * (here: the emulator's own records) and runs the real, built CLI: `mediamagic-autosubmit link <blob> <id>`.
 *
 * Every link keeps the evidence of the moment — what the emulator saw of the creation response and of the
 * webhooks about it — for the verdict to check that it was needed (bench/soak/handOver.ts). A link the app
 * should have managed alone — say, one whose webhook did arrive — is a violation, not a rescue.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { EmulatorHandle } from '../../emulator/server.js';
import type { BlobLedger } from '../../shared/ledger/blobLedger.js';
import type { HandOverEvidence } from './handOver.js';

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
  readonly blobPath?: string;
  readonly submissionId?: string;
  /** The CLI's exit code (0 linked); undefined when there was nothing to link it to. */
  readonly exitCode?: number;
  /** What the emulator had seen when the operator acted; absent when it had no submission to link. */
  readonly evidence?: HandOverEvidence;
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
    const blobPath = record.blobPath !== undefined ? { blobPath: record.blobPath } : {};
    if (!submission) {
      handled.set(name, { name, ...blobPath });
      continue;
    }
    // Read before the link: what could have told the app the id up to now.
    const seen = evidence(emulator, submission.submissionId);
    const exitCode = await runLink(operator, name, submission.submissionId);
    handled.set(name, { name, ...blobPath, submissionId: submission.submissionId, exitCode, evidence: seen });
  }
}

/** What the emulator saw that could have told the app the submission id: its 201, its webhooks. */
function evidence(emulator: EmulatorHandle, submissionId: string): HandOverEvidence {
  const stats = emulator.stats();
  const answeredAt = stats.creationsAnsweredAt[submissionId];
  const deliveries = emulator.controls.webhooks.deliveries().filter((d) => d.body.includes(submissionId));
  return {
    lostInTransit: stats.lostCreations.includes(submissionId),
    ...(answeredAt !== undefined ? { answeredAt } : {}),
    deliveries: {
      total: deliveries.length,
      // Any HTTP answer means the app's endpoint had the event in hand (status 0: no connection).
      reached: deliveries.filter((d) => d.attempts.some((a) => a.responseStatus !== 0)).length,
      states: deliveries.map((d) => d.state),
    },
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
