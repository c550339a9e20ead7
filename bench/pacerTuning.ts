/**
 * Evidence for pacer defaults (not part of the default `npm run bench`; run it with `--only pacer-tuning`):
 * the "client + gate only, all at once" side of the goodput benchmark, repeated with variants of the
 * submission_write pacer's options. Every variant is a value `DEFAULT_PACER`
 * (shared/resilience/pacerOptions.ts) or `MEDIAMAGIC_RATE_LIMITS` could hold — no code change — so the table
 * says what a change of defaults alone would buy, and what it would not.
 */
import type { PacerOptions } from '../shared/resilience/bucketGate.js';
import { goodputShare, runClientOnly, type GoodputOptions, type SideResult } from './goodput.js';
import { figure, num, pct, secs, type BenchSection } from './report.js';
import { progress, startBenchAzurite } from './stack.js';

/** One variant: a name and the options it overrides. */
interface Variant {
  readonly name: string;
  readonly pacer: Partial<PacerOptions>;
}

const VARIANTS: readonly Variant[] = [
  { name: 'defaults (learned from accepted answers)', pacer: {} },
  { name: 'learned, decreaseFactor 0.5', pacer: { decreaseFactor: 0.5 } },
  { name: 'learned, increaseShare 0.01 (slower probe)', pacer: { increaseShare: 0.01 } },
  { name: 'learned, slowStartWindow 32', pacer: { slowStartWindow: 32 } },
  { name: 'configured R (20/s, burst 20)', pacer: { ratePerSecond: 20, burst: 20 } },
  {
    name: 'configured R, burstHeadroom 0 (whole burst spent)',
    pacer: { ratePerSecond: 20, burst: 20, burstHeadroom: 0 },
  },
  { name: 'configured 0.95 R (19/s, burst 1)', pacer: { ratePerSecond: 19, burst: 1 } },
];

/** Runs every variant against its own fresh emulator (same limit) and tabulates them. */
export async function runPacerTuning(options: GoodputOptions): Promise<BenchSection> {
  const azurite = await startBenchAzurite();
  const results: SideResult[] = [];
  try {
    for (const variant of VARIANTS) {
      progress('pacer-tuning', variant.name);
      results.push(await runClientOnly(azurite, options, variant.name, variant.pacer));
    }
  } finally {
    await azurite.stop();
  }
  return {
    id: 'pacer-tuning',
    title: 'Pacer tuning (evidence for defaults)',
    mode: options.quick ? 'quick' : 'full',
    comparison: {
      layout: 'sides-as-rows',
      sides: results.map((r) => r.label),
      rows: [
        {
          metric: 'submissions/s ÷ R',
          target: { text: '≥ 0.95', met: (v) => v >= 0.95 },
          figures: results.map((r) => figure(goodputShare(r, options), (v) => num(v, 2))),
        },
        {
          metric: '429 share',
          target: { text: '≤ 2 %', met: (v) => v <= 0.02 },
          figures: results.map((r) => figure(r.createCalls ? r.create429 / r.createCalls : 0, (v) => pct(v))),
        },
        {
          metric: 'files not submitted',
          target: { text: '0', met: (v) => v === 0 },
          figures: results.map((r) => figure(r.notSubmitted, (v) => num(v))),
        },
        { metric: 'wall time', figures: results.map((r) => figure(r.wallMs, (v) => secs(v))) },
        {
          metric: 'calls (of which 429)',
          figures: results.map((r) => ({
            value: r.createCalls,
            text: `${num(r.createCalls)} (${num(r.create429)})`,
          })),
        },
      ],
    },
    notes: [
      `${num(options.files)} pre-uploaded assets submitted at once through the real client and gate against ` +
        `submission_write = ${options.ratePerSecond}/s burst ${options.burst}; hand-offs driven again as the timer would.`,
      ...results.flatMap((r) => r.notes.map((n) => `${r.label}: ${n}`)),
    ],
  };
}
