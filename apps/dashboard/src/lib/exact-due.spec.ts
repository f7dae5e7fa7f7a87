import { IntervalRegistry } from '@hitboard/time';
import { exactDueAt, nextCronMinute } from './exact-due';

const utc = IntervalRegistry.standard('UTC');
const FIVE_MIN = 5 * 60_000;

describe('exactDueAt', () => {
  it('expects an hour at the first 5-minute pass after its end plus the lateness', () => {
    const hour = utc.windowAt('hour', Date.parse('2026-12-07T06:30:00Z'));
    expect(exactDueAt(utc, hour, FIVE_MIN)?.toISOString()).toBe('2026-12-07T07:05:00.000Z');
    expect(exactDueAt(utc, hour, 7 * 60_000)?.toISOString()).toBe('2026-12-07T07:10:00.000Z');
  });

  it('expects a day at the :10 pass after its last hour is rolled up', () => {
    const day = utc.windowAt('day', Date.parse('2026-12-06T12:00:00Z'));
    expect(exactDueAt(utc, day, FIVE_MIN)?.toISOString()).toBe('2026-12-07T00:10:00.000Z');
  });

  it('chains a month through its last day, in the reporting zone', () => {
    const kolkata = IntervalRegistry.standard('Asia/Kolkata');
    const month = kolkata.windowAt('month', Date.parse('2026-11-15T00:00:00Z'));
    // Last hour ends 2026-12-01 00:00 IST; +5 min → hour pass 00:05, day pass 00:10, month pass 00:30 (IST).
    expect(exactDueAt(kolkata, month, FIVE_MIN)?.toISOString()).toBe('2026-11-30T19:00:00.000Z');
  });
});

describe('nextCronMinute', () => {
  it('reads minute and hour fields and refuses what it cannot read', () => {
    expect(nextCronMinute('*/5 * * * *', Date.parse('2026-12-07T07:01:30Z'), 'UTC')?.toISOString()).toBe('2026-12-07T07:05:00.000Z');
    expect(nextCronMinute('10 * * * *', Date.parse('2026-12-07T07:10:00Z'), 'UTC')?.toISOString()).toBe('2026-12-07T07:10:00.000Z');
    expect(nextCronMinute('0 3 * * 1', 0, 'UTC')).toBeNull();
  });
});
