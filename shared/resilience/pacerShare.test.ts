import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PACER,
  initialPacerState,
  recordResult,
  recordSend,
  spendableBurst,
  type PacerOptions,
  type PacerState,
} from './pacer.js';
import {
  adoptFleetCut,
  adoptFleetRate,
  FLEET_ALIGN_QUIET_MS,
  rereadFirstRate,
  rescalePacer,
  shareOptions,
  withFleetView,
} from './pacerShare.js';

const CONFIGURED: PacerOptions = { ...DEFAULT_PACER, ratePerSecond: 20, burst: 20 };

describe('shareOptions', () => {
  it('scales what is the fleet’s — a configured rate, the burst, the floor, the additive probe, the window', () => {
    const quarter = shareOptions(CONFIGURED, 0.25);
    expect(quarter).toMatchObject({
      ratePerSecond: 5,
      burst: 5,
      minRatePerSecond: DEFAULT_PACER.minRatePerSecond * 0.25,
      increasePerSecond: DEFAULT_PACER.increasePerSecond * 0.25,
      slowStartWindow: 2,
    });
    // Proportions and times are the same for every part.
    for (const key of [
      'burstHeadroom',
      'decreaseFactor',
      'increaseShare',
      'defaultPauseMs',
      'regainMs',
    ] as const) {
      expect(quarter[key]).toBe(CONFIGURED[key]);
    }
  });

  it('leaves a fleet of any size the same headroom as one process: the shares spend at most its 15 of 20', () => {
    // Each process's headroom was rounded down to whole tokens, and a share of a burst of 20 below four
    // tokens kept none: eight processes could together spend the server's whole burst.
    const alone = spendableBurst(CONFIGURED);
    expect(alone).toBe(15);
    for (let processes = 2; processes <= 10; processes += 1) {
      const part = spendableBurst(shareOptions(CONFIGURED, 1 / processes));
      expect(part * processes).toBeCloseTo(alone, 10);
    }
  });

  it('never scales the burst or the slow-start window below one', () => {
    const tiny = shareOptions(CONFIGURED, 0.01);
    expect(tiny.burst).toBe(1);
    expect(tiny.slowStartWindow).toBe(1);
  });

  it('leaves a learned bucket learned', () => {
    expect(shareOptions(DEFAULT_PACER, 0.5).ratePerSecond).toBeUndefined();
  });

  it('is the identity for a whole share', () => {
    expect(shareOptions(CONFIGURED, 1)).toBe(CONFIGURED);
  });
});

describe('rescalePacer', () => {
  it('scales the pace, the learned rate, the pace being regained and the window; keeps the schedule', () => {
    const base = initialPacerState(DEFAULT_PACER, 1_000);
    const state = {
      ...base,
      pace: { rate: 10, learnedRate: 9, theoreticalArrivalAt: 5_000 },
      recovery: { creditedUntil: 1_000, heldBackMsCredited: 0, regainTarget: 12 },
    };
    const scaled = rescalePacer(state, 0.5);
    expect(scaled.pace).toEqual({ rate: 5, learnedRate: 4.5, theoreticalArrivalAt: 5_000 });
    expect(scaled.recovery.regainTarget).toBe(6);
    expect(scaled.sending.window).toBe(DEFAULT_PACER.slowStartWindow * 0.5);
    expect(scaled.accepts).toBe(state.accepts);
  });

  it('keeps an unpaced state unpaced', () => {
    const scaled = rescalePacer(initialPacerState(DEFAULT_PACER, 0), 2);
    expect(scaled.pace.rate).toBeUndefined();
    expect(scaled.sending.window).toBe(DEFAULT_PACER.slowStartWindow * 2);
  });
});

describe('adoptFleetRate', () => {
  const now = 100_000;
  const learned = (rate: number, episodeUntil = Number.NEGATIVE_INFINITY): PacerState => {
    const base = initialPacerState(DEFAULT_PACER, 0);
    return {
      ...base,
      pace: { rate, learnedRate: rate, theoreticalArrivalAt: now },
      episode: { ...base.episode, lastsAtLeastUntil: episodeUntil },
    };
  };

  it('starts an unpaced newcomer at its part of the fleet’s learned pace', () => {
    const adopted = adoptFleetRate(initialPacerState(DEFAULT_PACER, 0), DEFAULT_PACER, now, 6.5);
    expect(adopted.pace.rate).toBe(6.5);
    expect(adopted.pace.learnedRate).toBe(6.5);
  });

  it('raises a learned pace far below the fleet’s to it once its latest episode is quiet', () => {
    expect(adoptFleetRate(learned(1), DEFAULT_PACER, now, 3).pace).toMatchObject({ rate: 3, learnedRate: 3 });
    // Within the quiet time after its own episode began, the others' reports may predate the cut: kept.
    const recent = learned(1, now - FLEET_ALIGN_QUIET_MS + 1);
    expect(adoptFleetRate(recent, DEFAULT_PACER, now, 3)).toBe(recent);
    const quiet = learned(1, now - FLEET_ALIGN_QUIET_MS);
    expect(adoptFleetRate(quiet, DEFAULT_PACER, now, 3).pace.rate).toBe(3);
  });

  it('never lowers a pace, and leaves one within a blind step of the fleet’s alone (the probe closes that)', () => {
    const high = learned(5);
    expect(adoptFleetRate(high, DEFAULT_PACER, now, 3)).toBe(high);
    const near = learned(2.5);
    expect(adoptFleetRate(near, DEFAULT_PACER, now, 3)).toBe(near);
  });

  it('leaves a configured pace alone, and ignores a rate that is not positive', () => {
    const paced = initialPacerState(CONFIGURED, 0);
    expect(adoptFleetRate(paced, CONFIGURED, now, 30)).toBe(paced);
    const unpaced = initialPacerState(DEFAULT_PACER, 0);
    expect(adoptFleetRate(unpaced, DEFAULT_PACER, now, 0)).toBe(unpaced);
  });
});

describe('withFleetView: a rate learned in a fleet is this process’s part of what the fleet got through', () => {
  /** Unpaced slow start: `sends` sends accepted over 2 s, then one refused with Retry-After 1 s. */
  function learnAfter(state: PacerState, sends: number): PacerState {
    let s = state;
    const t0 = 1_000_000;
    for (let i = 0; i < sends; i += 1) {
      const at = t0 + (2_000 * i) / sends;
      s = recordSend(s, at, true);
      s = recordResult(s, DEFAULT_PACER, at + 5, { kind: 'accepted' });
    }
    s = recordSend(s, t0 + 2_000, true);
    return recordResult(s, DEFAULT_PACER, t0 + 2_010, { kind: 'rate-limited', retryAfterMs: 1_000 });
  }

  it('alone, the rate is what this process got through', () => {
    const learned = learnAfter(initialPacerState(DEFAULT_PACER, 1_000_000), 10);
    expect(learned.pace.rate).toBeCloseTo(5, 0); // 10 accepted over ~2 s
  });

  it('at half the fleet while the other process sent 15/s, half of the 20/s the fleet got through', () => {
    // In slow start the shares are equal but the sends are not: this process sent 5/s, the other 15/s.
    const view = withFleetView(initialPacerState(DEFAULT_PACER, 1_000_000), 0.5, 15);
    const learned = learnAfter(view, 10);
    expect(learned.pace.rate).toBeCloseTo(0.5 * (5 + 15), 0);
  });

  it('a first rate is the part of the fleet’s sum even where this process’s own reading is higher', () => {
    // Its own reading holds the server's initial burst and its sends in flight: eight processes starting
    // together each took theirs, and believed in 35–50/s for a 20/s key.
    const view = withFleetView(initialPacerState(DEFAULT_PACER, 1_000_000), 0.25, 4);
    const learned = learnAfter(view, 10);
    expect(learned.pace.rate).toBeCloseTo(0.25 * (5 + 4), 0); // not its own 5/s
  });

  it('changes nothing when the view is the same', () => {
    const state = withFleetView(initialPacerState(DEFAULT_PACER, 0), 0.5, 3);
    expect(withFleetView(state, 0.5, 3)).toBe(state);
  });
});

describe('rereadFirstRate: a first rate learned before the roster showed the others', () => {
  const learnedAt = (rate: number): PacerState => {
    const base = initialPacerState(DEFAULT_PACER, 0);
    return { ...base, pace: { rate, learnedRate: rate, theoreticalArrivalAt: 0 } };
  };

  it('becomes this process’s part of what it and the others sent: 11/s alone, then half of 11 + 9', () => {
    // Learned at share 1 (11/s), then halved with the share when the other process appeared: 5.5/s.
    const halved = rescalePacer(learnedAt(11), 0.5);
    const reread = rereadFirstRate(halved, DEFAULT_PACER, 11, 0.5, 9);
    expect(reread.pace).toMatchObject({ rate: 10, learnedRate: 10 });
  });

  it('never lowers a pace, and leaves a configured or unpaced one alone', () => {
    const high = learnedAt(12);
    expect(rereadFirstRate(high, DEFAULT_PACER, 11, 0.5, 9)).toBe(high);
    const configured = initialPacerState(CONFIGURED, 0);
    expect(rereadFirstRate(configured, CONFIGURED, 11, 0.5, 9)).toBe(configured);
    const unpaced = initialPacerState(DEFAULT_PACER, 0);
    expect(rereadFirstRate(unpaced, DEFAULT_PACER, 11, 0.5, 9)).toBe(unpaced);
  });
});

describe('adoptFleetCut', () => {
  const now = 50_000;
  const paced = (rate: number): PacerState => {
    const base = initialPacerState(DEFAULT_PACER, 1_000);
    return {
      ...base,
      pace: { rate, learnedRate: rate, theoreticalArrivalAt: now },
      accepts: { ...base.accepts, count: 40 },
    };
  };

  it('lowers the pace to its part of the cut and starts an episode here, anchored now', () => {
    const cut = adoptFleetCut(paced(10), DEFAULT_PACER, now, 8.5);
    expect(cut.pace).toMatchObject({ rate: 8.5, learnedRate: 8.5, theoreticalArrivalAt: now });
    expect(cut.episode.measuredFrom?.accepted).toBe(40);
    expect(cut.episode.lastsAtLeastUntil).toBe(now + DEFAULT_PACER.defaultPauseMs);
    // The pace it had is regained within seconds unless this process's own 429s confirm the cut.
    expect(cut.recovery).toEqual({ creditedUntil: now, heldBackMsCredited: 0, regainTarget: 10 });
  });

  it('lowers by at most one blind step: one process’s misreading cannot drag the fleet down', () => {
    const cut = adoptFleetCut(paced(10), DEFAULT_PACER, now, 2);
    expect(cut.pace.rate).toBe(10 * DEFAULT_PACER.decreaseFactor);
  });

  it('keeps a pace at or below the cut, but still starts the episode (the same congestion)', () => {
    const kept = adoptFleetCut(paced(5), DEFAULT_PACER, now, 6);
    expect(kept.pace.rate).toBe(5);
    expect(kept.episode.lastsAtLeastUntil).toBe(now + DEFAULT_PACER.defaultPauseMs);
  });

  it('gives an unpaced process the cut as its first rate, and a configured rate caps it', () => {
    const unpaced = initialPacerState(DEFAULT_PACER, 1_000);
    expect(adoptFleetCut(unpaced, DEFAULT_PACER, now, 6).pace.rate).toBe(6);
    const configured = { ...DEFAULT_PACER, ratePerSecond: 4 };
    const capped = adoptFleetCut(paced(10), configured, now, 9);
    expect(capped.pace).toMatchObject({ rate: 4, learnedRate: undefined });
  });

  it('ignores a cut that is not a rate', () => {
    const state = paced(10);
    expect(adoptFleetCut(state, DEFAULT_PACER, now, 0)).toBe(state);
    expect(adoptFleetCut(state, DEFAULT_PACER, now, Number.NaN)).toBe(state);
  });
});
