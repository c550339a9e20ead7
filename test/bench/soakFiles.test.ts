import { describe, expect, it } from 'vitest';
import { planFiles } from '../../bench/soak/files.js';

describe("the soak's file mix", () => {
  it('drops 3 % of events and poisons 2 % (at least one each), the same for the same seed', () => {
    const plan = planFiles(100, 743003701);
    expect(plan.filter((f) => f.event === 'drop')).toHaveLength(3);
    expect(plan.filter((f) => f.event === 'poison')).toHaveLength(2);
    expect(planFiles(100, 743003701)).toEqual(plan);
    const small = planFiles(10, 1);
    expect(small.filter((f) => f.event === 'drop')).toHaveLength(1);
    expect(small.filter((f) => f.event === 'poison')).toHaveLength(1);
  });

  it('chooses the lost events independently of the scripted outcomes', () => {
    const plan = planFiles(1000, 42);
    const lost = plan.filter((f) => f.event !== 'deliver');
    expect(lost).toHaveLength(50);
    // Some lost events belong to files scripted to fail, and most to plain ones.
    expect(lost.some((f) => f.script !== 'plain')).toBe(true);
    expect(lost.filter((f) => f.script === 'plain').length).toBeGreaterThan(40);
  });
});
