import fc from 'fast-check';
import { DateTime } from 'luxon';
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

describe('every zone of the time-zone database, around its DST transitions', () => {
  const FROM_MS = Date.parse('2025-01-01T00:00:00Z');
  const TO_MS = Date.parse('2028-01-01T00:00:00Z'); // three years: six transitions per DST zone
  const DAY_MS = 86_400_000;
  const zones = Intl.supportedValuesOf('timeZone');
  const offsetAt = (zone: string, ms: number): number => DateTime.fromMillis(ms, { zone }).offset;

  /** Instants where the zone's UTC offset changes in [FROM_MS, TO_MS), to the minute. */
  function transitions(zone: string): number[] {
    const out: number[] = [];
    // Weekly probes, then bisection to the minute (no zone changes its offset twice in a week here).
    for (let week = FROM_MS; week < TO_MS; week += 7 * DAY_MS) {
      if (offsetAt(zone, week) === offsetAt(zone, week + 7 * DAY_MS)) continue;
      let lo = week;
      let hi = week + 7 * DAY_MS;
      while (hi - lo > 60_000) {
        const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
        if (offsetAt(zone, mid) === offsetAt(zone, lo)) lo = mid;
        else hi = mid;
      }
      out.push(hi);
    }
    return out;
  }
  const byZone = new Map(zones.map((z) => [z, transitions(z)]));
  // Windows depend only on the zone's offsets over time: zones with the same offsets at the same
  // instants (aliases, neighbours) give the same windows, so one of each kind is walked.
  const kinds = new Map<string, string>();
  for (const zone of zones) {
    const ts = byZone.get(zone)!;
    const signature = JSON.stringify([offsetAt(zone, FROM_MS), ...ts.map((t) => [t, offsetAt(zone, t)])]);
    if (!kinds.has(signature)) kinds.set(signature, zone);
  }
  const distinct = [...kinds.values()];
  const registries = new Map(distinct.map((z) => [z, IntervalRegistry.standard(z)]));
  const names = IntervalRegistry.standard().names();

  /** Breaks one of the laws: returns what, or null. */
  function lawBroken(registry: IntervalRegistry, interval: string, atMs: number): string | null {
    const w = registry.windowAt(interval, atMs);
    const at = new Date(atMs).toISOString();
    if (!(w.end > w.start)) return `${interval} at ${at}: empty window ${w.start.toISOString()}..${w.end.toISOString()}`;
    if (!(w.start.getTime() <= atMs && atMs < w.end.getTime())) return `${interval} at ${at}: window ${w.start.toISOString()}..${w.end.toISOString()} does not hold it`;
    const next = registry.next(w);
    if (next.start.getTime() !== w.end.getTime()) return `${interval} at ${at}: next starts ${next.start.toISOString()}, not at the end ${w.end.toISOString()}`;
    const prev = registry.previous(next);
    if (prev.start.getTime() !== w.start.getTime()) return `${interval} at ${at}: previous(next(w)) starts ${prev.start.toISOString()}`;
    if (registry.windowStartingAt(interval, w.start).end.getTime() !== w.end.getTime()) return `${interval} at ${at}: windowStartingAt disagrees`;
    const children = registry.children(w);
    if (registry.get(interval).rolledUpFrom !== null) {
      if (children.length === 0) return `${interval} at ${at}: no children`;
      if (children[0]!.start.getTime() !== w.start.getTime() || children[children.length - 1]!.end.getTime() !== w.end.getTime()) {
        return `${interval} at ${at}: children ${children[0]!.start.toISOString()}..${children[children.length - 1]!.end.toISOString()} do not tile ${w.start.toISOString()}..${w.end.toISOString()}`;
      }
      for (let i = 1; i < children.length; i++) if (children[i]!.start.getTime() !== children[i - 1]!.end.getTime()) return `${interval} at ${at}: children leave a gap`;
    }
    return null;
  }

  it('has DST transitions to test (Australia/Lord_Howe shifts by 30 minutes)', () => {
    expect(zones.length).toBeGreaterThan(300);
    expect(distinct).toContain('Australia/Lord_Howe');
    const lordHowe = byZone.get('Australia/Lord_Howe') ?? [];
    expect(lordHowe.length).toBeGreaterThanOrEqual(6);
    expect(Math.abs(offsetAt('Australia/Lord_Howe', lordHowe[0]!) - offsetAt('Australia/Lord_Howe', lordHowe[0]! - 60_000))).toBe(30);
  });

  it('gives Lord Howe a 90-minute fall-back hour instead of the empty [14:00Z, 14:00Z)', () => {
    const registry = IntervalRegistry.standard('Australia/Lord_Howe');
    expect(iso(registry.windowAt('hour', Date.parse('2026-04-04T14:40:00Z')))).toEqual(['2026-04-04T14:00:00.000Z', '2026-04-04T15:30:00.000Z']);
    const hoursOfDay = registry.windowsBetween('hour', Date.parse('2026-04-04T13:30:00Z'), Date.parse('2026-04-05T13:30:00Z'));
    expect(hoursOfDay).toHaveLength(24); // from the 13:00Z hour; one of them 90 minutes long
    expect(hoursOfDay.every((w) => w.end > w.start)).toBe(true);
  });

  it('walks every hour and day window across every transition of every zone without a gap or an empty window', () => {
    const broken: string[] = [];
    for (const zone of distinct) {
      const registry = registries.get(zone)!;
      for (const t of byZone.get(zone)!) {
        for (const [interval, spanMs] of [['hour', DAY_MS / 2], ['day', 2 * DAY_MS]] as const) {
          let w = registry.windowAt(interval, t - spanMs);
          while (w.start.getTime() < t + spanMs && broken.length < 5) {
            const next = registry.next(w);
            if (!(w.end > w.start) || next.start.getTime() !== w.end.getTime()) broken.push(`${zone} ${interval} ${w.start.toISOString()}..${w.end.toISOString()}`);
            w = next;
          }
        }
      }
    }
    expect(broken).toEqual([]);
  }, 300_000); // hundreds of zones × six transitions: seconds alone, minutes on a shared machine

  it('holds end > start, next(w).start = w.end, and children tile the parent, for every zone and interval near a transition', () => {
    const near = fc
      .constantFrom(...distinct)
      .chain((zone) => {
        const ts = byZone.get(zone)!;
        const instant = ts.length === 0 ? fc.integer({ min: FROM_MS, max: TO_MS }) : fc.tuple(fc.constantFrom(...ts), fc.integer({ min: -3 * DAY_MS, max: 3 * DAY_MS })).map(([t, d]) => t + d);
        return fc.tuple(fc.constant(zone), fc.constantFrom(...names), fc.oneof(instant, fc.integer({ min: FROM_MS, max: TO_MS })));
      });
    fc.assert(
      fc.property(near, ([zone, interval, atMs]) => {
        expect(lawBroken(registries.get(zone)!, interval, atMs)).toBeNull();
      }),
      { numRuns: 1000 },
    );
  }, 300_000);
});
