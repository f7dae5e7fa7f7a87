import { demandFactor, isWeekend } from './demand';

describe('demandFactor', () => {
  const monday = Date.parse('2026-11-16T00:00:00Z');
  it('averages 1 over a week, so a rate is a weekly average', () => {
    let sum = 0;
    const steps = 7 * 24 * 12;
    for (let i = 0; i < steps; i++) sum += demandFactor(monday + i * 300_000);
    expect(sum / steps).toBeCloseTo(1, 2);
  });
  it('peaks in the evening, dips at night, and follows the shopper time zone', () => {
    expect(demandFactor(monday + 19 * 3_600_000)).toBeGreaterThan(5 * demandFactor(monday + 3 * 3_600_000));
    expect(demandFactor(monday + 19 * 3_600_000, -5)).toBeCloseTo(demandFactor(monday + 14 * 3_600_000), 6);
  });
  it('knows the weekend', () => {
    expect(isWeekend(monday)).toBe(false);
    expect(isWeekend(monday + 5 * 86_400_000)).toBe(true);
    expect(isWeekend(monday + 6 * 86_400_000 + 23 * 3_600_000)).toBe(true);
  });
});
