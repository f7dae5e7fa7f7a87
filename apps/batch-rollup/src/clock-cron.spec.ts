import { DateTime } from 'luxon';
import { ManualClock } from '@hitboard/runtime';
import { ClockCron, cronMatches } from './clock-cron';

const at = (iso: string, zone = 'UTC') => DateTime.fromISO(iso, { zone });

describe('cronMatches', () => {
  it('reads the five fields the registry uses: steps, fixed minutes, ranges, lists, weekdays (0 and 7 = Sunday)', () => {
    expect(cronMatches('*/5 * * * *', at('2026-12-07T10:05:00Z'))).toBe(true);
    expect(cronMatches('*/5 * * * *', at('2026-12-07T10:06:00Z'))).toBe(false);
    expect(cronMatches('10 * * * *', at('2026-12-07T23:10:00Z'))).toBe(true);
    expect(cronMatches('10 * * * *', at('2026-12-07T23:11:00Z'))).toBe(false);
    expect(cronMatches('0 6 * * 1-5', at('2026-12-07T06:00:00Z'))).toBe(true); // a Monday
    expect(cronMatches('0 6 * * 1-5', at('2026-12-06T06:00:00Z'))).toBe(false); // a Sunday
    expect(cronMatches('0 6 * * 0', at('2026-12-06T06:00:00Z'))).toBe(true);
    expect(cronMatches('0 6 * * 7', at('2026-12-06T06:00:00Z'))).toBe(true);
    expect(cronMatches('0,30 0 1 1 *', at('2027-01-01T00:30:00Z'))).toBe(true);
    expect(cronMatches('0,30 0 1 1 *', at('2027-01-02T00:30:00Z'))).toBe(false);
  });

  it('matches the wall time of the zone it is given (Kolkata: :05 local is :35 UTC)', () => {
    expect(cronMatches('*/5 * * * *', at('2090-12-31T18:35:00Z').setZone('Asia/Kolkata'))).toBe(true);
    expect(cronMatches('*/5 * * * *', at('2090-12-31T18:30:00Z').setZone('Asia/Kolkata'))).toBe(true);
    expect(cronMatches('*/5 * * * *', at('2090-12-31T18:32:00Z').setZone('Asia/Kolkata'))).toBe(false);
  });

  it('refuses what it does not read, instead of never firing', () => {
    expect(() => cronMatches('*/5 * * *', at('2026-12-07T10:05:00Z'))).toThrow(/5 fields/);
    expect(() => cronMatches('0 6 * * MON', at('2026-12-07T10:05:00Z'))).toThrow(/MON/);
  });
});

describe('ClockCron', () => {
  it('fires a job once when the one clock enters a matching minute, not when the wall clock does', () => {
    const clock = new ManualClock(Date.parse('2090-12-31T18:29:30Z'));
    const cron = new ClockCron('Asia/Kolkata', clock);
    const fired: string[] = [];
    cron.schedule('*/5 * * * *', () => fired.push(clock.date().toISOString()));
    cron.tick(); // the minute it starts in is not a tick (node-cron would not fire mid-minute either)
    clock.advance(20_000);
    cron.tick(); // 18:29:50
    expect(fired).toEqual([]);
    clock.advance(10_000);
    cron.tick(); // 18:30:00 = 00:00 IST
    cron.tick(); // the same minute again: nothing more
    clock.advance(60_000);
    cron.tick(); // 00:01 IST
    expect(fired).toEqual(['2090-12-31T18:30:00.000Z']);
    clock.advance(4 * 60_000);
    cron.tick(); // 00:05 IST
    expect(fired).toEqual(['2090-12-31T18:30:00.000Z', '2090-12-31T18:35:00.000Z']);
  });
});
