/**
 * Whether a hand-over to a person (the operator's `link`, bench/soak/operator.ts) was needed: pure, so its
 * honesty is unit-tested (test/bench/handOver.test.ts). It was needed only when nothing could have told the
 * app the submission id: its creation response was lost AND no webhook about it reached the app.
 *
 * A response is lost when it never reached the host (the emulator's `lostCreations`: an injected reset, or
 * the connection had closed first), and also when it did reach a host that the soak SIGKILLed before that
 * host could have written it into the ledger — the app's memory ends with its process (docs/design.md,
 * decision 8). "Before it could have" is measured, not guessed: the slowest 201 → ledger write the run's
 * own records show (the `submission <id> created` entry against the emulator's `creationsAnsweredAt`), with
 * a floor. A 201 answered to a host that lived on past that is not lost, and a hand-over for it fails the
 * verdict.
 */

/** The least time allowed for the app to write a 201 into the ledger, whatever the run's records show. */
export const MIN_LEDGER_WRITE_MS = 1_000;

/** What the soak knows about one submission the operator linked. */
export interface HandOverEvidence {
  /** The emulator never got the 201 to the host (`lostCreations`). */
  readonly lostInTransit: boolean;
  /** When the emulator had handed the whole 201 to the host's connection (ms since the epoch), if it did. */
  readonly answeredAt?: number;
  /** Webhook deliveries about the submission when the operator acted, and how many got an HTTP answer. */
  readonly deliveries: {
    readonly total: number;
    readonly reached: number;
    readonly states: readonly string[];
  };
}

/**
 * One host process's life (ms since the epoch); `killedAt` only when the soak SIGKILLed it. Only processes
 * that can create submissions (not a fleet's HTTP process) are passed to {@link judgeHandOver}.
 */
export interface HostLife {
  readonly startedAt: number;
  readonly killedAt?: number;
  /** When its exit was seen; absent while it runs. */
  readonly exitedAt?: number;
}

/** The judgement on one hand-over, and the evidence it rests on. */
export interface HandOverVerdict {
  readonly needed: boolean;
  readonly why: string;
}

/**
 * Judges one hand-over. `ledgerWriteMs` is how long after a 201 the app may still be writing it (see
 * {@link ledgerWriteAllowance}): a 201 handed to a host killed within that time is lost.
 */
export function judgeHandOver(
  evidence: HandOverEvidence,
  hosts: readonly HostLife[],
  ledgerWriteMs: number,
): HandOverVerdict {
  const { deliveries } = evidence;
  if (deliveries.reached > 0)
    return {
      needed: false,
      why: `${deliveries.reached} of ${deliveries.total} webhook deliveries about it reached the app`,
    };
  const webhooks = `${deliveries.total} webhook deliveries, all ${deliveries.states.join('/') || 'absent'}`;
  if (evidence.lostInTransit) return { needed: true, why: `creation response lost in transit; ${webhooks}` };
  if (evidence.answeredAt === undefined)
    return { needed: false, why: 'MediaMagic has no record of answering or losing its creation' };
  const answeredAt = evidence.answeredAt;
  // The hosts that may have held the 201: every one alive when it was handed over. A single host has one;
  // in the Flex shape several run at once and the emulator cannot tell which of them asked, so the 201
  // counts as lost when any of them was killed before it could have written it (kills are seconds apart,
  // so a kill of another process landing in that window is rare, and then forgiven rather than blamed).
  const holders = hosts.filter((h) => h.startedAt <= answeredAt && answeredAt <= (h.exitedAt ?? Infinity));
  const killed = holders
    .filter((h) => h.killedAt !== undefined)
    .map((h) => (h.killedAt as number) - answeredAt)
    .sort((a, b) => a - b);
  const heldMs = killed[0];
  if (heldMs !== undefined && heldMs <= ledgerWriteMs)
    return {
      needed: true,
      why:
        `creation response reached a host SIGKILLed ${heldMs} ms later, within the ${ledgerWriteMs} ms ` +
        `a 201 may take to reach the ledger; ${webhooks}`,
    };
  if (heldMs !== undefined && holders.length === 1)
    return {
      needed: false,
      why: `its creation response was not lost: the host held it ${heldMs} ms before it was killed (a ledger write takes ≤ ${ledgerWriteMs} ms)`,
    };
  return {
    needed: false,
    why:
      holders.length > 1
        ? `its creation response was not lost: none of the ${holders.length} hosts running then was killed within ${ledgerWriteMs} ms of it`
        : 'its creation response was not lost: the host that got it was not killed',
  };
}

/**
 * How long after a 201 the app may still be writing it into the ledger: the slowest 201 → ledger delay
 * among `delaysMs` (every submission the run's records show created), at least {@link MIN_LEDGER_WRITE_MS}.
 */
export function ledgerWriteAllowance(delaysMs: Iterable<number>): number {
  let slowest = MIN_LEDGER_WRITE_MS;
  for (const delay of delaysMs) slowest = Math.max(slowest, delay);
  return slowest;
}
