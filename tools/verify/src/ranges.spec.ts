import { IntervalRegistry } from '@hitboard/time';
import { pickRanges, type RangeChoice } from './ranges';

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const named = (picks: ReturnType<typeof pickRanges>) => Object.fromEntries(picks.map((p) => [p.name, `${iso(p.fromMs)} ${(p.toMs - p.fromMs) / HOUR}h`]));
const FIXED: RangeChoice = { random: 0, seed: 1, maxRangeDays: 400 };

describe('pickRanges', () => {
  // Asia/Kolkata: hours start at :30 UTC, local midnight is 18:30 UTC.
  const kolkata = IntervalRegistry.standard('Asia/Kolkata');
  const from = Date.parse('2026-11-20T00:00:00Z');
  const to = Date.parse('2026-11-22T05:10:00Z');

  it('picks every hour, the last 36 hours and a span across the first local midnight, aligned to the zone’s hours', () => {
    expect(named(pickRanges(kolkata, from, to, FIXED))).toEqual({
      // The hour windows overlapping the span: from the one holding its first instant to the one holding its last.
      'every hour': '2026-11-19T23:30:00.000Z 54h',
      'last 36 hours': '2026-11-20T17:30:00.000Z 36h',
      'across a day boundary': '2026-11-20T12:30:00.000Z 12h', // 6 h either side of 2026-11-21 00:00 local (18:30 UTC)
    });
  });

  it('keeps the last days of a range longer than the dashboard answers, and asks for a repeated range once', () => {
    const picks = pickRanges(kolkata, from, to, { ...FIXED, maxRangeDays: 1 });
    expect(picks.map((p) => p.toMs - p.fromMs)).toEqual([24 * HOUR, 12 * HOUR]); // every hour and the last 36 became the same last day
    expect(picks[0]).toMatchObject({ name: 'every hour', toMs: Date.parse('2026-11-22T05:30:00Z') });
  });

  it('picks no day boundary where the span has none, and nothing from an empty span', () => {
    const utc = IntervalRegistry.standard('UTC');
    const morning = pickRanges(utc, Date.parse('2026-11-20T03:00:00Z'), Date.parse('2026-11-20T09:00:00Z'), FIXED);
    expect(morning.map((p) => p.name)).toEqual(['every hour']); // 6 hours: the last 36 are all of them
    expect(pickRanges(utc, from, from, FIXED)).toEqual([]);
  });

  it('adds seeded random ranges inside the span: the same for the same seed, others for another', () => {
    const a = pickRanges(kolkata, from, to, { ...FIXED, random: 5, seed: 7 });
    expect(pickRanges(kolkata, from, to, { ...FIXED, random: 5, seed: 7 })).toEqual(a);
    const random = a.filter((p) => p.name.startsWith('random'));
    expect(random.length).toBeGreaterThanOrEqual(3);
    for (const r of random) {
      expect(r.fromMs).toBeGreaterThanOrEqual(Date.parse('2026-11-19T23:30:00Z'));
      expect(r.toMs).toBeLessThanOrEqual(Date.parse('2026-11-22T05:30:00Z'));
      expect(r.toMs).toBeGreaterThan(r.fromMs);
      expect(new Date(r.fromMs).getUTCMinutes()).toBe(30);
      expect(new Date(r.toMs).getUTCMinutes()).toBe(30);
    }
    expect(pickRanges(kolkata, from, to, { ...FIXED, random: 5, seed: 8 })).not.toEqual(a);
  });
});
