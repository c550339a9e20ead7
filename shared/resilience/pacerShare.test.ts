import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PACER,
  initialPacerState,
  recordResult,
  recordSend,
  type PacerOptions,
  type PacerState,
} from './pacer.js';
import { adoptFleetRate, rescalePacer, shareOptions, withFleetView } from './pacerShare.js';

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
      recovery: { creditedUntil: 1_000, regainTarget: 12 },
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
  it('starts an unpaced newcomer at its part of the fleet’s learned pace', () => {
    const adopted = adoptFleetRate(initialPacerState(DEFAULT_PACER, 0), 6.5);
    expect(adopted.pace.rate).toBe(6.5);
    expect(adopted.pace.learnedRate).toBe(6.5);
  });

  it('leaves a paced state alone, and ignores a rate that is not positive', () => {
    const paced = initialPacerState(CONFIGURED, 0);
    expect(adoptFleetRate(paced, 3)).toBe(paced);
    const unpaced = initialPacerState(DEFAULT_PACER, 0);
    expect(adoptFleetRate(unpaced, 0)).toBe(unpaced);
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

  it('changes nothing when the view is the same', () => {
    const state = withFleetView(initialPacerState(DEFAULT_PACER, 0), 0.5, 3);
    expect(withFleetView(state, 0.5, 3)).toBe(state);
  });
});
