/**
 * `npm run soak`: the chaos soak. Files are uploaded into the watched container while everything that can
 * go wrong does, at once, and a function host process is killed (SIGKILL) and restarted twice mid-run.
 * At the end every file must be in a terminal state with the right reason, nothing may have been submitted
 * twice, and the host must not have crashed on its own. Exits 1 on any violation, 2 when the soak could not
 * run, 130 when interrupted (the stack stopped first).
 *
 * Usage: node dist/bench/soak.js [--quick] [--files N] [--seed N] [--drain-minutes M] [--app-root DIR]
 *                                [--no-write] [--instances N] [--no-fleet]
 *
 * `--quick` = 100 files (CI); default 1,000. The host takes the shape Flex Consumption runs the app in —
 * `--instances N` queue-trigger processes, one timers process, one HTTP (webhook) process — with N = 3 by
 * default in the full soak; `--quick` keeps the single host (every function in one process) unless
 * `--instances` is given. With N > 1 the processes share news and pace (`FLEET_NEWS`, `FLEET_PACING`);
 * `--no-fleet` runs the same shape without either, as the baseline. `--app-root` runs the host from another built tree (its
 * dist/scripts/devHost/main.js and dist/functions), e.g. a candidate fix. Logs of each host process go to a
 * temporary folder, printed at the end. The drain gives up after `--drain-minutes` (12 quick, 20 full), or
 * when no file has reached a terminal state for 4 minutes, and the verdict then names what is left.
 *
 * The parts, in the order they run (bench/soak/):
 * - options.ts — the command line;
 * - stack.ts — Azurite, the MediaMagic emulator (in this process) and the event bridge, started and
 *   stopped; hostSupervisor.ts — the function host's process(es), started, killed and restarted;
 * - files.ts — the seeded file mix, what each file must end as, and which files' events are dropped or
 *   poisoned on the way (only the scheduled sweep brings those in);
 * - drive.ts — the chaos (chaos.ts) on, the uploads, the host kills, and the wait for the drain; on the
 *   way, the soak plays the operator (operator.ts) for the one case that needs a person by design: a lost
 *   creation response whose every webhook was dropped, handed over with the real CLI's `link`; and it
 *   samples the API's answers per bucket against the backlog every second (throughputSampler.ts), for paced
 *   throughput while backlogged (pacedThroughput.ts);
 * - verify.ts — the verdict, from the ledger, the results container, the emulator and the host's output
 *   (hostLogs.ts);
 * - report.ts — the table, printed and written into docs/benchmarks.md.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { drive } from './soak/drive.js';
import { planFiles } from './soak/files.js';
import { parseOptions } from './soak/options.js';
import { reportSoak } from './soak/report.js';
import { HostSupervisor, hostPlan } from './soak/hostSupervisor.js';
import { startStack, stopOnInterrupt } from './soak/stack.js';
import { verify } from './soak/verify.js';
import { progress } from './stack.js';

async function main(): Promise<void> {
  const options = parseOptions();
  const logDir = mkdtempSync(path.join(tmpdir(), 'mm-soak-'));
  const shape =
    options.instances === 1
      ? 'a single host'
      : `${options.instances} queue instances + timers + http, fleet news and pacing ${options.fleet ? 'on' : 'off'}`;
  progress('soak', `${options.files} files, seed ${options.seed}, ${shape}; host logs in ${logDir}`);
  const files = planFiles(options.files, options.seed);
  const routes = new Map(files.map((file) => [file.name, file.event]));
  const stack = await startStack(options.seed, (name) => routes.get(name) ?? 'deliver', options.fleet);
  const host = new HostSupervisor(
    stack.hostEnv,
    stack.hostPort,
    logDir,
    options.appRoot,
    hostPlan(options.instances),
    options.seed,
  );
  stopOnInterrupt(stack, host);
  let violations: string[];
  try {
    await host.start();
    const drain = await drive(stack, host, files, options);
    await host.stop();
    const findings = await verify(stack, host.runs, files, drain.links);
    violations = findings.violations;
    reportSoak({
      options,
      files,
      drain,
      findings,
      stats: stack.emulator.stats(),
      limits: stack.emulator.controls.rates.get(),
      kills: host.kills,
    });
  } finally {
    await host.stop();
    await stack.stop();
  }
  console.log(
    violations.length === 0
      ? `SOAK PASSED (host logs: ${logDir})`
      : `SOAK FAILED: ${violations.length} violation(s) (host logs: ${logDir})\n${violations.map((v) => `  - ${v}`).join('\n')}`,
  );
  process.exitCode = violations.length === 0 ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(
    `soak failed to run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exit(2);
});
