import { IntervalRegistry, STANDARD_INTERVALS, UnknownIntervalError, type IntervalSpec, type Window } from './intervals';

const HOUR_MS = 3_600_000;
const iso = (w: Window) => [w.start.toISOString(), w.end.toISOString()];
const hours = (w: Window) => (w.end.getTime() - w.start.getTime()) / HOUR_MS;

describe('IntervalRegistry.standard', () => {
  const utc = IntervalRegistry.standard();

  it('orders each interval after the one it is rolled up from: minute → hour → day → week, day → month → year', () => {
    expect(utc.names()).toEqual(['minute', 'hour', 'day', 'week', 'month', 'year']);
    expect(utc.dependents('day').map((s) => s.name)).toEqual(['week', 'month']);
    expect(utc.dependents('month').map((s) => s.name)).toEqual(['year']);
    expect(utc.all().filter((s) => s.speed).map((s) => s.name)).toEqual(['hour', 'day', 'week', 'month', 'year']);
  });

  it('rolls a year up from its twelve months, in any zone', () => {
    for (const zone of ['UTC', 'America/New_York', 'Asia/Kolkata']) {
      const registry = IntervalRegistry.standard(zone);
      const year = registry.windowAt('year', Date.parse('2028-06-15T00:00:00Z'));
      const months = registry.children(year);
      expect(months).toHaveLength(12);
      expect(months[0]?.start).toEqual(year.start);
      expect(months[11]?.end).toEqual(year.end);
    }
    expect(iso(utc.windowAt('year', Date.parse('2028-12-31T23:59:59Z')))).toEqual(['2028-01-01T00:00:00.000Z', '2029-01-01T00:00:00.000Z']);
  });

  it('truncates in UTC by default', () => {
    const t = Date.parse('2026-11-22T07:42:13.5Z');
    expect(iso(utc.windowAt('minute', t))).toEqual(['2026-11-22T07:42:00.000Z', '2026-11-22T07:43:00.000Z']);
    expect(iso(utc.windowAt('hour', t))).toEqual(['2026-11-22T07:00:00.000Z', '2026-11-22T08:00:00.000Z']);
    expect(iso(utc.windowAt('day', t))).toEqual(['2026-11-22T00:00:00.000Z', '2026-11-23T00:00:00.000Z']);
  });

  it('starts ISO weeks on Monday, across a year boundary', () => {
    // 2026-11-22 is a Sunday: its week began Monday the 16th.
    expect(iso(utc.windowAt('week', Date.parse('2026-11-22T23:59:59Z')))).toEqual(['2026-11-16T00:00:00.000Z', '2026-11-23T00:00:00.000Z']);
    // 2027-01-01 is a Friday: ISO week 2026-W53 runs Mon 2026-12-28 to Mon 2027-01-04.
    expect(iso(utc.windowAt('week', Date.parse('2027-01-01T12:00:00Z')))).toEqual(['2026-12-28T00:00:00.000Z', '2027-01-04T00:00:00.000Z']);
  });

  it('gives months their real lengths, leap February included', () => {
    const days = (at: string) => hours(utc.windowAt('month', Date.parse(at))) / 24;
    expect([days('2026-01-15T00:00:00Z'), days('2026-02-15T00:00:00Z'), days('2028-02-15T00:00:00Z'), days('2026-04-30T23:59:59Z')]).toEqual([31, 28, 29, 30]);
  });

  it('walks next and previous windows and lists windows in a range', () => {
    const day = utc.windowAt('day', Date.parse('2026-02-28T10:00:00Z'));
    expect(iso(utc.next(day))[0]).toBe('2026-03-01T00:00:00.000Z');
    expect(iso(utc.previous(day))[0]).toBe('2026-02-27T00:00:00.000Z');
    expect(utc.windowsBetween('hour', Date.parse('2026-11-22T05:30:00Z'), Date.parse('2026-11-22T08:00:00Z')).map((w) => w.start.getUTCHours())).toEqual([5, 6, 7]);
  });

  it('names the children a window is rolled up from', () => {
    const week = utc.windowAt('week', Date.parse('2026-11-18T00:00:00Z'));
    expect(utc.children(week).map((w) => w.start.toISOString().slice(0, 10))).toEqual([
      '2026-11-16', '2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20', '2026-11-21', '2026-11-22',
    ]);
    expect(utc.children(utc.windowAt('month', Date.parse('2026-02-10T00:00:00Z')))).toHaveLength(28);
    expect(utc.children(utc.windowAt('hour', 0))).toHaveLength(60);
    expect(utc.children(utc.windowAt('minute', 0))).toEqual([]);
  });

  it('refuses a time that is not a window start, and an unknown interval', () => {
    expect(() => utc.windowStartingAt('day', Date.parse('2026-11-22T01:00:00Z'))).toThrow(/not the start of a day window/);
    expect(() => utc.get('fortnight')).toThrow(UnknownIntervalError);
    expect(() => utc.get('fortnight')).toThrow('known: minute, hour, day, week, month, year');
  });
});

describe('reporting time zones', () => {
  it('has 23- and 25-hour days across DST in America/New_York', () => {
    const ny = IntervalRegistry.standard('America/New_York');
    const spring = ny.windowAt('day', Date.parse('2026-03-08T12:00:00Z'));
    expect(iso(spring)).toEqual(['2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z']);
    expect(hours(spring)).toBe(23);
    expect(ny.children(spring)).toHaveLength(23);
    const fall = ny.windowAt('day', Date.parse('2026-11-01T12:00:00Z'));
    expect(hours(fall)).toBe(25);
    expect(ny.children(fall)).toHaveLength(25);
  });

  it('keeps the repeated 01:00 hour of a fall-back night as two distinct one-hour windows', () => {
    const ny = IntervalRegistry.standard('America/New_York');
    const firstOne = ny.windowAt('hour', Date.parse('2026-11-01T05:30:00Z')); // 01:30 EDT
    const secondOne = ny.next(firstOne); // 01:00 EST
    expect(iso(firstOne)).toEqual(['2026-11-01T05:00:00.000Z', '2026-11-01T06:00:00.000Z']);
    expect(iso(secondOne)).toEqual(['2026-11-01T06:00:00.000Z', '2026-11-01T07:00:00.000Z']);
    expect(iso(ny.previous(secondOne))).toEqual(iso(firstOne));
  });

  it('starts hour windows at :30 UTC in Asia/Kolkata, and days at 18:30 UTC', () => {
    const kolkata = IntervalRegistry.standard('Asia/Kolkata');
    expect(iso(kolkata.windowAt('hour', Date.parse('2026-11-22T07:10:00Z')))).toEqual(['2026-11-22T06:30:00.000Z', '2026-11-22T07:30:00.000Z']);
    expect(iso(kolkata.windowAt('day', Date.parse('2026-11-22T20:00:00Z')))).toEqual(['2026-11-22T18:30:00.000Z', '2026-11-23T18:30:00.000Z']);
    expect(iso(kolkata.windowAt('week', Date.parse('2026-11-22T20:00:00Z')))[0]).toBe('2026-11-22T18:30:00.000Z'); // Monday 00:00 IST
  });

  it('refuses an invalid zone', () => {
    expect(() => IntervalRegistry.standard('Mars/Olympus_Mons')).toThrow(/invalid reporting time zone/);
  });
});

describe('adding an interval is one entry', () => {
  const quarterHour: IntervalSpec = {
    name: '15-minute',
    rolledUpFrom: 'minute',
    floor: (t) => t.startOf('hour').plus({ minutes: Math.floor(t.minute / 15) * 15 }),
    step: { minutes: 15 },
    cron: '*/5 * * * *',
    retentionDays: 30,
    speed: true,
  };

  it('registers a 15-minute interval that nests in hours, in any zone', () => {
    for (const zone of ['UTC', 'Asia/Kolkata', 'America/New_York']) {
      const registry = IntervalRegistry.standard(zone).with(quarterHour);
      expect(registry.names()).toContain('15-minute');
      const w = registry.windowAt('15-minute', Date.parse('2026-11-01T05:52:00Z'));
      expect(w.end.getTime() - w.start.getTime()).toBe(15 * 60_000);
      expect(registry.children(w)).toHaveLength(15);
      const hour = registry.windowAt('hour', w.start);
      expect(registry.windowsBetween('15-minute', hour.start, hour.end)).toHaveLength(4);
    }
    expect(iso(IntervalRegistry.standard().with(quarterHour).windowAt('15-minute', Date.parse('2026-11-22T07:42:00Z')))).toEqual([
      '2026-11-22T07:30:00.000Z',
      '2026-11-22T07:45:00.000Z',
    ]);
  });

  it('refuses a duplicate name, an unknown source interval and a cycle', () => {
    expect(() => IntervalRegistry.standard().with({ ...quarterHour, name: 'hour' })).toThrow(/registered twice/);
    expect(() => IntervalRegistry.standard().with({ ...quarterHour, rolledUpFrom: 'fortnight' })).toThrow(/rolled up from unknown interval fortnight/);
    const a = { ...quarterHour, name: 'a', rolledUpFrom: 'b' };
    const b = { ...quarterHour, name: 'b', rolledUpFrom: 'a' };
    expect(() => new IntervalRegistry([...STANDARD_INTERVALS, a, b])).toThrow(/interval cycle/);
  });
});
