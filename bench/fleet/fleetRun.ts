/**
 * One run of the fleet benchmark: a fleet size in one mode. Fresh services (./fleetStack.ts), the backlog
 * uploaded and enqueued, then one `timers` process and the queue processes of the churn plan
 * (./churn.ts); the run watches the emulator's counts, carries out the churn as the share submitted
 * passes each step, and ends once every file is submitted and no record waits to be, or once nothing has
 * moved for longer than a claim lease. Every child is stopped before it returns or throws.
 */
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { claimLeaseMs } from '../../shared/pipeline/claimSource.js';
import { BlobLedger } from '../../shared/ledger/blobLedger.js';
import type { LedgerState } from '../../shared/ledger/states.js';
import { systemClock } from '../../shared/clock.js';
import { readFleetRoster } from '../../shared/storage/fleetRoster.js';
import { DEFAULT_FLEET_SHARES_OPTIONS } from '../../shared/storage/fleetRosterBlobs.js';
import type { Bucket } from '../../shared/mediamagic/buckets.js';
import type { EmulatorStats } from '../../emulator/stats.js';
import { appEnv, countInStates, progress, REPO_ROOT, sleep } from '../stack.js';
import { busiest, churnPlan, type ChurnAction } from './churn.js';
import {
  FLEET_NAMES,
  startFleetStack,
  uploadBacklog,
  type BucketLimit,
  type FleetStack,
} from './fleetStack.js';
import { HostProcesses } from './hostProcesses.js';
import { sourceStemOf, submittedFiles } from './submittedFiles.js';

/** Today's per-process pacing, or the fleet-wide coordination being measured. */
export type FleetMode = 'baseline' | 'coordinated';

/** What one run needs. */
export interface FleetRunOptions {
  readonly size: number;
  readonly mode: FleetMode;
  readonly files: number;
  readonly limits: Readonly<Partial<Record<Bucket, BucketLimit>>>;
  readonly invocationBudgetSeconds: number;
}

/** A churn step as it happened. */
export interface ChurnEvent {
  readonly action: ChurnAction;
  readonly label: string;
  /** Epoch ms the signal was sent (join: the spawn). */
  readonly at: number;
  readonly submittedShare: number;
}

/** What one run measured. */
export interface FleetRunResult {
  readonly size: number;
  readonly mode: FleetMode;
  readonly files: number;
  readonly stats: EmulatorStats;
  /** Epoch ms each submission's 201 was handed over, sorted. */
  readonly createTimes: readonly number[];
  readonly duplicates: number;
  readonly lost: number;
  readonly churn: readonly ChurnEvent[];
  readonly killedAt: number | undefined;
  /** Coordination requests the proxy counted, by label. */
  readonly fleetOps: ReadonlyMap<string, number>;
  /** From the first app process's start to the end of the wait. */
  readonly wallMs: number;
  /** Whether the run ended with every file submitted and no record that may still send a create. */
  readonly drained: boolean;
  /** Ledger records still waiting at the end, by state. */
  readonly waiting: Readonly<Record<string, number>>;
  readonly logDir: string;
}

/** The env settings a mode switches (FLEET_PACING is ignored by an app that does not know it yet). */
export function modeSettings(mode: FleetMode): Record<string, string> {
  const on = mode === 'coordinated' ? 'true' : 'false';
  return { FLEET_NEWS: on, FLEET_PACING: on };
}

/**
 * Records that may still send a create: the run waits for none to be left. A `submitted-unconfirmed` record
 * (its creation's 201 died with a SIGKILLed process) is only probed — with no webhook process, it waits
 * for its id; it is reported, not waited for.
 */
const MAY_STILL_CREATE = ['claimed', 'submit-pending'] as const satisfies readonly LedgerState[];
/** Every state reported at the end as still waiting. */
const WAITING = [...MAY_STILL_CREATE, 'submitted-unconfirmed'] as const satisfies readonly LedgerState[];

/** Children of the run in progress, for the interrupt handler. */
let current: { hosts: HostProcesses; stack: FleetStack } | undefined;

/** SIGKILL to the running run's children (the interrupt handler's last resort). */
export function killCurrentRun(): void {
  current?.hosts.killNow();
  current?.stack.killNow();
}

/** Runs one size in one mode. */
export async function runFleetOnce(options: FleetRunOptions): Promise<FleetRunResult> {
  const label = `fleet/${options.size}/${options.mode}`;
  const stack = await startFleetStack(options.limits);
  const logDir = mkdtempSync(path.join(os.tmpdir(), `fleet-${options.size}-${options.mode}-`));
  const env: NodeJS.ProcessEnv = {
    // Built from nothing but these: no telemetry connection string, nothing that reaches off the machine.
    PATH: process.env.PATH ?? '',
    ...appEnv(stack.appStorage, stack.emulator, {
      ...modeSettings(options.mode),
      INVOCATION_BUDGET_SECONDS: String(options.invocationBudgetSeconds),
      // The timer re-drives hand-offs and lapsed claims every 2 s, as in the soak.
      POLL_SCHEDULE: '*/2 * * * * *',
      POLL_BUDGET_SECONDS: '20',
      RECONCILE_DELAY_SECONDS: '15',
    }),
  };
  const hosts = new HostProcesses(REPO_ROOT, env, logDir);
  current = { hosts, stack };
  try {
    const names = Array.from({ length: options.files }, (_, i) => `fleet-${String(i).padStart(5, '0')}.mp4`);
    const stems = names.map(sourceStemOf);
    await uploadBacklog(stack, names, label);
    await stack.emulator.resetStats();
    stack.proxy.reset();

    const plan = churnPlan(options.size);
    const started = Date.now();
    await Promise.all([
      hosts.start('timers', 'timers'),
      ...Array.from({ length: plan.initial }, (_, i) => hosts.start(`queue-${i + 1}`, 'queue')),
    ]);
    progress(label, `${plan.initial} queue process(es) and the timers ready; ${logDir}`);

    const ledgerContainer = BlobServiceClient.fromConnectionString(
      stack.azurite.connectionString,
    ).getContainerClient(FLEET_NAMES.ledger);
    const ledger = new BlobLedger(ledgerContainer, systemClock);
    const churn: ChurnEvent[] = [];
    const inFlight = new ChurnInFlight();
    let next = plan.initial + 1;
    let step = 0;
    let killWaitSince: number | undefined;
    let lastCreated = -1;
    let lastWaiting = '';
    let lastChangeAt = Date.now();
    let lastReport = 0;
    let drained = false;
    // Nothing moves for a whole claim lease only when something is wrong: a dead process's claims lapse
    // within one, and the timer re-drives them within seconds after.
    const quietLimitMs = claimLeaseMs(options.invocationBudgetSeconds * 1000) + 30_000;
    for (;;) {
      const stats = await stack.emulator.stats();
      const submitted = submittedFiles(stems, stats.submissionsByBlobPath).submitted;
      const share = submitted / options.files;
      if (stats.submissions.created !== lastCreated) {
        lastCreated = stats.submissions.created;
        lastChangeAt = Date.now();
      }
      for (let s = plan.steps[step]; s && share >= s.atShare; s = plan.steps[step]) {
        const event = carryOut(s.action, hosts, next, killWaitSince, inFlight);
        if (event === undefined) {
          // No process has finished a file in the last second: look again shortly.
          killWaitSince ??= Date.now();
          break;
        }
        if (s.action === 'join') next++;
        churn.push({ ...event, submittedShare: share });
        progress(label, `${event.action} ${event.label} at ${(share * 100).toFixed(0)} % submitted`);
        step++;
      }
      if (Date.now() - lastReport > 5_000) {
        lastReport = Date.now();
        progress(
          label,
          `${submitted}/${options.files} submitted (${lastCreated} creates), ${hosts.liveQueue().length} queue processes${await rosterTrace(ledgerContainer)}`,
        );
      }
      if (submitted === options.files) {
        const waiting = await waitingRecords(ledger);
        // A record moving from one waiting state to another is progress too.
        const signature = JSON.stringify(waiting);
        if (signature !== lastWaiting) {
          lastWaiting = signature;
          lastChangeAt = Date.now();
        }
        if (MAY_STILL_CREATE.every((state) => waiting[state] === 0) && step >= plan.steps.length) {
          drained = true;
          break;
        }
      }
      if (Date.now() - lastChangeAt > quietLimitMs) {
        progress(label, `nothing moved for ${Math.round(quietLimitMs / 1000)} s: giving up the wait`);
        break;
      }
      await sleep(submitted === options.files ? 1_000 : 250);
    }
    const wallMs = Date.now() - started;
    await inFlight.settled();
    await hosts.stopAll();
    const waiting = await waitingRecords(ledger);

    const stats = await stack.emulator.stats();
    const tally = submittedFiles(stems, stats.submissionsByBlobPath);
    return {
      size: options.size,
      mode: options.mode,
      files: options.files,
      stats,
      createTimes: Object.values(stats.creationsAnsweredAt).sort((a, b) => a - b),
      duplicates: tally.duplicated.length,
      lost: tally.missing.length,
      churn,
      killedAt: churn.find((e) => e.action === 'kill')?.at,
      fleetOps: stack.proxy.counts(),
      wallMs,
      drained,
      waiting,
      logDir,
    };
  } finally {
    await hosts.stopAll();
    await stack.stop();
    current = undefined;
  }
}

/** How many records each waiting state holds (one tag query per state). */
async function waitingRecords(ledger: BlobLedger): Promise<Record<string, number>> {
  const counts = await Promise.all(WAITING.map((state) => countInStates(ledger, [state])));
  return Object.fromEntries(WAITING.map((state, i) => [state, counts[i] ?? 0]));
}

/**
 * Starts one churn action without waiting for it (the watch goes on meanwhile); its promise joins
 * `inFlight`. Undefined when the kill finds no process sending — unless it has looked for 10 s, when it
 * takes the process that finished the most files.
 */
function carryOut(
  action: ChurnAction,
  hosts: HostProcesses,
  next: number,
  killWaitSince: number | undefined,
  inFlight: ChurnInFlight,
): Omit<ChurnEvent, 'submittedShare'> | undefined {
  const at = Date.now();
  if (action === 'join') {
    const label = `queue-${next}`;
    inFlight.add(hosts.start(label, 'queue'));
    return { action, label, at };
  }
  const live = hosts.liveQueue();
  if (action === 'leave') {
    // The longest-running one, as a scale-in would pick any; deterministic here.
    const label = live[0]?.label;
    if (label === undefined) return undefined;
    inFlight.add(hosts.leave(label));
    return { action, label, at };
  }
  const picked =
    busiest(live, at) ??
    (killWaitSince !== undefined && at - killWaitSince > 10_000
      ? [...live].sort((a, b) => b.completions.length - a.completions.length)[0]?.label
      : undefined);
  if (picked === undefined) return undefined;
  inFlight.add(hosts.kill(picked));
  return { action, label: picked, at };
}

/**
 * Churn actions under way while the watch goes on. A failure (a joining process that exits before it is
 * ready) is held, not left unhandled, and thrown once the run waits for them all.
 */
class ChurnInFlight {
  readonly #all: Promise<void>[] = [];
  readonly #errors: unknown[] = [];

  add(action: Promise<unknown>): void {
    this.#all.push(
      action.then(
        () => undefined,
        (error: unknown) => void this.#errors.push(error),
      ),
    );
  }

  async settled(): Promise<void> {
    await Promise.all(this.#all);
    if (this.#errors.length > 0) throw this.#errors[0];
  }
}

/**
 * The roster's view of `submission_write` for the progress line: per live member, held back (H) or not (-),
 * its sends per second and the fleet rate it believes in — how the rate is being divided, read as the
 * processes read it (empty with fleet pacing off).
 */
async function rosterTrace(container: ContainerClient): Promise<string> {
  try {
    const roster = await readFleetRoster(container, { leaseMs: DEFAULT_FLEET_SHARES_OPTIONS.leaseMs });
    const entries = roster.members
      .filter((m) => m.live)
      .map((m) => m.buckets.submission_write)
      .filter((d) => d !== undefined)
      .map(
        (d) => `${d.heldBack ? 'H' : '-'}${d.sendsPerSecond.toFixed(1)}/s F${d.fleetRate?.toFixed(1) ?? '?'}`,
      );
    return entries.length > 0 ? `; roster submission_write: ${entries.join(' | ')}` : '';
  } catch {
    return '';
  }
}
