/**
 * The soak's file mix: which files are uploaded, what the emulator is scripted to do with each, and the
 * terminal state each must reach. Seeded, so `--seed N` replays the same mix.
 */

/** One uploaded file and the terminal state it must reach. */
export interface PlannedFile {
  readonly name: string;
  readonly expect: 'complete' | 'dead-lettered';
  readonly script: 'plain' | 'mmfail-1' | 'mmfail-2' | 'mmfatal';
  /**
   * What becomes of its BlobCreated event: delivered, dropped (Event Grid gave up), or moved to the poison
   * queue (the trigger failed on it five times). Only the scheduled sweep brings the last two in.
   */
  readonly event: 'deliver' | 'drop' | 'poison';
}

/**
 * N files of the common types; by a seeded shuffle, 4 % fail once and 1 % twice before completing (5 %
 * retryable), and 2 % fail for good; by another, 3 % of their events are dropped and 2 % poisoned. Markers sit between base name and extension, where the emulator reads
 * them, and survive the pipeline's upload-name rewrite (`name--<key>-g1.ext`).
 */
export function planFiles(count: number, seed: number): PlannedFile[] {
  const scripts: PlannedFile['script'][] = Array.from({ length: count }, (_, i) => {
    if (i < Math.round(count * 0.04)) return 'mmfail-1';
    if (i < Math.round(count * 0.05)) return 'mmfail-2';
    if (i < Math.round(count * 0.07)) return 'mmfatal';
    return 'plain';
  });
  shuffle(scripts, seed);
  // Independently of the scripts: 3 % of events dropped, 2 % poisoned (at least one each).
  const dropped = Math.max(1, Math.round(count * 0.03));
  const poisoned = Math.max(1, Math.round(count * 0.02));
  const events: PlannedFile['event'][] = Array.from({ length: count }, (_, i) =>
    i < dropped ? 'drop' : i < dropped + poisoned ? 'poison' : 'deliver',
  );
  shuffle(events, seed + 1);
  const types = ['mp4', 'png', 'mp3', 'pdf', 'jpg'];
  return scripts.map((script, i) => {
    const marker = script === 'plain' ? '' : `.${script}`;
    return {
      name: `soak/f-${String(i).padStart(5, '0')}${marker}.${types[i % types.length] ?? 'mp4'}`,
      expect: script === 'mmfatal' ? 'dead-lettered' : 'complete',
      script,
      event: events[i] ?? 'deliver',
    };
  });
}

/** Fisher–Yates with a small seeded generator (mulberry32), so a seed reproduces the same file mix. */
function shuffle<T>(items: T[], seed: number): void {
  let state = seed >>> 0;
  const random = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
}
