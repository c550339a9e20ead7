/**
 * Driving the soak: the chaos starts, the files are uploaded into the watched container, and the ledger is
 * followed until every file is terminal — while a host process is killed (SIGKILL) and restarted twice (in
 * the Flex shape, a member drawn from the seed: bench/soak/hostSupervisor.ts), the soak plays the operator
 * for files the app hands to a person (bench/soak/operator.ts), and paced throughput per bucket is sampled
 * every second (bench/soak/throughputSampler.ts).
 *
 * The drain gives up after `--drain-minutes`, or when no file has reached a terminal state for 4 minutes;
 * the verdict then names what is left.
 */
import type { BlobLedger } from '../../shared/ledger/blobLedger.js';
import { LEDGER_STATES, TERMINAL_STATES, type LedgerState } from '../../shared/ledger/states.js';
import { num, secs } from '../report.js';
import { progress, sleep, uploadSamples } from '../stack.js';
import { startChaos } from './chaos.js';
import type { PlannedFile } from './files.js';
import { actAsOperator, type OperatorLink, type SoakOperator } from './operator.js';
import type { SoakOptions } from './options.js';
import type { HostSupervisor } from './hostSupervisor.js';
import type { ThroughputSample } from './pacedThroughput.js';
import type { SoakStack } from './stack.js';
import { startThroughputSampler } from './throughputSampler.js';

/**
 * Longer than any wait built into the app under the soak's settings (`hostEnv` in bench/soak/stack.ts): the
 * reconcile probe 15 s after a lost response, `stuck` after 2 minutes without progress.
 */
const STALL_MS = 4 * 60_000;
/** How often the soak's operator looks for files that need a person. */
const OPERATOR_EVERY_MS = 5_000;

/** How the drain went. */
export interface Drain {
  readonly drained: boolean;
  /** First upload → every record terminal (or → the give-up time). */
  readonly elapsedMs: number;
  readonly killsAt: string[];
  /** Every file the operator handled, linked or not. */
  readonly links: readonly OperatorLink[];
  /** Once a second from the first upload to the end of the drain: the paced-throughput evidence. */
  readonly throughput: readonly ThroughputSample[];
}

/**
 * Starts the chaos, uploads `files` and follows them until every one is terminal or the drain gives up;
 * the chaos is stopped before this returns.
 */
export async function drive(
  stack: SoakStack,
  host: HostSupervisor,
  files: readonly PlannedFile[],
  options: Pick<SoakOptions, 'appRoot' | 'drainMs'>,
): Promise<Drain> {
  const names = files.map((file) => file.name);
  const chaos = startChaos(stack.emulator);
  let uploaded = 0;
  const sampler = startThroughputSampler(stack.emulator, stack.ledger, () => uploaded);
  try {
    const startedAt = Date.now();
    await uploadSamples(stack.source, names, 16, () => uploaded++);
    progress('soak', `${files.length} files uploaded in ${secs(Date.now() - startedAt)}`);
    const operator: SoakOperator = { appRoot: options.appRoot, env: stack.hostEnv, links: new Map() };
    const drain = await followUntilDrained(stack, host, files.length, startedAt, options.drainMs, operator);
    return { ...drain, links: [...operator.links.values()], throughput: sampler.stop() };
  } finally {
    sampler.stop();
    chaos.stop();
  }
}

/** Watches the ledger once a second, playing the operator and killing the host on the way. */
async function followUntilDrained(
  stack: SoakStack,
  host: HostSupervisor,
  total: number,
  startedAt: number,
  drainMs: number,
  operator: SoakOperator,
): Promise<Omit<Drain, 'links' | 'throughput'>> {
  const killsAt: string[] = [];
  const apiRate = apiRateMeter(stack);
  let lastKillAt = startedAt;
  let lastLine = 0;
  let lastTerminal = -1;
  let lastProgressAt = startedAt;
  let lastOperatorAt = 0;
  for (;;) {
    if (Date.now() - lastOperatorAt > OPERATOR_EVERY_MS) {
      lastOperatorAt = Date.now();
      await operatorTurn(stack, operator);
    }
    const counts = await stateCounts(stack.ledger);
    const terminal = TERMINAL_STATES.reduce((sum, s) => sum + (counts[s] ?? 0), 0);
    const created = stack.emulator.stats().submissions.created;
    const elapsed = Date.now() - startedAt;
    if (terminal !== lastTerminal) {
      lastTerminal = terminal;
      lastProgressAt = Date.now();
    }
    if (Date.now() - lastLine > 10_000) {
      lastLine = Date.now();
      progress(
        'soak',
        `${secs(elapsed, 0)}: ${terminal}/${total} terminal; ${describeCounts(counts)}; ${apiRate()}`,
      );
    }
    // Drained means nothing left anywhere: every file terminal, and no message waiting in the poison queue
    // (one a killed host was draining comes back after its visibility timeout, for a later recovery run).
    if (terminal >= total && (await poisonWaiting(stack)) === 0)
      return { drained: true, elapsedMs: elapsed, killsAt };
    const stalled = Date.now() - lastProgressAt > STALL_MS;
    if (elapsed > drainMs || stalled) {
      progress(
        'soak',
        stalled ? `no file became terminal for ${secs(STALL_MS, 0)}: giving up` : 'drain time is up',
      );
      return { drained: false, elapsedMs: elapsed, killsAt };
    }

    if (killIsDue(host.kills, Date.now() - lastKillAt, created, terminal, total)) {
      const why = `${created} submissions created, ${terminal}/${total} terminal`;
      const at = secs(Date.now() - startedAt, 0);
      const killed = await host.killAndRestart(why);
      killsAt.push(`${at} (${host.members.length > 1 ? `${killed}, ` : ''}${why})`);
      lastKillAt = Date.now();
    }
    await sleep(1000);
  }
}

/** Messages in the poison queue, visible or not (0 when it does not exist). */
async function poisonWaiting(stack: SoakStack): Promise<number> {
  const properties = await stack.poisonQueue.getProperties().catch(() => undefined);
  return properties?.approximateMessagesCount ?? 0;
}

/** Links what is stuck for want of its submission id, saying so when it did. */
async function operatorTurn(stack: SoakStack, operator: SoakOperator): Promise<void> {
  const before = operator.links.size;
  await actAsOperator(stack.ledger, stack.emulator, operator);
  if (operator.links.size > before)
    progress('soak', `operator: ran \`link\` for ${operator.links.size - before} stuck file(s)`);
}

/**
 * Kill #1 while submissions are being created; kill #2 while results are being followed up. Each falls back
 * to a time limit so two kills always happen, however fast or slow the run is.
 */
function killIsDue(
  kills: number,
  sinceKill: number,
  created: number,
  terminal: number,
  total: number,
): boolean {
  return (
    (kills === 0 && (created >= total * 0.3 || sinceKill > 30_000)) ||
    (kills === 1 && sinceKill > 10_000 && (terminal >= total * 0.6 || sinceKill > 45_000))
  );
}

/**
 * The API's view since the last call: how fast the app is calling, and how much of it is throttled —
 * `API 12.3 req/s (0.4 429/s)`.
 */
function apiRateMeter(stack: SoakStack): () => string {
  let last = { at: Date.now(), total: 0, limited: 0 };
  return () => {
    const stats = stack.emulator.stats();
    const dt = (Date.now() - last.at) / 1000;
    const rate = (stats.requests.total - last.total) / dt;
    const limited = (stats.rateLimited.total - last.limited) / dt;
    last = { at: Date.now(), total: stats.requests.total, limited: stats.rateLimited.total };
    return `API ${num(rate, 1)} req/s (${num(limited, 1)} 429/s)`;
  };
}

/** Records per state from the tag index (cheap; the final check reads every record itself). */
async function stateCounts(ledger: BlobLedger): Promise<Partial<Record<LedgerState, number>>> {
  const entries = await Promise.all(
    LEDGER_STATES.map(async (state) => [state, (await ledger.findByState(state, 100_000)).length] as const),
  );
  return Object.fromEntries(entries.filter(([, n]) => n > 0));
}

/** `complete 98, dead-lettered 2`. */
export function describeCounts(counts: Partial<Record<string, number>>): string {
  return Object.entries(counts)
    .map(([s, n]) => `${s} ${n}`)
    .join(', ');
}
